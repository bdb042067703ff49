/**
 * The load generator's two roles, each run in its own process so neither shares a core with
 * the other or with the broker:
 *
 *   node --import tsx benchmarks/mqtt/load-client.ts subscriber PORT QOS COUNT
 *   node --import tsx benchmarks/mqtt/load-client.ts publisher PORT QOS COUNT WINDOW
 *
 * Both speak MQTT 3.1.1 over a raw socket with Warren's own encoder and parser (a client
 * library would measure itself). The subscriber prints "ready" after its SUBACK, acknowledges
 * QoS 1 deliveries, and at the end prints {"received", "firstMs", "lastMs"}; the publisher
 * keeps at most WINDOW QoS 1 publishes unacknowledged and prints {"sent", "elapsedMs"}.
 */
import { connect, type Socket } from "node:net";
import { PacketParser } from "../../src/protocol/mqtt/packet-parser.js";
import { encodePublish } from "../../src/protocol/mqtt/packet-writer.js";

export const TOPIC = "bench/load/topic";
const PAYLOAD = Buffer.alloc(100, 0x78);
/** Publishes written per socket write: batching as a real high-rate client does. */
const BATCH_PACKETS = 128;
/** A subscriber that hears nothing this long has got everything it will get (QoS 0 may drop). */
const IDLE_END_MS = 3_000;

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from("MQTT"), Buffer.from([4, 0x02, 0, 60, id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

function open(port: number, onPacket: (type: number, body: Buffer) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once("error", reject);
    const parser = new PacketParser({ onPacket: (type, _flags, body) => onPacket(type, body) }, 1 << 20);
    socket.on("data", (chunk: Buffer) => parser.feed(chunk));
  });
}

async function subscriber(port: number, qos: 0 | 1, count: number): Promise<void> {
  let received = 0;
  let firstMs = 0;
  let lastMs = 0;
  let acks: Buffer[] = [];
  let socket: Socket | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    console.log(JSON.stringify({ received, firstMs, lastMs }));
    socket?.end(Buffer.from([0xe0, 0]));
    process.exit(0);
  };
  socket = await open(port, (type, body) => {
    if (type === 2) socket?.write(Buffer.concat([Buffer.from([0x82, 2 + 2 + TOPIC.length + 1, 0, 1, 0, TOPIC.length]), Buffer.from(TOPIC), Buffer.from([qos])]));
    else if (type === 9) console.log("ready");
    else if (type === 3) {
      const now = performance.now();
      if (received === 0) firstMs = now;
      lastMs = now;
      received++;
      const topicLength = body.readUInt16BE(0);
      if (qos === 1) acks.push(Buffer.from([0x40, 2, body[2 + topicLength], body[3 + topicLength]]));
      if (received === count) finish();
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, IDLE_END_MS);
    }
  });
  // Acks leave once per chunk of input, as a client's event loop would send them.
  socket.on("data", () => {
    if (acks.length === 0) return;
    socket?.write(Buffer.concat(acks));
    acks = [];
  });
  socket.write(connectPacket(`bench-sub-${process.pid}`));
}

async function publisher(port: number, qos: 0 | 1, count: number, window: number): Promise<void> {
  let sent = 0;
  let acked = 0;
  let startedMs = 0;
  let socket: Socket | undefined;
  const topic = Buffer.from(TOPIC);
  const done = (): void => {
    console.log(JSON.stringify({ sent, elapsedMs: performance.now() - startedMs }));
    socket?.end(Buffer.from([0xe0, 0]));
    setTimeout(() => process.exit(0), 100);
  };
  const pump = (): void => {
    while (sent < count && (qos === 0 || sent - acked < window)) {
      const batch: Buffer[] = [];
      const limit = qos === 0 ? count : Math.min(count, acked + window);
      while (batch.length < BATCH_PACKETS && sent < limit) {
        sent++;
        batch.push(encodePublish(topic, PAYLOAD, qos, false, false, ((sent - 1) % 65_535) + 1, undefined));
      }
      if (!(socket as Socket).write(Buffer.concat(batch))) {
        (socket as Socket).once("drain", pump);
        return;
      }
    }
    if (qos === 0 && sent === count) done();
  };
  socket = await open(port, (type) => {
    if (type === 2) {
      startedMs = performance.now();
      pump();
    } else if (type === 4) {
      acked++;
      if (acked === count) done();
      else if (sent - acked === window - BATCH_PACKETS || sent - acked < BATCH_PACKETS) pump();
    }
  });
  socket.write(connectPacket(`bench-pub-${process.pid}`));
}

const [role, portText, qosText, countText, windowText] = process.argv.slice(2);
const qos = Number(qosText) as 0 | 1;
if (role === "subscriber") await subscriber(Number(portText), qos, Number(countText));
else if (role === "publisher") await publisher(Number(portText), qos, Number(countText), Number(windowText ?? 1000));
else throw new Error("usage: load-client.ts subscriber|publisher PORT QOS COUNT [WINDOW]");
