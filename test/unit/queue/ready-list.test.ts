/**
 * The classic queue's ready list against a plain model (an array kept sorted by sequence), with
 * random operations from the seeded generator: push (body in memory or paged out, with or
 * without a store position, TTL, redelivered), shift, requeue of a delivered entry, expiry at the
 * head, clear. Run with READY_LIST_SEED=<n> to replay a failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Message } from "../../../src/message/message.js";
import { CHUNK_MAX, PackedEntries, PAGED_OUT, queueEntry } from "../../../src/queue/classic/packed-entries.js";
import { FifoReadyList, PriorityReadyList, type ReadyList } from "../../../src/queue/classic/ready-list.js";
import type { QueueEntry } from "../../../src/queue/queue-type.js";
import { seedFromEnvironment, seededRandom } from "../../helpers/random.js";

const seed = seedFromEnvironment("READY_LIST_SEED");

/** What an entry looks like from outside, for comparison with the model. */
function view(entry: QueueEntry | undefined) {
  if (entry === undefined) return undefined;
  return {
    sequence: entry.sequence,
    body: entry.message === PAGED_OUT ? "(paged)" : entry.message.body.toString(),
    bodySizeBytes: entry.bodySizeBytes,
    redelivered: entry.redelivered,
    expiresAtMs: entry.expiresAtMs,
    priority: entry.priority,
    position: entry.position === undefined ? undefined : { ...entry.position },
    pagedAt: entry.pagedAt === undefined ? undefined : { ...entry.pagedAt },
  };
}

function randomEntry(random: () => number, sequence: number, maxPriority: number): QueueEntry {
  const pick = random();
  const location = { segmentId: Math.floor(random() * 2 ** 32), offsetBytes: Math.floor(random() * 2 ** 30), payloadBytes: Math.floor(random() * 2 ** 20) };
  // In memory without a record; in memory with a store record; paged with a store record; paged to the scratch store.
  const kind = pick < 0.4 ? "memory" : pick < 0.6 ? "memory+store" : pick < 0.8 ? "store" : "spill";
  const body = Buffer.from(`m${sequence}`);
  const message = kind === "memory" || kind === "memory+store" ? new Message("", "q", Buffer.alloc(0), body) : PAGED_OUT;
  const expiresAtMs = random() < 0.7 ? Infinity : Math.floor(random() * 1000);
  return queueEntry(
    sequence,
    message,
    Math.floor(random() * 5000),
    random() < 0.1,
    expiresAtMs,
    Math.floor(random() * (maxPriority + 1)),
    kind === "memory+store" || kind === "store" ? location : undefined,
    kind === "spill" ? location : undefined,
  );
}

test("PackedEntries returns what was pushed, in order, across chunk growth, reuse and clear", () => {
  const random = seededRandom(seed);
  for (let round = 0; round < 20; round++) {
    const packed = new PackedEntries(3);
    const model: QueueEntry[] = [];
    let sequence = 1;
    // Phases that favour growth or shrinking, so the list crosses chunk boundaries both ways;
    // the first round's long phases (no clear) take it well past CHUNK_MAX entries.
    const phase = round === 0 ? 4 * CHUNK_MAX : 100 + Math.floor(random() * 8 * CHUNK_MAX);
    const clearChance = round === 0 ? 0 : 0.001;
    const steps = 4 * phase;
    let longest = 0;
    for (let step = 0; step < steps; step++) {
      const growing = Math.floor(step / phase) % 2 === 0;
      const choice = random();
      if (choice < (growing ? 0.7 : 0.3)) {
        const entry = randomEntry(random, (sequence += 1 + Math.floor(random() * 3)), 0);
        const expected = { ...entry, priority: 3 };
        packed.push(entry);
        model.push(expected);
      } else if (choice < 1 - clearChance) {
        assert.deepEqual(view(packed.shift()), view(model.shift()), `seed ${seed}, round ${round}, step ${step}`);
      } else {
        packed.clear();
        model.length = 0;
      }
      assert.equal(packed.length, model.length);
      longest = Math.max(longest, model.length);
      if (model.length > 0) {
        assert.equal(packed.headSequence(), model[0].sequence);
        assert.equal(packed.headExpiresAtMs(), model[0].expiresAtMs);
      }
    }
    if (round === 0) assert.ok(longest > CHUNK_MAX, "the first round grows past one chunk");
    assert.deepEqual([...packed.entries()].map(view), model.map(view), `seed ${seed}, round ${round}`);
    while (model.length > 0) assert.deepEqual(view(packed.shift()), view(model.shift()));
    assert.equal(packed.shift(), undefined);
  }
});

test("PackedEntries refuses an entry out of sequence order or in two stores", () => {
  const packed = new PackedEntries();
  const at = { segmentId: 1, offsetBytes: 8, payloadBytes: 10 };
  packed.push(queueEntry(5, PAGED_OUT, 1, false, Infinity, 0, at, undefined));
  assert.throws(() => packed.push(queueEntry(5, PAGED_OUT, 1, false, Infinity, 0, at, undefined)), /sequence order/);
  assert.throws(() => packed.push(queueEntry(6, PAGED_OUT, 1, false, Infinity, 0, at, at)), /one store/);
});

/**
 * The model of a ready list: entries sorted by (priority descending, sequence); requeue puts an
 * entry back where its sequence belongs; expiry takes expired entries from the head of each level.
 */
class ModelReadyList {
  entries: QueueEntry[] = [];
  get bytes(): number {
    return this.entries.reduce((sum, entry) => sum + entry.bodySizeBytes, 0);
  }
  private insert(entry: QueueEntry): void {
    const at = this.entries.findIndex((other) => other.priority < entry.priority || (other.priority === entry.priority && other.sequence > entry.sequence));
    if (at < 0) this.entries.push(entry);
    else this.entries.splice(at, 0, entry);
  }
  push(entry: QueueEntry): void {
    this.insert(entry);
  }
  requeue(entry: QueueEntry): void {
    this.insert(entry);
  }
  shift(): QueueEntry | undefined {
    return this.entries.shift();
  }
  takeExpired(nowMs: number): QueueEntry[] {
    const expired: QueueEntry[] = [];
    const priorities = [...new Set(this.entries.map((entry) => entry.priority))];
    // Level by level from the lowest priority, as PriorityReadyList walks them; FIFO has one level.
    for (const priority of priorities.sort((a, b) => a - b)) {
      for (;;) {
        const head = this.entries.find((entry) => entry.priority === priority);
        if (head === undefined || head.expiresAtMs > nowMs) break;
        this.entries.splice(this.entries.indexOf(head), 1);
        expired.push(head);
      }
    }
    return expired;
  }
}

function exercise(name: string, maxPriority: number, make: () => ReadyList): void {
  test(`${name} keeps sequence order with requeues and expiry, like the model`, () => {
    const random = seededRandom(seed ^ (maxPriority + 1));
    for (let round = 0; round < 20; round++) {
      const list = make();
      const model = new ModelReadyList();
      const delivered: QueueEntry[] = [];
      let sequence = 0;
      const steps = 500 + Math.floor(random() * 2000);
      for (let step = 0; step < steps; step++) {
        const where = `seed ${seed}, round ${round}, step ${step}`;
        const choice = random();
        if (choice < 0.45) {
          const entry = randomEntry(random, ++sequence, maxPriority);
          list.push(entry);
          model.push({ ...entry });
        } else if (choice < 0.75) {
          const got = list.shift();
          assert.deepEqual(view(got), view(model.shift()), where);
          if (got !== undefined) delivered.push(got);
        } else if (choice < 0.93) {
          if (delivered.length === 0) continue;
          const [entry] = delivered.splice(Math.floor(random() * delivered.length), 1);
          entry.redelivered = true;
          list.requeue(entry);
          model.requeue({ ...entry });
        } else if (choice < 0.995) {
          const nowMs = Math.floor(random() * 1000);
          assert.deepEqual(list.takeExpired(nowMs).map(view), model.takeExpired(nowMs).map(view), where);
        } else {
          assert.equal(list.clear(), model.entries.length, where);
          model.entries = [];
        }
        assert.equal(list.length, model.entries.length, where);
        assert.equal(list.bytes, model.bytes, where);
      }
      const sortKey = (entry: ReturnType<typeof view>) => `${entry?.priority}:${String(entry?.sequence).padStart(12, "0")}`;
      assert.deepEqual([...list.entries()].map(view).sort((a, b) => sortKey(a).localeCompare(sortKey(b))), model.entries.map(view).sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
      for (const entry of model.entries) assert.deepEqual(view(list.shift()), view(entry));
      assert.equal(list.shift(), undefined);
    }
  });
}

exercise("FifoReadyList", 0, () => new FifoReadyList());
exercise("PriorityReadyList", 4, () => new PriorityReadyList(4));
