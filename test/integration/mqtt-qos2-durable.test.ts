/**
 * Inbound QoS 2 exactly-once across a restart (MQTT 5 §4.3.3 method B, made durable): a
 * persistent session's packet ids held between PUBREC and PUBREL are on disk before the PUBREC
 * goes out, so a PUBLISH re-sent after the node was killed is answered with PUBREC and not
 * routed a second time; the release is on disk before PUBCOMP, so the id can then carry a new
 * message. Raw packets, because the test must choose packet ids and DUP itself.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { RawClient, connectClient, delay, endClient, mqttString, packet, startMqttBroker } from "../helpers/mqtt.js";
import { freePort, startNodeProcess, type NodeProcess } from "../helpers/node-process.js";
import { Qos2RecordKind, decodeQos2File } from "../../src/protocol/mqtt/inbound-qos2-file.js";
import { INBOUND_QOS2_COMPACT_BYTES_MIN } from "../../src/protocol/mqtt/inbound-qos2-store.js";

interface Packet {
  readonly type: number;
  readonly flags: number;
  readonly body: Buffer;
}

/** A raw MQTT client that reads whole packets, one at a time, in order. */
class PacketClient {
  private offset = 0;
  private constructor(readonly raw: RawClient, readonly level: 4 | 5) {}

  static async connect(port: number, clientId: string, options: { level: 4 | 5; clean: boolean; expirySeconds?: number }): Promise<{ client: PacketClient; sessionPresent: boolean }> {
    const client = new PacketClient(await RawClient.connect(port), options.level);
    const flags = 0xc0 | (options.clean ? 0x02 : 0); // user name and password
    const properties = options.level === 5 ? (options.expirySeconds === undefined ? Buffer.from([0]) : Buffer.from([5, 0x11, ...u32(options.expirySeconds)])) : Buffer.alloc(0);
    client.raw.write(packet(0x10, Buffer.concat([mqttString("MQTT"), Buffer.from([options.level, flags, 0, 60]), properties, mqttString(clientId), mqttString("guest"), mqttString("guest")])));
    const connack = await client.next();
    assert.equal(connack.type, 2, "CONNACK");
    assert.equal(connack.body[1], 0, "connection accepted");
    return { client, sessionPresent: (connack.body[0] & 1) === 1 };
  }

  async next(): Promise<Packet> {
    for (;;) {
      const parsed = this.tryParse(this.raw.bytes);
      if (parsed !== undefined) return parsed;
      await this.raw.waitForBytes(this.raw.bytes.length + 1);
    }
  }

  /** Sends a QoS 2 PUBLISH and returns the PUBREC's packet id and reason code. */
  async publishQos2(topic: string, packetId: number, payload: string, dup: boolean): Promise<void> {
    const properties = this.level === 5 ? Buffer.from([0]) : Buffer.alloc(0);
    this.raw.write(packet(0x34 | (dup ? 0x08 : 0), Buffer.concat([mqttString(topic), Buffer.from([packetId >> 8, packetId & 0xff]), properties, Buffer.from(payload)])));
    this.expectAck(await this.next(), 5, packetId);
  }

  async release(packetId: number): Promise<void> {
    this.raw.write(packet(0x62, [packetId >> 8, packetId & 0xff]));
    this.expectAck(await this.next(), 7, packetId);
  }

  disconnect(): void {
    this.raw.write(packet(0xe0, this.level === 5 ? [0] : []));
  }

  private expectAck(received: Packet, type: number, packetId: number): void {
    assert.equal(received.type, type, `packet type ${type} expected, got ${received.type}`);
    assert.equal(received.body.readUInt16BE(0), packetId);
    assert.ok(received.body.length === 2 || received.body[2] < 0x80, "success (or MQTT 5 0x10: no subscribers)");
  }

  private tryParse(bytes: Buffer): Packet | undefined {
    let position = this.offset + 1;
    let length = 0;
    let multiplier = 1;
    for (;;) {
      if (position >= bytes.length) return undefined;
      const byte = bytes[position++];
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (bytes.length < position + length) return undefined;
    const first = bytes[this.offset];
    this.offset = position + length;
    return { type: first >> 4, flags: first & 0x0f, body: bytes.subarray(position, position + length) };
  }
}

function u32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** The ids the log holds, replayed as recovery replays them. */
function liveIds(dataDir: string): Map<string, number[]> {
  const path = join(dataDir, "mqtt", "inbound-qos2.log");
  const live = new Map<string, Set<number>>();
  if (!existsSync(path)) return new Map();
  for (const record of decodeQos2File(readFileSync(path)).records) {
    if (record.kind === Qos2RecordKind.HOLD) {
      if (!live.has(record.key)) live.set(record.key, new Set());
      live.get(record.key)?.add(record.packetId);
    } else if (record.kind === Qos2RecordKind.RELEASE) {
      live.get(record.key)?.delete(record.packetId);
      if (live.get(record.key)?.size === 0) live.delete(record.key);
    } else {
      live.delete(record.key);
    }
  }
  return new Map([...live].map(([key, ids]) => [key, [...ids]]));
}

/** A node process with MQTT on `mqttPort`; resolves once that port accepts connections too. */
async function startNode(dataDir: string, port: number, mqttPort: number): Promise<NodeProcess> {
  const node = await startNodeProcess({ dataDir, port, environment: { WARREN_MQTT_PORT: String(mqttPort) } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = await RawClient.connect(mqttPort).catch(() => undefined);
    if (client !== undefined) {
      client.destroy();
      return node;
    }
    if (Date.now() > deadline) throw new Error(`MQTT did not listen on ${mqttPort}:\n${node.output()}`);
    await delay(50);
  }
}

/**
 * A node on a fresh data directory, with the durable queue qos2-sink bound to amq.topic by
 * `bindingKey`. `restart()` starts a node on the same directory and ports (after the test killed
 * the previous one); whatever node runs last is killed and the directory removed after the test.
 */
async function nodeWithSink(t: TestContext, bindingKey: string): Promise<{ dataDir: string; mqttPort: number; node: NodeProcess; restart(): Promise<NodeProcess> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "warren-mqtt-qos2-"));
  const port = await freePort();
  const mqttPort = await freePort();
  const state = {
    dataDir,
    mqttPort,
    node: await startNode(dataDir, port, mqttPort),
    async restart(): Promise<NodeProcess> {
      state.node = await startNode(dataDir, port, mqttPort);
      return state.node;
    },
  };
  t.after(async () => {
    await state.node.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });
  const setup = await amqp.connect(state.node.url);
  const channel = await setup.createChannel();
  await channel.assertQueue("qos2-sink", { durable: true });
  await channel.bindQueue("qos2-sink", "amq.topic", bindingKey);
  await setup.close();
  return state;
}

/** An in-process broker on a fresh data directory, stopped and removed after the test; `path` is its QoS 2 log. */
async function brokerInProcess(t: TestContext): Promise<{ dataDir: string; broker: Awaited<ReturnType<typeof startMqttBroker>>; path: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "warren-mqtt-qos2-"));
  const broker = await startMqttBroker({ dataDir });
  t.after(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { dataDir, broker, path: join(dataDir, "mqtt", "inbound-qos2.log") };
}

async function drainQueue(url: string, queue: string): Promise<string[]> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const bodies: string[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return bodies;
      bodies.push(message.content.toString());
    }
  } finally {
    await connection.close();
  }
}

const cases = [
  { signal: "SIGKILL", level: 4 },
  { signal: "SIGTERM", level: 5 },
] as const;

for (const { signal, level } of cases) {
  test(`MQTT ${level}: a QoS 2 PUBLISH re-sent after ${signal} and restart is not routed again; the id then carries a new message`, async (t) => {
    const sink = await nodeWithSink(t, "exactly.once");
    const { mqttPort } = sink;

    const session = { level, clean: false, expirySeconds: level === 5 ? 600 : undefined };
    const { client: first } = await PacketClient.connect(mqttPort, "qos2-publisher", session);
    await first.publishQos2("exactly/once", 7, "first", false); // PUBREC: routed, on disk, id held
    await sink.node.kill(signal);
    first.raw.destroy();

    const node = await sink.restart();
    const { client: second, sessionPresent } = await PacketClient.connect(mqttPort, "qos2-publisher", session);
    await second.publishQos2("exactly/once", 7, "first", true); // the client did not see the PUBREC: it re-sends
    await second.release(7);
    await second.publishQos2("exactly/once", 7, "second", false); // after PUBCOMP the id is free for a new message
    await second.release(7);
    second.disconnect();
    // Routing happens before PUBREC: both messages, and any duplicate, are in the queue now.
    assert.deepEqual(await drainQueue(node.url, "qos2-sink"), ["first", "second"]);
    assert.equal(sessionPresent, true, "the session came back: it held a QoS 2 packet id");
  });
}

test("a released id stays released after a kill, and a clean start drops the held ids of a session only the disk remembers", async (t) => {
  const sink = await nodeWithSink(t, "ids.#");
  const { dataDir, mqttPort } = sink;

  const session = { level: 4, clean: false } as const;
  const { client: first } = await PacketClient.connect(mqttPort, "reuser", session);
  await first.publishQos2("ids/a", 1, "one", false);
  await first.release(1); // PUBCOMP: the release is on disk
  await first.publishQos2("ids/a", 2, "two", false); // held when the node dies
  await sink.node.kill("SIGKILL");
  first.raw.destroy();

  let node = await sink.restart();
  const { client: second } = await PacketClient.connect(mqttPort, "reuser", session);
  await second.publishQos2("ids/a", 1, "one again", false); // id 1 was released: a new message
  await second.release(1);
  second.disconnect();
  await second.raw.waitForClose();
  assert.deepEqual(await drainQueue(node.url, "qos2-sink"), ["one", "two", "one again"]);
  await node.kill("SIGKILL");

  node = await sink.restart();
  const { client: clean, sessionPresent } = await PacketClient.connect(mqttPort, "reuser", { level: 4, clean: true });
  assert.equal(sessionPresent, false);
  await clean.publishQos2("ids/a", 2, "two, new", false); // id 2 was held by the session the clean start ended
  await clean.release(2);
  clean.disconnect();
  assert.deepEqual(await drainQueue(node.url, "qos2-sink"), ["two, new"]);
  await node.kill("SIGKILL");
  assert.equal(liveIds(dataDir).size, 0, "nothing held on disk");
});

test("the log is compacted: many QoS 2 messages leave a file the size of the ids still held", async (t) => {
  const { dataDir, broker, path } = await brokerInProcess(t);
  const clientId = "compactor";
  const client = await connectClient(broker, { clientId, clean: false, protocolVersion: 4 });
  // HOLD and RELEASE records of one message take 48 bytes here: 10,000 messages write about 1.8 times the threshold.
  const messages = 10_000;
  let largestBytes = 0;
  for (let batch = 0; batch < messages / 500; batch++) {
    await Promise.all(Array.from({ length: 500 }, (_, index) => client.publishAsync("compact/me", `m${batch * 500 + index}`, { qos: 2 })));
    largestBytes = Math.max(largestBytes, statSync(path).size);
  }
  await endClient(client);
  const written = messages * 48;
  assert.ok(written > 1.5 * INBOUND_QOS2_COMPACT_BYTES_MIN, "the test writes enough to need compaction");
  assert.ok(largestBytes < INBOUND_QOS2_COMPACT_BYTES_MIN, `the log stayed bounded (largest ${largestBytes} bytes)`);
  assert.equal(liveIds(dataDir).size, 0, "every id was released");

  // One id held at the end is what the compacted file keeps, and it comes back.
  const { client: raw } = await PacketClient.connect(broker.port, clientId, { level: 4, clean: false });
  await raw.publishQos2("compact/me", 4242, "held", false);
  assert.deepEqual(liveIds(dataDir), new Map([[`/\u0000${clientId}`, [4242]]]));
  raw.raw.destroy();
});

test("a clean session leaves no record on disk; a persistent one does until PUBREL", async (t) => {
  const { dataDir, broker, path } = await brokerInProcess(t);
  const { client: clean } = await PacketClient.connect(broker.port, "clean-one", { level: 5, clean: true });
  await clean.publishQos2("clean/topic", 3, "gone with the session", false); // PUBREC, no PUBREL
  const { client: zeroExpiry } = await PacketClient.connect(broker.port, "resumable-zero", { level: 5, clean: false, expirySeconds: 0 });
  await zeroExpiry.publishQos2("clean/topic", 4, "expiry 0 ends with the connection", false);
  assert.equal(existsSync(path), false, "no file: clean sessions write nothing");

  const { client: persistent } = await PacketClient.connect(broker.port, "kept-one", { level: 5, clean: false, expirySeconds: 60 });
  await persistent.publishQos2("clean/topic", 5, "kept", false);
  assert.deepEqual(liveIds(dataDir), new Map([["/\u0000kept-one", [5]]]), "on disk before the PUBREC");
  await persistent.release(5);
  assert.equal(liveIds(dataDir).size, 0, "released on disk before the PUBCOMP");
  clean.raw.destroy();
  zeroExpiry.raw.destroy();
  persistent.raw.destroy();
});
