/**
 * Length limits (RabbitMQ's maxlength.html): x-max-length and x-max-length-bytes with the
 * three x-overflow behaviours: drop-head (the oldest goes, dead-lettered with reason maxlen),
 * reject-publish (a confirming publisher gets basic.nack, the message is not enqueued) and
 * reject-publish-dlx (the same, and the refused message is dead-lettered).
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage, XDeath } from "amqplib";
import {
  delay, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor, withTimeout,
  sharedBrokerAndConnection
} from "../helpers/broker.js";

let connection: ChannelModel;
sharedBrokerAndConnection((_broker, opened) => {
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

async function confirmChannel(): Promise<ConfirmChannel> {
  const ch = await connection.createConfirmChannel();
  ch.on("error", () => {});
  return ch;
}

async function declare(ch: Channel, prefix: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { exclusive: true, arguments: args });
  return name;
}

/** Publishes to the default exchange under confirms; resolves with the broker's answer. */
function publishConfirmed(ch: ConfirmChannel, routingKey: string, body: string, exchange = ""): Promise<"ack" | "nack"> {
  return withTimeout(new Promise((resolve) => {
    ch.publish(exchange, routingKey, Buffer.from(body), {}, (error) => resolve(error ? "nack" : "ack"));
  }), 5_000, `confirm of ${body}`);
}

async function publishAll(ch: Channel, queue: string, bodies: string[]): Promise<void> {
  for (const body of bodies) ch.sendToQueue(queue, Buffer.from(body));
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

/** Gets `count` messages from `queue`, waiting for dead-lettered ones to arrive. */
async function takeDead(ch: Channel, queue: string, count: number): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  await waitFor(async () => {
    const message = await ch.get(queue, { noAck: true });
    if (message !== false) messages.push(message);
    return messages.length >= count ? true : undefined;
  }, 3_000, `${count} dead-lettered messages in ${queue}`);
  return messages;
}

function death(message: GetMessage): XDeath {
  const deaths: XDeath[] | undefined = message.properties.headers?.["x-death"];
  assert.ok(deaths !== undefined && deaths.length > 0, "the message has an x-death header");
  return deaths[0];
}

describe("x-overflow drop-head (the default)", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("x-max-length keeps the newest; the oldest are dead-lettered with reason maxlen", async () => {
    const ch = await channel();
    const dead = await declare(ch, "maxlen-dead");
    const queue = await declare(ch, "maxlen", { "x-max-length": 3, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead });
    await publishAll(ch, queue, ["1", "2", "3", "4", "5"]);
    assert.equal((await ch.checkQueue(queue)).messageCount, 3);
    assert.deepEqual(await drain(ch, queue), ["3", "4", "5"]);
    const dropped = await takeDead(ch, dead, 2);
    assert.deepEqual(dropped.map((m) => m.content.toString()), ["1", "2"]);
    for (const message of dropped) {
      assert.equal(death(message).reason, "maxlen");
      assert.equal(death(message).queue, queue);
      assert.equal(message.properties.headers?.["x-first-death-reason"], "maxlen");
    }
  });

  test("x-max-length-bytes counts body bytes and drops from the head until under the limit", async () => {
    const ch = await channel();
    const queue = await declare(ch, "maxbytes", { "x-max-length-bytes": 10 });
    await publishAll(ch, queue, ["aaaa", "bbbb", "cccc"]); // 12 bytes: "aaaa" goes
    assert.deepEqual(await drain(ch, queue), ["bbbb", "cccc"]);
    await publishAll(ch, queue, ["0123456789", "x"]); // 11 bytes: the 10-byte message goes
    assert.deepEqual(await drain(ch, queue), ["x"]);
    await publishAll(ch, queue, ["this body alone is over the limit"]);
    assert.deepEqual(await drain(ch, queue), [], "a message bigger than the limit is dropped at once");
  });

  test("with both limits, whichever is reached first drops", async () => {
    const ch = await channel();
    const queue = await declare(ch, "maxboth", { "x-max-length": 3, "x-max-length-bytes": 6 });
    await publishAll(ch, queue, ["aa", "bb", "cc", "dd"]); // the count limit: "aa" goes
    assert.deepEqual(await drain(ch, queue), ["bb", "cc", "dd"]);
    await publishAll(ch, queue, ["aaa", "bbb", "c"]); // the byte limit: "aaa" goes
    assert.deepEqual(await drain(ch, queue), ["bbb", "c"]);
  });

  test("unacknowledged messages do not count against the limit", async () => {
    const ch = await channel();
    const queue = await declare(ch, "maxlen-unacked", { "x-max-length": 1 });
    await publishAll(ch, queue, ["held"]);
    const held = await ch.get(queue, { noAck: false });
    assert.ok(held);
    await publishAll(ch, queue, ["a", "b"]);
    ch.nack(held, false, true); // back in the queue: now 2 ready, over the limit until the next publish
    await publishAll(ch, queue, ["c"]);
    assert.deepEqual(await drain(ch, queue), ["c"]);
  });

  test("x-max-length 0 keeps nothing, but a waiting consumer still receives", async () => {
    const ch = await channel();
    const queue = await declare(ch, "maxlen-zero", { "x-max-length": 0 });
    await publishAll(ch, queue, ["dropped"]);
    assert.equal((await ch.checkQueue(queue)).messageCount, 0);
    const inbox = new Inbox<ConsumeMessage | null>();
    await ch.consume(queue, inbox.push, { noAck: true });
    await publishAll(ch, queue, ["delivered"]);
    const [message] = await inbox.waitForCount(1);
    assert.equal(message?.content.toString(), "delivered");
  });
});

describe("x-overflow reject-publish", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a bounded queue under confirms: nack when full, ack again once there is room", async () => {
    const setup = await channel();
    const dead = await declare(setup, "reject-dead");
    const queue = await declare(setup, "reject", {
      "x-max-length": 2, "x-overflow": "reject-publish", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead,
    });
    const ch = await confirmChannel();
    const answers = [];
    for (const body of ["1", "2", "3", "4"]) answers.push(await publishConfirmed(ch, queue, body));
    assert.deepEqual(answers, ["ack", "ack", "nack", "nack"]);
    assert.equal((await setup.checkQueue(queue)).messageCount, 2);
    const first = await setup.get(queue, { noAck: true });
    assert.ok(first);
    assert.equal(first.content.toString(), "1");
    assert.equal(await publishConfirmed(ch, queue, "5"), "ack");
    assert.deepEqual(await drain(setup, queue), ["2", "5"]);
    await delay(100);
    assert.equal((await setup.checkQueue(dead)).messageCount, 0, "reject-publish does not dead-letter");
  });

  test("without confirms a refused message is silently dropped", async () => {
    const ch = await channel();
    const queue = await declare(ch, "reject-noconfirm", { "x-max-length": 1, "x-overflow": "reject-publish" });
    await publishAll(ch, queue, ["kept", "refused"]);
    assert.deepEqual(await drain(ch, queue), ["kept"]);
  });

  test("x-max-length-bytes refuses a message that would go over the limit", async () => {
    const setup = await channel();
    const queue = await declare(setup, "reject-bytes", { "x-max-length-bytes": 5, "x-overflow": "reject-publish" });
    const ch = await confirmChannel();
    assert.equal(await publishConfirmed(ch, queue, "abc"), "ack");
    assert.equal(await publishConfirmed(ch, queue, "abc"), "nack", "3 + 3 bytes would go over 5");
    assert.equal(await publishConfirmed(ch, queue, "de"), "ack", "3 + 2 bytes is exactly the limit");
    assert.equal(await publishConfirmed(ch, queue, "f"), "nack");
    assert.deepEqual(await drain(setup, queue), ["abc", "de"]);
  });

  test("only ready messages count: one held by a consumer leaves room for another", async () => {
    const setup = await channel();
    const queue = await declare(setup, "reject-unacked", { "x-max-length": 1, "x-overflow": "reject-publish" });
    const consumer = await channel();
    await consumer.prefetch(1);
    const inbox = new Inbox<ConsumeMessage>();
    await consumer.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: false });
    const ch = await confirmChannel();
    assert.equal(await publishConfirmed(ch, queue, "delivered"), "ack");
    await inbox.waitForCount(1);
    assert.equal(await publishConfirmed(ch, queue, "ready"), "ack");
    assert.equal(await publishConfirmed(ch, queue, "refused"), "nack");
    consumer.ack(inbox.items[0]);
    const [, second] = await inbox.waitForCount(2);
    assert.equal(second.content.toString(), "ready");
  });

  test("a message routed to a full queue and another one is nacked, and still reaches the other", async () => {
    const setup = await channel();
    const full = await declare(setup, "reject-full", { "x-max-length": 0, "x-overflow": "reject-publish" });
    const open = await declare(setup, "reject-open");
    const exchange = uniqueName("reject-fanout");
    await setup.assertExchange(exchange, "fanout", { autoDelete: true });
    await setup.bindQueue(full, exchange, "");
    await setup.bindQueue(open, exchange, "");
    const ch = await confirmChannel();
    assert.equal(await publishConfirmed(ch, "", "both", exchange), "nack");
    assert.deepEqual(await drain(setup, open), ["both"]);
    assert.deepEqual(await drain(setup, full), []);
  });
});

describe("x-overflow reject-publish-dlx", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the publisher gets a nack and the refused message is dead-lettered with reason maxlen", async () => {
    const setup = await channel();
    const dead = await declare(setup, "rejectdlx-dead");
    const queue = await declare(setup, "rejectdlx", {
      "x-max-length": 1, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead,
    });
    const ch = await confirmChannel();
    assert.equal(await publishConfirmed(ch, queue, "kept"), "ack");
    assert.equal(await publishConfirmed(ch, queue, "refused"), "nack");
    assert.deepEqual(await drain(setup, queue), ["kept"]);
    const [message] = await takeDead(setup, dead, 1);
    assert.equal(message.content.toString(), "refused");
    assert.equal(death(message).reason, "maxlen");
    assert.equal(death(message).queue, queue);
    assert.equal(death(message).count, 1);
  });
});
