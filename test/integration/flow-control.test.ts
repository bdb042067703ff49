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
