/**
 * The comparison's scenarios, one entry each. A scenario runs against one target and returns
 * named figures; compare.ts adds the broker's peak RSS and CPU around it, repeats it A B A B,
 * and prints the metrics listed here. Throughput scenarios are warren-perf invocations; the
 * others (connections, queues) drive the generator's client directly.
 */
import type { PerfReport } from "./perf/report.js";
import { runGenerator } from "./generator.js";
import { idleConnections, manyQueues } from "./scenarios-resources.js";
import type { Target } from "./targets.js";

export interface Metric {
  key: string;
  label: string;
  higherIsBetter: boolean;
}

export interface ScenarioContext {
  target: Target;
  quick: boolean;
  /** Passed to every warren-perf run, e.g. ["--mode", "threads"]. */
  generatorArgs: string[];
}

/** Figures by metric key; `messages` (not printed) turns broker CPU into CPU per message. */
export type Figures = Record<string, number>;

export interface Scenario {
  id: string;
  title: string;
  metrics: Metric[];
  /** Whether a run against the sink means anything (it stores nothing and holds no memory). */
  sinkCeiling: boolean;
  /** Start each broker anew for every round (figures that are RSS growth need a fresh process). */
  freshBrokerEachRound?: boolean;
  run(context: ScenarioContext): Promise<Figures>;
}

const rate = (key: string, label: string): Metric => ({ key, label: `${label} msg/s`, higherIsBetter: true });
const latency = (key: string, label: string): Metric => ({ key, label: `latency ${label} ms`, higherIsBetter: false });
/** Added by compare.ts to every scenario. */
export const RESOURCE_METRICS: Metric[] = [
  { key: "peakRssMb", label: "broker peak RSS MB", higherIsBetter: false },
  { key: "cpuUsPerMessage", label: "broker CPU µs/msg", higherIsBetter: false },
];

/** 100-byte transient messages, manual ack, prefetch 1000, multi-ack every 100: PerfTest's common case. */
const CONSUMER_FLAGS = ["--prefetch", "1000", "--multi-ack-every", "100"];

function perfScenario(
  id: string, title: string, flags: string[], metrics: Metric[],
  pick: (report: PerfReport) => Figures, durationSeconds = { full: 20, quick: 4 },
): Scenario {
  return {
    id, title, sinkCeiling: true,
    // The generator's own cost sits next to the broker's, so a reader can see which one ran out.
    metrics: [...metrics, { key: "generatorCpuUsPerMessage", label: "generator CPU µs/msg", higherIsBetter: false }],
    async run({ target, quick, generatorArgs }) {
      const seconds = quick ? durationSeconds.quick : durationSeconds.full;
      const report = await runGenerator(target.url, [...flags, ...generatorArgs, "--duration", String(seconds)], seconds);
      return { ...pick(report), messages: report.received.total, generatorCpuUsPerMessage: report.generatorCpuUsPerMessage };
    },
  };
}

const latencies = (report: PerfReport): Figures => ({
  p50: (report.latencyUs?.p50 ?? NaN) / 1000, p99: (report.latencyUs?.p99 ?? NaN) / 1000, p999: (report.latencyUs?.p999 ?? NaN) / 1000,
});

export const SCENARIOS: Scenario[] = [
  perfScenario("S1", "1 producer, 1 consumer, 100 B transient, non-durable queue, manual ack, prefetch 1000, multi-ack 100",
    ["--producers", "1", "--consumers", "1", "--size", "100", ...CONSUMER_FLAGS],
    // No latency here: an unlimited producer outruns the consumer, so latency would only measure
    // how deep the queue got. S2 (bounded by its confirm window) and S4 (fixed rate) time it.
    [rate("sent", "send"), rate("received", "receive")],
    (r) => ({ sent: r.sent.ratePerSecond, received: r.received.ratePerSecond })),
  perfScenario("S2", "1 KB persistent, durable queue, confirm window 1000, manual ack",
    ["--producers", "1", "--consumers", "1", "--size", "1000", "--persistent", "--durable-queue", "--confirm", "1000", ...CONSUMER_FLAGS],
    [rate("confirmed", "confirm"), rate("received", "receive"), latency("p50", "p50"), latency("p99", "p99")],
    (r) => ({ confirmed: r.confirmed.ratePerSecond, received: r.received.ratePerSecond, ...latencies(r) })),
  perfScenario("S3", "fanout to 10 queues, 1 producer, 10 consumers, 100 B",
    ["--producers", "1", "--consumers", "10", "--size", "100", "--exchange", "warren-bench-fanout", "--fanout-queues", "10", ...CONSUMER_FLAGS],
    [rate("sent", "send"), rate("received", "deliver (all queues)")],
    (r) => ({ sent: r.sent.ratePerSecond, received: r.received.ratePerSecond })),
  perfScenario("S4", "fixed 5,000 msg/s, 100 B: end-to-end latency",
    ["--producers", "1", "--consumers", "1", "--size", "100", "--rate", "5000", ...CONSUMER_FLAGS],
    [latency("p50", "p50"), latency("p99", "p99"), latency("p999", "p99.9"), rate("received", "receive")],
    (r) => ({ received: r.received.ratePerSecond, ...latencies(r) })),
  {
    id: "S5", title: "backlog: publish 1M × 100 B (confirmed) with no consumer, then drain it", sinkCeiling: false,
    metrics: [rate("published", "publish"), rate("drained", "drain")],
    async run({ target, quick, generatorArgs }) {
      const count = String(quick ? 100_000 : 1_000_000);
      const queue = ["--queue", "warren-bench-backlog", "--size", "100", "--duration", "900", ...generatorArgs];
      const fill = await runGenerator(target.url, [...queue, "--producers", "1", "--consumers", "0", "--confirm", "1000", "--pmessages", count], 900);
      const drain = await runGenerator(target.url, [...queue, "--producers", "0", "--consumers", "1", ...CONSUMER_FLAGS, "--cmessages", count, "--delete-queues"], 900);
      return { published: fill.confirmed.ratePerSecond, drained: drain.received.ratePerSecond, messages: fill.sent.total + drain.received.total };
    },
  },
  {
    id: "S6", title: "1,000 idle connections (one channel each): memory per connection", sinkCeiling: false, freshBrokerEachRound: true,
    metrics: [
      { key: "kbPerConnection", label: "RSS KB per connection (idle)", higherIsBetter: false },
      { key: "connectionsPerSecond", label: "connections opened/s", higherIsBetter: true },
    ],
    run: ({ target, quick }) => idleConnections(target, quick ? 200 : 1000),
  },
  // S7 is numbered in the performance issue but not specified yet; it slots in here.
  {
    id: "S8", title: "10,000 queues, a consumer each, one producer spreading messages over them", sinkCeiling: false, freshBrokerEachRound: true,
    metrics: [
      { key: "declaredPerSecond", label: "queues declared/s", higherIsBetter: true },
      { key: "kbPerQueue", label: "RSS KB per queue (with its consumer)", higherIsBetter: false },
      rate("deliveredPerSecond", "deliver (all queues)"),
      { key: "deletedPerSecond", label: "queues deleted/s", higherIsBetter: true },
    ],
    run: ({ target, quick }) => manyQueues(target, quick ? 1000 : 10_000, quick ? 4 : 20),
  },
];

export function findScenarios(ids: string): Scenario[] {
  if (ids === "all") return SCENARIOS;
  return ids.split(",").map((id) => {
    const scenario = SCENARIOS.find((s) => s.id.toLowerCase() === id.trim().toLowerCase());
    if (scenario === undefined) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    return scenario;
  });
}
