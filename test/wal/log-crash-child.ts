/**
 * Child of log-crash.test.ts: appends records to a record log as fast as it can, printing
 * `durable <index>` once the log reports each round durable, and now and then compacts it
 * (a rewrite keeping only the newest records), printing `drop <below>` before it starts.
 * Usage: node --import tsx log-crash-child.ts <path> <seed> <firstIndex>
 */
import { RecordLog } from "../../src/wal/record-log.js";
import { crashPayload, realFiles, seededRandom, writeLine } from "./crash-shared.js";

const [path, seedText, firstIndexText] = process.argv.slice(2);
const seed = Number(seedText);
const firstIndex = Number(firstIndexText);
const random = seededRandom(seed + firstIndex);
const say = (line: string): void => writeLine(1, line);

/** Index of the record appended with each sequence, to translate the log's sequence into indices. */
const indexOfSequence = new Map<number, number>();
const { log, records } = RecordLog.open({
  path: path!,
  tag: "CRSH", ...realFiles,
  log: (message) => writeLine(2, `child log: ${message}`),
  onDurable: (sequence) => {
    const index = indexOfSequence.get(sequence);
    if (index !== undefined) say(`durable ${index}`);
    for (const key of indexOfSequence.keys()) if (key <= sequence) indexOfSequence.delete(key);
  },
});
const live: number[] = records.map((record) => record.readUInt32LE(0));
say("ready");

let next = firstIndex;
for (;;) {
  const burst = 1 + Math.floor(random() * 60);
  for (let n = 0; n < burst; n++) {
    void log.append(crashPayload(seed, next)).catch(() => undefined);
    indexOfSequence.set(log.appendedSequence, next);
    live.push(next);
    next += 1;
  }
  if (live.length > 400 && random() < 0.1) {
    const keep = live.splice(live.length - 100);
    live.length = 0;
    live.push(...keep);
    say(`drop ${keep[0]}`);
    void log.rewrite(keep.map((index) => crashPayload(seed, index))).catch(() => undefined);
    indexOfSequence.set(log.appendedSequence, keep[keep.length - 1]!);
  }
  await new Promise((resolve) => setImmediate(resolve));
}
