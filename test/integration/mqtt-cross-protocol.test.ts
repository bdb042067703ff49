/**
 * MQTT and AMQP clients on the same broker: AMQP publishes to amq.topic reach MQTT
 * subscribers and MQTT publishes reach AMQP queues, with properties mapped both ways.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { MessageLog, connectClient, endClient, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

test("MQTT publish → AMQP queue bound to amq.topic, with RabbitMQ's headers and mapped properties", async (t) => {
  const connection = await amqp.connect(broker.running.url);
  t.after(() => connection.close());
  const channel = await connection.createChannel();
  // A named queue: server-named ones (amq.gen-*) are refused by the core today (reported to the lead).
  const { queue } = await channel.assertQueue(`cross-protocol-${process.pid}`, { exclusive: true });
  await channel.bindQueue(queue, "amq.topic", "devices.*.status");
  const publisher = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => endClient(publisher));
  await publisher.publishAsync("devices/d1/status", "online", {
    qos: 1,
    properties: { contentType: "text/plain", correlationData: Buffer.from("req-1"), responseTopic: "devices/d1/reply", userProperties: { site: "lab" } },
  });
  const message = await new Promise<amqp.ConsumeMessage>((resolve) => {
    void channel.consume(queue, (delivered) => delivered && resolve(delivered), { noAck: true });
  });
  assert.equal(message.fields.exchange, "amq.topic");
  assert.equal(message.fields.routingKey, "devices.d1.status");
  assert.equal(message.content.toString(), "online");
  assert.equal(message.properties.deliveryMode, 2);
  assert.equal(message.properties.contentType, "text/plain");
  assert.equal(message.properties.correlationId, "req-1");
  assert.equal(message.properties.replyTo, "devices.d1.reply");
  assert.equal(message.properties.headers?.["x-mqtt-publish-qos"], 1);
  assert.equal(message.properties.headers?.site, "lab");
});

test("AMQP publish to amq.topic → MQTT subscribers of both protocol levels", async (t) => {
  const log3 = new MessageLog();
  const log5 = new MessageLog();
  const subscriber3 = await connectClient(broker, {}, log3);
  const subscriber5 = await connectClient(broker, { protocolVersion: 5 }, log5);
  t.after(() => Promise.all([endClient(subscriber3), endClient(subscriber5)]));
  await subscriber3.subscribeAsync("orders/+/created", { qos: 1 });
  await subscriber5.subscribeAsync("orders/#", { qos: 2 });
  const connection = await amqp.connect(broker.running.url);
  t.after(() => connection.close());
  const channel = await connection.createConfirmChannel();
  channel.publish("amq.topic", "orders.eu.created", Buffer.from("{\"id\":7}"), {
    persistent: true,
    contentType: "application/json",
    correlationId: "c-7",
    replyTo: "orders.replies",
    headers: { region: "eu", attempt: 2 },
  });
  channel.publish("amq.topic", "orders.eu.cancelled", Buffer.from("transient"), { persistent: false });
  await channel.waitForConfirms();
  const [first] = await log3.waitFor(1);
  assert.equal(first.topic, "orders/eu/created");
  assert.equal(first.payload.toString(), "{\"id\":7}");
  assert.equal(first.qos, 1, "a persistent AMQP message is delivered at QoS 1");
  const received = await log5.waitFor(2);
  const created = received.find((message) => message.topic === "orders/eu/created");
  const cancelled = received.find((message) => message.topic === "orders/eu/cancelled");
  assert.equal(cancelled?.qos, 0, "a transient AMQP message is delivered at QoS 0");
  const properties = created?.properties as Record<string, unknown>;
  assert.equal(properties.contentType, "application/json");
  assert.deepEqual(properties.correlationData, Buffer.from("c-7"));
  assert.equal(properties.responseTopic, "orders/replies");
  assert.deepEqual({ ...(properties.userProperties as object) }, { region: "eu", attempt: "2" });
});
