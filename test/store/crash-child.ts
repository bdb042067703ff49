/**
 * Child of crash.test.ts: appends records as fast as it can, printing `durable <index>` as soon as
 * the store reports each batch durable and `ack <index>` before each ack, until it is killed.
 * Usage: node --import tsx crash-child.ts <directory> <seed> <firstIndex>
 */
import { writeSync } from "node:fs";
import { Committer } from "../../src/store/committer.js";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { MessageStore } from "../../src/store/message-store.js";
import type { SegmentPosition } from "../../src/store/position.js";
import { CRASH_SEGMENT_BYTES, crashPayload, seededRandom, splitPayload } from "./crash-shared.js";

const [directory, seedText, firstIndexText] = process.argv.slice(2);
const seed = Number(seedText);
const firstIndex = Number(firstIndexText);
const random = seededRandom(seed + firstIndex);

// Synchronous writes to the pipe: a line printed is a line the parent gets, even if we die next.
// The pipe is non-blocking, so a full pipe (the parent busy) answers EAGAIN: wait a little, retry.
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeLine(fd: number, line: string): void {
  let bytes = Buffer.from(`${line}\n`);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
const say = (line: string) => writeLine(1, line);

const { store, livePositions } = await MessageStore.open({
  directory: directory!,
  committer: new Committer({ fileSystem: nodeFileSystem }),
  segmentSizeBytes: CRASH_SEGMENT_BYTES,
  log: (message) => writeLine(2, `child store: ${message}`),
  // Sequence s of this session is record firstIndex + s - 1: one append per index.
  onDurable: (sequence) => say(`durable ${firstIndex + sequence - 1}`),
});

// Recovered records are read back (exercising read) to learn their indices, so they can be acked.
const live: Array<{ position: SegmentPosition; index: number }> = livePositions.map((position) => ({
  position,
  index: store.read(position).readUInt32LE(0),
}));
say("ready");

let next = firstIndex;
for (;;) {
  const burst = 1 + Math.floor(random() * 40);
  for (let n = 0; n < burst; n++) {
    const payload = crashPayload(seed, next);
    live.push({ position: store.append(splitPayload(payload, 1 + Math.floor(random() * 3))).position, index: next });
    next += 1;
  }
  // Consume from the front most of the time (segments get deleted), sometimes from the middle.
  const acks = live.length > 30 ? Math.floor(random() * burst * 2) : 0; // on average as many as appended
  for (let n = 0; n < acks && live.length > 0; n++) {
    const at = random() < 0.9 ? 0 : Math.floor(random() * live.length);
    const [entry] = live.splice(at, 1);
    say(`ack ${entry!.index}`);
    store.ack(entry!.position);
  }
  await new Promise((resolve) => setImmediate(resolve));
}
