/**
 * MQTT on durable state: a persistent session (clean session off) keeps its durable queue, so
 * after a broker restart the client reconnects to "session present" and gets the QoS 1
 * messages published while it was away; a QoS 1 PUBACK is sent only once the message is on
 * disk in every durable queue it went to. RabbitMQ's MQTT plugin decides "session present"
 * from the same queue.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageLog, connectClient, endClient, startMqttBroker } from "../helpers/mqtt.js";

test("a persistent session and its QoS 1 messages survive a broker restart", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "warren-mqtt-restart-"));
  const first = await startMqttBroker({ dataDir });
  const subscriber = await connectClient(first, { clientId: "durable-sub", clean: false, protocolVersion: 4 });
  await subscriber.subscribeAsync("sensors/+/temperature", { qos: 1 });
  await endClient(subscriber);
  const publisher = await connectClient(first, { clientId: "pub", protocolVersion: 4 });
  for (let index = 0; index < 5; index++) await publisher.publishAsync(`sensors/${index}/temperature`, `t${index}`, { qos: 1 });
  await endClient(publisher);
  await first.stop();

  const second = await startMqttBroker({ dataDir });
  t.after(async () => {
    await second.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const log = new MessageLog();
  const resumed = await connectClient(second, { clientId: "durable-sub", clean: false, protocolVersion: 4 }, log);
  const received = await log.waitFor(5);
  assert.deepEqual(received.map((message) => message.payload.toString()), ["t0", "t1", "t2", "t3", "t4"]);
  assert.ok(received.every((message) => message.qos === 1));
  // The subscription itself came back: a new publish still reaches the session.
  const publisherAgain = await connectClient(second, { clientId: "pub2", protocolVersion: 4 });
  await publisherAgain.publishAsync("sensors/9/temperature", "t9", { qos: 1 });
  const [, , , , , latest] = await log.waitFor(6);
  assert.equal(latest.payload.toString(), "t9");
  await endClient(publisherAgain);
  await endClient(resumed);
});

test("a '#' subscription does not receive topics starting with '$'; an explicit '$SYS/#' does [MQTT-4.7.2-1]", async (t) => {
  const broker = await startMqttBroker({});
  t.after(() => broker.stop());
  const everything = new MessageLog();
  const all = await connectClient(broker, { clientId: "all", protocolVersion: 5 }, everything);
  await all.subscribeAsync("#", { qos: 1 });
  const system = new MessageLog();
  const sys = await connectClient(broker, { clientId: "sys", protocolVersion: 5 }, system);
  await sys.subscribeAsync("$SYS/#", { qos: 1 });
  const publisher = await connectClient(broker, { clientId: "pub", protocolVersion: 5 });
  await publisher.publishAsync("$SYS/broker/uptime", "42", { qos: 1 });
  await publisher.publishAsync("plain/topic", "hello", { qos: 1 });
  const [received] = await everything.waitFor(1);
  assert.equal(received.topic, "plain/topic");
  const [systemMessage] = await system.waitFor(1);
  assert.equal(systemMessage.topic, "$SYS/broker/uptime");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(everything.items.length, 1, "'#' never saw the $SYS topic");
  await endClient(publisher);
  await endClient(all);
  await endClient(sys);
});
