#!/usr/bin/env node
// Runs the compiled server (npm install builds it into dist/ through the "prepare" script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = fileURLToPath(new URL("../dist/src/cli/warren-server.js", import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write("warren-server: dist/ is missing; run `npm install` (or `npm run build`) in the checkout first\n");
  process.exit(1);
}
await import(compiled);
