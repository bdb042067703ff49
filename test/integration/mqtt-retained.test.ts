/**
 * Retained messages: delivered to later subscribers on exact and wildcard filters, replaced
 * and cleared, never to shared subscriptions, and kept across a broker restart on disk.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageLog, connectClient, delay, endClient, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

test("a later subscriber gets retained messages on exact and wildcard filters", async (t) => {
  const publisher = await connectClient(broker);
  t.after(() => endClient(publisher));
  await publisher.publishAsync("home/kitchen/temperature", "21", { qos: 1, retain: true });
  await publisher.publishAsync("home/garage/temperature", "12", { qos: 0, retain: true });
  await publisher.publishAsync("home/kitchen/temperature", "22", { qos: 1, retain: true }); // replaces 21
  for (const [filter, expected] of [
    ["home/kitchen/temperature", ["22"]],
    ["home/+/temperature", ["12", "22"]],
    ["home/#", ["12", "22"]],
    ["#", ["12", "22"]],
    ["office/#", []],
  ] as const) {
    const log = new MessageLog();
    const subscriber = await connectClient(broker, {}, log);
    await subscriber.subscribeAsync(filter, { qos: 1 });
    await delay(100);
    assert.deepEqual(log.items.map((message) => message.payload.toString()).sort(), [...expected], filter);
    assert.ok(log.items.every((message) => message.retain), "retained messages carry the RETAIN flag on subscribe");
    await endClient(subscriber);
  }
});

test("delivery QoS of a retained message is the lower of both; an empty payload clears it", async (t) => {
  const publisher = await connectClient(broker);
  t.after(() => endClient(publisher));
  await publisher.publishAsync("clear/me", "soon gone", { qos: 1, retain: true });
  const log = new MessageLog();
  const subscriber = await connectClient(broker, {}, log);
  await subscriber.subscribeAsync("clear/me", { qos: 0 });
  const [first] = await log.waitFor(1);
  assert.equal(first.qos, 0);
  await endClient(subscriber);
  await publisher.publishAsync("clear/me", "", { qos: 1, retain: true });
  const later = new MessageLog();
  const again = await connectClient(broker, {}, later);
  t.after(() => endClient(again));
  await again.subscribeAsync("clear/me", { qos: 1 });
  await delay(100);
  assert.equal(later.items.length, 0);
});

test("MQTT 5 retain handling 2 sends nothing; shared subscriptions get no retained messages", async (t) => {
  const publisher = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => endClient(publisher));
  await publisher.publishAsync("handling/x", "retained", { qos: 1, retain: true });
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("handling/#", { qos: 1, rh: 2 });
  await subscriber.subscribeAsync("$share/group/handling/#", { qos: 1 });
  await delay(100);
  assert.equal(log.items.length, 0);
});

test("retained messages survive a broker restart with the same data directory", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "warren-mqtt-"));
  const first = await startMqttBroker({ dataDir });
  const publisher = await connectClient(first, { protocolVersion: 5 });
  await publisher.publishAsync("persist/one", "kept across restarts", { qos: 1, retain: true, properties: { contentType: "text/plain" } });
  await publisher.publishAsync("persist/two", Buffer.from([0, 1, 2, 255]), { qos: 0, retain: true });
  await publisher.publishAsync("persist/gone", "x", { qos: 1, retain: true });
  await publisher.publishAsync("persist/gone", "", { qos: 1, retain: true });
  await endClient(publisher);
  await first.stop();

  const second = await startMqttBroker({ dataDir });
  // Stop before removing the data directory: stopping writes the metadata snapshot there.
  t.after(async () => {
    await second.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const log = new MessageLog();
  const subscriber = await connectClient(second, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("persist/#", { qos: 1 });
  const received = await log.waitFor(2);
  await delay(100);
  assert.equal(log.items.length, 2);
  const byTopic = new Map(received.map((message) => [message.topic, message]));
  assert.equal(byTopic.get("persist/one")?.payload.toString(), "kept across restarts");
  assert.equal(byTopic.get("persist/one")?.qos, 1);
  assert.equal((byTopic.get("persist/one")?.properties as { contentType?: string }).contentType, "text/plain");
  assert.deepEqual(byTopic.get("persist/two")?.payload, Buffer.from([0, 1, 2, 255]));
});
