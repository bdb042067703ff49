/**
 * The node-wide Raft WAL with real files and real fdatasync: many groups' updates covered by one
 * fdatasync, reads from memory and then from segments, a follower's overwritten tail, compaction
 * after a snapshot and an installed snapshot, roll-over into per-group segments, recovery from the
 * WAL and the segments, a torn WAL tail, and a failed fdatasync failing the WAL for good.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RaftWal, type WalEntry } from "../../../src/wal/raft-wal.js";
import { encodeRecordBytes } from "../../../src/wal/log-format.js";
import { GatedFileSystem, realFiles, scratchDirectory, tracked, turns } from "./helpers.js";

const entry = (index: number, term: number, group = "g"): WalEntry => ({ index, term, payload: Buffer.from(`${group}:${index}:${term}:${"x".repeat(index % 40)}`) });
const range = (first: number, last: number, term: number, group = "g"): WalEntry[] => Array.from({ length: last - first + 1 }, (_, at) => entry(first + at, term, group));

function describeGroup(wal: RaftWal, group: string): unknown {
  const log = wal.group(group)!;
  const entries = log.lastIndex() >= log.firstIndex() ? log.entries(log.firstIndex(), log.lastIndex() + 1) : [];
  return {
    hardState: log.hardState,
    snapshot: log.snapshot === undefined ? undefined : { index: log.snapshot.index, term: log.snapshot.term, data: log.snapshot.data.toString() },
    first: log.firstIndex(),
    last: log.lastIndex(),
    entries: entries.map((held) => `${held.index}/${held.term}/${held.payload.toString()}`),
  };
}

test("a thousand groups' updates in one turn share one fdatasync, and each resolves only after it", async (t) => {
  const directory = scratchDirectory(t);
  const fileSystem = new GatedFileSystem();
  const wal = await RaftWal.open({ directory, ...realFiles, fileSystem });
  await wal.persist({ group: "warm", entries: [entry(1, 1)] }); // the first round creates the WAL file
  const roundsBefore = wal.walRounds;
  fileSystem.holdSyncs();
  const persisted = Array.from({ length: 1000 }, (_, group) =>
    tracked(wal.persist({ group: `q${group}`, hardState: { term: 1, vote: "n1", commit: 0 }, entries: range(1, 3, 1, `q${group}`) })));
  await turns(5);
  assert.ok(persisted.every((one) => !one.settled), "nothing reported before the fdatasync returned");
  assert.equal(wal.group("q1"), undefined, "nor readable");
  fileSystem.releaseSyncs();
  await Promise.all(persisted.map((one) => one.promise));
  assert.equal(wal.walRounds - roundsBefore, 1, "one fdatasync for a thousand groups");
  assert.equal(wal.group("q999")!.lastIndex(), 3);
  assert.deepEqual(wal.group("q7")!.hardState, { term: 1, vote: "n1", commit: 0 });
  await wal.close();
});

test("hard state, entries, an overwritten tail and snapshots survive a reopen; reads come from memory, then segments", async (t) => {
  const directory = scratchDirectory(t);
  const wal = await RaftWal.open({ directory, ...realFiles });
  await wal.persist({ group: "a", hardState: { term: 1, vote: "n1", commit: 0 }, entries: range(1, 10, 1, "a") });
  await wal.persist({ group: "b", hardState: { term: 3, vote: null, commit: 2 }, entries: range(1, 4, 3, "b") });
  // A follower overwrites a conflicting tail: 6..10 of term 1 go, 6..8 of term 2 take their place.
  await wal.persist({ group: "a", hardState: { term: 2, vote: "n2", commit: 5 }, entries: range(6, 8, 2, "a") });
  assert.equal(wal.group("a")!.lastIndex(), 8);
  assert.equal(wal.group("a")!.term(7), 2);
  assert.equal(wal.group("a")!.term(5), 1);
  // Compaction after the state machine's snapshot at 5: the entries after it stay.
  await wal.persist({ group: "a", snapshot: { index: 5, term: 1, data: Buffer.from("state@5") } });
  assert.equal(wal.group("a")!.firstIndex(), 6);
  assert.equal(wal.group("a")!.term(5), 1);
  // An installed snapshot whose last entry this log does not hold: every entry goes.
  await wal.persist({ group: "b", snapshot: { index: 20, term: 4, data: Buffer.from("state@20") }, entries: range(21, 22, 4, "b") });
  assert.equal(wal.group("b")!.firstIndex(), 21);
  assert.equal(wal.group("b")!.lastIndex(), 22);
  const before = { a: describeGroup(wal, "a"), b: describeGroup(wal, "b") };
  assert.ok(wal.group("a")!.entriesInMemory > 0, "recent entries are in memory");
  await wal.close();

  const reopened = await RaftWal.open({ directory, ...realFiles });
  assert.deepEqual(reopened.groups().sort(), ["a", "b"]);
  assert.equal(reopened.group("a")!.entriesInMemory, 0, "moved into the segments at open: read from there");
  assert.deepEqual({ a: describeGroup(reopened, "a"), b: describeGroup(reopened, "b") }, before);
  await reopened.persist({ group: "a", entries: range(9, 9, 2, "a") });
  assert.equal(reopened.group("a")!.entries(6, 10).map((held) => held.term).join(), "2,2,2,2");
  await reopened.close();
});

test("a full WAL file rolls over: its groups move into their segments and it is deleted; segments are rewritten once mostly dead", async (t) => {
  const directory = scratchDirectory(t);
  const wal = await RaftWal.open({ directory, ...realFiles, walFileBytesMax: 8 * 1024, segmentCompactBytesMin: 2 * 1024 });
  const expected = new Map<string, string[]>();
  for (let round = 0; round < 60; round++) {
    const writes: Promise<void>[] = [];
    for (let group = 0; group < 5; group++) {
      const name = `g${group}`;
      const last = wal.group(name)?.lastIndex() ?? 0;
      writes.push(wal.persist({ group: name, hardState: { term: 1, vote: null, commit: last }, entries: range(last + 1, last + 5, 1, name) }));
    }
    await Promise.all(writes);
    if (round % 10 === 9) {
      for (let group = 0; group < 5; group++) {
        const log = wal.group(`g${group}`)!;
        await wal.persist({ group: `g${group}`, snapshot: { index: log.lastIndex() - 3, term: 1, data: Buffer.from(`snap ${round}`) } });
      }
    }
  }
  await wal.flush();
  assert.ok(wal.walFilesMoved >= 3, `${wal.walFilesMoved} WAL files moved`);
  assert.ok(readdirSync(join(directory, "wal")).length <= 2, "moved WAL files are deleted");
  assert.ok(wal.group("g0")!.segmentRewrites > 0, "a segment compacted after snapshots");
  for (let group = 0; group < 5; group++) expected.set(`g${group}`, describeGroup(wal, `g${group}`) as string[]);
  // Kill-like: no close, so the newest WAL file is replayed at the next open.
  const reopened = await RaftWal.open({ directory, ...realFiles });
  for (let group = 0; group < 5; group++) assert.deepEqual(describeGroup(reopened, `g${group}`), expected.get(`g${group}`));
  await reopened.close();
  await wal.close();
});

test("a torn WAL tail is cut off at open; what was reported durable stays", async (t) => {
  const directory = scratchDirectory(t);
  const wal = await RaftWal.open({ directory, ...realFiles });
  await wal.persist({ group: "t", hardState: { term: 4, vote: "me", commit: 1 }, entries: range(1, 3, 4, "t") });
  const walFile = readdirSync(join(directory, "wal"))[0]!;
  appendFileSync(join(directory, "wal", walFile), encodeRecordBytes(Buffer.alloc(300, 7)).subarray(0, 100));
  const repairs: string[] = [];
  const reopened = await RaftWal.open({ directory, ...realFiles, log: (message) => repairs.push(message) });
  assert.match(repairs.join(), /cut 100 bytes/);
  assert.deepEqual(reopened.group("t")!.hardState, { term: 4, vote: "me", commit: 1 });
  assert.equal(reopened.group("t")!.lastIndex(), 3);
  await reopened.close();
  await wal.close().catch(() => undefined);
});

test("a failed fdatasync rejects every update waiting and every later one", async (t) => {
  const directory = scratchDirectory(t);
  const fileSystem = new GatedFileSystem();
  const wal = await RaftWal.open({ directory, ...realFiles, fileSystem });
  await wal.persist({ group: "f", entries: [entry(1, 1)] });
  fileSystem.syncFailureCode = "EIO";
  const failing = [wal.persist({ group: "f", entries: [entry(2, 1)] }), wal.persist({ group: "other", entries: [entry(1, 1)] })];
  for (const one of failing) await assert.rejects(one, /LOG_FAILED.*EIO/);
  assert.throws(() => wal.persist({ group: "f", entries: [entry(2, 1)] }), /LOG_FAILED/);
  assert.equal(wal.group("f")!.lastIndex(), 1, "nothing applied that was not durable");
  fileSystem.syncFailureCode = undefined;
  await wal.close();
  const reopened = await RaftWal.open({ directory, ...realFiles });
  assert.ok(reopened.group("f")!.lastIndex() >= 1);
  await reopened.close();
});
