/**
 * Micro-benchmark of the message store: appends per second of 1 KB records on real files with
 * real fsync, confirmed durable by group commit, against one fsync per record for contrast; and
 * the store's writes batched per turn (the default) against one write per append and per ack
 * (`flush()` after each call, as the store wrote before batching). "CPU µs/append" is the
 * process's CPU time (all threads, fsyncs included) per durable append.
 * Run: node --import tsx benchmarks/micro/store.bench.ts [--quick] [name filter]
 *
 * Prints, never asserts: absolute figures on shared machines are not stable; compare the cases
 * of one run. The data goes under os.tmpdir() (set TMPDIR to benchmark another disk).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Committer } from "../../src/store/committer.js";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { MessageStore } from "../../src/store/message-store.js";
import type { SegmentPosition } from "../../src/store/position.js";

const quick = process.argv.includes("--quick");
const durationMs = quick ? 500 : 2_000;
const filter = process.argv.slice(2).find((argument) => !argument.startsWith("--")) ?? "";
const RECORD_BYTES = 1024;

// The parts a queue would pass: exchange + routing key, the content header bytes, the body.
const parts = [Buffer.alloc(40, 1), Buffer.alloc(60, 2), Buffer.alloc(RECORD_BYTES - 100, 3)];

interface Result {
  name: string;
  appendsPerSecond: number;
  cpuMicrosPerAppend: number;
  fsyncRounds: number;
  recordsPerRound: number;
}

interface GroupCommitOptions {
  /** Ack each record once `window` newer ones are appended, as a consumer keeping up does. */
  consume?: boolean;
  /** Write each append and each ack at once (flush() after every call) instead of once per turn. */
  writeEachCall?: boolean;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function withStores<T>(count: number, run: (stores: MessageStore[], committer: Committer) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), "warren-store-bench-"));
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const stores: MessageStore[] = [];
  try {
    for (let n = 0; n < count; n++) stores.push((await MessageStore.open({ directory: join(root, `q${n}`), committer })).store);
    await committer.idle();
    return await run(stores, committer);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Keeps up to `window` appends awaiting durability across `storeCount` queues, as publishers with
 * confirms do; a turn holds up to 64 appends (and their acks), as a socket read of publishes does.
 */
function groupCommit(storeCount: number, window: number, options: GroupCommitOptions = {}): () => Promise<Result> {
  return () =>
    withStores(storeCount, async (stores, committer) => {
      const measure = startMeasuring(committer);
      const started = performance.now();
      const unacked = stores.map(() => [] as SegmentPosition[]);
      let confirmed = 0;
      let next = 0;
      while (performance.now() - started < durationMs) {
        const at = next++ % stores.length;
        const store = stores[at]!;
        const { sequence, position } = store.append(parts);
        if (options.writeEachCall) store.flush();
        if (options.consume) {
          const positions = unacked[at]!;
          positions.push(position);
          if (positions.length > window / stores.length) {
            store.ack(positions.shift()!);
            if (options.writeEachCall) store.flush();
          }
        }
        // Wait for durability only when the window is full, like a publisher out of unconfirmed credit.
        if (store.appendedSequence - store.durableSequence >= window / stores.length) await store.waitDurable(sequence);
        else if (next % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(stores.map((store) => store.waitDurable(store.appendedSequence)));
      for (const store of stores) confirmed += store.durableSequence;
      return measure(confirmed);
    });
}

/** Starts the clock, the CPU count and the fsync-round count; the function returned turns `appends` into a Result. */
function startMeasuring(committer: Committer): (appends: number) => Result {
  const rounds = committer.roundsCompleted;
  const cpu = process.cpuUsage();
  const started = performance.now();
  return (appends) => {
    const seconds = (performance.now() - started) / 1000;
    const fsyncRounds = committer.roundsCompleted - rounds;
    return {
      name: "",
      appendsPerSecond: appends / seconds,
      cpuMicrosPerAppend: cpuMicros(cpu) / appends,
      fsyncRounds,
      recordsPerRound: appends / Math.max(1, fsyncRounds),
    };
  };
}

/** Appends one record and waits for its fsync before the next: what a store without group commit gives. */
async function fsyncPerRecord(): Promise<Result> {
  return withStores(1, async ([store], committer) => {
    const measure = startMeasuring(committer);
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < durationMs) {
      await store!.waitDurable(store!.append(parts).sequence);
      count += 1;
    }
    return measure(count);
  });
}

const cases: Array<[string, () => Promise<Result>]> = [
  ["group commit, 1 queue, window 1000", groupCommit(1, 1000)],
  ["group commit, 1 queue, window 100", groupCommit(1, 100)],
  ["group commit, 10 queues, one committer, window 1000", groupCommit(10, 1000)],
  ["append + ack, window 1000, writes batched per turn", groupCommit(1, 1000, { consume: true })],
  ["append + ack, window 1000, one write per call", groupCommit(1, 1000, { consume: true, writeEachCall: true })],
  ["one fsync per record", fsyncPerRecord],
];

const results: Result[] = [];
for (const [name, run] of cases) {
  if (!name.includes(filter)) continue;
  results.push({ ...(await run()), name });
}
console.log(`1 KB records, ${durationMs} ms per case, data in ${tmpdir()}`);
console.table(
  results.map((result) => ({
    case: result.name,
    "durable appends/s": Math.round(result.appendsPerSecond),
    "CPU µs/append": Number(result.cpuMicrosPerAppend.toFixed(2)),
    "fsync rounds": result.fsyncRounds,
    "records per round": Math.round(result.recordsPerRound),
  })),
);
