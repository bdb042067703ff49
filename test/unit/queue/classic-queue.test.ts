import { test } from "node:test";
import assert from "node:assert/strict";
import { ClassicQueue, type ClassicQueueEvents } from "../../../src/queue/classic/classic-queue.js";
import type { QueueConsumer, QueueEntry, QueueHandle } from "../../../src/queue/queue-type.js";
import { Message } from "../../../src/message/message.js";
import { encodeContentHeader, type BasicProperties } from "../../../src/message/properties.generated.js";
import { parseQueueArguments, type QueueSettings } from "../../../src/queue/queue-arguments.js";
import { tableFromJs } from "../../../src/message/field-table.js";

function queue(events: Partial<ClassicQueueEvents> = {}, args: Record<string, unknown> = {}): ClassicQueue {
  const table = tableFromJs(args);
  const settings: QueueSettings = parseQueueArguments("q", "/", table);
  return new ClassicQueue(
    { name: "q", vhost: "/", durable: false, autoDelete: true, exclusiveOwner: undefined, arguments: table },
    { onUnused: () => undefined, onExpired: () => undefined, deadLetter: () => undefined, nowMs: () => Date.now(), ...events },
    settings,
  );
}

/** A queue on a clock the test moves, recording what it dead-letters. */
function timedQueue(args: Record<string, unknown>) {
  const clock = { nowMs: 1_000 };
  const dead: { ids: number[]; reason: string }[] = [];
  const q = queue(
    { nowMs: () => clock.nowMs, deadLetter: (_q, messages, reason) => void dead.push({ ids: messages.map((m) => Number(m.body.toString())), reason }) },
    { "x-dead-letter-exchange": "dlx", ...args },
  );
  return { q, clock, dead };
}

function message(id: number, properties: BasicProperties = {}): Message {
  const body = Buffer.from(String(id));
  return new Message("", "q", encodeContentHeader(60, body.length, properties), body);
}
const idOf = (entry: QueueEntry) => Number(entry.message.body.toString());

class TestConsumer implements QueueConsumer {
  readonly received: QueueEntry[] = [];
  readonly owner = {};
  readonly exclusive = false;
  cancelled = false;
  constructor(readonly tag: string, public credit = Infinity, readonly priority = 0, readonly noAck = false) {}
  canTake() {
    return this.credit > 0;
  }
  deliver(_queue: QueueHandle, entry: QueueEntry) {
    this.credit--;
    this.received.push(entry);
  }
  cancelledByServer() {
    this.cancelled = true;
  }
}

test("requeued entries return to their original positions, marked redelivered", () => {
  // RabbitMQ requeues a message to its original position when it can (AMQP 0-9-1 basic.reject).
  const q = queue();
  for (let id = 1; id <= 5; id++) q.enqueue(message(id));
  const taken = [1, 2, 3, 4, 5].map(() => q.dequeue(false) as QueueEntry);
  assert.equal(q.unackedCount, 5);
  q.requeue([taken[3]]);
  q.requeue([taken[1]]);
  q.settle([taken[0], taken[2], taken[4]]);
  assert.equal(q.unackedCount, 0);
  const order = [q.dequeue(true), q.dequeue(true)].map((entry) => entry as QueueEntry);
  assert.deepEqual(order.map(idOf), [2, 4]);
  assert.ok(order.every((entry) => entry.redelivered));
});

test("a requeued entry lands between ready entries by sequence", () => {
  const q = queue();
  for (let id = 1; id <= 4; id++) q.enqueue(message(id));
  const second = (q.dequeue(false), q.dequeue(false)) as QueueEntry;
  q.enqueue(message(5));
  // ready: 3 4 5; requeue 2 goes first; 1 was taken and is still unacked
  q.requeue([second]);
  assert.deepEqual([1, 2, 3, 4].map(() => idOf(q.dequeue(true) as QueueEntry)), [2, 3, 4, 5]);
});

test("delivery goes round robin among consumers with credit, highest priority first", () => {
  const q = queue();
  const low = new TestConsumer("low", Infinity, 0);
  const highA = new TestConsumer("a", 2, 5);
  const highB = new TestConsumer("b", 1, 5);
  q.addConsumer(low);
  q.addConsumer(highA);
  q.addConsumer(highB);
  for (let id = 1; id <= 6; id++) q.enqueue(message(id));
  assert.deepEqual(highA.received.map(idOf), [1, 3]);
  assert.deepEqual(highB.received.map(idOf), [2]);
  assert.deepEqual(low.received.map(idOf), [4, 5, 6]);
});

test("a consumer without credit holds messages until dispatch after credit returns", () => {
  const q = queue();
  const consumer = new TestConsumer("c", 1);
  q.addConsumer(consumer);
  q.enqueue(message(1));
  q.enqueue(message(2));
  assert.equal(consumer.received.length, 1);
  assert.equal(q.readyCount, 1);
  consumer.credit = 1;
  q.dispatch();
  assert.deepEqual(consumer.received.map(idOf), [1, 2]);
});

test("auto-delete fires when the last consumer leaves, and delete cancels consumers", () => {
  let unused = 0;
  const q = queue({ onUnused: () => void unused++ });
  const a = new TestConsumer("a");
  q.addConsumer(a);
  q.removeConsumer(a);
  assert.equal(unused, 1);
  const b = new TestConsumer("b");
  q.addConsumer(b);
  q.enqueue(message(1));
  q.enqueue(message(2));
  b.credit = 0;
  q.enqueue(message(3));
  assert.equal(q.delete(), 1);
  assert.ok(b.cancelled);
  assert.ok(q.deleted);
});

test("x-message-ttl: expired messages are dead-lettered at the head, never delivered", () => {
  const { q, clock, dead } = timedQueue({ "x-message-ttl": 100 });
  q.enqueue(message(1));
  clock.nowMs += 50;
  q.enqueue(message(2));
  clock.nowMs += 60; // 1 is 110 ms old, 2 is 60 ms old
  q.tick(clock.nowMs);
  assert.deepEqual(dead, [{ ids: [1], reason: "expired" }]);
  assert.equal(idOf(q.dequeue(true) as QueueEntry), 2);
});

test("per-message expiration takes the lower of it and x-message-ttl; 0 expires unless delivered at once", () => {
  const { q, clock, dead } = timedQueue({ "x-message-ttl": 1000 });
  q.enqueue(message(1, { expiration: "10" }));
  clock.nowMs += 11;
  assert.equal(q.dequeue(true), undefined);
  assert.deepEqual(dead, [{ ids: [1], reason: "expired" }]);
  const consumer = new TestConsumer("c");
  q.addConsumer(consumer);
  q.enqueue(message(2, { expiration: "0" }));
  assert.deepEqual(consumer.received.map(idOf), [2]);
});

test("x-max-length with drop-head dead-letters the oldest; reject-publish refuses the newest", () => {
  const dropHead = timedQueue({ "x-max-length": 2 });
  for (let id = 1; id <= 4; id++) assert.equal(dropHead.q.enqueue(message(id)), "accepted");
  assert.deepEqual(dropHead.dead, [{ ids: [1], reason: "maxlen" }, { ids: [2], reason: "maxlen" }]);
  assert.equal(dropHead.q.readyCount, 2);

  const reject = timedQueue({ "x-max-length": 2, "x-overflow": "reject-publish" });
  assert.deepEqual([1, 2, 3].map((id) => reject.q.enqueue(message(id))), ["accepted", "accepted", "rejected"]);
  assert.deepEqual(reject.dead, []);

  const rejectDlx = timedQueue({ "x-max-length-bytes": 2, "x-overflow": "reject-publish-dlx" });
  assert.deepEqual([1, 2, 3].map((id) => rejectDlx.q.enqueue(message(id))), ["accepted", "accepted", "rejected"]);
  assert.deepEqual(rejectDlx.dead, [{ ids: [3], reason: "maxlen" }]);
});

test("x-max-priority delivers higher priorities first, FIFO within one; priorities above the max count as the max", () => {
  const q = queue({}, { "x-max-priority": 5 });
  const priorities = [0, 3, 9, 3, 5, 1];
  priorities.forEach((priority, id) => q.enqueue(message(id, { priority })));
  const order = priorities.map(() => idOf(q.dequeue(true) as QueueEntry));
  assert.deepEqual(order, [2, 4, 1, 3, 5, 0]);
});

test("single active consumer: only the first consumer receives until it leaves", () => {
  const q = queue({}, { "x-single-active-consumer": true });
  const first = new TestConsumer("first");
  const second = new TestConsumer("second");
  q.addConsumer(first);
  q.addConsumer(second);
  q.enqueue(message(1));
  q.enqueue(message(2));
  q.removeConsumer(first);
  q.enqueue(message(3));
  assert.deepEqual(first.received.map(idOf), [1, 2]);
  assert.deepEqual(second.received.map(idOf), [3]);
});

test("x-expires deletes a queue unused for the period, and use resets the clock", () => {
  let expired = 0;
  const clock = { nowMs: 0 };
  const q = queue({ nowMs: () => clock.nowMs, onExpired: () => void expired++ }, { "x-expires": 1000 });
  clock.nowMs = 900;
  q.touch(clock.nowMs);
  q.tick((clock.nowMs = 1800));
  assert.equal(expired, 0);
  q.tick((clock.nowMs = 1901));
  assert.equal(expired, 1);
});

test("bad arguments get RabbitMQ's 406 texts", () => {
  assert.throws(() => parseQueueArguments("q", "/", tableFromJs({ "x-message-ttl": "ten" })), /PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '\/': "expected integer, got longstr"/);
  assert.throws(() => parseQueueArguments("q", "/", tableFromJs({ "x-max-priority": 256 })), /max_value_exceeded,256/);
  assert.throws(() => parseQueueArguments("q", "/", tableFromJs({ "x-expires": 0 })), /value_zero/);
  assert.throws(() => parseQueueArguments("q", "/", tableFromJs({ "x-overflow": "drop-tail" })), /invalid_overflow/);
});
