/**
 * Crash test of the record log with real files and real fdatasync: a child appends records (and
 * compacts now and then) and prints each index as soon as the log reports it durable; the parent
 * kills it with SIGKILL at a seeded moment, reopens the log and checks that every record reported
 * durable (and not compacted away) is there, in order, byte-exact, and that nothing corrupt comes
 * back. Rounds reuse the file, so recovery also runs over logs earlier recoveries repaired.
 *
 *   WAL_CRASH_SEED=n     replay a seed (the seed is printed at the start)
 *   WAL_CRASH_ROUNDS=n   run exactly n rounds (default: as many as fit in ~8 s, at least 3)
 *
 * SIGKILL leaves the page cache intact, so a kill rarely tears a record; to exercise the
 * torn-tail path under the same checks, some rounds also append a prefix of a record to the log,
 * as a write cut short would leave it. A power cut, which loses the page cache, no test here makes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RecordLog } from "../../src/wal/record-log.js";
import { LOG_HEADER_BYTES, encodeRecordBytes } from "../../src/wal/log-format.js";
import { crashPayload, realFiles, roundsPlan, runUntilKilled, seededRandom } from "./crash-shared.js";

const CHILD = fileURLToPath(new URL("./log-crash-child.ts", import.meta.url));

test("records reported durable survive SIGKILL, in order and byte-exact", { timeout: 900_000 }, async () => {
  const seed = Number(process.env.WAL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`record log crash test: seed ${seed} (replay with WAL_CRASH_SEED=${seed})`);
  const random = seededRandom(seed);
  const more = roundsPlan("WAL_CRASH_ROUNDS", 8_000, 3);
  const root = mkdtempSync(join(tmpdir(), "warren-log-crash-"));
  const path = join(root, "crash.log");
  const durable = new Set<number>();
  let droppedBelow = 0;
  let nextIndex = 0;
  try {
    for (let round = 0; more(round); round++) {
      const kill = random() < 0.85
        ? { afterMs: 20 + Math.floor(random() * 480), fromReady: true }
        : { afterMs: 100 + Math.floor(random() * 1000), fromReady: false };
      const report = await runUntilKilled(CHILD, [path, String(seed), String(nextIndex)], kill);
      assert.equal(report.signal, "SIGKILL", `round ${round}: the child died on its own:\n${report.stderr}`);
      let previous = nextIndex - 1;
      for (const [word, value] of report.lines) {
        if (word === "drop") droppedBelow = Math.max(droppedBelow, Number(value));
        if (word !== "durable") continue;
        const highest = Number(value);
        assert.ok(highest > previous, `round ${round}: durable index went from ${previous} to ${highest}`);
        for (let index = previous + 1; index <= highest; index++) durable.add(index);
        previous = highest;
      }
      const torn = random() < 0.3 ? tearTail(path, seed, random) : 0;

      const repairs: string[] = [];
      const { log, records } = RecordLog.open({ path, tag: "CRSH", ...realFiles, log: (message) => repairs.push(message) });
      await log.close();
      if (torn > 0) {
        const cut = /cut (\d+) bytes/.exec(repairs.join("; "));
        assert.ok(cut && Number(cut[1]) >= torn, `round ${round}: torn tail of ${torn} bytes not cut: ${repairs.join("; ")}`);
      }
      const present = new Set<number>();
      let last = -1;
      for (const record of records) {
        const index = record.readUInt32LE(0);
        assert.ok(index > last, `round ${round}: record ${index} after ${last}`);
        assert.ok(record.equals(crashPayload(seed, index)), `round ${round}: record ${index} differs from what was written`);
        present.add(index);
        last = index;
      }
      for (const index of durable) {
        if (index >= droppedBelow) assert.ok(present.has(index), `round ${round}: record ${index} was reported durable and is gone`);
        else durable.delete(index); // compacted away: the set stays small
      }
      console.log(
        `round ${round}: killed ${kill.afterMs} ms after ${kill.fromReady ? "ready" : "spawn"}; durable up to ${previous}; ` +
          `${records.length} records recovered` + (torn > 0 ? `; tore ${torn} bytes onto the tail` : "") +
          (repairs.length > 0 ? `; repaired: ${repairs.join("; ")}` : ""),
      );
      nextIndex = Math.max(nextIndex, previous + 1, last + 1);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Appends the first bytes of a record to the log, as a write cut short leaves it; returns how many. */
function tearTail(path: string, seed: number, random: () => number): number {
  if (!existsSync(path) || statSync(path).size < LOG_HEADER_BYTES) return 0;
  const record = encodeRecordBytes(crashPayload(seed, 0x7fffffff));
  const bytes = 1 + Math.floor(random() * (record.length - 1));
  appendFileSync(path, record.subarray(0, bytes));
  return bytes;
}
