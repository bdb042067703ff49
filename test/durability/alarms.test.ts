/**
 * Memory and disk alarms as RabbitMQ has them: while one is in effect, a publishing connection
 * gets connection.blocked and is no longer read from; a consumer on another connection keeps
 * draining; connection.unblocked follows when the alarm clears. Checked against RabbitMQ's
 * documented flow (Memory and disk alarms; connection.blocked notifications).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import amqp from "amqplib";
import { startBroker } from "../../src/index.js";

const MiB = 1024 * 1024;

function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

test("memory alarm: a publisher is blocked, a consumer drains, the publisher is unblocked", { timeout: 60_000 }, async () => {
  // The watermark sits 48 MiB above what the process holds now; the publisher crosses it.
  const broker = await startBroker({ memoryHighWatermarkAbsoluteBytes: memoryInUse() + 48 * MiB });
  const publisherConnection = await amqp.connect(broker.url);
  const consumerConnection = await amqp.connect(broker.url);
  const publisher = await publisherConnection.createChannel();
  await publisher.assertQueue("alarm.q");
  const blocked = once(publisherConnection, "blocked");
  const body = Buffer.alloc(MiB, 7);
  let published = 0;
  let isBlocked = false;
  void blocked.then(() => (isBlocked = true));
  while (!isBlocked && published < 400) {
    publisher.sendToQueue("alarm.q", body);
    published++;
    await new Promise((resolve) => setImmediate(resolve));
    if (published % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [reason] = await blocked;
  assert.equal(reason, "low on resources");
  assert.equal(broker.broker.resources.state.memory, true);
  // While blocked, the broker does not read the publisher: what it sends now waits in the network.
  const before = broker.broker.vhosts.get("/")!.queues.get("alarm.q")!.readyCount;
  for (let index = 0; index < 5; index++) publisher.sendToQueue("alarm.q", body);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const queue = broker.broker.vhosts.get("/")!.queues.get("alarm.q")!;
  assert.ok(queue.readyCount <= before, "nothing from the blocked publisher was taken in");

  const unblocked = once(publisherConnection, "unblocked");
  const consumer = await consumerConnection.createChannel();
  await consumer.consume("alarm.q", () => undefined, { noAck: true });
  await unblocked;
  assert.equal(broker.broker.resources.state.memory, false);
  // Reading resumed: the held publishes arrive.
  await publisher.checkQueue("alarm.q");
  await publisherConnection.close();
  await consumerConnection.close();
  await broker.stop();
});

test("disk alarm: publishers are blocked while free space is under disk_free_limit", { timeout: 30_000 }, async () => {
  const broker = await startBroker({ diskFreeLimitBytes: Number.MAX_SAFE_INTEGER });
  const connection = await amqp.connect(broker.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("disk.q");
  const blocked = once(connection, "blocked");
  broker.broker.resources.checkNow();
  channel.sendToQueue("disk.q", Buffer.from("first"));
  await blocked;
  assert.deepEqual(broker.broker.resources.state, { memory: false, disk: true });
  const unblocked = once(connection, "unblocked");
  broker.broker.config.diskFreeLimitBytes = 1;
  broker.broker.resources.checkNow();
  await unblocked;
  channel.sendToQueue("disk.q", Buffer.from("second"));
  assert.equal((await channel.checkQueue("disk.q")).messageCount, 2);
  await connection.close();
  await broker.stop();
});
