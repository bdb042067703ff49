#!/usr/bin/env node
// Links this package's own bins (warren-server, warrenctl) into node_modules/.bin, so that
// `npx warren-server` in a checkout runs this checkout's server. npm links the bins of
// dependencies only; without this, npx would look for a package of that name in the registry.
import { mkdirSync, readFileSync, rmSync, symlinkSync, chmodSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.cwd();
const { bin } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const binDirectory = join(root, "node_modules", ".bin");
mkdirSync(binDirectory, { recursive: true });
for (const [name, target] of Object.entries(bin)) {
  const link = join(binDirectory, name);
  rmSync(link, { force: true });
  symlinkSync(relative(binDirectory, join(root, target)), link);
  chmodSync(join(root, target), 0o755);
}
