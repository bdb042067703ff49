import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulation } from "./simulation.js";
import { sweep } from "./sweep.js";

/**
 * The short sweep every test run does: a few dozen whole-cluster simulations with every fault
 * class on. The long sweep is `npm run sim -- --seeds 10000` (docs/internals/raft.md).
 */
const SHORT_SWEEP_SEEDS = 40;

test(`the simulator's short sweep (${SHORT_SWEEP_SEEDS} seeds) finds no violation`, () => {
  const result = sweep(1, SHORT_SWEEP_SEEDS);
  const report = result.failures.map((failure) => `seed ${failure.seed}: ${failure.violation} (replay: npm run sim -- --seed ${failure.seed})`);
  assert.deepEqual(report, []);
});

test("a seed replays exactly", () => {
  const first = new Simulation({ seed: 7 }).run();
  const second = new Simulation({ seed: 7 }).run();
  assert.deepEqual(second, first);
  assert.ok(first.committed > 0, "the run committed entries");
  assert.ok(first.operations > 0, "the clients did something");
});
