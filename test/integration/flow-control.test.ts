/**
 * Publisher flow control: a queue far behind its consumers holds the connections publishing
 * into it (RabbitMQ's credit flow does the same). Two connections that each publish into the
 * queue the other consumes could hold each other for ever (each one's acks travel on a held
 * socket); a hold therefore lasts at most FLOW_HOLD_MS, after which the connection is read again
 * and held anew only if the queue is still behind. The test runs that crossing and requires
 * every message to arrive.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { startBroker } from "../../src/index.js";
import { QUEUE_FLOW_READY_HIGH } from "../../src/config/limits.js";
import { buildFrame, buildMethodFrame, ArgWriter, FrameType, Method, RawAmqpClient, encodeContentHeaderPayload } from "../helpers/raw-amqp.js";

const MESSAGES = 60_000;

async function side(url: string, publishTo: string, consumeFrom: string, received: { count: number }): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue(publishTo);
  await channel.assertQueue(consumeFrom);
  await channel.prefetch(50);
  await channel.consume(consumeFrom, (message) => {
    if (message === null) return;
    received.count++;
    channel.ack(message);
  });
  const body = Buffer.alloc(100, 1);
  void (async () => {
    for (let index = 0; index < MESSAGES; index++) {
      if (!channel.sendToQueue(publishTo, body)) await new Promise((resolve) => channel.once("drain", resolve));
    }
  })();
  return connection;
}

test("two connections that publish into each other's queues both finish (no flow-control deadlock)", { timeout: 120_000 }, async () => {
  const broker = await startBroker({});
  const fromB = { count: 0 };
  const fromA = { count: 0 };
  const x = await side(broker.url, "flow.a", "flow.b", fromB);
  const y = await side(broker.url, "flow.b", "flow.a", fromA);
  const deadline = Date.now() + 100_000;
  while ((fromA.count < MESSAGES || fromB.count < MESSAGES) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fromA.count, MESSAGES, "every message published into flow.a arrived");
  assert.equal(fromB.count, MESSAGES, "every message published into flow.b arrived");
  await x.close();
  await y.close();
  await broker.stop();
});

// The hold stops the publisher at the publish that put the queue over its mark, not at the end of
// the socket read it came in (up to 64 KB: ~900 of these messages), which would overfill the queue.
test("a held publisher stops at the publish that filled the queue; the rest follows when the hold ends", { timeout: 60_000 }, async (t) => {
  const broker = await startBroker({});
  t.after(() => broker.stop());
  const consumerSide = await amqp.connect(broker.url);
  t.after(() => consumerSide.close().catch(() => undefined));
  const consumerChannel = await consumerSide.createChannel();
  const queueName = "flow.stop-at-frame";
  await consumerChannel.assertQueue(queueName);
  await consumerChannel.prefetch(1);
  await consumerChannel.consume(queueName, () => undefined); // takes one message, never acks
  const publisher = await RawAmqpClient.connect(broker.port, broker.host);
  t.after(() => publisher.destroy());
  await publisher.handshake();
  await publisher.openChannel(1);
  const total = QUEUE_FLOW_READY_HIGH + 2_000;
  const body = Buffer.alloc(10, 7);
  const one = Buffer.concat([
    buildMethodFrame(1, Method.basicPublish, new ArgWriter().short(0).shortstr("").shortstr(queueName).bit(false).bit(false).toBuffer()),
    buildFrame(FrameType.header, 1, encodeContentHeaderPayload(body.length)),
    buildFrame(FrameType.body, 1, body),
  ]);
  publisher.write(Buffer.concat(Array.from({ length: total }, () => one))); // one write: the broker reads it in large chunks
  const queue = broker.broker.vhosts.get("/")!.queues.get(queueName)!;
  const counted = (): number => queue.readyCount + queue.unackedCount;
  const deadline = Date.now() + 20_000;
  while (counted() <= QUEUE_FLOW_READY_HIGH && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 100)); // well inside the hold (FLOW_HOLD_MS_MAX)
  assert.equal(queue.readyCount, QUEUE_FLOW_READY_HIGH + 1, "held at the first publish over the mark");
  while (counted() < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(counted(), total, "every publish arrived once the hold ended");
});
