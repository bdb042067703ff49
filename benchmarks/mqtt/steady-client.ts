/**
 * The two roles of the steady-state QoS 1 benchmark (steady.ts), each its own process:
 *
 *   node --import tsx benchmarks/mqtt/steady-client.ts subscriber PORT START_MS WARMUP_MS MEASURE_MS
 *   node --import tsx benchmarks/mqtt/steady-client.ts publisher  PORT START_MS WARMUP_MS MEASURE_MS WINDOW
 *
 * MQTT 3.1.1 over a raw socket with Warren's own encoder and parser, 100-byte payloads that
 * carry their send time (wall clock, shared by the processes of one machine). The publisher
 * keeps at most WINDOW QoS 1 publishes unacknowledged and publishes as fast as the broker
 * acknowledges; the subscriber acknowledges every delivery (once per socket read, as a client's
 * event loop does). Both count only what happens inside the same measuring window
 * [START + WARMUP, START + WARMUP + MEASURE], so the two rates are comparable: in a steady state
 * they match; a publisher faster than its subscriber is a backlog growing.
 */
import { connect, type Socket } from "node:net";
import { PacketParser } from "../../src/protocol/mqtt/packet-parser.js";
import { encodePublish } from "../../src/protocol/mqtt/packet-writer.js";

const TOPIC = "bench/steady";
const PAYLOAD_BYTES = 100;
const BATCH_PACKETS = 64;

const now = (): number => performance.timeOrigin + performance.now();

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

async function subscriber(port: number, windowStartMs: number, windowEndMs: number): Promise<void> {
  const latenciesMs: number[] = [];
  let received = 0;
  let receivedAfter = 0;
  let acks: Buffer[] = [];
  let socket: Socket | undefined;
  const finish = (): void => {
    latenciesMs.sort((a, b) => a - b);
    const at = (fraction: number): number => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * fraction))] ?? 0;
    console.log(JSON.stringify({ received, receivedAfter, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latenciesMs[latenciesMs.length - 1] ?? 0 }));
    socket?.end(Buffer.from([0xe0, 0]));
    setTimeout(() => process.exit(0), 100);
  };
  socket = await open(port, (type, body) => {
    if (type === 2) {
      socket?.write(Buffer.concat([Buffer.from([0x82, 2 + 2 + TOPIC.length + 1, 0, 1, 0, TOPIC.length]), Buffer.from(TOPIC), Buffer.from([1])]));
    } else if (type === 9) {
      console.log("ready");
    } else if (type === 3) {
      const topicLength = body.readUInt16BE(0);
      const payloadOffset = 2 + topicLength + 2;
      const sentAtMs = body.readDoubleBE(payloadOffset);
      const receivedAtMs = now();
      if (receivedAtMs >= windowStartMs && receivedAtMs < windowEndMs) {
        received++;
        latenciesMs.push(receivedAtMs - sentAtMs);
      } else if (receivedAtMs >= windowEndMs) {
        receivedAfter++;
      }
      acks.push(Buffer.from([0x40, 2, body[2 + topicLength], body[3 + topicLength]]));
    }
  });
  socket.on("data", () => {
    if (acks.length === 0) return;
    socket?.write(Buffer.concat(acks));
    acks = [];
  });
  socket.write(connectPacket(`steady-sub-${process.pid}`));
  setTimeout(finish, windowEndMs - now());
}

async function publisher(port: number, windowStartMs: number, windowEndMs: number, window: number): Promise<void> {
  let sent = 0;
  let sentInWindow = 0;
  let acked = 0;
  let stopped = false;
  let socket: Socket | undefined;
  const topic = Buffer.from(TOPIC);
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x78);
  const pump = (): void => {
    while (!stopped && sent - acked < window) {
      const batch: Buffer[] = [];
      while (batch.length < BATCH_PACKETS && sent - acked < window) {
        const sentAtMs = now();
        payload.writeDoubleBE(sentAtMs, 0);
        sent++;
        if (sentAtMs >= windowStartMs && sentAtMs < windowEndMs) sentInWindow++;
        batch.push(encodePublish(topic, payload, 1, false, false, ((sent - 1) % 65_535) + 1, undefined));
      }
      if (!(socket as Socket).write(Buffer.concat(batch))) {
        (socket as Socket).once("drain", pump);
        return;
      }
    }
  };
  socket = await open(port, (type) => {
    if (type === 2) pump();
    else if (type === 4) {
      acked++;
      if (sent - acked <= window - BATCH_PACKETS) pump();
    }
  });
  socket.write(connectPacket(`steady-pub-${process.pid}`));
  setTimeout(() => {
    stopped = true;
    console.log(JSON.stringify({ sent, sentInWindow, acked }));
    socket?.end(Buffer.from([0xe0, 0]));
    setTimeout(() => process.exit(0), 100);
  }, windowEndMs - now());
}

const [role, portText, startText, warmupText, measureText, windowText] = process.argv.slice(2);
const windowStartMs = Number(startText) + Number(warmupText);
const windowEndMs = windowStartMs + Number(measureText);
if (role === "subscriber") await subscriber(Number(portText), windowStartMs, windowEndMs);
else if (role === "publisher") await publisher(Number(portText), windowStartMs, windowEndMs, Number(windowText ?? 1000));
else throw new Error("usage: steady-client.ts subscriber|publisher PORT START_MS WARMUP_MS MEASURE_MS [WINDOW]");
