/**
 * Child of raft-wal-crash.test.ts: persists updates of many groups through the Raft WAL as fast as
 * it can (appends, overwritten tails with a new term, compaction after snapshots, installed
 * snapshots, hard states), printing `u <json>` before each and `d <group> <n>` once it is durable.
 * A small WAL file size makes roll-overs into the segments and segment rewrites frequent.
 * Usage: node --import tsx raft-wal-crash-child.ts <directory> <seed> <round>
 */
import { RaftWal } from "../../src/wal/raft-wal.js";
import { realFiles, seededRandom, writeLine } from "../wal/crash-shared.js";
import { applyLine, lastIndexOf, modelFromWal, termOf, toUpdate, type ModelGroup, type UpdateLine } from "../wal/raft-model.js";

const [directory, seedText, roundText] = process.argv.slice(2);
const seed = Number(seedText);
const random = seededRandom(seed * 31 + Number(roundText));
const say = (line: string): void => writeLine(1, line);
const GROUPS = 24;

const wal = await RaftWal.open({
  directory: directory!,
  ...realFiles,
  walFileBytesMax: 96 * 1024,
  segmentCompactBytesMin: 16 * 1024,
  log: (message) => writeLine(2, `child wal: ${message}`),
});
const models = new Map<string, ModelGroup>();
for (let group = 0; group < GROUPS; group++) models.set(`g${group}`, modelFromWal(wal, `g${group}`, seed));
const numbers = new Map<string, number>();
say("ready");

function nextLine(group: string, model: ModelGroup): UpdateLine {
  const last = lastIndexOf(model);
  const first = model.snapshotIndex + 1;
  const choice = random();
  const term = Math.max(1, model.hard.term);
  if (choice < 0.08) {
    // A new term: a follower's conflicting tail is overwritten from some index on.
    const from = Math.max(first, last - Math.floor(random() * 6));
    const newTerm = term + 1;
    return { group, hard: { term: newTerm, vote: random() < 0.5 ? `n${Math.floor(random() * 3)}` : null, commit: Math.min(model.hard.commit, from - 1) }, entries: { first: from, last: from + Math.floor(random() * 4), term: newTerm } };
  }
  if (choice < 0.14 && last > first + 2) {
    const index = first + Math.floor(random() * (last - first));
    return { group, snapshot: { index, term: termOf(model, index)! }, hard: { ...model.hard, commit: Math.max(model.hard.commit, index) } };
  }
  if (choice < 0.16) return { group, snapshot: { index: last + 1 + Math.floor(random() * 10), term } };
  const count = 1 + Math.floor(random() * 5);
  return { group, hard: { ...model.hard, term, commit: Math.max(model.hard.commit, last) }, entries: { first: last + 1, last: last + count, term } };
}

for (;;) {
  const burst = 1 + Math.floor(random() * 30);
  for (let n = 0; n < burst; n++) {
    const group = `g${Math.floor(random() * GROUPS)}`;
    const model = models.get(group)!;
    const line = nextLine(group, model);
    applyLine(model, line);
    const number = (numbers.get(group) ?? 0) + 1;
    numbers.set(group, number);
    say(`u ${JSON.stringify(line)}`);
    wal.persist(toUpdate(seed, line)).then(() => say(`d ${group} ${number}`), () => undefined);
  }
  await new Promise((resolve) => setImmediate(resolve));
}
