/**
 * MQTT.js against Warren: publish and subscribe at every QoS, wildcards, protocol levels 3.1.1
 * and 5, MQTT 5 properties, shared subscriptions, the queues RabbitMQ's plugin would create.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageLog, connectClient, delay, endClient, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

for (const protocolVersion of [4, 5] as const) {
  describe(`MQTT ${protocolVersion === 4 ? "3.1.1" : "5.0"}`, () => {
    for (const qos of [0, 1, 2] as const) {
      test(`QoS ${qos}: messages arrive in order at the subscriber's QoS`, async (t) => {
        const subscriber = await connectClient(broker, { protocolVersion, clientId: `sub-${protocolVersion}-${qos}` });
        const publisher = await connectClient(broker, { protocolVersion, clientId: `pub-${protocolVersion}-${qos}` });
        t.after(() => Promise.all([endClient(subscriber), endClient(publisher)]));
        const log = new MessageLog(subscriber);
        const granted = await subscriber.subscribeAsync(`sensors/${qos}/+/temperature`, { qos });
        assert.equal(granted[0].qos, qos);
        for (let index = 0; index < 20; index++) {
          await publisher.publishAsync(`sensors/${qos}/room${index}/temperature`, `reading ${index}`, { qos });
        }
        await publisher.publishAsync(`sensors/${qos}/room/humidity`, "not matched", { qos });
        const received = await log.waitFor(20);
        assert.deepEqual(received.map((message) => message.payload.toString()), Array.from({ length: 20 }, (_, index) => `reading ${index}`));
        assert.ok(received.every((message) => message.qos === qos && !message.retain));
        await delay(50);
        assert.equal(log.items.length, 20);
      });
    }

    test("delivery QoS is the lower of publish and subscription QoS", async (t) => {
      const subscriber = await connectClient(broker, { protocolVersion, clientId: `downgrade-${protocolVersion}` });
      const publisher = await connectClient(broker, { protocolVersion });
      t.after(() => Promise.all([endClient(subscriber), endClient(publisher)]));
      const log = new MessageLog(subscriber);
      await subscriber.subscribeAsync("downgrade/#", { qos: 1 });
      await publisher.publishAsync("downgrade/a", "two", { qos: 2 });
      await publisher.publishAsync("downgrade/b", "zero", { qos: 0 });
      const received = await log.waitFor(2);
      assert.deepEqual(received.map((message) => [message.payload.toString(), message.qos]), [["two", 1], ["zero", 0]]);
    });
  });
}

test("subscriptions create RabbitMQ's queues, bound to amq.topic with the translated key", async (t) => {
  const client = await connectClient(broker, { clientId: "queue-names", clean: false });
  t.after(() => endClient(client));
  await client.subscribeAsync({ "a/+/c": { qos: 0 }, "x/#": { qos: 1 } });
  const vhost = broker.running.broker.vhosts.get("/");
  const qos0 = vhost?.queues.get("mqtt-subscription-queue-namesqos0");
  const qos1 = vhost?.queues.get("mqtt-subscription-queue-namesqos1");
  assert.ok(qos0 !== undefined && qos1 !== undefined);
  assert.equal(qos1.durable, true);
  const keys = [...(vhost?.bindings() ?? [])].filter((binding) => binding.source === "amq.topic").map((binding) => `${binding.destination.name}:${binding.routingKey}`);
  assert.ok(keys.includes("mqtt-subscription-queue-namesqos0:a.*.c"));
  assert.ok(keys.includes("mqtt-subscription-queue-namesqos1:x.#"));
  await client.unsubscribeAsync("x/#");
  const after = [...(vhost?.bindings() ?? [])].filter((binding) => binding.source === "amq.topic").map((binding) => binding.routingKey);
  assert.ok(!after.includes("x.#"));
});

test("MQTT 5 properties travel from publisher to subscriber", async (t) => {
  const subscriber = await connectClient(broker, { protocolVersion: 5 });
  const publisher = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => Promise.all([endClient(subscriber), endClient(publisher)]));
  const log = new MessageLog(subscriber);
  await subscriber.subscribeAsync("props/#", { qos: 1, properties: { subscriptionIdentifier: 42 } });
  await publisher.publishAsync("props/x", "body", {
    qos: 1,
    properties: {
      contentType: "text/plain",
      responseTopic: "replies/here",
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: { tenant: "blue" },
      messageExpiryInterval: 60,
      payloadFormatIndicator: true,
    },
  });
  const [message] = await log.waitFor(1);
  const properties = message.properties as Record<string, unknown>;
  assert.equal(properties.contentType, "text/plain");
  assert.equal(properties.responseTopic, "replies/here");
  assert.deepEqual(properties.correlationData, Buffer.from([1, 2, 3]));
  assert.deepEqual({ ...(properties.userProperties as object) }, { tenant: "blue" });
  assert.ok((properties.messageExpiryInterval as number) <= 60 && (properties.messageExpiryInterval as number) >= 59);
  assert.deepEqual(properties.subscriptionIdentifier, 42);
});

test("MQTT 5 topic aliases, No Local and PUBACK 'no matching subscribers'", async (t) => {
  const client = await connectClient(broker, { protocolVersion: 5, clientId: "alias-client" });
  const other = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => Promise.all([endClient(client), endClient(other)]));
  const own = new MessageLog(client);
  const log = new MessageLog(other);
  await client.subscribeAsync("alias/topic", { qos: 1, nl: true });
  await other.subscribeAsync("alias/topic", { qos: 1 });
  await client.publishAsync("alias/topic", "first", { qos: 1, properties: { topicAlias: 3 } });
  await client.publishAsync("", "second", { qos: 1, properties: { topicAlias: 3 } });
  const received = await log.waitFor(2);
  assert.deepEqual(received.map((message) => [message.topic, message.payload.toString()]), [["alias/topic", "first"], ["alias/topic", "second"]]);
  await delay(50);
  assert.equal(own.items.length, 0, "No Local: a client does not get its own messages back");
  const acks: number[] = [];
  client.on("packetreceive", (packet) => {
    if (packet.cmd === "puback") acks.push(packet.reasonCode ?? 0);
  });
  await client.publishAsync("nobody/listens", "x", { qos: 1 });
  assert.deepEqual(acks, [0x10]);
});

test("shared subscriptions spread messages over the group's members", async (t) => {
  const first = await connectClient(broker, { protocolVersion: 5 });
  const second = await connectClient(broker, { protocolVersion: 5 });
  const publisher = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => Promise.all([endClient(first), endClient(second), endClient(publisher)]));
  const firstLog = new MessageLog(first);
  const secondLog = new MessageLog(second);
  await first.subscribeAsync("$share/workers/jobs/#", { qos: 1 });
  await second.subscribeAsync("$share/workers/jobs/#", { qos: 1 });
  for (let index = 0; index < 10; index++) await publisher.publishAsync(`jobs/${index}`, `job ${index}`, { qos: 1 });
  const deadline = Date.now() + 5_000;
  while (firstLog.items.length + secondLog.items.length < 10 && Date.now() < deadline) await delay(10);
  assert.equal(firstLog.items.length + secondLog.items.length, 10);
  assert.ok(firstLog.items.length > 0 && secondLog.items.length > 0);
});
