/**
 * Consumer features: single active consumer (x-single-active-consumer), consumer priorities
 * (x-priority on basic.consume), exclusive consumers, x-cancel-on-ha-failover accepted, and
 * basic.get next to each of them. consumer_timeout is in features-consumer-timeout.test.ts.
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import {
  delay, expectAmqpError, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, sharedBrokerAndConnection
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

async function publishAll(ch: Channel, queue: string, bodies: string[]): Promise<void> {
  for (const body of bodies) ch.sendToQueue(queue, Buffer.from(body));
  await ch.checkQueue(queue);
}

interface Subscriber { ch: Channel; tag: string; inbox: Inbox<ConsumeMessage>; bodies(): string[] }

/** A consumer on its own channel, recording what it receives. */
async function subscribe(queue: string, options: { prefetch?: number; noAck?: boolean; priority?: number; exclusive?: boolean } = {}): Promise<Subscriber> {
  const ch = await channel();
  if (options.prefetch !== undefined) await ch.prefetch(options.prefetch);
  const inbox = new Inbox<ConsumeMessage>();
  const { consumerTag } = await ch.consume(queue, (message) => { if (message) inbox.push(message); }, {
    noAck: options.noAck ?? true, exclusive: options.exclusive ?? false,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  });
  return { ch, tag: consumerTag, inbox, bodies: () => inbox.items.map((m) => m.content.toString()) };
}

describe("single active consumer", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("one consumer receives; the next takes over when it goes, in the order they subscribed", async () => {
    const setup = await channel();
    const queue = await declare(setup, "sac", { "x-single-active-consumer": true });
    const first = await subscribe(queue);
    const second = await subscribe(queue);
    const third = await subscribe(queue);
    assert.equal((await setup.checkQueue(queue)).consumerCount, 3, "every consumer is registered");
    await publishAll(setup, queue, ["1", "2", "3"]);
    await first.inbox.waitForCount(3);
    await first.ch.cancel(first.tag);
    await publishAll(setup, queue, ["4", "5"]);
    await second.inbox.waitForCount(2);
    await second.ch.close();
    await publishAll(setup, queue, ["6"]);
    await third.inbox.waitForCount(1);
    await delay(100);
    assert.deepEqual([first.bodies(), second.bodies(), third.bodies()], [["1", "2", "3"], ["4", "5"], ["6"]]);
  });

  test("the active consumer's unacked messages go to the next one, in order, redelivered", async () => {
    const setup = await channel();
    const queue = await declare(setup, "sac-unacked", { "x-single-active-consumer": true });
    const active = await subscribe(queue, { noAck: false });
    const standby = await subscribe(queue, { noAck: false });
    await publishAll(setup, queue, ["a", "b", "c"]);
    await active.inbox.waitForCount(3);
    active.ch.ack(active.inbox.items[0]);
    await active.ch.close();
    const received = await standby.inbox.waitForCount(2);
    assert.deepEqual(received.map((m) => [m.content.toString(), m.fields.redelivered]), [["b", true], ["c", true]]);
    await publishAll(setup, queue, ["d"]);
    const [, , next] = await standby.inbox.waitForCount(3);
    assert.equal(next.content.toString(), "d");
  });

  test("a standby consumer with room does not get messages the active one has no room for", async () => {
    const setup = await channel();
    const queue = await declare(setup, "sac-prefetch", { "x-single-active-consumer": true });
    const active = await subscribe(queue, { noAck: false, prefetch: 1 });
    const standby = await subscribe(queue, { noAck: false });
    await publishAll(setup, queue, ["1", "2", "3"]);
    await active.inbox.waitForCount(1);
    await delay(150);
    assert.equal(standby.inbox.items.length, 0);
    assert.equal((await setup.checkQueue(queue)).messageCount, 2);
    // basic.get works on a single-active-consumer queue and takes from the ready messages.
    const got = await setup.get(queue, { noAck: true });
    assert.ok(got);
    assert.equal(got.content.toString(), "2");
    active.ch.ack(active.inbox.items[0]);
    const [, next] = await active.inbox.waitForCount(2);
    assert.equal(next.content.toString(), "3");
  });
});

describe("consumer priorities (x-priority)", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the highest-priority consumer gets every message while it has room", async () => {
    const setup = await channel();
    const queue = await declare(setup, "cprio");
    const low = await subscribe(queue, { priority: 1 });
    const high = await subscribe(queue, { priority: 10 });
    const none = await subscribe(queue);
    await publishAll(setup, queue, ["1", "2", "3", "4"]);
    await high.inbox.waitForCount(4);
    await delay(100);
    assert.deepEqual([high.bodies(), low.bodies(), none.bodies()], [["1", "2", "3", "4"], [], []]);
  });

  test("when the high-priority consumer is at its prefetch, the next priority gets messages", async () => {
    const setup = await channel();
    const queue = await declare(setup, "cprio-prefetch");
    const high = await subscribe(queue, { priority: 5, prefetch: 2, noAck: false });
    const low = await subscribe(queue, { priority: -5, noAck: false });
    await publishAll(setup, queue, ["1", "2", "3", "4"]);
    await high.inbox.waitForCount(2);
    await low.inbox.waitForCount(2);
    assert.deepEqual([high.bodies(), low.bodies()], [["1", "2"], ["3", "4"]]);
    high.ch.ack(high.inbox.items[1], true);
    await publishAll(setup, queue, ["5", "6"]);
    await high.inbox.waitForCount(4);
    await delay(100);
    assert.deepEqual([high.bodies(), low.bodies()], [["1", "2", "5", "6"], ["3", "4"]]);
  });

  test("consumers of equal priority share messages round robin", async () => {
    const setup = await channel();
    const queue = await declare(setup, "cprio-equal");
    const one = await subscribe(queue, { priority: 3 });
    const two = await subscribe(queue, { priority: 3 });
    const lower = await subscribe(queue, { priority: 2 });
    await publishAll(setup, queue, ["1", "2", "3", "4"]);
    await one.inbox.waitForCount(2);
    await two.inbox.waitForCount(2);
    await delay(100);
    assert.deepEqual([one.bodies(), two.bodies(), lower.bodies()], [["1", "3"], ["2", "4"], []]);
  });
});

describe("exclusive consumers", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an exclusive consumer keeps others out; another may consume once it is gone", async () => {
    const setup = await channel();
    const queue = await declare(setup, "xconsumer");
    const owner = await subscribe(queue, { exclusive: true });
    const text = `ACCESS_REFUSED - queue '${queue}' in vhost '/' in exclusive use`;
    await expectAmqpError((await channel()).consume(queue, () => {}), 403, text);
    await expectAmqpError((await channel()).consume(queue, () => {}, { exclusive: true }), 403, text);
    await publishAll(setup, queue, ["only-the-owner"]);
    await owner.inbox.waitForCount(1);
    await owner.ch.cancel(owner.tag);
    const next = await subscribe(queue);
    await publishAll(setup, queue, ["next"]);
    assert.deepEqual((await next.inbox.waitForCount(1)).map((m) => m.content.toString()), ["next"]);
  });

  test("exclusive consume on a queue that already has a consumer → 403", async () => {
    const setup = await channel();
    const queue = await declare(setup, "xconsumer-late");
    await subscribe(queue);
    await expectAmqpError((await channel()).consume(queue, () => {}, { exclusive: true }), 403,
      `ACCESS_REFUSED - queue '${queue}' in vhost '/' in exclusive use`);
  });

  test("basic.get is not blocked by an exclusive consumer", async () => {
    const setup = await channel();
    const queue = await declare(setup, "xconsumer-get");
    const owner = await subscribe(queue, { exclusive: true, noAck: false, prefetch: 1 });
    await publishAll(setup, queue, ["to-owner", "to-get"]);
    await owner.inbox.waitForCount(1);
    const got = await setup.get(queue, { noAck: true });
    assert.ok(got);
    assert.equal(got.content.toString(), "to-get");
  });
});

describe("x-cancel-on-ha-failover", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("is accepted on basic.consume and the consumer works", async () => {
    const setup = await channel();
    const queue = await declare(setup, "ha-failover");
    const ch = await channel();
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: true, arguments: { "x-cancel-on-ha-failover": true } });
    await publishAll(setup, queue, ["m"]);
    assert.equal((await inbox.waitForCount(1))[0].content.toString(), "m");
  });
});
