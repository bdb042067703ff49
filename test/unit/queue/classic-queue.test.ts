import { test } from "node:test";
import assert from "node:assert/strict";
import { ClassicQueue, type ClassicQueueEvents } from "../../../src/queue/classic/classic-queue.js";
import type { QueueConsumer, QueueEntry, QueueHandle } from "../../../src/queue/queue-type.js";
import type { Message } from "../../../src/broker/message/message.js";

function queue(events: Partial<ClassicQueueEvents> = {}): ClassicQueue {
  return new ClassicQueue(
    { name: "q", vhost: "/", durable: false, autoDelete: true, exclusiveOwner: undefined, arguments: new Map() },
    { onUnused: () => undefined, onExpired: () => undefined, deadLetter: () => undefined, nowMs: () => Date.now(), ...events },
  );
}

/** Messages are opaque to the queue; a tagged object stands in for one. */
const message = (id: number) => ({ id }) as unknown as Message;
const idOf = (entry: QueueEntry) => (entry.message as unknown as { id: number }).id;

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
