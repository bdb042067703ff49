/**
 * Warren against RabbitMQ on this machine, with the same load generator, in one run:
 *   node --import tsx benchmarks/compare.ts [--scenario S1[,S2...]|all] [--rounds 3] [--quick]
 *       [--targets warren,rabbitmq,sink] [--mode inline|threads|processes] [--markdown] [--json FILE] [--svg FILE]
 * Each scenario gets fresh brokers; its runs alternate Warren, RabbitMQ (A B A B ...), then the
 * sink for the generator's ceiling, so drift on a shared machine falls on both brokers alike.
 * Around every run the broker's peak RSS (VmHWM, reset before the run, and VmRSS sampled) and its
 * CPU time (/proc/PID/stat) are read. Exits non-zero if any run failed.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { captionOf, chartRows, renderSvg, type PlainResults } from "./chart.js";
import { readCpuSeconds, readMemory, resetPeakMemory, sampleMemory } from "./procfs.js";
import { delay, INSTALL_COMMAND, rabbitMqInstalled } from "./rabbitmq.js";
import { findScenarios, RESOURCE_METRICS, type Figures, type Scenario } from "./scenarios.js";
import { renderTable, type Results } from "./table.js";
import { startTarget, type Target, type TargetName } from "./targets.js";

/** Between two runs: lets the previous run's queues go and the broker's GC settle. */
const PAUSE_BETWEEN_RUNS_MS = 1_000;

const { values: flags } = parseArgs({
  options: {
    scenario: { type: "string", default: "S1" },
    rounds: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    targets: { type: "string", default: "warren,rabbitmq,sink" },
    markdown: { type: "boolean", default: false },
    json: { type: "string" },
    svg: { type: "string" },
    mode: { type: "string", default: "inline" },
  },
});
const rounds = Number(flags.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds must be a whole number >= 1");
const scenarios = findScenarios(flags.scenario);
const requested = flags.targets.split(",").map((t) => t.trim()) as TargetName[];
for (const name of requested) if (!["warren", "rabbitmq", "sink"].includes(name)) throw new Error(`unknown target ${name}`);
if (requested.includes("rabbitmq") && !rabbitMqInstalled()) {
  console.error(`rabbitmq-server is not installed. Install it once with:\n  ${INSTALL_COMMAND}\nor leave it out: --targets warren,sink`);
  process.exit(2);
}

const running = new Set<Target>();
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the brokers this run started`);
    void Promise.allSettled([...running].map((t) => t.stop())).then(() => process.exit(130));
  });
}

function log(message: string): void { console.error(`[compare] ${message}`); }

async function measure(scenario: Scenario, target: Target, quick: boolean): Promise<Figures> {
  const peakResettable = resetPeakMemory(target.pid);
  const stopSampling = sampleMemory(target.pid);
  const cpuBeforeSeconds = readCpuSeconds(target.pid);
  try {
    const figures = await scenario.run({ target, quick, generatorArgs: ["--mode", flags.mode] });
    const cpuSeconds = readCpuSeconds(target.pid) - cpuBeforeSeconds;
    const peakBytes = Math.max(stopSampling(), peakResettable ? readMemory(target.pid).peakRssBytes : 0);
    figures.peakRssMb = peakBytes / 2 ** 20;
    figures.cpuSeconds = cpuSeconds;
    if ((figures.messages ?? 0) > 0) figures.cpuUsPerMessage = (cpuSeconds * 1e6) / figures.messages;
    return figures;
  } finally {
    stopSampling();
  }
}

const loadBefore = os.loadavg();
const results: Results = new Map();
const missing: Partial<Record<TargetName, string>> = {};
const versions = new Map<TargetName, string>();
const failures: string[] = [];

for (const scenario of scenarios) {
  const order = requested.filter((name) => name !== "sink" || scenario.sinkCeiling);
  const targets: Target[] = [];
  for (const name of order) {
    try {
      const target = await startTarget(name);
      running.add(target);
      targets.push(target);
      versions.set(name, target.version);
      log(`${scenario.id}: ${target.version} at ${target.url} (pid ${target.pid})`);
    } catch (error) {
      missing[name] = "not measured";
      failures.push(`${scenario.id} ${name}: could not start: ${(error as Error).message}`);
      log(`${scenario.id}: ${name} not started: ${(error as Error).message}`);
    }
  }
  const byTarget = new Map<TargetName, Map<string, number[]>>();
  results.set(scenario.id, byTarget);
  try {
    for (let round = 1; round <= rounds && !interrupted; round++) {
      for (let index = 0; index < targets.length; index++) {
        if (interrupted) break;
        if (scenario.freshBrokerEachRound && round > 1) {
          // Memory per item is RSS growth: a broker that already grew (and freed) in an earlier
          // round has room to spare and would show almost none. Each round gets a new one.
          await targets[index].stop();
          running.delete(targets[index]);
          targets[index] = await startTarget(targets[index].name);
          running.add(targets[index]);
        }
        const target = targets[index];
        const figures: Figures = await measure(scenario, target, flags.quick).catch((error: Error) => {
          failures.push(`${scenario.id} ${target.name} round ${round}: ${error.message}`);
          return {};
        });
        const perMetric = byTarget.get(target.name) ?? new Map<string, number[]>();
        byTarget.set(target.name, perMetric);
        for (const metric of [...scenario.metrics, ...RESOURCE_METRICS]) {
          perMetric.set(metric.key, [...(perMetric.get(metric.key) ?? []), figures[metric.key] ?? NaN]);
        }
        log(`${scenario.id} round ${round}/${rounds} ${target.name}: ${summary(scenario, figures)}`);
        await delay(PAUSE_BETWEEN_RUNS_MS);
      }
    }
  } finally {
    for (const target of targets) { await target.stop(); running.delete(target); }
  }
}

function summary(scenario: Scenario, figures: Figures): string {
  if (Object.keys(figures).length === 0) return "failed";
  return [...scenario.metrics, ...RESOURCE_METRICS]
    .filter((m) => figures[m.key] !== undefined)
    .map((m) => `${m.label} ${Number(figures[m.key].toPrecision(4))}`).join(", ");
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const memoryGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  let kernel = os.release();
  try { kernel = execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim(); } catch { /* keep os.release() */ }
  return `${os.availableParallelism()} CPUs (${cpu}), ${memoryGiB} GiB, ${kernel}, Node ${process.version}`;
}

const table = renderTable(scenarios, RESOURCE_METRICS, results, { rounds, missing, markdown: flags.markdown });
console.log(`machine: ${machine()}`);
for (const [name, version] of versions) console.log(`${name}: ${version}`);
const load = (values: number[]): string => values.map((v) => v.toFixed(2)).join(" ");
console.log(`load average (1, 5, 15 min): ${load(loadBefore)} before, ${load(os.loadavg())} after`);
console.log(`rounds: ${rounds}${flags.quick ? " (quick)" : ""}; generator mode: ${flags.mode}; ratio = Warren median / RabbitMQ median; ↑ higher is better, ↓ lower is better\n`);
console.log(table);
for (const failure of failures) console.log(`failed: ${failure}`);
const plain: PlainResults = Object.fromEntries([...results].map(([id, byTarget]) => [id, Object.fromEntries([...byTarget].map(
  ([target, metrics]) => [target, Object.fromEntries(metrics)]))]));
const saved = { machine: machine(), versions: Object.fromEntries(versions), rounds, quick: flags.quick, results: plain };
if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify(saved, null, 2));
if (flags.svg !== undefined) writeFileSync(flags.svg, renderSvg(chartRows(plain), captionOf(saved)));
process.exit(failures.length > 0 ? 1 : 0);
