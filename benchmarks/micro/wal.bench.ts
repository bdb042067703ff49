/**
 * Micro-benchmark of the node-wide Raft WAL (src/wal/raft-wal.ts) on real files with real
 * fdatasync: entries of 1 KB per second and entries per fdatasync with 1 and 1,000 groups, each
 * group keeping one persist in flight (a Raft group hands out its next ready() only after the
 * previous one is durable), against 1,000 groups each with its own record log (one fdatasync per
 * group per round, what the shared WAL avoids). "CPU µs/entry" is the process's CPU time (all
 * threads, fsyncs included) per durable entry.
 * Run: node --import tsx benchmarks/micro/wal.bench.ts [--quick] [name filter]
 *
 * Prints, never asserts: absolute figures on shared machines are not stable; compare the cases of
 * one run. The data goes under os.tmpdir() (set TMPDIR to benchmark another disk).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { nodeFileRenamer } from "../../src/io/file-rename.js";
import { RaftWal } from "../../src/wal/raft-wal.js";
import { RecordLog } from "../../src/wal/record-log.js";

const quick = process.argv.includes("--quick");
const durationMs = quick ? 500 : 2_000;
const filter = process.argv.slice(2).find((argument) => !argument.startsWith("--")) ?? "";
const PAYLOAD = Buffer.alloc(1024, 7);
const files = { fileSystem: nodeFileSystem, renamer: nodeFileRenamer };

interface Result {
  name: string;
  entriesPerSecond: number;
  fsyncs: number;
  entriesPerFsync: number;
  cpuMicrosPerEntry: number;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** `groups` closed loops, each persisting `entriesPerPersist` entries at a time until the time is up. */
async function sharedWal(name: string, groups: number, entriesPerPersist: number): Promise<Result> {
  const directory = mkdtempSync(join(tmpdir(), "warren-wal-bench-"));
  const wal = await RaftWal.open({ directory, ...files });
  try {
    // Warm up: every group's first update, and the WAL file's creation.
    await Promise.all(Array.from({ length: groups }, (_, group) => wal.persist({ group: `g${group}`, hardState: { term: 1, vote: "n1", commit: 0 } })));
    const roundsBefore = wal.walRounds;
    const cpu = process.cpuUsage();
    const started = performance.now();
    let entries = 0;
    const loop = async (group: string): Promise<void> => {
      let next = 1;
      while (performance.now() - started < durationMs) {
        const batch = Array.from({ length: entriesPerPersist }, (_, at) => ({ index: next + at, term: 1, payload: PAYLOAD }));
        await wal.persist({ group, entries: batch });
        next += entriesPerPersist;
        entries += entriesPerPersist;
      }
    };
    await Promise.all(Array.from({ length: groups }, (_, group) => loop(`g${group}`)));
    const elapsedMs = performance.now() - started;
    const fsyncs = wal.walRounds - roundsBefore;
    return { name, entriesPerSecond: (entries * 1000) / elapsedMs, fsyncs, entriesPerFsync: entries / fsyncs, cpuMicrosPerEntry: cpuMicros(cpu) / entries };
  } finally {
    await wal.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The contrast: one record log (one file, its own fdatasync) per group. */
async function logPerGroup(name: string, groups: number): Promise<Result> {
  const directory = mkdtempSync(join(tmpdir(), "warren-wal-bench-"));
  const logs = Array.from({ length: groups }, (_, group) => RecordLog.open({ path: join(directory, `g${group}.log`), tag: "BNCH", ...files }).log);
  try {
    await Promise.all(logs.map((log) => log.append(PAYLOAD)));
    const roundsBefore = logs.reduce((sum, log) => sum + log.rounds, 0);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let entries = 0;
    await Promise.all(logs.map(async (log) => {
      while (performance.now() - started < durationMs) {
        await log.append(PAYLOAD);
        entries++;
      }
    }));
    const elapsedMs = performance.now() - started;
    const fsyncs = logs.reduce((sum, log) => sum + log.rounds, 0) - roundsBefore;
    return { name, entriesPerSecond: (entries * 1000) / elapsedMs, fsyncs, entriesPerFsync: entries / fsyncs, cpuMicrosPerEntry: cpuMicros(cpu) / entries };
  } finally {
    await Promise.all(logs.map((log) => log.close()));
    rmSync(directory, { recursive: true, force: true });
  }
}

const cases: Array<[string, () => Promise<Result>]> = [
  ["wal 1 group, 1 entry per persist", () => sharedWal("wal 1 group, 1 entry per persist", 1, 1)],
  ["wal 1 group, 64 entries per persist", () => sharedWal("wal 1 group, 64 entries per persist", 1, 64)],
  ["wal 1000 groups, 1 entry per persist", () => sharedWal("wal 1000 groups, 1 entry per persist", 1000, 1)],
  ["log per group, 1000 groups", () => logPerGroup("log per group, 1000 groups", 1000)],
];

console.log(`Raft WAL, 1 KB entries, ${durationMs} ms per case, one persist in flight per group`);
console.log("case                                   entries/s   fsyncs   entries/fsync   CPU µs/entry");
for (const [name, run] of cases) {
  if (!name.includes(filter)) continue;
  const result = await run();
  console.log(
    `${result.name.padEnd(38)} ${Math.round(result.entriesPerSecond).toString().padStart(9)} ${String(result.fsyncs).padStart(8)} ` +
      `${result.entriesPerFsync.toFixed(1).padStart(15)} ${result.cpuMicrosPerEntry.toFixed(1).padStart(14)}`,
  );
}
