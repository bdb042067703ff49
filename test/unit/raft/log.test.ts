import { test } from "node:test";
import assert from "node:assert/strict";
import { RaftLog } from "../../../src/raft/log.js";
import { MemoryStorage } from "../../../src/raft/index.js";

const entry = (index: number, term: number) => ({ index, term, kind: "command" as const, data: index });

test("a duplicated or stale append never truncates entries that match", () => {
  const log = new RaftLog(new MemoryStorage());
  log.appendAfter(0, [entry(1, 1), entry(2, 1), entry(3, 1)]);
  log.appendAfter(0, [entry(1, 1)]);
  assert.equal(log.lastIndex(), 3);
  log.appendAfter(1, [entry(2, 2)]);
  assert.equal(log.lastIndex(), 2, "a conflicting term truncates from there");
  assert.equal(log.term(2), 2);
});

test("entries become stable only if they are still in the log when the write completes", () => {
  const storage = new MemoryStorage();
  const log = new RaftLog(storage);
  log.appendAfter(0, [entry(1, 1), entry(2, 1)]);
  const handedOut = log.unstable().entries.slice();
  log.appendAfter(1, [entry(2, 2)]);
  storage.append(handedOut);
  log.stableTo(2, 1);
  assert.deepEqual(log.unstable().entries.map((e) => [e.index, e.term]), [[1, 1], [2, 2]], "the overwritten entry is written again");
  assert.equal(log.term(2), 2);
});

test("compaction hands lagging readers the snapshot, and the log continues after it", () => {
  const storage = new MemoryStorage({ voters: ["a"], learners: [] });
  storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  storage.compact({ index: 2, term: 1, membership: { voters: ["a"], learners: [] }, data: "image" });
  const log = new RaftLog(storage);
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.entries(1, 4), undefined);
  assert.deepEqual(log.entries(3, 4)?.map((e) => e.index), [3]);
  assert.equal(log.term(2), 1);
  assert.equal(log.snapshot().data, "image");
});
