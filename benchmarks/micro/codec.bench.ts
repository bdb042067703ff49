/**
 * Micro-benchmarks of the AMQP 0-9-1 codec's hot paths: parsing a publish
 * (method + content header + body frames) and writing a delivery; and the whole
 * message path through two real connections on stand-in sockets (publish, route,
 * enqueue, deliver, ack), per message.
 * Run: node --import tsx benchmarks/micro/codec.bench.ts [--quick] [name filter]
 *
 * Prints operations per second (median of five half-second rounds after a
 * warm-up) and bytes allocated per operation. Allocation is measured in a child
 * process started with --expose-gc and a young generation large enough that no
 * collection runs during the measured batch: heap growth plus ArrayBuffer growth
 * over the batch, divided by its size. The figures compare cases on one machine
 * in one run; absolute numbers on shared machines are not stable. Nothing is asserted.
 */
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Broker } from "../../src/broker/broker.js";
import { defaultConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/io/logger.js";
import { systemIo } from "../../src/io/io.js";
import { AmqpConnection } from "../../src/protocol/amqp091/connection.js";
import { BASIC_CLASS_ID, contentHeaderBodySize, decodeContentHeader, encodeContentHeader } from "../../src/message/properties.generated.js";
import { FrameParser, PROTOCOL_HEADER } from "../../src/protocol/amqp091/frame-parser.js";
import { basicAckFrame, deliverFrames, deliverFramesSizeBytes, methodFrame, writeDeliver } from "../../src/protocol/amqp091/frame-writer.js";
import { decodeMethod } from "../../src/protocol/amqp091/methods.generated.js";

const CHILD_MARKER = "WARREN_CODEC_BENCH_CHILD";

if (process.env[CHILD_MARKER] === undefined) {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", "--max-semi-space-size=64", "--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit", env: { ...process.env, [CHILD_MARKER]: "1" } },
  );
  process.exit(child.status ?? 1);
}

const quick = process.argv.includes("--quick");
const roundMs = quick ? 200 : 500;
const rounds = quick ? 1 : 5;
const filter = process.argv.slice(2).find((argument) => !argument.startsWith("--")) ?? "";
const collectGarbage = (globalThis as { gc?: () => void }).gc;

const FRAME_SIZE_MAX = 131_072;

/**
 * What each step returns is kept until the batch ends, so a collection that large
 * Buffers trigger mid-batch cannot hide them (a few bytes per step for the array).
 */
function allocatedOver(step: () => unknown, batch: number): number {
  const kept: unknown[] = new Array(batch);
  (collectGarbage as () => void)();
  const before = process.memoryUsage();
  for (let operation = 0; operation < batch; operation++) kept[operation] = step();
  const after = process.memoryUsage();
  kept.length = 0;
  return (after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers)) / batch;
}

/** A trial of ten operations sizes the batch to stay under a few megabytes. */
function bytesAllocatedPerOperation(step: () => unknown): number {
  if (collectGarbage === undefined) return Number.NaN;
  const trial = Math.max(1, allocatedOver(step, 10));
  const batch = Math.max(10, Math.min(2_000, Math.floor(4_000_000 / trial)));
  return allocatedOver(step, batch);
}

function measure(name: string, step: () => unknown): void {
  if (!name.includes(filter)) return;
  for (let warm = 0; warm < 20_000; warm++) step();
  const perSecondByRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let operations = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let batch = 0; batch < 1_000; batch++) step();
      operations += 1_000;
      elapsed = performance.now() - started;
    }
    perSecondByRound.push((operations / elapsed) * 1_000);
  }
  const perSecond = perSecondByRound.sort((left, right) => left - right)[Math.floor(rounds / 2)];
  const allocated = bytesAllocatedPerOperation(step);
  console.log(`${name.padEnd(60)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} ops/s ${Math.round(allocated).toLocaleString("en-US").padStart(8)} B/op`);
}

function publishFrames(bodySizeBytes: number): Buffer {
  const header = encodeContentHeader(BASIC_CLASS_ID, bodySizeBytes, { contentType: "application/json", deliveryMode: 2 });
  const method = methodFrame(1, { method: "basic.publish", exchange: "amq.topic", routingKey: "orders.eu.created" });
  const headerFrame = Buffer.concat([Buffer.from([2, 0, 1, 0, 0, 0, 0]), header, Buffer.from([0xce])]);
  headerFrame.writeUInt32BE(header.length, 3);
  const body = Buffer.concat([Buffer.from([3, 0, 1, 0, 0, 0, 0]), Buffer.alloc(bodySizeBytes, 0x61), Buffer.from([0xce])]);
  body.writeUInt32BE(bodySizeBytes, 3);
  return Buffer.concat([method, headerFrame, body]);
}

/** What a connection does per frame on the publish path: decode the method, read the body size. */
function publishParser(): FrameParser {
  let bodyBytes = 0;
  const parser = new FrameParser(
    {
      onProtocolHeader: () => {},
      onFrame: (type, _channel, data, start, end) => {
        if (type === 1) decodeMethod(data.subarray(start, end));
        else if (type === 2) bodyBytes = contentHeaderBodySize(data.subarray(start, end));
        else bodyBytes -= end - start;
      },
    },
    FRAME_SIZE_MAX,
  );
  parser.push(PROTOCOL_HEADER);
  return parser;
}

for (const bodySizeBytes of [64, 1_024, 65_536]) {
  const message = publishFrames(bodySizeBytes);
  const parser = publishParser();
  measure(`parse publish+header+body (${bodySizeBytes} B body), one per chunk`, () => parser.push(message));
  const splitParser = publishParser();
  const half = Math.floor(message.length / 2);
  const [first, second] = [message.subarray(0, half), message.subarray(half)];
  measure(`parse publish+header+body (${bodySizeBytes} B body), split in two`, () => {
    splitParser.push(first);
    splitParser.push(second);
  });
}

const batchOfSmall = Buffer.concat(Array.from({ length: 64 }, () => publishFrames(64)));
const batchParser = publishParser();
let batchStep = 0;
measure("parse publish+header+body (64 B body), 64 per chunk (per message)", () => {
  if (batchStep++ % 64 === 0) batchParser.push(batchOfSmall);
});

for (const bodySizeBytes of [64, 1_024, 65_536, 300_000]) {
  const header = encodeContentHeader(BASIC_CLASS_ID, bodySizeBytes, { contentType: "application/json", deliveryMode: 2 });
  const body = Buffer.alloc(bodySizeBytes, 0x61);
  let deliveryTag = 0;
  measure(`deliverFrames (${bodySizeBytes} B body)`, () => {
    deliveryTag += 1;
    return deliverFrames(1, "amq.ctag-benchmark", deliveryTag, false, "amq.topic", "orders.eu.created", header, body, FRAME_SIZE_MAX);
  });
}

let ackTag = 0;
measure("basicAckFrame", () => basicAckFrame(1, ++ackTag, false));
measure("methodFrame basic.ack", () => methodFrame(1, { method: "basic.ack", deliveryTag: ++ackTag, multiple: false }));

const richHeader = encodeContentHeader(BASIC_CLASS_ID, 100, {
  contentType: "application/json",
  headers: new Map([["x-tenant", { type: "S", value: Buffer.from("acme") }], ["x-retries", { type: "I", value: 2 }]]),
  deliveryMode: 2,
  priority: 4,
  messageId: "9f2c6f7e-61e4-4a8b-8d0b-3c1e6f0c2a11",
  timestamp: 1_700_000_000,
});
measure("decodeContentHeader (6 properties, 2 headers)", () => decodeContentHeader(richHeader));

{
  // writeDeliver, as a channel calls it: into the connection's output buffer, names pre-encoded.
  const header = encodeContentHeader(BASIC_CLASS_ID, 100, {});
  const body = Buffer.alloc(100, 0x61);
  const [tag, exchange, routingKey] = ["amq.ctag-benchmark", "", "orders.eu.created"].map((text) => Buffer.from(text));
  const size = deliverFramesSizeBytes(tag.length, exchange.length, routingKey.length, header.length, body.length, FRAME_SIZE_MAX);
  const output = Buffer.allocUnsafe(size * 64);
  let deliveryTag = 0;
  measure("writeDeliver into an output buffer (100 B body)", () => {
    deliveryTag += 1;
    return writeDeliver(output, (deliveryTag % 64) * size, 1, tag, deliveryTag, false, exchange, routingKey, header, body, FRAME_SIZE_MAX);
  });
}

/** Stands in for a client's socket: takes writes, counts their bytes. */
class BenchSocket extends EventEmitter {
  destroyed = false;
  writableLength = 0;
  remoteAddress = "127.0.0.1";
  remotePort = 40_000;
  written = 0;
  setNoDelay(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  write(chunk: Buffer): boolean {
    this.written += chunk.length;
    return true;
  }
}

/** A client's frames, encoded with the generated codec (it encodes client methods too). */
const clientFrame = (channel: number, method: Parameters<typeof methodFrame>[1]): Buffer => methodFrame(channel, method);

/** A connection on a BenchSocket, past the handshake, with channel 1 open. */
function openConnection(broker: Broker): { connection: AmqpConnection; socket: BenchSocket; feed: (bytes: Buffer) => void } {
  const socket = new BenchSocket();
  const connection = new AmqpConnection(broker, socket as unknown as Socket);
  const feed = (bytes: Buffer): void => {
    socket.emit("data", bytes);
    connection.flushOutput(); // the end of the turn, which a real event loop would reach on its own
  };
  feed(PROTOCOL_HEADER);
  feed(clientFrame(0, { method: "connection.start-ok", clientProperties: new Map(), mechanism: "PLAIN", response: Buffer.from("\0guest\0guest"), locale: "en_US" }));
  feed(clientFrame(0, { method: "connection.tune-ok", channelMax: 2_047, frameMax: FRAME_SIZE_MAX, heartbeat: 0 }));
  feed(clientFrame(0, { method: "connection.open", virtualHost: "/" }));
  feed(clientFrame(1, { method: "channel.open" }));
  return { connection, socket, feed };
}

{
  // S1's shape: 100 B transient messages through the default exchange to a consumer with
  // prefetch 1000 that acks every 64th delivery with multiple=true; 64 publishes per socket read.
  const config = { ...defaultConfig(), nodeName: "warren@bench", loopbackUsers: [] };
  const broker = new Broker(config, createLogger({ level: "silent" }), systemIo());
  const consumer = openConnection(broker);
  consumer.feed(clientFrame(1, { method: "queue.declare", queue: "bench", arguments: new Map() }));
  consumer.feed(clientFrame(1, { method: "basic.qos", prefetchCount: 1_000 }));
  consumer.feed(clientFrame(1, { method: "basic.consume", queue: "bench", consumerTag: "c", arguments: new Map() }));
  const publisher = openConnection(broker);
  const perRead = 64;
  const header = encodeContentHeader(BASIC_CLASS_ID, 100, {});
  const one = Buffer.concat([
    clientFrame(1, { method: "basic.publish", exchange: "", routingKey: "bench" }),
    Buffer.concat([Buffer.from([2, 0, 1, 0, 0, 0, header.length]), header, Buffer.from([0xce])]),
    Buffer.concat([Buffer.from([3, 0, 1, 0, 0, 0, 100]), Buffer.alloc(100, 0x61), Buffer.from([0xce])]),
  ]);
  const chunk = Buffer.concat(Array.from({ length: perRead }, () => one));
  let published = 0;
  measure(`publish → route → enqueue → deliver → ack, ${perRead} per read (per message)`, () => {
    if (published % perRead === 0) {
      publisher.feed(chunk);
      // Both sides flush at the end of the turn; the consumer acks what it got with one frame.
      consumer.connection.flushOutput();
      consumer.feed(basicAckFrame(1, published + perRead, true));
    }
    published += 1;
  });
  // A benchmark of a broken path would be worse than none: everything published was delivered and acked.
  const queue = broker.vhosts.get("/")?.queues.get("bench");
  if (published > 0 && (queue === undefined || queue.readyCount > perRead || queue.unackedCount > perRead)) {
    throw new Error(`pipeline benchmark: ${queue?.readyCount} ready and ${queue?.unackedCount} unacked after ${published} publishes`);
  }
}
