/**
 * What a broker process costs, read from Linux's /proc: resident memory (current and peak) and
 * CPU time. Both brokers run as separate processes so the same numbers exist for each.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** Clock ticks per second for /proc/PID/stat's utime and stime (almost always 100). */
const CLOCK_TICKS_PER_SECOND = (() => {
  try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; }
})();

export interface MemoryFigures { rssBytes: number; peakRssBytes: number }

export function readMemory(pid: number): MemoryFigures {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  };
  return { rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+) so the peak of one run is
 * not the peak of an earlier one. Returns false where that is not allowed; callers then rely on
 * sampling VmRSS instead.
 */
export function resetPeakMemory(pid: number): boolean {
  try { writeFileSync(`/proc/${pid}/clear_refs`, "5"); return true; } catch { return false; }
}

/** User + system CPU seconds the process (all its threads) has used so far. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Direct children of `pid` whose command name is `name` (e.g. beam.smp under rabbitmq-server). */
export function childrenNamed(pid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid && command === name) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/**
 * Samples VmRSS every `intervalMs` until stopped: the fallback for the peak where clear_refs is
 * refused, and a check on it where it is not.
 */
export function sampleMemory(pid: number, intervalMs = 100): () => number {
  let maxBytes = 0;
  const take = (): void => { try { maxBytes = Math.max(maxBytes, readMemory(pid).rssBytes); } catch { /* gone */ } };
  take();
  const timer = setInterval(take, intervalMs);
  return () => { clearInterval(timer); take(); return maxBytes; };
}
