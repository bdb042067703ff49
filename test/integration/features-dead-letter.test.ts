/**
 * Dead-lettering (RabbitMQ's dlx.html): rejected and nacked-without-requeue messages go to
 * the queue's x-dead-letter-exchange, with its own routing key or x-dead-letter-routing-key;
 * the delayed-retry pattern built from TTL and dead-lettering; dead-letter cycles with no
 * rejection in them dropped, cycles with a rejection kept. The exact x-death header is in
 * features-x-death.test.ts; expiry and maxlen as reasons in features-ttl and features-limits.
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage, GetMessage, XDeath } from "amqplib";
import {
  delay, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor, sharedBrokerAndConnection, type TestBroker
} from "../helpers/broker.js";

let connection: ChannelModel;
let broker: TestBroker;
// The in-process broker runs on a ManualTime: message TTLs pass when passTime() says so. Against
// RabbitMQ (WARREN_TEST_AMQP_URL) passTime() sleeps.
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
}, { manualTime: true });

/** Lets the broker's time run on while a test waits for what a TTL sets off. */
const TIME_STEP_MS = 100;

const channel = (): Promise<Channel> => openChannel(connection);

async function declare(ch: Channel, prefix: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { exclusive: true, arguments: args });
  return name;
}

async function declareExchange(ch: Channel, prefix: string, type: string): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertExchange(name, type, { autoDelete: true });
  return name;
}

/** The next message in `queue`, waiting for it to be dead-lettered there. */
async function nextIn(ch: Channel, queue: string): Promise<GetMessage> {
  return waitFor(async () => {
    await broker.passTime(TIME_STEP_MS);
    const message = await ch.get(queue, { noAck: true });
    return message === false ? undefined : message;
  }, 3_000, `a message in ${queue}`);
}

function deaths(message: GetMessage | ConsumeMessage): XDeath[] {
  return message.properties.headers?.["x-death"] ?? [];
}

async function readyCount(ch: Channel, queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}

describe("reasons and routing", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("basic.reject without requeue: to the DLX with the message's own routing key", async () => {
    const ch = await channel();
    const dlx = await declareExchange(ch, "dl-reject-x", "direct");
    const queue = await declare(ch, "dl-reject", { "x-dead-letter-exchange": dlx });
    const target = await declare(ch, "dl-reject-target");
    await ch.bindQueue(target, dlx, queue); // published through the default exchange: the key is the queue's name
    ch.sendToQueue(queue, Buffer.from("bad"), { headers: { kept: "yes" }, contentType: "text/plain", messageId: "m-1" });
    const held = await waitFor(async () => (await ch.get(queue, { noAck: false })) || undefined, 3_000, "message");
    ch.reject(held, false);
    const dead = await nextIn(ch, target);
    assert.equal(dead.content.toString(), "bad");
    assert.equal(dead.fields.exchange, dlx);
    assert.equal(dead.fields.routingKey, queue);
    assert.equal(dead.fields.redelivered, false);
    assert.equal(dead.properties.contentType, "text/plain", "other properties are kept");
    assert.equal(dead.properties.messageId, "m-1");
    assert.equal(dead.properties.headers?.kept, "yes");
    assert.deepEqual(deaths(dead).map((d) => [d.queue, d.reason, d.count]), [[queue, "rejected", 1]]);
  });

  test("basic.nack without requeue, multiple: every message dead-lettered, in order", async () => {
    const ch = await channel();
    const target = await declare(ch, "dl-nack-target");
    const queue = await declare(ch, "dl-nack", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": target });
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: false });
    for (const body of ["1", "2", "3"]) ch.sendToQueue(queue, Buffer.from(body));
    const messages = await inbox.waitForCount(3);
    ch.nack(messages[2], true, false);
    await waitFor(async () => ((await readyCount(ch, target)) === 3 ? true : undefined), 3_000, "three dead letters");
    const bodies = [];
    for (let i = 0; i < 3; i += 1) {
      const dead = await nextIn(ch, target);
      bodies.push(dead.content.toString());
      assert.equal(dead.fields.routingKey, target, "x-dead-letter-routing-key replaces the routing key");
      assert.equal(deaths(dead)[0].reason, "rejected");
    }
    assert.deepEqual(bodies, ["1", "2", "3"]);
  });

  test("requeue=true, a closed channel and queue.purge do not dead-letter", async () => {
    const setup = await channel();
    const target = await declare(setup, "dl-none-target");
    const queue = await declare(setup, "dl-none", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": target });
    setup.sendToQueue(queue, Buffer.from("m"));
    const first = await waitFor(async () => (await setup.get(queue, { noAck: false })) || undefined, 3_000, "message");
    setup.nack(first, false, true);
    const consumerChannel = await channel();
    const again = await waitFor(async () => (await consumerChannel.get(queue, { noAck: false })) || undefined, 3_000, "requeued");
    assert.equal(again.fields.redelivered, true);
    await consumerChannel.close(); // unacked: requeued, not dead-lettered
    assert.equal(await readyCount(setup, queue), 1);
    assert.equal((await setup.purgeQueue(queue)).messageCount, 1);
    await delay(200);
    assert.equal(await readyCount(setup, target), 0);
  });

  test("a missing dead-letter exchange drops the message without an error", async () => {
    const ch = await channel();
    const queue = await declare(ch, "dl-missing", { "x-dead-letter-exchange": uniqueName("no-such-exchange") });
    ch.sendToQueue(queue, Buffer.from("m"));
    const held = await waitFor(async () => (await ch.get(queue, { noAck: false })) || undefined, 3_000, "message");
    ch.reject(held, false);
    await delay(100);
    assert.equal(await readyCount(ch, queue), 0, "the channel is still open and the message is gone");
  });

  test("a fanout DLX copies the dead letter to every bound queue", async () => {
    const ch = await channel();
    const dlx = await declareExchange(ch, "dl-fan-x", "fanout");
    const queue = await declare(ch, "dl-fan", { "x-dead-letter-exchange": dlx, "x-message-ttl": 50 });
    const one = await declare(ch, "dl-fan-1");
    const two = await declare(ch, "dl-fan-2");
    await ch.bindQueue(one, dlx, "");
    await ch.bindQueue(two, dlx, "");
    ch.sendToQueue(queue, Buffer.from("copied"));
    for (const target of [one, two]) {
      const dead = await nextIn(ch, target);
      assert.equal(dead.content.toString(), "copied");
      assert.deepEqual(deaths(dead).map((d) => [d.queue, d.reason]), [[queue, "expired"]]);
    }
  });
});

describe("delayed retry: work queue → reject → retry queue with TTL → back", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("several rounds, x-death counting each rejection and each expiry", async () => {
    const ch = await channel();
    const work = uniqueName("retry-work");
    const wait = uniqueName("retry-wait");
    await ch.assertQueue(work, { exclusive: true, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": wait } });
    await ch.assertQueue(wait, { exclusive: true, arguments: { "x-message-ttl": 100, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": work } });
    const seen: Array<{ body: string; rejected: number; expired: number; order: string[]; redelivered: boolean }> = [];
    const done = new Promise<void>((resolve) => {
      void ch.consume(work, (message) => {
        if (message === null) return;
        const list = deaths(message);
        const count = (queue: string, reason: string) => list.find((d) => d.queue === queue && d.reason === reason)?.count ?? 0;
        const rejected = count(work, "rejected");
        seen.push({
          body: message.content.toString(), rejected, expired: count(wait, "expired"),
          order: list.map((d) => `${d.queue === work ? "work" : "wait"}:${d.reason}`), redelivered: message.fields.redelivered,
        });
        if (rejected < 3) ch.reject(message, false);
        else { ch.ack(message); resolve(); }
      }, { noAck: false });
    });
    ch.sendToQueue(work, Buffer.from("job"));
    let finished = false;
    void done.then(() => (finished = true));
    const driveTime = (async () => {
      // Each round trip on the channel lets the consumer's reject reach the broker before time moves on.
      while (!finished) {
        await broker.passTime(TIME_STEP_MS);
        await ch.checkQueue(wait);
      }
    })();
    await Promise.race([done, delay(10_000).then(() => { throw new Error(`retry rounds incomplete: ${JSON.stringify(seen)}`); })]);
    await driveTime;
    assert.deepEqual(seen.map(({ rejected, expired }) => [rejected, expired]), [[0, 0], [1, 1], [2, 2], [3, 3]]);
    // The latest death first: the expiry that brought it back, then the rejection before it.
    assert.deepEqual(seen.slice(1).map((s) => s.order), [["wait:expired", "work:rejected"], ["wait:expired", "work:rejected"], ["wait:expired", "work:rejected"]]);
    assert.ok(seen.every((s) => s.body === "job" && !s.redelivered), "a dead-lettered message is a new delivery, not a redelivery");
    await delay(300);
    assert.equal(await readyCount(ch, work), 0);
    assert.equal(await readyCount(ch, wait), 0);
  });
});

describe("dead-letter cycles", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a queue whose expired messages would come back to itself drops them", async () => {
    const ch = await channel();
    const queue = await declare(ch, "cycle-self", { "x-message-ttl": 50, "x-dead-letter-exchange": "" });
    ch.sendToQueue(queue, Buffer.from("once"));
    await ch.checkQueue(queue); // the message is in the queue before its time runs
    await broker.passTime(600);
    assert.equal(await readyCount(ch, queue), 0);
    assert.equal(await ch.get(queue, { noAck: true }), false);
  });

  test("expiry looping between two queues is dropped when it comes back to the first", async () => {
    const ch = await channel();
    const toB = await declareExchange(ch, "cycle-to-b", "fanout");
    const toA = await declareExchange(ch, "cycle-to-a", "fanout");
    const a = await declare(ch, "cycle-a", { "x-message-ttl": 100, "x-dead-letter-exchange": toB });
    const b = await declare(ch, "cycle-b", { "x-message-ttl": 100, "x-dead-letter-exchange": toA });
    const watch = await declare(ch, "cycle-watch"); // sees every dead letter, is never part of the cycle
    await ch.bindQueue(b, toB, "");
    await ch.bindQueue(watch, toB, "");
    await ch.bindQueue(a, toA, "");
    await ch.bindQueue(watch, toA, "");
    ch.sendToQueue(a, Buffer.from("loop"));
    // Step by step, so each dead letter reaches its next queue before that queue's TTL is judged.
    for (let elapsedMs = 0; elapsedMs < 1_200; elapsedMs += TIME_STEP_MS) {
      await broker.passTime(TIME_STEP_MS);
      await ch.checkQueue(a);
    }
    assert.equal(await readyCount(ch, a), 0);
    assert.equal(await readyCount(ch, b), 0);
    const seen: Array<Array<[string, string, number]>> = [];
    for (let message = await ch.get(watch, { noAck: true }); message !== false; message = await ch.get(watch, { noAck: true })) {
      seen.push(deaths(message).map((d) => [d.queue, d.reason, d.count]));
    }
    // A → B once, B → A dropped (only the watcher gets that copy), so nothing more.
    assert.deepEqual(seen, [[[a, "expired", 1]], [[b, "expired", 1], [a, "expired", 1]]]);
  });

  test("a cycle with a rejection in it is not dropped", async () => {
    const ch = await channel();
    const queue = uniqueName("cycle-reject");
    const back = uniqueName("cycle-reject-back");
    await ch.assertQueue(queue, { exclusive: true, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": back } });
    await ch.assertQueue(back, { exclusive: true, arguments: { "x-message-ttl": 50, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue } });
    ch.sendToQueue(queue, Buffer.from("again"));
    for (let round = 1; round <= 3; round += 1) {
      const message = await waitFor(async () => {
        await broker.passTime(TIME_STEP_MS);
        return (await ch.get(queue, { noAck: false })) || undefined;
      }, 3_000, `round ${round}`);
      const expected = round === 1 ? [] : [[back, "expired", round - 1], [queue, "rejected", round - 1]];
      assert.deepEqual(deaths(message).map((d) => [d.queue, d.reason, d.count]), expected);
      ch.reject(message, false);
    }
  });
});
