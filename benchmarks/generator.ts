/**
 * Runs warren-perf in a child process for one measurement. A fresh process per run gives each
 * broker the same generator, with nothing (JIT state, heap, sockets) carried over from the
 * previous broker's run.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PerfReport } from "./perf/report.js";

const PERF_ENTRY = join(dirname(fileURLToPath(import.meta.url)), "perf/warren-perf.ts");
/** Beyond the run's own duration: set-up, confirms draining, clean-up. */
const RUN_GRACE_MS = 120_000;

export async function runGenerator(url: string, args: string[], durationSeconds: number): Promise<PerfReport> {
  const child = spawn(process.execPath, ["--import", "tsx", PERF_ENTRY, "--uri", url, "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const timer = setTimeout(() => child.kill("SIGKILL"), durationSeconds * 1000 + RUN_GRACE_MS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  const line = stdout.trim().split("\n").pop() ?? "";
  if (!line.startsWith("{")) throw new Error(`warren-perf exited with ${code}: ${stderr.trim() || stdout.trim()}`);
  const report = JSON.parse(line) as PerfReport;
  if (report.errors.length > 0) throw new Error(`warren-perf: ${report.errors.join("; ")}`);
  return report;
}
