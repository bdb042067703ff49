import { test } from "node:test";
import assert from "node:assert/strict";
import type { PlantedFaults } from "../../src/raft/index.js";
import { Simulation } from "./simulation.js";

/**
 * The simulator's teeth: each known bug planted in the core (RaftOptions.faults) must be caught
 * within the default sweep's seeds (npm run sim, seeds 1..100). The seeds are searched in order and
 * the first failing one is reported, so a weakened simulator shows as a test failure here.
 */
const DEFAULT_SWEEP_SEEDS = 100;

function firstFailingSeed(faults: PlantedFaults): { seed: number; violation: string } | null {
  for (let seed = 1; seed <= DEFAULT_SWEEP_SEEDS; seed++) {
    const result = new Simulation({ seed, raftFaults: faults }).run();
    if (result.violation !== null) return { seed, violation: result.violation };
  }
  return null;
}

for (const [bug, description] of [
  ["voteWithoutLogCheck", "a vote granted without the log check"],
  ["commitEarlierTermByCounting", "an earlier term's entry committed by counting replicas"],
  ["ackBeforePersist", "a follower acknowledging entries before they are durable"],
] as const) {
  test(`${description} is caught within the default seeds`, (t) => {
    const found = firstFailingSeed({ [bug]: true });
    assert.ok(found !== null, `no seed of 1..${DEFAULT_SWEEP_SEEDS} caught ${bug}`);
    t.diagnostic(`seed ${found.seed}: ${found.violation}`);
  });
}
