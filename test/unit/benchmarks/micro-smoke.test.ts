/**
 * The micro-benchmarks of the hot functions (frame parse, encode deliver, route, topic match,
 * store append) still run: each is started with --quick and must exit 0 having printed its
 * figures. They are what shows a regression before it reaches the macro numbers, so they must
 * not rot unnoticed. No figure is asserted: timings are not test results on a shared machine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPOSITORY = fileURLToPath(new URL("../../..", import.meta.url));

for (const [bench, expected] of [
  ["codec", /deliverFrames .* ops\/s/],
  ["topic", /topic, .* bindings/],
  ["store", /group commit, 1 queue/],
  ["publish", /fanout to 10 queues, counted: .* publishes\/s of CPU/],
] as const) {
  test(`benchmarks/micro/${bench}.bench.ts --quick runs and prints its figures`, { timeout: 120_000 }, () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", `benchmarks/micro/${bench}.bench.ts`, "--quick"], {
      cwd: REPOSITORY,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `exit ${run.status}:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, expected);
  });
}
