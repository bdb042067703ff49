import type { PlantedFaults } from "../../src/raft/index.js";
import { Simulation, type SimulationResult } from "./simulation.js";
import { FAULT_CLASSES, type FaultClass } from "./world.js";

export interface SweepResult {
  readonly seeds: number;
  readonly failures: SimulationResult[];
  readonly events: number;
  readonly elapsedMs: number;
}

/** Runs seeds first..first+count-1 and collects the failing ones. */
export function sweep(first: number, count: number, raftFaults?: PlantedFaults, onFailure?: (result: SimulationResult) => void): SweepResult {
  const started = performance.now();
  const failures: SimulationResult[] = [];
  let events = 0;
  for (let seed = first; seed < first + count; seed++) {
    const result = new Simulation({ seed, raftFaults }).run();
    events += result.events;
    if (result.violation !== null) {
      failures.push(result);
      onFailure?.(result);
    }
  }
  return { seeds: count, failures, events, elapsedMs: performance.now() - started };
}

/**
 * Shrinks a failing seed: turns fault classes off one at a time, keeping each off while the seed
 * still fails, then shortens the fault phase while it still fails. What is left is the smallest set
 * of faults (and the shortest run) this seed needs to break the core.
 */
export function shrink(seed: number, raftFaults?: PlantedFaults): { disabled: FaultClass[]; faultPhaseMs: number; violation: string } | null {
  const fails = (disabled: Set<FaultClass>, faultPhaseMs: number) =>
    new Simulation({ seed, raftFaults, disabled, faultPhaseMs }).run().violation;
  let faultPhaseMs = 3000;
  let violation = fails(new Set(), faultPhaseMs);
  if (violation === null) return null;
  const disabled = new Set<FaultClass>();
  for (const fault of FAULT_CLASSES) {
    disabled.add(fault);
    const result = fails(disabled, faultPhaseMs);
    if (result === null) disabled.delete(fault);
    else violation = result;
  }
  for (const shorter of [2000, 1000, 500, 250]) {
    const result = fails(disabled, shorter);
    if (result === null) break;
    faultPhaseMs = shorter;
    violation = result;
  }
  return { disabled: [...disabled], faultPhaseMs, violation };
}
