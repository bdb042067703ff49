/**
 * basic.publish (mandatory), basic.consume/cancel, basic.get, basic.qos and the server's
 * consumer-cancel notification. Codes and texts checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage, Message } from "amqplib";
import { ArgWriter, Method, methodArgs, rawClientForTest } from "../helpers/raw-amqp.js";
import {
  Inbox, connect, connectionClosed, delay, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, 
  uniqueName, withTimeout, type TestBroker, sharedBrokerAndConnection
} from "../helpers/broker.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

async function queueWith(ch: Channel, count: number, prefix = "q"): Promise<string> {
  const { queue } = await ch.assertQueue(uniqueName(prefix), { exclusive: true });
  for (let i = 1; i <= count; i += 1) ch.sendToQueue(queue, Buffer.from(String(i)));
  await ch.checkQueue(queue);
  return queue;
}

const bodies = (messages: Message[]): string[] => messages.map((m) => m.content.toString());

describe("publish", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("mandatory and unroutable → basic.return 312 NO_ROUTE with the message", async () => {
    const ch = await channel();
    const returned = new Promise<Message>((resolve) => ch.once("return", resolve));
    ch.publish("amq.direct", "nobody-bound-here", Buffer.from("bounce"), { mandatory: true, messageId: "m-1" });
    const message = await withTimeout(returned, 3_000, "basic.return");
    assert.equal(message.content.toString(), "bounce");
    assert.equal(message.properties.messageId, "m-1");
    const fields = message.fields as unknown as { replyCode: number; replyText: string; exchange: string; routingKey: string };
    assert.deepEqual({ ...fields }, { replyCode: 312, replyText: "NO_ROUTE", exchange: "amq.direct", routingKey: "nobody-bound-here" });
  });

  test("unroutable without mandatory is dropped silently; routable mandatory is not returned", async () => {
    const ch = await channel();
    const returns: Message[] = [];
    ch.on("return", (message: Message) => returns.push(message));
    const queue = await queueWith(ch, 0);
    ch.publish("amq.direct", "nobody-bound-here", Buffer.from("dropped"));
    ch.sendToQueue(queue, Buffer.from("kept"), { mandatory: true });
    await ch.checkQueue(queue);
    await delay(100);
    assert.equal(returns.length, 0);
    assert.equal((await ch.checkQueue(queue)).messageCount, 1);
  });
});

describe("consume and cancel", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("server-generated consumer tags are amq.ctag-...; a given tag is echoed", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 0);
    const generated = await ch.consume(queue, () => {});
    assert.match(generated.consumerTag, /^amq\.ctag-[A-Za-z0-9_-]{22}$/); // RabbitMQ 3.10.8
    const given = uniqueName("my-tag");
    assert.equal((await ch.consume(queue, () => {}, { consumerTag: given })).consumerTag, given);
  });

  test("a duplicate consumer tag on one channel → 530 NOT_ALLOWED (hard)", async (t) => {
    const own = await connect(broker.url);
    t.after(() => own.close().catch(() => {}));
    const closed = connectionClosed(own);
    const ch = await openChannel(own);
    const queue = await queueWith(ch, 0);
    await ch.consume(queue, () => {}, { consumerTag: "dup" });
    ch.consume(queue, () => {}, { consumerTag: "dup" }).catch(() => {});
    assert.deepEqual(await closed, { code: 530, text: "NOT_ALLOWED - attempt to reuse consumer tag 'dup'" });
  });

  test("the same tag on two channels is fine", async () => {
    const queue = await queueWith(await channel(), 0);
    await (await channel()).consume(queue, () => {}, { consumerTag: "shared-tag" });
    await (await channel()).consume(queue, () => {}, { consumerTag: "shared-tag" });
  });

  test("deliveries carry tag, redelivered=false, exchange and routing key, in order", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 3);
    const inbox = new Inbox<ConsumeMessage>();
    const { consumerTag } = await ch.consume(queue, (m) => { if (m) inbox.push(m); }, { noAck: true });
    const messages = await inbox.waitForCount(3);
    assert.deepEqual(bodies(messages), ["1", "2", "3"]);
    for (const [index, message] of messages.entries()) {
      assert.deepEqual({ ...message.fields }, {
        consumerTag, deliveryTag: index + 1, redelivered: false, exchange: "", routingKey: queue,
      });
    }
  });

  test("no-ack consumers need no ack: the queue is empty afterwards and nothing comes back on close", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 2);
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (m) => { if (m) inbox.push(m); }, { noAck: true });
    await inbox.waitForCount(2);
    await ch.close();
    assert.equal((await (await channel()).checkQueue(queue)).messageCount, 0);
  });

  test("exclusive consume: a second consumer → 403; exclusive while another consumes → 403", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 0);
    await ch.consume(queue, () => {}, { exclusive: true });
    await expectAmqpError((await channel()).consume(queue, () => {}), 403,
      `ACCESS_REFUSED - queue '${queue}' in vhost '/' in exclusive use`);
    const shared = await queueWith(ch, 0);
    await ch.consume(shared, () => {});
    await expectAmqpError((await channel()).consume(shared, () => {}, { exclusive: true }), 403,
      `ACCESS_REFUSED - queue '${shared}' in vhost '/' in exclusive use`);
  });

  test("consuming from a missing queue → 404", async () => {
    await expectAmqpError((await channel()).consume("no-such-queue-c", () => {}), 404,
      "NOT_FOUND - no queue 'no-such-queue-c' in vhost '/'");
  });

  test("cancel stops deliveries and unacked messages stay with the channel", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 1);
    const inbox = new Inbox<ConsumeMessage>();
    const { consumerTag } = await ch.consume(queue, (m) => { if (m) inbox.push(m); });
    const [first] = await inbox.waitForCount(1);
    assert.deepEqual(await ch.cancel(consumerTag), { consumerTag });
    ch.sendToQueue(queue, Buffer.from("after cancel"));
    await ch.checkQueue(queue);
    await delay(100);
    assert.equal(inbox.items.length, 1);
    ch.ack(first); // acking after cancel is allowed
    assert.equal((await ch.checkQueue(queue)).messageCount, 1);
  });

  test("cancelling an unknown consumer tag is not an error", async () => {
    const ch = await channel();
    assert.deepEqual(await ch.cancel("never-existed"), { consumerTag: "never-existed" });
  });

  test("round-robin between two consumers of one queue", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 0);
    const a = new Inbox<ConsumeMessage>();
    const b = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (m) => { if (m) a.push(m); }, { noAck: true });
    await ch.consume(queue, (m) => { if (m) b.push(m); }, { noAck: true });
    for (let i = 1; i <= 6; i += 1) ch.sendToQueue(queue, Buffer.from(String(i)));
    await a.waitForCount(3);
    await b.waitForCount(3);
    assert.deepEqual([...bodies(a.items), ...bodies(b.items)].sort(), ["1", "2", "3", "4", "5", "6"]);
  });
});

// The connection reuses its output buffer when the socket took a whole write at once; a reader
// that stops reading makes writes partial, and then the buffer must not be written again.
// 20 MB through a raw client costs ~20 s of CPU; on a loaded machine that took over the usual
// suite limit, so this suite gets more room (a limit against hangs, not a timing assertion).
describe("a consumer that stops reading", { timeout: 5 * SUITE_TIMEOUT_MS }, () => {
  test("gets every delivery intact once it reads again", async (t) => {
    const client = await rawClientForTest(t, broker, { handshake: {}, channels: [1] });
    const { queue } = await client.declareQueue(1, uniqueName("q-slow-reader"), { autoDelete: true });
    client.sendMethod(1, Method.basicConsume, new ArgWriter().short(0).shortstr(queue).shortstr("slow")
      .bit(false).bit(true).bit(false).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.basicConsumeOk);
    client.socket.pause(); // the kernel buffers fill up, then the broker's writes stop completing at once
    const count = 20_000; // 20 MB: more than the kernel buffers between the two sockets hold
    const body = (index: number): Buffer => Buffer.alloc(1_000, `${index}:`);
    const ch = await channel();
    for (let index = 0; index < count; index += 1) ch.sendToQueue(queue, body(index));
    await ch.checkQueue(queue);
    await delay(200);
    client.socket.resume();
    for (let index = 0; index < count; index += 1) {
      const deliver = methodArgs(await client.expectMethod(Method.basicDeliver));
      assert.equal(deliver.shortstr(), "slow");
      assert.equal(deliver.longlong(), BigInt(index + 1));
      const content = await client.readContent();
      assert.ok(content.body.equals(body(index)), `delivery ${index + 1} is intact`);
    }
    await ch.close();
    await client.close();
  });
});

describe("get", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("get returns messages with the count of those left, then get-empty", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 3);
    const seen: Array<[string, number, boolean]> = [];
    for (;;) {
      const message = await ch.get(queue, { noAck: true });
      if (message === false) break;
      seen.push([message.content.toString(), message.fields.messageCount, message.fields.redelivered]);
    }
    assert.deepEqual(seen, [["1", 2, false], ["2", 1, false], ["3", 0, false]]);
  });

  test("get on a missing queue → 404", async () => {
    await expectAmqpError((await channel()).get("no-such-queue-g"), 404, "NOT_FOUND - no queue 'no-such-queue-g' in vhost '/'");
  });
});

describe("qos", { timeout: SUITE_TIMEOUT_MS }, () => {
  /** Starts a consumer and returns its inbox after deliveries have settled. */
  async function consumeAndSettle(ch: Channel, queue: string): Promise<Inbox<ConsumeMessage>> {
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (m) => { if (m) inbox.push(m); });
    await delay(200);
    return inbox;
  }

  test("prefetch-count with global=false limits each consumer separately", async () => {
    const ch = await channel();
    const first = await queueWith(ch, 5);
    const second = await queueWith(ch, 5);
    await ch.prefetch(2, false);
    const a = await consumeAndSettle(ch, first);
    const b = await consumeAndSettle(ch, second);
    assert.equal(a.items.length, 2);
    assert.equal(b.items.length, 2);
    ch.ack(a.items[0]);
    await a.waitForCount(3);
    await delay(100);
    assert.equal(a.items.length, 3);
    ch.ack(a.items[2], true); // multiple: every tag of the channel up to it, b's included
    await a.waitForCount(5);
  });

  // RabbitMQ reinterprets global: true means shared by all consumers on the channel (not the connection).
  test("prefetch-count with global=true is shared by the consumers of the channel", async () => {
    const ch = await channel();
    const first = await queueWith(ch, 5);
    const second = await queueWith(ch, 5);
    await ch.prefetch(3, true);
    const a = await consumeAndSettle(ch, first);
    const b = await consumeAndSettle(ch, second);
    assert.equal(a.items.length + b.items.length, 3);
    assert.equal(a.items.length, 3, "the first consumer filled the channel's window");
    ch.ack(a.items[0]);
    await delay(200);
    assert.equal(a.items.length + b.items.length, 4);
  });

  test("a channel-wide prefetch does not limit another channel", async () => {
    const limited = await channel();
    const free = await channel();
    await limited.prefetch(1, true);
    const queue = await queueWith(free, 4);
    const inbox = await consumeAndSettle(free, queue);
    assert.equal(inbox.items.length, 4);
  });

  test("prefetch 0 means unlimited; basic.get ignores prefetch", async () => {
    const ch = await channel();
    await ch.prefetch(1);
    const queue = await queueWith(ch, 3);
    const held = [await ch.get(queue), await ch.get(queue)];
    assert.ok(held.every((m) => m !== false));
    await ch.prefetch(0);
    const other = await queueWith(ch, 10);
    const inbox = await consumeAndSettle(ch, other);
    assert.equal(inbox.items.length, 10);
  });
});

describe("consumer cancel notification", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("deleting the queue sends basic.cancel to its consumers", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 0);
    const cancelled = new Promise<null>((resolve) => {
      ch.consume(queue, (m) => { if (m === null) resolve(null); }).catch(() => {});
    });
    await delay(50);
    await (await channel()).deleteQueue(queue);
    assert.equal(await withTimeout(cancelled, 3_000, "server-sent basic.cancel"), null);
    // The channel stays open.
    await ch.checkExchange("amq.direct");
  });
});
