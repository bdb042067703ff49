/**
 * AMQP messages whose properties do not fit MQTT's fields, delivered to MQTT subscribers.
 * Before, an `expiration` beyond MQTT's uint32 seconds or a header value over 64 KiB threw
 * ERR_OUT_OF_RANGE from the MQTT property encoder inside the delivery loop and took the whole
 * process down. Now each value that does not fit is clamped or dropped (DESIGN.md §3), the
 * message is delivered, and the broker and every other client carry on.
 *
 * RabbitMQ 3.10 has no MQTT 5; RabbitMQ 3.13's mc_mqtt maps `expiration` to Message Expiry
 * Interval in whole seconds and skips headers it cannot convert, which is what this follows.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { MessageLog, RawClient, connectClient, delay, endClient, mqttString, packet, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";
import { Method, rawClientForTest } from "../helpers/raw-amqp.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

const UINT32_MAX = 4_294_967_295;

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await delay(10);
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function publishAmqp(routingKey: string, body: string, options: amqp.Options.Publish): Promise<void> {
  const connection = await amqp.connect(broker.running.url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish("amq.topic", routingKey, Buffer.from(body), options);
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

test("an AMQP expiration beyond MQTT's uint32 seconds reaches an MQTT 5 subscriber clamped to the maximum", async (t) => {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("ranges/expiry", { qos: 1 });
  await publishAmqp("ranges.expiry", "far future", { persistent: true, expiration: "9999999999999" });
  const [message] = await log.waitFor(1);
  assert.equal(message.payload.toString(), "far future");
  assert.equal(message.properties?.messageExpiryInterval, UINT32_MAX);
});

test("a header value over 64 KiB becomes no user property; the rest of the message is delivered", async (t) => {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("ranges/header", { qos: 1 });
  // amqplib encodes headers into a 64 KiB buffer, so this publisher is the raw test client.
  const publisher = await rawClientForTest(t, { host: broker.host, port: broker.running.port }, { handshake: {}, channels: [1] });
  publisher.publish(1, "amq.topic", "ranges.header", Buffer.from("big header"), {
    deliveryMode: 2,
    headers: [["huge", { type: "S", value: "x".repeat(70_000) }], ["small", { type: "S", value: "kept" }]],
  });
  const [message] = await log.waitFor(1);
  assert.equal(message.payload.toString(), "big header");
  assert.deepEqual({ ...(message.properties?.userProperties as object) }, { small: "kept" });
});

test("a message that cannot be converted waits behind a full Receive Maximum and goes out on PUBACK (from the socket's data handler)", async () => {
  // A raw client, so that the PUBACK that frees the window is sent when the test says.
  const subscriber = await RawClient.connect(broker.port);
  try {
    const receiveMaximumOne = Buffer.from([3, 0x21, 0, 1]);
    subscriber.write(packet(0x10, Buffer.concat([mqttString("MQTT"), Buffer.from([5, 0x02, 0, 60]), receiveMaximumOne, mqttString("ranges-later")])));
    subscriber.write(packet(0x82, Buffer.concat([Buffer.from([0, 1, 0]), mqttString("ranges/later"), Buffer.from([1])])));
    await waitUntil(() => subscriber.bytes.includes(Buffer.from([0x90, 4, 0, 1]))); // the SUBACK
    await publishAmqp("ranges.later", "first", { persistent: true });
    await publishAmqp("ranges.later", "second", { persistent: true, expiration: "9999999999999" });
    await waitUntil(() => subscriber.bytes.includes("first"));
    assert.ok(!subscriber.bytes.includes("second"), "the second message waits for the first one's PUBACK");
    subscriber.write([0x40, 2, 0, 1]);
    await waitUntil(() => subscriber.bytes.includes("second"));
  } finally {
    subscriber.destroy();
  }
});

test("a reply-to that is no MQTT topic name is not sent as Response Topic", async (t) => {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("ranges/reply", { qos: 1 });
  await publishAmqp("ranges.reply", "wildcard reply-to", { persistent: true, replyTo: "replies.#" });
  const [message] = await log.waitFor(1);
  assert.equal(message.payload.toString(), "wildcard reply-to");
  assert.equal(message.properties?.responseTopic, undefined);
});

test("a routing key that is no MQTT topic name is not delivered to MQTT subscribers; later messages are", async (t) => {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("ranges/#", { qos: 1 });
  // A topic binding `ranges.#` matches the literal routing key `ranges.#`, whose topic `ranges/#` no client may receive [MQTT-3.3.2-2].
  await publishAmqp("ranges.#", "wildcard topic", { persistent: true });
  await publishAmqp("ranges.after", "after", { persistent: true });
  const [message] = await log.waitFor(1);
  assert.equal(message.topic, "ranges/after");
});

test("after all of these the node serves MQTT and AMQP clients as before", async (t) => {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5 }, log);
  t.after(() => endClient(subscriber));
  await subscriber.subscribeAsync("ranges/alive", { qos: 1 });
  await publishAmqp("ranges.alive", "still here", { persistent: true });
  const [message] = await log.waitFor(1);
  assert.equal(message.payload.toString(), "still here");
});

test("an MQTT User Property whose name is longer than an AMQP shortstr is left out; the publisher stays connected", { timeout: 20_000 }, async (t) => {
  const connection = await amqp.connect(broker.running.url);
  t.after(() => connection.close());
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue(`ranges-long-name-${process.pid}`, { exclusive: true });
  await channel.bindQueue(queue, "amq.topic", "ranges.long-name");
  const publisher = await connectClient(broker, { protocolVersion: 5 });
  t.after(() => endClient(publisher));
  await withTimeout(publisher.publishAsync("ranges/long-name", "first", { qos: 1, properties: { userProperties: { ["n".repeat(300)]: "dropped", short: "kept" } } }));
  await withTimeout(publisher.publishAsync("ranges/long-name", "second", { qos: 1 }));
  const received: amqp.ConsumeMessage[] = [];
  await withTimeout(new Promise<void>((resolve) => {
    void channel.consume(queue, (message) => {
      if (message !== null) received.push(message);
      if (received.length === 2) resolve();
    }, { noAck: true });
  }));
  assert.deepEqual(received.map((message) => message.content.toString()), ["first", "second"]);
  assert.equal(received[0].properties.headers?.short, "kept");
  assert.equal(Object.keys(received[0].properties.headers ?? {}).some((name) => name.length > 255), false);
});
