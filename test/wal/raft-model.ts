/**
 * What the Raft WAL crash test's parent and child agree on: a group's state as a plain model
 * (applied by the same rules as src/wal/raft-group-log.ts, written out again here so the test
 * does not check the code against itself), each entry's payload, and the line that describes an
 * update.
 */
import type { GroupUpdate, RaftWal, WalHardState } from "../../src/wal/raft-wal.js";
import { seededRandom } from "./crash-shared.js";

export interface ModelGroup {
  hard: WalHardState;
  snapshotIndex: number;
  snapshotTerm: number;
  /** terms[i] is the term of entry snapshotIndex + 1 + i. */
  terms: number[];
}

export interface UpdateLine {
  readonly group: string;
  readonly hard?: WalHardState;
  readonly entries?: { first: number; last: number; term: number };
  readonly snapshot?: { index: number; term: number };
}

export const newModel = (): ModelGroup => ({ hard: { term: 0, vote: null, commit: 0 }, snapshotIndex: 0, snapshotTerm: 0, terms: [] });

export const lastIndexOf = (model: ModelGroup): number => model.snapshotIndex + model.terms.length;

export function termOf(model: ModelGroup, index: number): number | undefined {
  if (index === model.snapshotIndex) return model.snapshotTerm;
  if (index < model.snapshotIndex || index > lastIndexOf(model)) return undefined;
  return model.terms[index - model.snapshotIndex - 1];
}

export function applyLine(model: ModelGroup, line: UpdateLine): void {
  if (line.snapshot) {
    const { index, term } = line.snapshot;
    model.terms = termOf(model, index) === term && index <= lastIndexOf(model) ? model.terms.slice(index - model.snapshotIndex) : [];
    model.snapshotIndex = index;
    model.snapshotTerm = term;
  }
  if (line.entries) {
    const { first, last, term } = line.entries;
    model.terms.length = first - model.snapshotIndex - 1;
    for (let index = first; index <= last; index++) model.terms.push(term);
  }
  if (line.hard) model.hard = line.hard;
}

export function entryPayload(seed: number, group: string, index: number, term: number): Buffer {
  let hash = seed >>> 0;
  for (const char of `${group}|${index}|${term}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  const random = seededRandom(hash);
  const bytes = 16 + Math.floor(random() * (random() < 0.02 ? 20_000 : 300));
  const payload = Buffer.allocUnsafe(bytes);
  payload.writeUInt32LE(index, 0);
  payload.writeUInt32LE(term, 4);
  for (let at = 8; at < bytes; at++) payload[at] = Math.floor(random() * 256);
  return payload;
}

export const snapshotData = (group: string, index: number, term: number): Buffer => Buffer.from(`snapshot of ${group} at ${index}/${term}`);

export function toUpdate(seed: number, line: UpdateLine): GroupUpdate {
  return {
    group: line.group,
    hardState: line.hard,
    snapshot: line.snapshot && { ...line.snapshot, data: snapshotData(line.group, line.snapshot.index, line.snapshot.term) },
    entries: line.entries && Array.from({ length: line.entries.last - line.entries.first + 1 }, (_, at) => {
      const index = line.entries!.first + at;
      return { index, term: line.entries!.term, payload: entryPayload(seed, line.group, index, line.entries!.term) };
    }),
  };
}

/** The model of what the WAL holds for `group`, reading every entry (from memory or the segment) and checking its bytes. */
export function modelFromWal(wal: RaftWal, group: string, seed: number): ModelGroup {
  const log = wal.group(group);
  if (log === undefined) return newModel();
  const model: ModelGroup = { hard: log.hardState, snapshotIndex: log.snapshot?.index ?? 0, snapshotTerm: log.snapshot?.term ?? 0, terms: [] };
  if (log.snapshot && !log.snapshot.data.equals(snapshotData(group, log.snapshot.index, log.snapshot.term))) throw new Error(`${group}: snapshot data differs`);
  if (log.lastIndex() >= log.firstIndex()) {
    for (const entry of log.entries(log.firstIndex(), log.lastIndex() + 1)) {
      if (!entry.payload.equals(entryPayload(seed, group, entry.index, entry.term))) throw new Error(`${group}: entry ${entry.index} differs from what was written`);
      model.terms.push(entry.term);
    }
  }
  return model;
}

export const describeModel = (model: ModelGroup): string =>
  JSON.stringify({ ...model, hard: { term: model.hard.term, vote: model.hard.vote, commit: model.hard.commit } });
