/**
 * Priority queues (RabbitMQ's priority.html): x-max-priority, higher priority delivered first,
 * FIFO within a priority, priorities above the maximum treated as the maximum, and the
 * combination users build: a priority work queue with prefetch 1.
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import {
  Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, sharedBrokerAndConnection
} from "../helpers/broker.js";

let connection: ChannelModel;
sharedBrokerAndConnection((_broker, opened) => {
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

async function declare(ch: Channel, prefix: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { exclusive: true, arguments: args });
  return name;
}

/** Publishes [body, priority] pairs (undefined: no priority property) and waits until they are enqueued. */
async function publishAll(ch: Channel, queue: string, messages: Array<[string, number | undefined]>): Promise<void> {
  for (const [body, priority] of messages) ch.sendToQueue(queue, Buffer.from(body), priority === undefined ? {} : { priority });
  await ch.checkQueue(queue);
}

async function drain(ch: Channel, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const message = await ch.get(queue, { noAck: true });
    if (message === false) return bodies;
    bodies.push(message.content.toString());
  }
}

describe("x-max-priority", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("higher priority first, FIFO within a priority, no priority counts as 0 (basic.get)", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio", { "x-max-priority": 10 });
    await publishAll(ch, queue, [["a", 1], ["b", 5], ["none-1", undefined], ["c", 1], ["d", 9], ["e", 5], ["zero", 0], ["none-2", undefined]]);
    assert.equal((await ch.checkQueue(queue)).messageCount, 8);
    assert.deepEqual(await drain(ch, queue), ["d", "b", "e", "a", "c", "none-1", "zero", "none-2"]);
  });

  test("the same order for a consumer that attaches after the messages arrived", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio-consume", { "x-max-priority": 3 });
    await publishAll(ch, queue, [["low-1", 1], ["high-1", 3], ["mid", 2], ["high-2", 3], ["low-2", 1]]);
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: true });
    const received = await inbox.waitForCount(5);
    assert.deepEqual(received.map((m) => m.content.toString()), ["high-1", "high-2", "mid", "low-1", "low-2"]);
    assert.deepEqual(received.map((m) => m.properties.priority), [3, 3, 2, 1, 1]);
  });

  test("a priority above the maximum counts as the maximum and is delivered unchanged", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio-cap", { "x-max-priority": 5 });
    await publishAll(ch, queue, [["at-max", 5], ["above-max", 200], ["at-max-2", 5], ["below", 4]]);
    const first = await ch.get(queue, { noAck: true });
    assert.ok(first);
    assert.equal(first.content.toString(), "at-max");
    const second = await ch.get(queue, { noAck: true });
    assert.ok(second);
    assert.equal(second.content.toString(), "above-max");
    assert.equal(second.properties.priority, 200, "the property itself is not rewritten");
    assert.deepEqual(await drain(ch, queue), ["at-max-2", "below"]);
  });

  test("a requeued message goes back to the front of its priority", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio-requeue", { "x-max-priority": 9 });
    await publishAll(ch, queue, [["low", 1], ["high-1", 9], ["high-2", 9]]);
    const held = await ch.get(queue, { noAck: false });
    assert.ok(held);
    assert.equal(held.content.toString(), "high-1");
    ch.nack(held, false, true);
    assert.deepEqual(await drain(ch, queue), ["high-1", "high-2", "low"]);
  });

  test("without x-max-priority the priority property is ignored: FIFO", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio-none");
    await publishAll(ch, queue, [["1", 1], ["2", 9], ["3", 5]]);
    assert.deepEqual(await drain(ch, queue), ["1", "2", "3"]);
  });

  test("x-max-priority 255 (the highest RabbitMQ supports) orders the full range", async () => {
    const ch = await channel();
    const queue = await declare(ch, "prio-255", { "x-max-priority": 255 });
    await publishAll(ch, queue, [["p0", 0], ["p255", 255], ["p128", 128], ["p254", 254]]);
    assert.deepEqual(await drain(ch, queue), ["p255", "p254", "p128", "p0"]);
  });
});

describe("a priority work queue with prefetch 1", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an urgent job published behind a backlog is the next one delivered", async () => {
    const setup = await channel();
    const queue = await declare(setup, "prio-work", { "x-max-priority": 10 });
    const worker = await channel();
    await worker.prefetch(1);
    const inbox = new Inbox<ConsumeMessage>();
    await worker.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: false });
    await publishAll(setup, queue, [["job-1", 1], ["job-2", 1], ["job-3", 1], ["job-4", 1]]);
    const [first] = await inbox.waitForCount(1);
    assert.equal(first.content.toString(), "job-1", "the first job went straight to the idle worker");
    await publishAll(setup, queue, [["urgent", 10], ["normal", 5]]);
    assert.equal((await setup.checkQueue(queue)).messageCount, 5, "prefetch 1: only one job is out");
    for (let index = 0; index < 6; index += 1) {
      const received = await inbox.waitForCount(index + 1);
      assert.equal(received.length, index + 1, "no more than one unacked job at a time");
      worker.ack(received[index]);
    }
    await inbox.waitForCount(6);
    assert.deepEqual(inbox.items.map((m) => m.content.toString()), ["job-1", "urgent", "normal", "job-2", "job-3", "job-4"]);
  });

  test("two workers with prefetch 1 share the queue in priority order", async () => {
    const setup = await channel();
    const queue = await declare(setup, "prio-two", { "x-max-priority": 5 });
    await publishAll(setup, queue, [["l1", 1], ["h1", 5], ["l2", 1], ["h2", 5], ["m1", 3]]);
    const order: string[] = [];
    const workers = await Promise.all([channel(), channel()]);
    const finished = new Inbox<string>();
    for (const worker of workers) {
      await worker.prefetch(1);
      await worker.consume(queue, (message) => {
        if (message === null) return;
        order.push(message.content.toString());
        setTimeout(() => {
          worker.ack(message);
          finished.push(message.content.toString());
        }, 20);
      }, { noAck: false });
    }
    await finished.waitForCount(5);
    // Each worker holds one job; whichever acks first takes the next highest one.
    assert.deepEqual(order, ["h1", "h2", "m1", "l1", "l2"]);
  });
});
