/**
 * The store's batched writes, on real files with real fsync: a turn's records go to the OS in one
 * write at the end of the turn, its acks in one write per ack file. What must hold whatever the
 * batching does: a record is readable as soon as `append` returns; a batch whose write fails is
 * never reported durable, leaves nothing behind in the file or the index, and fails the store;
 * the store recovers to exactly the records that were written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { Committer } from "../../src/store/committer.js";
import { StoreError } from "../../src/store/errors.js";
import { ackFileName, segmentFileName } from "../../src/store/format.js";
import type { SegmentPosition } from "../../src/store/position.js";
import { FaultyFileSystem, openStore, payload, tempDirectory } from "../unit/store/helpers.js";

/** A FaultyFileSystem that also counts the writes to each path it opened, and can refuse truncations. */
class CountingFileSystem extends FaultyFileSystem {
  readonly paths = new Map<number, string>();
  readonly writes = new Map<string, number>();
  truncateFailureCode: string | undefined;

  override open = (path: string, mode: Parameters<typeof nodeFileSystem.open>[1]): number => {
    const fd = nodeFileSystem.open(path, mode);
    this.paths.set(fd, path);
    return fd;
  };

  override writev(fd: number, buffers: readonly Buffer[], positionBytes: number): number {
    const path = this.paths.get(fd) ?? `fd ${fd}`;
    this.writes.set(path, (this.writes.get(path) ?? 0) + 1);
    return super.writev(fd, buffers, positionBytes);
  }

  override truncate = (fd: number, lengthBytes: number): void => {
    if (this.truncateFailureCode) throw Object.assign(new Error(`${this.truncateFailureCode}: injected`), { code: this.truncateFailureCode });
    nodeFileSystem.truncate(fd, lengthBytes);
  };

  writesTo(path: string): number {
    return this.writes.get(path) ?? 0;
  }
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const isStoreFailure = (code: string) => (error: unknown) =>
  error instanceof StoreError && error.code === "STORE_FAILED" && error.systemCode === code;

async function expectRecovered(directory: string, expected: Array<{ position: SegmentPosition; bytes: Buffer }>): Promise<string[]> {
  const { store, livePositions, logs } = await openStore(directory);
  assert.deepEqual(livePositions, expected.map((entry) => entry.position));
  for (const entry of expected) assert.deepEqual(store.read(entry.position), entry.bytes);
  await store.close();
  return logs;
}

test("a turn's appends reach the file in one write at its end; a record is readable as soon as append returns", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }), segmentSizeBytes: 1024 * 1024 });
  await endOfTurn();
  const records: Array<{ position: SegmentPosition; bytes: Buffer }> = [];
  const append = (n: number) => {
    const bytes = payload(n, 200 + n);
    records.push({ position: store.append([bytes.subarray(0, 50), bytes.subarray(50)]).position, bytes });
  };
  const segmentPath = join(directory, segmentFileName(1));
  const segmentBytesBefore = statSync(segmentPath).size;
  for (let n = 0; n < 20; n++) append(n);
  assert.equal(statSync(segmentPath).size, segmentBytesBefore, "nothing written before the turn ends");
  assert.equal(store.writtenSequence, 0);
  assert.equal(store.appendedSequence, 20);
  // A read of a record not written yet writes the turn's records out first.
  assert.deepEqual(store.read(records[7]!.position), records[7]!.bytes);
  assert.equal(fileSystem.writesTo(segmentPath), 1 + 1, "the header, then the 20 records in one write");
  assert.equal(store.writtenSequence, 20);
  for (let n = 20; n < 50; n++) append(n);
  assert.deepEqual(store.read(records[3]!.position), records[3]!.bytes, "a record written earlier needs no write");
  assert.equal(fileSystem.writesTo(segmentPath), 2);
  await endOfTurn();
  assert.equal(fileSystem.writesTo(segmentPath), 3, "the other 30 in one write at the end of the turn");
  await store.waitDurable(50);
  for (const record of records) assert.deepEqual(store.read(record.position), record.bytes);
  await store.close();
  await expectRecovered(directory, records);
});

test("a turn's acks go out in one write per ack file; an ack made before its record was written holds", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }), segmentSizeBytes: 1024 * 1024 });
  const records = Array.from({ length: 30 }, (_, n) => ({ position: store.append([payload(n, 100)]).position, bytes: payload(n, 100) }));
  await store.waitDurable(30);
  const ackPath = join(directory, ackFileName(records[0]!.position.segmentId));
  for (const record of records.slice(0, 10)) store.ack(record.position);
  assert.equal(fileSystem.writesTo(ackPath), 0, "not before the turn ends");
  await endOfTurn();
  assert.equal(fileSystem.writesTo(ackPath), 1, "ten acks, one write");
  assert.equal(statSync(ackPath).size, 10 * 4);
  // Appended and acked in the same turn, before the record reached the file.
  const brief = store.append([payload(99, 100)]);
  store.ack(brief.position);
  assert.equal(store.liveCount, 20);
  await store.close();
  await expectRecovered(directory, records.slice(10));
});

test("a segment emptied by a turn's acks whose file cannot be removed keeps those acks in its ack file", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const { store, logs } = await openStore(directory, { committer: new Committer({ fileSystem }) }); // 4 KiB segments: 4 records of 1000 B each
  const records = Array.from({ length: 6 }, (_, n) => ({ position: store.append([payload(n, 1000)]).position, bytes: payload(n, 1000) }));
  await store.waitDurable(6);
  const firstSegment = records[0]!.position.segmentId;
  assert.equal(records[3]!.position.segmentId, firstSegment);
  assert.notEqual(records[4]!.position.segmentId, firstSegment);
  const stuck = join(directory, segmentFileName(firstSegment));
  fileSystem.removeFile = (path) => {
    if (path === stuck) throw Object.assign(new Error("EBUSY: injected"), { code: "EBUSY" });
    nodeFileSystem.removeFile(path);
  };
  for (const record of records.slice(0, 4)) store.ack(record.position); // the last one deletes the segment, in this turn
  assert.match(logs.join("\n"), /could not remove/);
  await store.close();
  fileSystem.removeFile = nodeFileSystem.removeFile;
  await expectRecovered(directory, records.slice(4));
});

test("a failed batched write: none of its records is reported durable, the file and index drop them, the store fails; earlier appends still become durable", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const failures: StoreError[] = [];
  const durable: number[] = [];
  const { store } = await openStore(directory, {
    committer: new Committer({ fileSystem }),
    segmentSizeBytes: 1024 * 1024,
    onFailure: (error) => failures.push(error),
    onDurable: (sequence) => durable.push(sequence),
  });
  const record = (n: number) => ({ bytes: payload(n, 1000) });
  const append = (n: number) => {
    const { bytes } = record(n);
    return { ...store.append([bytes.subarray(0, 100), bytes.subarray(100)]), bytes };
  };
  const durableBefore = Array.from({ length: 5 }, (_, n) => append(n));
  await store.waitDurable(5);
  const writtenBefore = Array.from({ length: 3 }, (_, n) => append(10 + n));
  store.flush(); // written to the OS, not durable yet: the round that makes them durable comes after the failure
  const segmentPath = join(directory, segmentFileName(durableBefore[0]!.position.segmentId));
  const goodBytes = statSync(segmentPath).size;
  // The next write stops after 1500 bytes (one whole record and part of the next), then fails.
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 1500 };
  const doomed = Array.from({ length: 4 }, (_, n) => append(20 + n));
  store.ack(durableBefore[1]!.position);
  store.ack(doomed[2]!.position); // an ack of a record in the failing batch, made before the write
  const doomedWaits = doomed.map((entry) => store.waitDurable(entry.sequence).then(() => "durable", (error: unknown) => error));
  await endOfTurn();

  assert.equal(failures.length, 1);
  assert.ok(isStoreFailure("ENOSPC")(failures[0]), "onFailure hears STORE_FAILED caused by the ENOSPC");
  assert.equal(store.failedSequence, 9, "the batch's first sequence: everything from there on is lost");
  for (const outcome of await Promise.all(doomedWaits)) assert.ok(isStoreFailure("ENOSPC")(outcome), `a lost append was reported ${String(outcome)}`);
  await assert.rejects(store.waitDurable(doomed[0]!.sequence), isStoreFailure("ENOSPC"));
  assert.equal(statSync(segmentPath).size, goodBytes, "the partial bytes were cut off");
  assert.throws(() => store.append([payload(30, 10)]), isStoreFailure("ENOSPC"));
  assert.throws(() => store.read(doomed[0]!.position), isStoreFailure("ENOSPC"));
  store.ack(doomed[1]!.position); // nothing to ack: no throw
  assert.equal(store.liveCount, 5 - 1 + 3, "the lost records are not live");

  // The appends written before the failed batch still become durable: their publishers get confirms.
  await store.waitDurable(8);
  assert.equal(store.durableSequence, 8);
  assert.ok(durable.every((sequence) => sequence <= 8), `durability reported past the failed batch: ${durable.join(", ")}`);
  for (const entry of [...durableBefore, ...writtenBefore]) if (entry !== durableBefore[1]) assert.deepEqual(store.read(entry.position), entry.bytes);
  await store.close();
  assert.equal(store.durableSequence, 8);

  const kept = [durableBefore[0]!, ...durableBefore.slice(2), ...writtenBefore];
  const logs = await expectRecovered(directory, kept);
  assert.deepEqual(logs, [], "nothing to repair: the file holds exactly the records written");
});

test("a failed batched write whose partial bytes cannot be cut off: nothing more is reported durable; recovery cuts the torn tail", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const durable: number[] = [];
  const committer = new Committer({ fileSystem });
  const { store } = await openStore(directory, {
    committer,
    segmentSizeBytes: 1024 * 1024,
    onDurable: (sequence) => durable.push(sequence),
  });
  const appendN = (from: number, count: number) =>
    Array.from({ length: count }, (_, n) => ({ ...store.append([payload(from + n, 1000)]), bytes: payload(from + n, 1000) }));
  const durableBefore = appendN(0, 3);
  await store.waitDurable(3);
  const writtenBefore = appendN(10, 2);
  store.flush();
  fileSystem.writeFailure = { code: "EIO", bytesBeforeFailure: 1500 };
  fileSystem.truncateFailureCode = "EIO";
  const doomed = appendN(20, 3);
  await endOfTurn();
  assert.equal(store.failedSequence, 4, "with the tail uncut nothing more is claimed durable");
  for (const entry of [...writtenBefore, ...doomed]) await assert.rejects(store.waitDurable(entry.sequence), isStoreFailure("EIO"));
  await committer.idle(); // the round that fsyncs what was written before must not report it either
  await store.close();
  assert.deepEqual(durable, [3]);

  // Recovery: the durable records are there; the torn record is cut; whole records the failed
  // write finished may come back, as may any record appended but never reported durable.
  fileSystem.truncateFailureCode = undefined;
  const { store: reopened, livePositions, logs } = await openStore(directory);
  const positions = livePositions.map((position) => `${position.segmentId}:${position.offsetBytes}`);
  for (const entry of durableBefore) assert.ok(positions.includes(`${entry.position.segmentId}:${entry.position.offsetBytes}`));
  for (const position of livePositions) {
    const expected = [...durableBefore, ...writtenBefore, ...doomed].find((entry) => entry.position.offsetBytes === position.offsetBytes && entry.position.segmentId === position.segmentId);
    assert.ok(expected, "only records that were appended");
    assert.deepEqual(reopened.read(position), expected.bytes);
  }
  assert.match(logs.join("\n"), /cut \d+ bytes/);
  await reopened.close();
});

test("a write that fails when a rollover seals the segment makes that append throw; nothing of the batch stays", async () => {
  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }) }); // 4 KiB segments
  const first = Array.from({ length: 3 }, (_, n) => ({ ...store.append([payload(n, 1000)]), bytes: payload(n, 1000) }));
  await store.waitDurable(3);
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 0 };
  const doomed = store.append([payload(3, 1000)]); // fits: pending
  assert.throws(() => store.append([payload(4, 1000)]), isStoreFailure("ENOSPC"), "the rollover writes the batch first, and it fails");
  await assert.rejects(store.waitDurable(doomed.sequence), isStoreFailure("ENOSPC"));
  await store.close();
  await expectRecovered(directory, first);
});

test("one store's failed write does not touch another sharing the committer", async () => {
  const fileSystem = new CountingFileSystem();
  const committer = new Committer({ fileSystem });
  const doomed = await openStore(tempDirectory(), { committer });
  const healthy = await openStore(tempDirectory(), { committer });
  await committer.idle();
  const lost = doomed.store.append([payload(1, 100)]); // its flush is scheduled first, so it takes the failure
  const kept = healthy.store.append([payload(2, 100)]);
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 0 };
  await assert.rejects(doomed.store.waitDurable(lost.sequence), isStoreFailure("ENOSPC"));
  await healthy.store.waitDurable(kept.sequence);
  assert.deepEqual(healthy.store.read(kept.position), payload(2, 100));
  assert.equal(healthy.store.failedSequence, undefined);
  await Promise.all([doomed.store.close(), healthy.store.close()]);
});

test("close writes out and waits for the turn's appends; a burst larger than one write's limit is split", async () => {
  const small = tempDirectory();
  const opened = await openStore(small);
  const few = Array.from({ length: 10 }, (_, n) => ({ position: opened.store.append([payload(n, 20)]).position, bytes: payload(n, 20) }));
  await opened.store.close(); // in the same turn as the appends
  assert.equal(opened.store.durableSequence, 10);
  await expectRecovered(small, few);

  const directory = tempDirectory();
  const fileSystem = new CountingFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }), segmentSizeBytes: 64 * 1024 * 1024 });
  // 1500 records of two buffers each (header and payload): more buffers than one writev takes.
  const records = Array.from({ length: 1500 }, (_, n) => ({ position: store.append([payload(n, 20)]).position, bytes: payload(n, 20) }));
  await store.close();
  assert.equal(store.durableSequence, 1500);
  assert.ok(fileSystem.writesTo(join(directory, segmentFileName(1))) >= 1 + 2, "the burst went out in more than one write");
  await expectRecovered(directory, records);
});

test("purge drops the turn's unwritten records with the rest; their sequences still settle", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const before = store.append([payload(1, 100)]);
  store.append([payload(2, 100)]);
  assert.equal(store.purge(), 2);
  const after = store.append([payload(3, 100)]);
  await store.waitDurable(after.sequence);
  assert.equal(store.durableSequence, 3);
  assert.throws(() => store.read(before.position), (error) => error instanceof StoreError && error.code === "STORE_POSITION_UNKNOWN");
  await store.close();
  await expectRecovered(directory, [{ position: after.position, bytes: payload(3, 100) }]);
});
