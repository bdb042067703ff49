/**
 * Message TTL and queue expiry (RabbitMQ's ttl.html): x-message-ttl (0 included), the
 * per-message expiration property, the lower of the two, expired messages never delivered
 * (by basic.consume or basic.get), and x-expires for unused queues.
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage, Options, XDeath } from "amqplib";
import {
  delay, expectAmqpError, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor,
  sharedBrokerAndConnection, type TestBroker
} from "../helpers/broker.js";

let connection: ChannelModel;
let broker: TestBroker;
// The in-process broker runs on a ManualTime: a TTL or an expiry passes when passTime() says so,
// however loaded the machine is. Against RabbitMQ (WARREN_TEST_AMQP_URL) passTime() sleeps.
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
}, { manualTime: true });

const channel = (): Promise<Channel> => openChannel(connection);

/** An exclusive queue with the given arguments (gone with the test connection). */
async function declare(ch: Channel, prefix: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { exclusive: true, arguments: args });
  return name;
}

/** Publishes and waits for the broker to have handled it (a round trip on the same channel). */
async function publish(ch: Channel, queue: string, body: string, options: Options.Publish = {}): Promise<void> {
  ch.sendToQueue(queue, Buffer.from(body), options);
  await ch.checkQueue(queue);
}

async function getBody(ch: Channel, queue: string): Promise<string | undefined> {
  const message = await ch.get(queue, { noAck: true });
  return message === false ? undefined : message.content.toString();
}

async function readyCount(ch: Channel, queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}

describe("x-message-ttl", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a message not consumed within the TTL is removed and never delivered", async () => {
    const ch = await channel();
    const queue = await declare(ch, "ttl-queue", { "x-message-ttl": 150 });
    await publish(ch, queue, "fresh");
    assert.equal(await getBody(ch, queue), "fresh", "within its TTL a message is delivered");
    await publish(ch, queue, "stale-1");
    await publish(ch, queue, "stale-2");
    await broker.passTime(400);
    // RabbitMQ removes expired messages on a timer, so the count drops without anyone reading.
    await waitFor(async () => ((await readyCount(ch, queue)) === 0 ? true : undefined), 3_000, "expired messages removed");
    assert.equal(await getBody(ch, queue), undefined, "basic.get never returns an expired message");
    const inbox = new Inbox<ConsumeMessage | null>();
    await ch.consume(queue, inbox.push, { noAck: true });
    await delay(200);
    assert.equal(inbox.items.length, 0, "a consumer never receives an expired message");
  });

  test("0: delivered to a consumer that is waiting, dropped when none can take it", async () => {
    const ch = await channel();
    const queue = await declare(ch, "ttl-zero", { "x-message-ttl": 0 });
    await publish(ch, queue, "nobody-waits");
    assert.equal(await readyCount(ch, queue), 0, "no consumer: expired at once");
    assert.equal(await getBody(ch, queue), undefined);

    const consumerChannel = await channel();
    await consumerChannel.prefetch(1);
    const inbox = new Inbox<ConsumeMessage>();
    await consumerChannel.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: false });
    await publish(ch, queue, "taken");
    const [first] = await inbox.waitForCount(1);
    assert.equal(first.content.toString(), "taken");
    // The consumer's prefetch of 1 is used up: the next message cannot be handed over, so it expires.
    await publish(ch, queue, "prefetch-full");
    await delay(100);
    consumerChannel.ack(first);
    await delay(300);
    assert.deepEqual(inbox.items.map((m) => m.content.toString()), ["taken"]);
    assert.equal(await readyCount(ch, queue), 0);
  });

  test("a requeued message keeps its original expiry: past it, it is not redelivered", async () => {
    const ch = await channel();
    const queue = await declare(ch, "ttl-requeue", { "x-message-ttl": 200 });
    await publish(ch, queue, "held");
    const held = await ch.get(queue, { noAck: false });
    assert.ok(held);
    await broker.passTime(500);
    ch.nack(held, false, true);
    await delay(100);
    assert.equal(await getBody(ch, queue), undefined);
  });

  test("an expired message is dead-lettered with reason expired", async () => {
    const ch = await channel();
    const target = await declare(ch, "ttl-dlq");
    const queue = await declare(ch, "ttl-dl", { "x-message-ttl": 100, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": target });
    await publish(ch, queue, "to-die");
    await broker.passTime(300);
    const dead = await waitFor(async () => {
      const message = await ch.get(target, { noAck: true });
      return message === false ? undefined : message;
    }, 3_000, "dead-lettered message");
    assert.equal(dead.content.toString(), "to-die");
    const deaths: XDeath[] = dead.properties.headers?.["x-death"] ?? [];
    assert.equal(deaths[0].reason, "expired");
    assert.equal(deaths[0].queue, queue);
    assert.equal(dead.properties.headers?.["x-first-death-reason"], "expired");
  });
});

describe("per-message expiration", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an expired message is never delivered; others stay", async () => {
    const ch = await channel();
    const queue = await declare(ch, "exp-msg");
    await publish(ch, queue, "short", { expiration: "100" });
    await publish(ch, queue, "forever");
    await broker.passTime(400);
    assert.equal(await getBody(ch, queue), "forever");
    assert.equal(await getBody(ch, queue), undefined);
  });

  test("the expiration property is delivered unchanged", async () => {
    const ch = await channel();
    const queue = await declare(ch, "exp-prop");
    await publish(ch, queue, "m", { expiration: "60000" });
    const message = await ch.get(queue, { noAck: true });
    assert.ok(message);
    assert.equal(message.properties.expiration, "60000");
  });

  test("expiration 0: delivered to a waiting consumer, dropped otherwise", async () => {
    const ch = await channel();
    const queue = await declare(ch, "exp-zero");
    await publish(ch, queue, "dropped", { expiration: "0" });
    assert.equal(await getBody(ch, queue), undefined);
    const inbox = new Inbox<ConsumeMessage | null>();
    await ch.consume(queue, inbox.push, { noAck: true });
    await publish(ch, queue, "delivered", { expiration: "0" });
    const [message] = await inbox.waitForCount(1);
    assert.equal(message?.content.toString(), "delivered");
  });

  test("an expired message behind a live one goes when it reaches the head, never delivered", async () => {
    const ch = await channel();
    const queue = await declare(ch, "exp-behind");
    await publish(ch, queue, "long", { expiration: "60000" });
    await publish(ch, queue, "short", { expiration: "50" });
    await broker.passTime(300);
    // RabbitMQ 3.10.8 only looks at the head: the expired message is still counted.
    assert.equal(await readyCount(ch, queue), 2);
    assert.equal(await getBody(ch, queue), "long");
    assert.equal(await getBody(ch, queue), undefined);
    assert.equal(await readyCount(ch, queue), 0);
  });

  test("an expiration that is not a non-negative integer → 406", async () => {
    const ch = await channel();
    const queue = await declare(ch, "exp-bad");
    ch.sendToQueue(queue, Buffer.from("x"), { expiration: "soon" });
    await expectAmqpError(ch.checkQueue(queue), 406, "PRECONDITION_FAILED - invalid expiration 'soon': no_integer");
    const again = await channel();
    again.sendToQueue(queue, Buffer.from("x"), { expiration: "-1" });
    await expectAmqpError(again.checkQueue(queue), 406, "PRECONDITION_FAILED - invalid expiration '-1': {value_negative,-1}");
  });
});

describe("the lower of x-message-ttl and expiration", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a short expiration wins over a long queue TTL", async () => {
    const ch = await channel();
    const queue = await declare(ch, "lower-msg", { "x-message-ttl": 60_000 });
    await publish(ch, queue, "short", { expiration: "100" });
    await publish(ch, queue, "queue-ttl");
    await broker.passTime(400);
    assert.equal(await getBody(ch, queue), "queue-ttl");
    assert.equal(await getBody(ch, queue), undefined);
  });

  test("a short queue TTL wins over a long expiration", async () => {
    const ch = await channel();
    const queue = await declare(ch, "lower-queue", { "x-message-ttl": 100 });
    await publish(ch, queue, "long-expiration", { expiration: "60000" });
    await broker.passTime(400);
    assert.equal(await getBody(ch, queue), undefined);
  });
});

describe("x-expires", { timeout: SUITE_TIMEOUT_MS }, () => {
  async function exists(name: string): Promise<boolean> {
    const ch = await channel();
    try {
      await ch.checkQueue(name);
      await ch.close();
      return true;
    } catch (error) {
      assert.equal((error as { code?: number }).code, 404, String(error));
      return false;
    }
  }

  /**
   * Polls less often than the expiry period: in RabbitMQ 3.10.8 a passive declare is a use of
   * the queue too (it restarts the expiry timer), so polling faster would keep the queue alive.
   */
  async function waitUntilGone(name: string, expiresMs: number): Promise<void> {
    const deadline = Date.now() + expiresMs + 3_000;
    for (;;) {
      await broker.passTime(expiresMs * 2);
      if (!(await exists(name))) return;
      if (Date.now() > deadline) throw new Error(`queue '${name}' did not expire`);
    }
  }

  test("an unused queue is deleted after its expiry period, messages and all", async () => {
    const ch = await channel();
    const name = uniqueName("expires");
    await ch.assertQueue(name, { durable: false, arguments: { "x-expires": 300 } });
    await publish(ch, name, "lost with the queue");
    await waitUntilGone(name, 300);
  });

  test("a queue with a consumer does not expire; it does once the consumer is gone", async () => {
    const ch = await channel();
    const name = uniqueName("expires-consumed");
    await ch.assertQueue(name, { durable: false, arguments: { "x-expires": 300 } });
    const { consumerTag } = await ch.consume(name, () => {}, { noAck: true });
    await broker.passTime(800);
    assert.equal(await exists(name), true, "a consumer keeps the queue in use");
    await ch.cancel(consumerTag);
    await waitUntilGone(name, 300);
  });

  /** Uses the queue every 400 ms for 2.4 s (four 600 ms expiry periods); each use must find it. */
  async function useRepeatedly(name: string, uses: Array<[string, () => Promise<unknown>]>): Promise<void> {
    let previous = "the declare";
    for (let round = 0; round < 6; round += 1) {
      const [label, use] = uses[round % uses.length];
      await broker.passTime(400);
      await use().catch((error: unknown) => {
        throw new Error(`${label} 400 ms after ${previous} did not find the queue: ${String(error)}`);
      });
      previous = label;
    }
  }

  test("basic.get and redeclaring count as use and restart the period", async () => {
    const ch = await channel();
    const name = uniqueName("expires-used");
    const declareArguments = { durable: false, arguments: { "x-expires": 600 } };
    await ch.assertQueue(name, declareArguments);
    await useRepeatedly(name, [
      ["basic.get", () => ch.get(name, { noAck: true })],
      ["redeclare", () => ch.assertQueue(name, declareArguments)],
    ]);
    await ch.deleteQueue(name);
  });

  test("a passive declare counts as use too", async () => {
    // RabbitMQ 3.10.8: queue.declare passive=true goes through the queue process's `stat`,
    // which restarts the expiry timer; polling with passive declares keeps a queue alive.
    const ch = await channel();
    const name = uniqueName("expires-passive");
    await ch.assertQueue(name, { durable: false, arguments: { "x-expires": 600 } });
    await useRepeatedly(name, [["passive declare", () => ch.checkQueue(name)]]);
    await ch.deleteQueue(name);
  });
});
