/**
 * Crash test with real files and real fsync: a child process appends records and prints each
 * index as soon as the store reports it durable; the parent kills it with SIGKILL at a seeded
 * random moment, reopens the store and checks that every record reported durable (and not
 * acked) is there, in order, byte-exact, and that nothing corrupt is returned. Rounds reuse the
 * same directory, so recovery also runs over segments earlier recoveries repaired.
 *
 *   STORE_CRASH_SEED=n     replay a seed (the seed is printed at the start)
 *   STORE_CRASH_ROUNDS=n   run exactly n rounds (default: as many as fit in ~15 s, at least 3)
 *
 * SIGKILL leaves the page cache intact, so a kill rarely tears a record; to exercise the torn-tail
 * path under the same checks, some rounds also append a prefix of a record to the newest segment,
 * as a write cut short would leave it. A power cut, which loses the page cache, no test here makes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Committer } from "../../src/store/committer.js";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { MessageStore } from "../../src/store/message-store.js";
import { SEGMENT_HEADER_BYTES, encodeRecordHeader } from "../../src/store/format.js";
import { CRASH_SEGMENT_BYTES, crashPayload, seededRandom } from "./crash-shared.js";

const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const TIME_BUDGET_MS = 15_000;
const MIN_ROUNDS = 3;

interface RoundReport {
  durable: number[]; // highest durable index, as reported, in order
  acked: Set<number>;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `kill.fromReady` counts from the child's "ready"; otherwise from the spawn, so the kill may land during recovery. */
function runChild(
  directory: string,
  seed: number,
  firstIndex: number,
  kill: { afterMs: number; fromReady: boolean },
): Promise<RoundReport> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, directory, String(seed), String(firstIndex)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (!kill.fromReady) setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
  const report: RoundReport = { durable: [], acked: new Set(), signal: null, stderr: "" };
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const [word, value] = line.split(" ");
      if (word === "ready" && kill.fromReady) setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
      else if (word === "durable") report.durable.push(Number(value));
      else if (word === "ack") report.acked.add(Number(value));
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (report.stderr += chunk));
  // A child that never gets ready (it crashed on its own) is killed too, and the round fails below.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("close", (_code, signal) => {
      clearTimeout(watchdog);
      report.signal = signal;
      resolve(report);
    }),
  );
}

test("records reported durable survive SIGKILL, in order and byte-exact", { timeout: 600_000 }, async () => {
  const seed = Number(process.env.STORE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const fixedRounds = process.env.STORE_CRASH_ROUNDS ? Number(process.env.STORE_CRASH_ROUNDS) : undefined;
  console.log(`store crash test: seed ${seed} (replay with STORE_CRASH_SEED=${seed})`);
  const random = seededRandom(seed);
  const root = mkdtempSync(join(tmpdir(), "warren-store-crash-"));
  const directory = join(root, "queue");
  const durable = new Set<number>();
  const acked = new Set<number>();
  let nextIndex = 0;
  const started = Date.now();
  try {
    for (let round = 0; ; round++) {
      if (fixedRounds !== undefined ? round >= fixedRounds : round >= MIN_ROUNDS && Date.now() - started > TIME_BUDGET_MS) break;
      const kill = random() < 0.85
        ? { afterMs: 20 + Math.floor(random() * 480), fromReady: true }
        : { afterMs: 100 + Math.floor(random() * 1000), fromReady: false };
      const report = await runChild(directory, seed, nextIndex, kill);
      assert.equal(report.signal, "SIGKILL", `round ${round}: the child died on its own:\n${report.stderr}`);
      // Durability is reported as a growing prefix of this session's records.
      let previous = nextIndex - 1;
      for (const highest of report.durable) {
        assert.ok(highest > previous, `round ${round}: durable index went from ${previous} to ${highest}`);
        for (let index = previous + 1; index <= highest; index++) durable.add(index);
        previous = highest;
      }
      for (const index of report.acked) acked.add(index);
      const torn = random() < 0.3 ? tearTail(directory, seed, random) : 0;

      const { present, repairs } = await verify(directory, seed, round);
      if (torn > 0) assert.ok(repairs.some((line) => line.includes(`cut ${torn} bytes`)), `round ${round}: torn tail not cut`);
      for (const index of durable) {
        if (!acked.has(index)) assert.ok(present.has(index), `round ${round}: record ${index} was reported durable and is gone`);
      }
      let highestSeen = previous; // loops, not Math.max(...set): the sets outgrow the call stack
      for (const index of present) highestSeen = Math.max(highestSeen, index);
      for (const index of report.acked) highestSeen = Math.max(highestSeen, index);
      console.log(
        `round ${round}: killed ${kill.afterMs} ms after ${kill.fromReady ? "ready" : "spawn"}; ` +
          `${report.durable.length} durability reports up to ${previous}; ` +
          `${present.size} live records recovered` + (torn > 0 ? `; tore ${torn} bytes onto the tail` : ""),
      );
      nextIndex = Math.max(nextIndex, highestSeen + 1);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Reopens the store: every live record must read back valid, be the record its index names, and come in order. */
async function verify(directory: string, seed: number, round: number): Promise<{ present: Set<number>; repairs: string[] }> {
  const repairs: string[] = [];
  const { store, livePositions } = await MessageStore.open({
    directory,
    committer: new Committer({ fileSystem: nodeFileSystem }),
    segmentSizeBytes: CRASH_SEGMENT_BYTES,
    log: (message) => repairs.push(message),
  });
  const present = new Set<number>();
  let previous = -1;
  for (const position of livePositions) {
    const payload = store.read(position);
    const index = payload.readUInt32LE(0);
    assert.ok(index > previous, `round ${round}: record ${index} after ${previous}`);
    assert.ok(payload.equals(crashPayload(seed, index)), `round ${round}: record ${index} differs from what was written`);
    present.add(index);
    previous = index;
  }
  if (repairs.length > 0) console.log(`round ${round}: recovery repaired: ${repairs.join("; ")}`);
  await store.close();
  return { present, repairs };
}

/**
 * Appends the first bytes of a record to the newest segment, as a write cut short leaves it;
 * returns how many. Not to a segment whose header is incomplete (a kill right after creating it):
 * in one process the header is always written before any record. Not at all when the child was
 * killed before it created its directory (a slow machine, a kill soon after spawn).
 */
function tearTail(directory: string, seed: number, random: () => number): number {
  if (!existsSync(directory)) return 0;
  const newest = readdirSync(directory).filter((name) => name.startsWith("msgs.")).sort().at(-1);
  if (!newest || statSync(join(directory, newest)).size < SEGMENT_HEADER_BYTES) return 0;
  const payload = crashPayload(seed, 0x7fffffff);
  const record = Buffer.concat([encodeRecordHeader([payload], payload.length), payload]);
  const bytes = 1 + Math.floor(random() * (record.length - 1));
  appendFileSync(join(directory, newest), record.subarray(0, bytes));
  return bytes;
}
