import { test } from "node:test";
import assert from "node:assert/strict";
import { UnackedDeliveries, type Delivery } from "../../../../src/protocol/amqp091/unacked.js";
import type { QueueEntry, QueueHandle } from "../../../../src/queue/queue-type.js";

const queue = {} as QueueHandle;
function tracker(count: number, consumer = { unackedCount: 0 }): UnackedDeliveries {
  const unacked = new UnackedDeliveries();
  for (let tag = 1; tag <= count; tag++) {
    consumer.unackedCount++;
    unacked.add({ tag, queue, entry: {} as QueueEntry, consumer, settled: false, deliveredAtMs: 0 });
  }
  return unacked;
}
const tags = (deliveries: Delivery[] | undefined) => deliveries?.map((delivery) => delivery.tag);

test("single acks find their tag; acking twice is an unknown tag", () => {
  const unacked = tracker(5);
  assert.deepEqual(tags(unacked.take(3, false)), [3]);
  assert.equal(unacked.take(3, false), undefined);
  assert.equal(unacked.take(9, false), undefined);
  assert.equal(unacked.count, 4);
});

test("multiple takes every outstanding tag up to the named one, which must itself be outstanding", () => {
  // RabbitMQ rabbit_channel:collect_acks: a multiple ack whose own tag is gone is an unknown tag.
  const consumer = { unackedCount: 0 };
  const unacked = tracker(6, consumer);
  unacked.take(2, false);
  assert.deepEqual(tags(unacked.take(4, true)), [1, 3, 4]);
  assert.equal(unacked.take(4, true), undefined);
  assert.equal(consumer.unackedCount, 2);
  assert.deepEqual(tags(unacked.take(0, true)), [5, 6]);
  assert.equal(unacked.count, 0);
});

test("restore puts settled deliveries back in tag order", () => {
  const unacked = tracker(4);
  const taken = unacked.take(3, true) as Delivery[];
  unacked.restore(taken);
  assert.equal(unacked.count, 4);
  assert.deepEqual(tags(unacked.takeAll()), [1, 2, 3, 4]);
});
