/**
 * A consumer role: counts deliveries, computes end-to-end latency from the producer's stamp, and
 * acks. Everything that arrives in one socket chunk shares one clock reading and one ack write:
 * those messages did arrive together, and one write per chunk keeps syscalls off the hot path.
 */
import { AmqpConnection } from "./client/connection.js";
import { TIMESTAMP_BYTES } from "./client/publisher.js";
import { FRAME_END, FRAME_METHOD, M } from "./client/wire.js";
import { emptyResult, type ConsumerSpec, type PreparedRole, type RoleResult, type RunWindow } from "./roles.js";
import { LatencyHistogram, monotonicNowUs, sleepUntil, Timeline } from "./stats.js";

/** basic.ack: 7-byte frame header, class+method (4), delivery-tag (8), multiple (1), frame-end. */
const ACK_FRAME_BYTES = 21;
/** Acks held before a write even within one chunk; a 64 KB chunk of 100-byte deliveries is ~500. */
const ACK_BUFFER_FRAMES = 256;

export async function prepareConsumer(spec: ConsumerSpec): Promise<PreparedRole> {
  const connection = await AmqpConnection.connect({ uri: spec.uri, connectionName: `warren-perf consumer ${spec.index}` });
  const channel = await connection.openChannel();
  if (!spec.autoAck && spec.prefetch > 0) await channel.qos(spec.prefetch);

  const ackTemplate = Buffer.alloc(ACK_FRAME_BYTES);
  ackTemplate.writeUInt8(FRAME_METHOD, 0);
  ackTemplate.writeUInt16BE(channel.id, 1);
  ackTemplate.writeUInt32BE(13, 3);
  ackTemplate.writeUInt32BE(M.basicAck, 7);
  ackTemplate.writeUInt8(FRAME_END, 20);
  const ackEvery = Math.max(1, spec.multiAckEvery);
  const multiple = ackEvery > 1 ? 1 : 0;

  let window: RunWindow | null = null;
  let chunkNowUs = 0;
  let received = 0;
  let receivedRecorded = 0;
  let unacked = 0;
  let lastTag = 0;
  let acks = Buffer.allocUnsafe(ACK_FRAME_BYTES * ACK_BUFFER_FRAMES);
  let acksBytes = 0;
  let finish: (() => void) | null = null;
  const histogram = new LatencyHistogram();
  let timeline: Timeline | null = null;
  const result = emptyResult(spec);

  const flushAcks = (): void => {
    if (acksBytes === 0) return;
    connection.write(acks.subarray(0, acksBytes));
    acks = Buffer.allocUnsafe(acks.length); // the socket owns the old one until it is sent
    acksBytes = 0;
  };
  const queueAck = (tag: number, multipleBit: number): void => {
    if (acksBytes === acks.length) flushAcks();
    ackTemplate.copy(acks, acksBytes);
    acks.writeUInt32BE(Math.floor(tag / 4_294_967_296), acksBytes + 11);
    acks.writeUInt32BE(tag >>> 0, acksBytes + 15);
    acks[acksBytes + 19] = multipleBit;
    acksBytes += ACK_FRAME_BYTES;
  };

  connection.beforeChunk = () => { chunkNowUs = monotonicNowUs(); };
  connection.afterChunk = () => {
    flushAcks();
    if (timeline !== null && received > receivedRecorded) {
      timeline.add(received - receivedRecorded, chunkNowUs);
      receivedRecorded = received;
      result.lastActivityUs = chunkNowUs;
    }
    if (countReached()) finish?.();
  };
  const countReached = (): boolean => spec.messageCountMax > 0 && received >= spec.messageCountMax;
  channel.onDelivery = (tag, buffer, bodyStart, bodyFrameBytes) => {
    // Past its count a consumer neither counts nor acks: closing the channel requeues those
    // deliveries for the other consumers, so N consumers × --cmessages M drain exactly N × M.
    if (countReached()) return;
    received++;
    if (received === 1) result.firstActivityUs = chunkNowUs;
    if (window !== null && bodyFrameBytes >= TIMESTAMP_BYTES && chunkNowUs >= window.warmupEndUs) {
      histogram.record(chunkNowUs - buffer.readDoubleLE(bodyStart));
    }
    if (spec.autoAck) return;
    lastTag = tag;
    if (++unacked >= ackEvery) { queueAck(tag, multiple); unacked = 0; }
  };
  channel.onCancel = () => { connection.fail(new Error("the broker cancelled the consumer")); finish?.(); };

  async function run(runWindow: RunWindow): Promise<RoleResult> {
    window = runWindow;
    timeline = new Timeline(runWindow.startUs);
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const endTimer = setTimeout(() => finish?.(), Math.max(0, (runWindow.endUs - monotonicNowUs()) / 1000));
    void connection.closed.then(() => finish?.());
    // Consume only when the window opens, so a backlog (scenario S5) is drained inside it.
    await sleepUntil(runWindow.startUs);
    try {
      await channel.consume(spec.queue, spec.autoAck);
      await done;
    } catch (error) {
      result.error = (error as Error).message;
    }
    clearTimeout(endTimer);
    // Settle what is left so a count-bound run leaves the queue empty.
    if (!spec.autoAck && unacked > 0) { queueAck(lastTag, 1); flushAcks(); }
    if (countReached()) await channel.close().catch(() => undefined);
    if (received > receivedRecorded) timeline.add(received - receivedRecorded, monotonicNowUs());
    result.received = received;
    result.receivedPerSecond = timeline.counts;
    result.latencyCounts = Array.from(histogram.counts);
    if (result.error === null && connection.error !== null && !countReached()) {
      result.error = connection.error.message;
    }
    return result;
  }

  return { run, close: () => connection.close() };
}
