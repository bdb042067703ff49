/**
 * Warren's MQTT parser against mqtt-packet (MQTT.js's parser, installed with the `mqtt` dev
 * dependency), on the broker's hot input: 100-byte QoS 0 and QoS 1 PUBLISH packets arriving
 * in 64 KiB socket chunks. Both decode topic, packet id and payload. Prints packets per second
 * and bytes allocated per packet.
 *
 *   node --import tsx benchmarks/mqtt/parser.ts
 */
import mqttPacket from "mqtt-packet";
import { PacketParser } from "../../src/protocol/mqtt/packet-parser.js";
import { decodePublish } from "../../src/protocol/mqtt/packets.js";
import { encodePublish } from "../../src/protocol/mqtt/packet-writer.js";

const PACKET_COUNT = 200_000;
const CHUNK_BYTES = 65_536;
const ROUNDS = 5;

function stream(qos: 0 | 1): Buffer[] {
  const payload = Buffer.alloc(100, 0x61);
  const topic = Buffer.from("bench/sensors/temperature");
  const packets: Buffer[] = [];
  for (let index = 0; index < PACKET_COUNT; index++) packets.push(encodePublish(topic, payload, qos, false, false, (index % 65_535) + 1, undefined));
  const all = Buffer.concat(packets);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < all.length; offset += CHUNK_BYTES) chunks.push(all.subarray(offset, offset + CHUNK_BYTES));
  return chunks;
}

function warren(chunks: Buffer[]): number {
  let count = 0;
  let payloadBytes = 0;
  const parser = new PacketParser({
    onPacket(_type, flags, body) {
      const packet = decodePublish(flags, body, 4);
      payloadBytes += packet.payload.length + packet.topic.length;
      count++;
    },
  }, 1 << 20);
  for (const chunk of chunks) parser.feed(chunk);
  return count + (payloadBytes > 0 ? 0 : 1);
}

function reference(chunks: Buffer[]): number {
  let count = 0;
  let payloadBytes = 0;
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", (packet: mqttPacket.Packet) => {
    const publish = packet as mqttPacket.IPublishPacket;
    payloadBytes += (publish.payload as Buffer).length + publish.topic.length;
    count++;
  });
  for (const chunk of chunks) parser.parse(chunk);
  return count + (payloadBytes > 0 ? 0 : 1);
}

function measure(name: string, run: (chunks: Buffer[]) => number, chunks: Buffer[]): number {
  run(chunks); // warm-up
  let best = 0;
  let allocatedPerPacket = 0;
  for (let round = 0; round < ROUNDS; round++) {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = process.hrtime.bigint();
    const count = run(chunks);
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    allocatedPerPacket = Math.max(0, (process.memoryUsage().heapUsed - heapBefore) / count);
    best = Math.max(best, count / elapsedSeconds);
  }
  console.log(`${name.padEnd(28)} ${Math.round(best).toLocaleString("en-US").padStart(12)} packets/s  ~${Math.round(allocatedPerPacket)} heap bytes/packet`);
  return best;
}

for (const qos of [0, 1] as const) {
  const chunks = stream(qos);
  console.log(`PUBLISH QoS ${qos}, 100-byte payload, ${PACKET_COUNT} packets in ${chunks.length} chunks of ${CHUNK_BYTES} bytes`);
  const ours = measure("warren PacketParser", warren, chunks);
  const theirs = measure("mqtt-packet parser", reference, chunks);
  console.log(`ratio warren / mqtt-packet: ${(ours / theirs).toFixed(2)}\n`);
}
