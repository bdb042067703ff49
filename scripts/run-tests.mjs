#!/usr/bin/env node
// Runs the default test suite: type-check, then every *.test.ts under the given
// folders (default: test/unit test/integration test/fuzz test/store test/wal test/durability test/deploy test/docker test/sim) with node's test runner.
// Node 20's runner does not glob .ts files, so we list them here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const skipTypecheck = args.includes("--no-typecheck");
const roots = args.filter((a) => !a.startsWith("--"));
const folders = roots.length > 0 ? roots : ["test/unit", "test/integration", "test/fuzz", "test/store", "test/wal", "test/durability", "test/deploy", "test/docker", "test/sim"];

function collect(path, out) {
  let st;
  try { st = statSync(path); } catch { return out; }
  if (st.isFile()) { if (path.endsWith(".test.ts")) out.push(path); return out; }
  for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  return out;
}

if (!skipTypecheck) {
  const tsc = spawnSync("npx", ["tsc", "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
  if (tsc.status !== 0) { console.error("type check failed"); process.exit(tsc.status ?? 1); }
}

const files = folders.flatMap((f) => collect(f, []));
if (files.length === 0) { console.error(`no test files under ${folders.join(", ")}`); process.exit(1); }
const concurrency = process.env.WARREN_TEST_CONCURRENCY ?? "2";
// A test that hangs fails after 10 minutes (the crash tests set their own, longer limits), and
// the whole run is stopped after 40, so a hang shows as a failure, not as CI's time running out.
const RUN_TIMEOUT_MS = 40 * 60 * 1000;
const run = spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=600000", ...files], {
  stdio: "inherit",
  timeout: RUN_TIMEOUT_MS,
  killSignal: "SIGTERM",
});
if (run.error?.code === "ETIMEDOUT") console.error(`the test run did not finish within ${RUN_TIMEOUT_MS / 60000} minutes and was stopped (a test file kept running: open handles?)`);
process.exit(run.status ?? 1);
