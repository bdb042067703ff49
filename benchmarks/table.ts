/**
 * The comparison table: one row per scenario metric, each broker's median with its range over
 * the rounds, and the ratio of the medians. Ratios, not absolute numbers, are what carry over
 * between runs on a shared machine (DESIGN.md §9).
 */
import type { Metric, Scenario } from "./scenarios.js";
import type { TargetName } from "./targets.js";

/** Every figure from every round: results[scenario][target][metric] = values, one per round. */
export type Results = Map<string, Map<TargetName, Map<string, number[]>>>;

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function cell(values: number[] | undefined, rounds: number, missing: string): string {
  const finite = (values ?? []).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return missing;
  const middle = format(median(finite));
  const failed = finite.length < rounds ? ` [${finite.length}/${rounds} ok]` : "";
  if (finite.length === 1) return middle + failed;
  return `${middle} (${format(Math.min(...finite))}–${format(Math.max(...finite))})${failed}`;
}

export interface TableOptions {
  rounds: number;
  /** What to print where a broker has no figures (not started, or every round failed). */
  missing: Partial<Record<TargetName, string>>;
  markdown: boolean;
}

export function renderTable(scenarios: Scenario[], extra: Metric[], results: Results, options: TableOptions): string {
  const header = ["scenario", "metric", "Warren median (min–max)", "RabbitMQ median (min–max)", "Warren/RabbitMQ", "generator ceiling (sink)"];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const byTarget = results.get(scenario.id);
    for (const metric of [...scenario.metrics, ...extra]) {
      const values = (target: TargetName): number[] | undefined => byTarget?.get(target)?.get(metric.key);
      const anyFigure = (["warren", "rabbitmq", "sink"] as const).some((t) => (values(t) ?? []).some(Number.isFinite));
      if (!anyFigure) continue;
      // The generator's own cost is context for the reader, not something the brokers compete on.
      const ratio = metric.key === "generatorCpuUsPerMessage" ? NaN : median(values("warren") ?? []) / median(values("rabbitmq") ?? []);
      const sinkApplies = scenario.sinkCeiling && metric.key !== "cpuUsPerMessage" && metric.key !== "peakRssMb";
      rows.push([
        scenario.id,
        `${metric.label} ${metric.higherIsBetter ? "↑" : "↓"}`,
        cell(values("warren"), options.rounds, options.missing.warren ?? "—"),
        cell(values("rabbitmq"), options.rounds, options.missing.rabbitmq ?? "—"),
        Number.isFinite(ratio) ? ratio.toFixed(2) : "—",
        sinkApplies ? cell(values("sink"), options.rounds, "—") : "",
      ]);
    }
  }
  if (options.markdown) {
    const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
