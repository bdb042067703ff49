/**
 * The simulator's command line.
 *   npm run sim -- --seeds 200            seeds 1..200 (or --from N to start elsewhere)
 *   npm run sim -- --seed 17              replays seed 17 exactly, with its trace on a violation
 *   npm run sim -- --seed 17 --trace      prints every event
 *   npm run sim -- --seeds 50 --bug voteWithoutLogCheck   with a planted bug (see src/raft/options.ts)
 */
import type { PlantedFaults } from "../../src/raft/index.js";
import { Simulation } from "./simulation.js";
import { shrink, sweep } from "./sweep.js";
import { FAULT_CLASSES, type FaultClass } from "./world.js";

const args = process.argv.slice(2);
const value = (flag: string) => {
  const position = args.indexOf(flag);
  return position === -1 ? undefined : args[position + 1];
};
const bug = value("--bug");
const raftFaults: PlantedFaults | undefined = bug === undefined ? undefined : { [bug]: true };
const seedArgument = value("--seed");

if (seedArgument !== undefined) {
  const seed = Number(seedArgument);
  const disabled = new Set((value("--without") ?? "").split(",").filter((fault): fault is FaultClass => (FAULT_CLASSES as readonly string[]).includes(fault)));
  const faultPhaseMs = value("--fault-ms") === undefined ? undefined : Number(value("--fault-ms"));
  const lines: string[] = [];
  const trace = args.includes("--trace") ? (line: string) => console.log(line) : (line: string) => lines.push(line);
  const result = new Simulation({ seed, raftFaults, disabled, faultPhaseMs, trace }).run();
  if (result.violation === null) {
    console.log(`seed ${seed}: ok (${result.nodes} nodes, ${result.groups} groups, ${result.events} events, ${result.operations} operations, ${result.committed} entries committed)`);
  } else {
    if (!args.includes("--trace")) for (const line of lines.slice(-60)) console.log(line);
    console.log(`seed ${seed}: VIOLATION ${result.violation}`);
    process.exitCode = 1;
  }
} else {
  const count = Number(value("--seeds") ?? 100);
  const first = Number(value("--from") ?? 1);
  const result = sweep(first, count, raftFaults, (failure) => {
    console.log(`seed ${failure.seed}: VIOLATION ${failure.violation?.split("\n")[0]}`);
    console.log(`  replay: npm run sim -- --seed ${failure.seed}${bug ? ` --bug ${bug}` : ""}`);
    if (args.includes("--shrink")) {
      const shrunk = shrink(failure.seed, raftFaults);
      if (shrunk !== null) console.log(`  shrunk: npm run sim -- --seed ${failure.seed} --fault-ms ${shrunk.faultPhaseMs}${shrunk.disabled.length ? ` --without ${shrunk.disabled.join(",")}` : ""}${bug ? ` --bug ${bug}` : ""}`);
    }
  });
  const seconds = result.elapsedMs / 1000;
  console.log(`${result.seeds} seeds, ${result.failures.length} violations`);
  console.log(`(${result.events} events in ${seconds.toFixed(1)}s: ${Math.round((result.seeds / seconds) * 60)} seeds/min, ${Math.round(result.events / seconds)} events/s)`);
  if (result.failures.length > 0) process.exitCode = 1;
}
