import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Committer } from "../../../src/store/committer.js";
import { nodeFileSystem } from "../../../src/io/file-system.js";
import { StoreError } from "../../../src/store/errors.js";
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "../../../src/store/format.js";
import type { SegmentPosition } from "../../../src/store/position.js";
import { SMALL_SEGMENT_BYTES, openStore, payload, tempDirectory } from "./helpers.js";

function files(directory: string): string[] {
  return readdirSync(directory).sort();
}

function storeError(code: string): (error: unknown) => boolean {
  return (error) => error instanceof StoreError && error.code === code;
}

test("append, read and ack round trip; parts are stored as one payload", async () => {
  const { store } = await openStore(tempDirectory());
  const first = store.append([Buffer.from("exchange"), Buffer.from("|key|"), Buffer.from("body")]);
  const second = store.append([Buffer.alloc(0)]);
  assert.deepEqual([first.sequence, second.sequence], [1, 2]);
  assert.equal(store.read(first.position).toString(), "exchange|key|body");
  assert.equal(store.read(second.position).length, 0);
  assert.equal(store.liveCount, 2);
  store.ack(first.position);
  assert.equal(store.liveCount, 1);
  assert.throws(() => store.ack(first.position), storeError("STORE_ALREADY_ACKED"));
  assert.throws(() => store.ack({ ...second.position, offsetBytes: second.position.offsetBytes + 1 }), storeError("STORE_POSITION_UNKNOWN"));
  await store.close();
  assert.throws(() => store.append([Buffer.from("late")]), storeError("STORE_CLOSED"));
});

test("durability is reported as a sequence; one round covers a turn's appends", async () => {
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const reported: number[] = [];
  const { store } = await openStore(tempDirectory(), { committer, onDurable: (sequence) => reported.push(sequence) });
  for (let n = 0; n < 50; n++) store.append([payload(n, 100)]);
  assert.equal(store.durableSequence, 0, "nothing is durable before the fsync returns");
  await store.waitDurable(50);
  assert.equal(store.durableSequence, 50);
  assert.deepEqual(reported, [50]);
  assert.equal(committer.roundsCompleted, 1);
  await store.waitDurable(3); // already durable: resolves at once
  await store.close();
});

test("several stores share one committer: one round fsyncs all of them", async () => {
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const stores = await Promise.all([0, 1, 2].map(async () => (await openStore(tempDirectory(), { committer })).store));
  await committer.idle();
  const roundsBefore = committer.roundsCompleted;
  const sequences = stores.map((store, n) => store.append([payload(n, 10)]).sequence);
  await Promise.all(stores.map((store, n) => store.waitDurable(sequences[n]!)));
  assert.equal(committer.roundsCompleted, roundsBefore + 1);
  await Promise.all(stores.map((store) => store.close()));
});

test("appends made while an fsync runs are covered by the next round, not one fsync each", async () => {
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const { store } = await openStore(tempDirectory(), { committer, segmentSizeBytes: 1024 * 1024 });
  const waits: Promise<void>[] = [];
  for (let burst = 0; burst < 20; burst++) {
    for (let n = 0; n < 50; n++) waits.push(store.waitDurable(store.append([payload(n, 200)]).sequence));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(waits);
  assert.equal(store.durableSequence, 1000);
  assert.ok(committer.roundsCompleted <= 21, `${committer.roundsCompleted} rounds for 20 bursts`);
  await store.close();
});

test("segments roll over at the configured size; a record larger than a segment gets one of its own", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions: SegmentPosition[] = [];
  for (let n = 0; n < 10; n++) positions.push(store.append([payload(n, 1000)]).position);
  const big = store.append([payload(99, SMALL_SEGMENT_BYTES * 3)]).position;
  const after = store.append([payload(100, 10)]).position;
  const perSegment = Math.floor((SMALL_SEGMENT_BYTES - SEGMENT_HEADER_BYTES) / (RECORD_HEADER_BYTES + 1000));
  assert.equal(positions[perSegment - 1]!.segmentId, positions[0]!.segmentId);
  assert.equal(positions[perSegment]!.segmentId, positions[0]!.segmentId + 1);
  assert.equal(big.offsetBytes, SEGMENT_HEADER_BYTES, "the big record starts its segment");
  assert.equal(after.segmentId, big.segmentId + 1, "and nothing follows it there");
  for (const [n, position] of positions.entries()) assert.deepEqual(store.read(position), payload(n, 1000));
  assert.deepEqual(store.read(big), payload(99, SMALL_SEGMENT_BYTES * 3));
  for (const name of files(directory).filter((name) => name.startsWith("msgs."))) {
    const size = statSync(join(directory, name)).size;
    assert.ok(size <= SMALL_SEGMENT_BYTES || name.endsWith(String(big.segmentId)), `${name} is ${size} bytes`);
  }
  await store.close();
});

test("a fully acked segment is deleted with its ack file, never the one being written; disk use follows the backlog", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 12 }, (_, n) => store.append([payload(n, 1000)]).position);
  const segmentIds = [...new Set(positions.map((position) => position.segmentId))];
  assert.equal(segmentIds.length, 3, "four 1 KB records per 4 KiB segment");
  const diskBefore = store.diskBytes;
  for (const position of positions.filter((position) => position.segmentId === segmentIds[0])) store.ack(position);
  assert.ok(!files(directory).includes(`msgs.${String(segmentIds[0]).padStart(10, "0")}`));
  assert.ok(!files(directory).includes(`acks.${String(segmentIds[0]).padStart(10, "0")}`));
  assert.ok(store.diskBytes < diskBefore);
  assert.throws(() => store.read(positions[0]!), storeError("STORE_POSITION_UNKNOWN"));
  for (const position of positions) if (position.segmentId !== segmentIds[0]) store.ack(position);
  assert.equal(store.liveCount, 0);
  assert.equal(store.segmentCount, 1, "the segment being written stays");
  assert.equal(files(directory).filter((name) => name.startsWith("msgs.")).length, 1);
  // The next rollover deletes it: it has no live record left.
  store.append([payload(0, 1000)]);
  for (let n = 0; n < 4; n++) store.append([payload(n, 1000)]);
  assert.equal(store.segmentCount, 2);
  await store.close();
});

test("positions are stable across reopen; acked records stay acked; each open starts a new segment", async () => {
  const directory = tempDirectory();
  const first = await openStore(directory);
  const positions = Array.from({ length: 9 }, (_, n) => first.store.append([payload(n, 700)]).position);
  first.store.ack(positions[1]!);
  first.store.ack(positions[4]!);
  await first.store.close();

  const second = await openStore(directory);
  const expected = positions.filter((_, n) => n !== 1 && n !== 4);
  assert.deepEqual(second.livePositions, expected);
  assert.deepEqual(second.logs, [], "a clean store needs no repair");
  for (const position of second.livePositions) {
    const n = positions.findIndex((original) => original.offsetBytes === position.offsetBytes && original.segmentId === position.segmentId);
    assert.deepEqual(second.store.read(position), payload(n, 700));
  }
  const next = second.store.append([Buffer.from("after reopen")]).position;
  assert.ok(next.segmentId > positions.at(-1)!.segmentId);
  second.store.ack(positions[0]!);
  await second.store.close();

  const third = await openStore(directory);
  assert.deepEqual(third.livePositions, [...expected.slice(1), next]);
  await third.store.close();
});

test("purge removes everything at once; ids are not reused; old positions are unknown", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 10 }, (_, n) => store.append([payload(n, 900)]).position);
  store.ack(positions[0]!);
  assert.equal(store.purge(), 9);
  assert.equal(store.liveCount, 0);
  assert.equal(store.segmentCount, 1);
  assert.equal(files(directory).length, 1);
  assert.throws(() => store.read(positions[5]!), storeError("STORE_POSITION_UNKNOWN"));
  const fresh = store.append([Buffer.from("fresh")]);
  assert.ok(fresh.position.segmentId > positions.at(-1)!.segmentId);
  await store.waitDurable(fresh.sequence);
  await store.close();
  const reopened = await openStore(directory);
  assert.deepEqual(reopened.livePositions, [fresh.position]);
  await reopened.store.close();
});

test("deleteAll removes the directory", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  store.append([Buffer.from("x")]);
  await store.deleteAll();
  assert.throws(() => statSync(directory), /ENOENT/);
  assert.throws(() => store.append([Buffer.from("y")]), storeError("STORE_CLOSED"));
});

test("read verifies the checksum of what it reads", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const { position } = store.append([Buffer.from("precious bytes")]);
  const { openSync, writeSync, closeSync } = await import("node:fs");
  const fd = openSync(join(directory, `msgs.${String(position.segmentId).padStart(10, "0")}`), "r+");
  writeSync(fd, Buffer.from("X"), 0, 1, position.offsetBytes + RECORD_HEADER_BYTES + 3);
  closeSync(fd);
  assert.throws(() => store.read(position), storeError("STORE_CORRUPT"));
  assert.throws(() => store.read({ ...position, payloadBytes: 1e9 }), storeError("STORE_POSITION_UNKNOWN"));
  await store.close();
});

test("a segment deleted while its last writes await their fsync is still flushed through a valid descriptor", async () => {
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const { store } = await openStore(tempDirectory(), { committer });
  const positions = Array.from({ length: 4 }, (_, n) => store.append([payload(n, 1000)]).position);
  for (const position of positions) store.ack(position); // all acked, none durable yet
  const next = store.append([payload(9, 1000)]); // rolls over: the sealed segment is deleted at once
  assert.equal(store.segmentCount, 1);
  await store.waitDurable(next.sequence); // an fsync through a closed descriptor would fail the store (EBADF)
  assert.equal(store.durableSequence, 5);
  await store.close();
});

test("create() starts a new queue's store at once, empty even where a deleted queue left files", async () => {
  const directory = join(tempDirectory(), "queue");
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const { MessageStore } = await import("../../../src/store/message-store.js");
  const old = MessageStore.create({ directory, committer, segmentSizeBytes: SMALL_SEGMENT_BYTES });
  old.append([payload(1, 100)]);
  await old.waitDurable(1);
  await old.close();
  const fresh = MessageStore.create({ directory, committer, segmentSizeBytes: SMALL_SEGMENT_BYTES });
  assert.equal(fresh.liveCount, 0);
  const { sequence } = fresh.append([payload(2, 100)]);
  await fresh.waitDurable(sequence);
  await fresh.close();
  const { livePositions } = await MessageStore.open({ directory, committer, segmentSizeBytes: SMALL_SEGMENT_BYTES });
  assert.equal(livePositions.length, 1);
});
