import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  closeSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { StoreError } from "../../../src/store/errors.js";
import { RECORD_HEADER_BYTES, ackFileName, encodeAckEntry, segmentFileName } from "../../../src/store/format.js";
import type { SegmentPosition } from "../../../src/store/position.js";
import { openStore, payload, tempDirectory } from "./helpers.js";

/** A closed store holding `count` records of `bytes` each, all in one segment. */
async function storeWith(count: number, bytes = 100): Promise<{ directory: string; positions: SegmentPosition[] }> {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: count }, (_, n) => store.append([payload(n, bytes)]).position);
  await store.close();
  return { directory, positions };
}

function segmentPath(directory: string, position: SegmentPosition): string {
  return join(directory, segmentFileName(position.segmentId));
}

function flipByte(path: string, offsetBytes: number): void {
  const fd = openSync(path, "r+");
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, offsetBytes);
  byte[0]! ^= 0x40;
  writeSync(fd, byte, 0, 1, offsetBytes);
  closeSync(fd);
}

async function reopen(directory: string): Promise<{ livePositions: SegmentPosition[]; logs: string[]; contents: Buffer[] }> {
  const { store, livePositions, logs } = await openStore(directory);
  const contents = livePositions.map((position) => store.read(position));
  await store.close();
  return { livePositions, logs, contents };
}

test("a truncated last record is cut off, the file truncated there, and a warning logged", async () => {
  const { directory, positions } = await storeWith(5);
  const path = segmentPath(directory, positions[0]!);
  const endOfFourth = positions[4]!.offsetBytes;
  truncateSync(path, endOfFourth + 30); // the fifth record lost its last bytes
  const { livePositions, logs, contents } = await reopen(directory);
  assert.deepEqual(livePositions, positions.slice(0, 4));
  assert.deepEqual(contents, [0, 1, 2, 3].map((n) => payload(n, 100)));
  assert.equal(statSync(path).size, endOfFourth);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /cut 30 bytes/);
  // A second recovery finds nothing left to repair.
  assert.deepEqual((await reopen(directory)).logs, []);
});

test("a flipped byte in a record's payload skips that record only; its neighbours survive", async () => {
  const { directory, positions } = await storeWith(5);
  flipByte(segmentPath(directory, positions[2]!), positions[2]!.offsetBytes + RECORD_HEADER_BYTES + 17);
  const { livePositions, logs, contents } = await reopen(directory);
  assert.deepEqual(livePositions, [positions[0], positions[1], positions[3], positions[4]]);
  assert.deepEqual(contents, [0, 1, 3, 4].map((n) => payload(n, 100)));
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /damaged payload/);
});

test("a flipped byte in a record's header cuts the segment there: a length that cannot be trusted is not followed", async () => {
  const { directory, positions } = await storeWith(5);
  flipByte(segmentPath(directory, positions[2]!), positions[2]!.offsetBytes + 1);
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, positions.slice(0, 2));
  assert.match(logs.join("\n"), /cut/);
});

test("a flipped byte in the last record's payload cuts it (it cannot be told from a torn write)", async () => {
  const { directory, positions } = await storeWith(3);
  flipByte(segmentPath(directory, positions[2]!), positions[2]!.offsetBytes + RECORD_HEADER_BYTES + 99);
  const { livePositions } = await reopen(directory);
  assert.deepEqual(livePositions, positions.slice(0, 2));
  assert.equal(statSync(segmentPath(directory, positions[0]!)).size, positions[2]!.offsetBytes);
});

test("a zero-filled tail (extended, never written) is cut", async () => {
  const { directory, positions } = await storeWith(3);
  appendFileSync(segmentPath(directory, positions[0]!), Buffer.alloc(4096));
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, positions);
  assert.match(logs[0]!, /cut 4096 bytes/);
});

test("a missing ack file leaves all its segment's records live", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 3 }, (_, n) => store.append([payload(n, 50)]).position);
  store.ack(positions[0]!);
  store.ack(positions[2]!);
  await store.close();
  rmSync(join(directory, ackFileName(positions[0]!.segmentId)));
  assert.deepEqual((await reopen(directory)).livePositions, positions);
});

test("an empty segment file, or one shorter than its header, is fine and is removed", async () => {
  const { directory, positions } = await storeWith(2);
  writeFileSync(join(directory, segmentFileName(50)), Buffer.alloc(0));
  writeFileSync(join(directory, segmentFileName(51)), Buffer.from("WR"));
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, positions);
  assert.equal(logs.length, 1, "only the non-empty short file is worth a warning");
  const names = readdirSync(directory);
  assert.ok(!names.includes(segmentFileName(50)) && !names.includes(segmentFileName(51)));
  // Ids keep growing past the removed files, so no id is reused.
  const { store } = await openStore(directory);
  assert.ok(store.append([Buffer.from("x")]).position.segmentId > 51);
  await store.close();
});

test("an ack file with a torn tail keeps its whole entries and drops the partial one", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 3 }, (_, n) => store.append([payload(n, 50)]).position);
  store.ack(positions[0]!);
  store.ack(positions[1]!);
  await store.close();
  const ackPath = join(directory, ackFileName(positions[0]!.segmentId));
  appendFileSync(ackPath, encodeAckEntry(positions[2]!.offsetBytes).subarray(0, 3));
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, [positions[2]]);
  assert.match(logs.join("\n"), /cut 3 bytes/);
  assert.equal(statSync(ackPath).size, 8);
});

test("ack entries naming no record (zeros, offsets of cut records) are ignored", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 3 }, (_, n) => store.append([payload(n, 50)]).position);
  store.ack(positions[1]!);
  await store.close();
  const ackPath = join(directory, ackFileName(positions[0]!.segmentId));
  appendFileSync(ackPath, Buffer.concat([Buffer.alloc(4), encodeAckEntry(positions[0]!.offsetBytes + 1)]));
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, [positions[0], positions[2]]);
  assert.match(logs.join("\n"), /ignored 2 entries/);
});

test("an ack file without its segment is removed", async () => {
  const { directory, positions } = await storeWith(1);
  writeFileSync(join(directory, ackFileName(77)), encodeAckEntry(8));
  const { livePositions } = await reopen(directory);
  assert.deepEqual(livePositions, positions);
  assert.ok(!readdirSync(directory).includes(ackFileName(77)));
});

test("a segment of an unknown format version is refused, not guessed at", async () => {
  const { directory, positions } = await storeWith(1);
  flipByte(segmentPath(directory, positions[0]!), 4);
  await assert.rejects(openStore(directory), (error) => error instanceof StoreError && error.code === "STORE_CORRUPT");
});

test("a damaged segment magic keeps the records that verify, with a warning", async () => {
  const { directory, positions } = await storeWith(3);
  flipByte(segmentPath(directory, positions[0]!), 0);
  const { livePositions, logs } = await reopen(directory);
  assert.deepEqual(livePositions, positions);
  assert.match(logs[0]!, /damaged segment header/);
});

test("a zeroed first page (power cut before the file's first fsync) leaves nothing and the segment goes", async () => {
  const { directory, positions } = await storeWith(3);
  const fd = openSync(segmentPath(directory, positions[0]!), "r+");
  writeSync(fd, Buffer.alloc(64), 0, 64, 0);
  closeSync(fd);
  const { livePositions } = await reopen(directory);
  assert.deepEqual(livePositions, []);
  assert.ok(!readdirSync(directory).includes(segmentFileName(positions[0]!.segmentId)));
});

test("damage in an older segment does not touch the later ones", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory);
  const positions = Array.from({ length: 12 }, (_, n) => store.append([payload(n, 1000)]).position);
  await store.close();
  assert.equal(new Set(positions.map((position) => position.segmentId)).size, 3);
  // Damage the header of the second record of the first segment: the rest of that segment goes.
  flipByte(segmentPath(directory, positions[1]!), positions[1]!.offsetBytes + 5);
  const { livePositions, contents } = await reopen(directory);
  const lost = positions.slice(1, 4);
  assert.deepEqual(livePositions, positions.filter((position) => !lost.includes(position)));
  assert.deepEqual(contents[0], payload(0, 1000));
  assert.deepEqual(contents.at(-1), payload(11, 1000));
});

test("onLiveRecord gets every live record's position and payload in order, and no list is kept", async () => {
  const { directory, positions } = await storeWith(10);
  const { store: acking } = await openStore(directory);
  acking.ack(positions[2]!);
  acking.ack(positions[7]!);
  await acking.close();
  const handed: Array<{ position: SegmentPosition; content: Buffer }> = [];
  const { store, livePositions, liveCount } = await openStore(directory, {
    onLiveRecord: (position, content) => handed.push({ position, content: Buffer.from(content) }),
  });
  await store.close();
  const live = [0, 1, 3, 4, 5, 6, 8, 9];
  assert.deepEqual(handed.map((record) => record.position), live.map((n) => positions[n]));
  assert.deepEqual(handed.map((record) => record.content), live.map((n) => payload(n, 100)));
  assert.equal(liveCount, 8);
  assert.deepEqual(livePositions, []);
});
