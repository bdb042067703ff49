/**
 * Sessions over reconnects: persistent sessions keep QoS 1 messages while the client is away,
 * clean sessions leave nothing behind, a second connection with the same client id takes over,
 * QoS 2 stays exactly-once when the publisher reconnects mid-flow, wills, keep-alive.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  MessageLog, RawClient, connectClient, connectPacket, delay, endClient, mqttString, packet, startMqttBroker, type MqttTestBroker,
} from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

const queueNames = (): string[] => [...(broker.running.broker.vhosts.get("/")?.queues.keys() ?? [])];

for (const protocolVersion of [4, 5] as const) {
  test(`MQTT ${protocolVersion}: a persistent session keeps QoS 1 messages while the client is away`, async (t) => {
    const clientId = `persistent-${protocolVersion}`;
    const sessionOptions = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const first = await connectClient(broker, { protocolVersion, clientId, ...sessionOptions });
    await first.subscribeAsync("inbox/#", { qos: 1 });
    await endClient(first);
    const publisher = await connectClient(broker, { protocolVersion });
    t.after(() => endClient(publisher));
    for (let index = 0; index < 5; index++) await publisher.publishAsync(`inbox/${index}`, `kept ${index}`, { qos: 1 });
    await publisher.publishAsync("inbox/zero", "qos 0 is kept too, in the QoS 1 queue", { qos: 0 });
    const log = new MessageLog();
    const second = await connectClient(broker, { protocolVersion, clientId, ...sessionOptions }, log);
    t.after(() => endClient(second));
    const received = await log.waitFor(6);
    assert.deepEqual(received.slice(0, 5).map((message) => message.payload.toString()), [0, 1, 2, 3, 4].map((index) => `kept ${index}`));
  });
}

test("a clean session's queues go with its connection", async () => {
  const client = await connectClient(broker, { clientId: "clean-one", clean: true });
  await client.subscribeAsync("clean/#", { qos: 1 });
  assert.ok(queueNames().includes("mqtt-subscription-clean-oneqos1"));
  await endClient(client);
  await delay(50);
  assert.ok(!queueNames().includes("mqtt-subscription-clean-oneqos1"));
});

test("session present tells whether the session was resumed", async () => {
  const first = await connectClient(broker, { clientId: "present", clean: false });
  await first.subscribeAsync("present/#", { qos: 1 });
  await endClient(first);
  let sessionPresent: boolean | undefined;
  const second = await connectClient(broker, { clientId: "present", clean: false });
  second.once("connect", (connack) => (sessionPresent = connack.sessionPresent));
  await endClient(second);
  const third = await connectClient(broker, { clientId: "present", clean: true });
  await endClient(third);
  assert.ok(sessionPresent === undefined || sessionPresent === true);
  assert.ok(!queueNames().includes("mqtt-subscription-presentqos1"), "a clean start ends the old session");
});

test("a second connection with the same client id closes the first", async () => {
  const first = await connectClient(broker, { clientId: "takeover", protocolVersion: 5 });
  const closed = new Promise<number | undefined>((resolve) => first.once("disconnect", (packet) => resolve(packet.reasonCode)));
  const second = await connectClient(broker, { clientId: "takeover", protocolVersion: 5 });
  assert.equal(await closed, 0x8e);
  assert.equal(second.connected, true);
  await endClient(second);
  await endClient(first, true);
});

test("QoS 2 is exactly once when the publisher reconnects before PUBREL", async (t) => {
  const subscriber = await connectClient(broker, { clientId: "qos2-sub" });
  t.after(() => endClient(subscriber));
  const log = new MessageLog(subscriber);
  await subscriber.subscribeAsync("exactly/once", { qos: 2 });
  const flags = 0xc0; // user name and password, no clean session: the session survives the drop
  const publishBody = Buffer.concat([mqttString("exactly/once"), Buffer.from([0x00, 0x07]), Buffer.from("only once")]);
  const first = await RawClient.connect(broker.port);
  first.write(connectPacket("qos2-pub", 4, flags));
  await first.waitForBytes(4);
  first.write(packet(0x34, publishBody)); // QoS 2 PUBLISH, packet id 7
  await first.waitForBytes(8); // CONNACK + PUBREC
  first.destroy(); // gone before PUBREL
  await first.closed;
  const second = await RawClient.connect(broker.port);
  t.after(() => second.destroy());
  second.write(connectPacket("qos2-pub", 4, flags));
  await second.waitForBytes(4);
  assert.equal(second.bytes[2], 1, "session present");
  second.write(packet(0x3c, publishBody)); // the same PUBLISH again, DUP set
  await second.waitForBytes(8);
  assert.deepEqual([...second.bytes.subarray(4, 8)], [0x50, 2, 0, 7], "PUBREC again");
  second.write(packet(0x62, [0, 7])); // PUBREL
  await second.waitForBytes(12);
  assert.deepEqual([...second.bytes.subarray(8, 12)], [0x70, 2, 0, 7], "PUBCOMP");
  await log.waitFor(1);
  await delay(100);
  assert.equal(log.items.length, 1);
  assert.equal(log.items[0].qos, 2);
  second.write(packet(0xe0, []));
});

test("QoS 2 to a subscriber that reconnects mid-flow: delivered once, PUBREL re-sent", async (t) => {
  const subscriberId = "qos2-resub";
  const raw = await RawClient.connect(broker.port);
  raw.write(connectPacket(subscriberId, 4, 0xc0));
  await raw.waitForBytes(4);
  raw.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), mqttString("flow/two"), Buffer.from([2])])));
  await raw.waitForBytes(9); // SUBACK
  const publisher = await connectClient(broker);
  t.after(() => endClient(publisher));
  await publisher.publishAsync("flow/two", "payload", { qos: 2 });
  const bytes = await raw.waitForBytes(9 + 2 + 2 + "flow/two".length + 2 + "payload".length);
  const publish = bytes.subarray(9);
  assert.equal(publish[0] & 0xf6, 0x34);
  const packetId = publish.readUInt16BE(2 + 2 + "flow/two".length);
  raw.write(packet(0x50, [packetId >> 8, packetId & 0xff])); // PUBREC
  await raw.waitForBytes(bytes.length + 4); // PUBREL
  raw.destroy(); // drop before PUBCOMP
  await raw.closed;
  const again = await RawClient.connect(broker.port);
  t.after(() => again.destroy());
  again.write(connectPacket(subscriberId, 4, 0xc0));
  const resumed = await again.waitForBytes(8);
  assert.deepEqual([...resumed.subarray(4, 8)], [0x62, 2, packetId >> 8, packetId & 0xff], "the PUBREL is re-sent, not the message");
  again.write(packet(0x70, [packetId >> 8, packetId & 0xff]));
  await delay(100);
  assert.equal(again.bytes.length, 8);
  again.write(connectPacket("x").subarray(0, 0));
});

test("the will is sent on an abrupt disconnect and not on a clean one", async (t) => {
  const watcher = await connectClient(broker);
  t.after(() => endClient(watcher));
  const log = new MessageLog(watcher);
  await watcher.subscribeAsync("wills/#", { qos: 1 });
  const clean = await connectClient(broker, { will: { topic: "wills/clean", payload: Buffer.from("gone"), qos: 1, retain: false } });
  await endClient(clean);
  const abrupt = await connectClient(broker, { will: { topic: "wills/abrupt", payload: Buffer.from("lost"), qos: 1, retain: false } });
  abrupt.stream.destroy();
  const [message] = await log.waitFor(1);
  assert.equal(message.topic, "wills/abrupt");
  await delay(100);
  assert.equal(log.items.length, 1);
});

test("MQTT 5 will delay: sent after the delay, cancelled when the client comes back", async (t) => {
  const watcher = await connectClient(broker);
  t.after(() => endClient(watcher));
  const log = new MessageLog(watcher);
  await watcher.subscribeAsync("delayed/#", { qos: 1 });
  const options = (topic: string) => ({
    protocolVersion: 5 as const,
    clientId: topic,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
    will: { topic: `delayed/${topic}`, payload: Buffer.from(topic), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } },
  });
  const returning = await connectClient(broker, options("returning"));
  const leaving = await connectClient(broker, options("leaving"));
  returning.stream.destroy();
  leaving.stream.destroy();
  await delay(200);
  const back = await connectClient(broker, options("returning"));
  t.after(() => endClient(back));
  assert.equal(log.items.length, 0, "not before the delay");
  const [message] = await log.waitFor(1, 4_000);
  assert.equal(message.topic, "delayed/leaving");
  await delay(1_500);
  assert.equal(log.items.length, 1, "the returning client's will was cancelled");
});

test("keep-alive: a silent client is disconnected after 1.5 intervals and its will sent", async (t) => {
  const watcher = await connectClient(broker);
  t.after(() => endClient(watcher));
  const log = new MessageLog(watcher);
  await watcher.subscribeAsync("silent/#");
  const raw = await RawClient.connect(broker.port);
  const body = Buffer.concat([mqttString("MQTT"), Buffer.from([4, 0x06, 0, 1]), mqttString("silent"), mqttString("silent/will"), mqttString("bye")]);
  raw.write(packet(0x10, body)); // keep-alive 1 s, will on silent/will
  const started = Date.now();
  await raw.waitForClose(4_000);
  const elapsedMs = Date.now() - started;
  assert.ok(elapsedMs >= 1_400 && elapsedMs < 2_600, `closed after ${elapsedMs} ms`);
  const [message] = await log.waitFor(1);
  assert.equal(message.topic, "silent/will");
});
