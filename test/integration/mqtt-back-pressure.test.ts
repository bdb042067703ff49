/**
 * MQTT publishers are slowed the way AMQP ones are (STYLE.md practice 5): a memory or disk
 * alarm stops reading from connections that publish, and a queue far behind its consumers holds
 * the connections publishing into it, at the publish that put it over its mark. Before, MQTT
 * publishers ignored both: 20 QoS 1 publishes of 100 KB were acknowledged and queued under an
 * alarm, and a fast publisher grew a queue without bound. RabbitMQ's MQTT plugin also stops
 * reading the socket (MQTT has no connection.blocked).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { QUEUE_FLOW_READY_HIGH } from "../../src/config/limits.js";
import { RawClient, connectClient, connectPacket, delay, endClient, mqttString, packet, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

test("under a memory alarm an MQTT publisher is not read: nothing is acknowledged or queued until it clears", { timeout: 60_000 }, async (t) => {
  const connection = await amqp.connect(broker.running.url);
  t.after(() => connection.close());
  const channel = await connection.createChannel();
  const queueName = `mqtt-alarm-${process.pid}`;
  await channel.assertQueue(queueName, { exclusive: true });
  await channel.bindQueue(queueName, "amq.topic", "alarm.#");
  const queue = broker.running.broker.vhosts.get("/")!.queues.get(queueName)!;

  const publisher = await connectClient(broker, { clientId: "alarm-publisher" });
  t.after(() => endClient(publisher, true));
  await publisher.publishAsync("alarm/first", "before the alarm", { qos: 1 }); // a publisher now

  const core = broker.running.broker;
  const limitBefore = core.config.memoryHighWatermarkAbsoluteBytes;
  core.config.memoryHighWatermarkAbsoluteBytes = 1;
  core.resources.checkNow();
  t.after(() => {
    core.config.memoryHighWatermarkAbsoluteBytes = limitBefore;
    core.resources.checkNow();
  });
  assert.equal(core.resources.blocking, true);

  let acknowledged = 0;
  const body = Buffer.alloc(100_000, 0x61);
  const publishes = Array.from({ length: 20 }, () => publisher.publishAsync("alarm/big", body, { qos: 1 }).then(() => void acknowledged++));
  await delay(500);
  assert.equal(acknowledged, 0, "no PUBACK while the alarm is on");
  assert.equal(queue.readyCount, 1, "nothing queued while the alarm is on");

  core.config.memoryHighWatermarkAbsoluteBytes = limitBefore;
  core.resources.checkNow();
  assert.equal(core.resources.blocking, false);
  await Promise.all(publishes);
  assert.equal(acknowledged, 20);
  await waitUntil(() => queue.readyCount === 21, "the 20 publishes in the queue");
});

// As test/integration/flow-control.test.ts does for AMQP: the hold stops the publisher at the
// PUBLISH that put the queue over its mark, not at the end of the socket read it came in.
test("a queue far behind its consumer holds the MQTT publisher at the publish that filled it; the rest follows", { timeout: 60_000 }, async (t) => {
  const connection = await amqp.connect(broker.running.url);
  t.after(() => connection.close().catch(() => undefined));
  const channel = await connection.createChannel();
  const queueName = `mqtt-flow-${process.pid}`;
  await channel.assertQueue(queueName, { exclusive: true });
  await channel.bindQueue(queueName, "amq.topic", "flow.#");
  await channel.prefetch(1);
  await channel.consume(queueName, () => undefined); // takes one message, never acks
  const queue = broker.running.broker.vhosts.get("/")!.queues.get(queueName)!;

  const publisher = await RawClient.connect(broker.port);
  t.after(() => publisher.destroy());
  publisher.write(connectPacket("flow-publisher"));
  await waitUntil(() => publisher.bytes.length >= 4, "the CONNACK");
  const total = QUEUE_FLOW_READY_HIGH + 2_000;
  const one = packet(0x30, Buffer.concat([mqttString("flow/x"), Buffer.from("0123456789")])); // QoS 0
  publisher.write(Buffer.concat(Array.from({ length: total }, () => one))); // one write: read in large chunks
  const counted = (): number => queue.readyCount + queue.unackedCount;
  await waitUntil(() => counted() > QUEUE_FLOW_READY_HIGH, "the queue to pass its mark");
  await delay(100); // well inside the hold (FLOW_HOLD_MS_MAX)
  assert.equal(queue.readyCount, QUEUE_FLOW_READY_HIGH + 1, "held at the first publish over the mark");
  await waitUntil(() => counted() === total, "every publish once the hold ended");
});
