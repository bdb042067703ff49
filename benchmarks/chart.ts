/**
 * The comparison as a chart: one bar per target of the performance issue, showing how many times
 * better Warren did than RabbitMQ in the same run (higher-is-better metrics as Warren/RabbitMQ,
 * lower-is-better ones as RabbitMQ/Warren), on a log scale, with the target marked. Written as a
 * self-contained SVG so `docs/benchmarks.md` can show it without any tooling:
 *   node --import tsx benchmarks/compare.ts --scenario all --rounds 3 --json results.json --svg docs/benchmarks.svg
 *   node --import tsx benchmarks/chart.ts results.json docs/benchmarks.svg     (from a saved run)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { median } from "./table.js";

/** A target of the performance issue, as "Warren is at least `times` better than RabbitMQ". */
export interface Goal {
  scenario: string;
  metric: string;
  label: string;
  higherIsBetter: boolean;
  /** Times better required: S1 ≥ 3× is 3; "p99 ≤ half" is 2; "RSS ≤ one tenth" is 10. */
  times: number;
}

/** The issue's targets. S6's is absolute (20 kB per connection): the chart only shows it against RabbitMQ; the table says whether it is met. */
export const GOALS: Goal[] = [
  { scenario: "S1", metric: "received", label: "S1 throughput (receive)", higherIsBetter: true, times: 3 },
  { scenario: "S2", metric: "confirmed", label: "S2 persistent, confirmed", higherIsBetter: true, times: 3 },
  { scenario: "S3", metric: "received", label: "S3 fan-out, delivered", higherIsBetter: true, times: 2 },
  { scenario: "S4", metric: "p99", label: "S4 latency p99", higherIsBetter: false, times: 2 },
  { scenario: "S5", metric: "published", label: "S5 backlog publish", higherIsBetter: true, times: 2 },
  { scenario: "S5", metric: "peakRssMb", label: "S5 backlog peak RSS", higherIsBetter: false, times: 10 },
  { scenario: "S6", metric: "kbPerConnection", label: "S6 memory per connection, vs RabbitMQ only", higherIsBetter: false, times: 1 },
  { scenario: "S8", metric: "deliveredPerSecond", label: "S8 10k queues, delivered", higherIsBetter: true, times: 2 },
  { scenario: "S8", metric: "kbPerQueue", label: "S8 memory per queue", higherIsBetter: false, times: 1 },
];

/** results[scenario][target][metric] = one value per round, as compare.ts --json writes it. */
export type PlainResults = Record<string, Record<string, Record<string, number[]>>>;

export interface ChartRow {
  goal: Goal;
  /** Times better than RabbitMQ (medians), NaN when a broker has no figure. */
  advantage: number;
}

export function chartRows(results: PlainResults): ChartRow[] {
  const rows: ChartRow[] = [];
  for (const goal of GOALS) {
    const byTarget = results[goal.scenario];
    if (!byTarget) continue;
    const warren = median(byTarget.warren?.[goal.metric] ?? []);
    const rabbit = median(byTarget.rabbitmq?.[goal.metric] ?? []);
    const advantage = goal.higherIsBetter ? warren / rabbit : rabbit / warren;
    rows.push({ goal, advantage });
  }
  return rows;
}

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An SVG bar chart of `rows`; `caption` goes under the title (the machine, the versions, the rounds). */
export function renderSvg(rows: ChartRow[], caption: string): string {
  const labelWidth = 210, plotWidth = 460, right = 90, rowHeight = 30, top = 62, bottom = 40;
  const width = labelWidth + plotWidth + right;
  const height = top + rows.length * rowHeight + bottom;
  // Log scale from 0.1× to 200×: 1× (parity) sits a third of the way in.
  const low = Math.log10(0.1), high = Math.log10(200);
  const x = (times: number): number => labelWidth + ((Math.log10(Math.min(Math.max(times, 0.1), 200)) - low) / (high - low)) * plotWidth;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="10" y="20" font-size="15" font-weight="bold">Warren against RabbitMQ, same machine, same run: times better (log scale)</text>`);
  parts.push(`<text x="10" y="38" fill="#555">${escape(caption)}</text>`);
  for (const tick of [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]) {
    const tx = x(tick).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + rows.length * rowHeight}" stroke="${tick === 1 ? "#333" : "#ddd"}"/>`);
    parts.push(`<text x="${tx}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const met = row.advantage >= row.goal.times;
    parts.push(`<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escape(row.goal.label)}</text>`);
    if (Number.isFinite(row.advantage)) {
      const from = x(1), to = x(row.advantage);
      parts.push(`<rect x="${Math.min(from, to).toFixed(1)}" y="${y + 6}" width="${Math.abs(to - from).toFixed(1)}" height="${rowHeight - 12}" fill="${met ? "#2e7d32" : "#c62828"}"/>`);
      parts.push(`<text x="${labelWidth + plotWidth + 6}" y="${y + 19}">${row.advantage.toFixed(2)}× ${met ? "✓" : "✗"}</text>`);
    } else {
      parts.push(`<text x="${labelWidth + plotWidth + 6}" y="${y + 19}" fill="#555">no figure</text>`);
    }
    const gx = x(row.goal.times).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${y + 2}" x2="${gx}" y2="${y + rowHeight - 2}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`);
  });
  parts.push(`<text x="10" y="${height - 8}" fill="#555">bar: Warren's advantage (medians); dashed mark: the performance issue's target; green met, red not</text>`);
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

export interface SavedRun {
  machine?: string;
  versions?: Record<string, string>;
  /** One number for a single run; per scenario for a file merged from several runs. */
  rounds?: number | Record<string, number>;
  quick?: boolean;
  results: PlainResults;
}

/** compare.ts --json's file → the caption line. */
export function captionOf(saved: SavedRun): string {
  const versions = Object.entries(saved.versions ?? {}).map(([name, version]) => `${name} ${version}`).join(", ");
  return `${saved.machine ?? ""}; ${versions}; ${roundsOf(saved.rounds)}${saved.quick ? " (quick)" : ""}`;
}

/** "3 rounds", or for merged runs the usual count and the exceptions: "3 rounds (S6: 5)". */
function roundsOf(rounds: SavedRun["rounds"]): string {
  if (rounds === undefined) return "? rounds";
  if (typeof rounds === "number") return `${rounds} rounds`;
  const frequency = new Map<number, number>();
  for (const count of Object.values(rounds)) frequency.set(count, (frequency.get(count) ?? 0) + 1);
  const usual = [...frequency].sort((x, y) => y[1] - x[1])[0]?.[0];
  const exceptions = Object.entries(rounds).filter(([, count]) => count !== usual).map(([scenario, count]) => `${scenario}: ${count}`);
  return `${usual} rounds${exceptions.length > 0 ? ` (${exceptions.join(", ")})` : ""}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error("usage: node --import tsx benchmarks/chart.ts RESULTS.json OUT.svg");
    process.exit(64);
  }
  const saved = JSON.parse(readFileSync(input, "utf8")) as SavedRun;
  writeFileSync(output, renderSvg(chartRows(saved.results), captionOf(saved)));
  console.log(`wrote ${output}`);
}
