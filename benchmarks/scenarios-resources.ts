/**
 * Scenarios about what a broker holds rather than how fast it moves messages: idle connections
 * (S6) and many queues (S8). Memory per item is the growth of the broker's resident set (VmRSS)
 * across a step, after a pause for it to settle, divided by the number of items; compare.ts
 * starts a fresh broker for every round of these two.
 */
import { AmqpConnection } from "./perf/client/connection.js";
import { ConfirmTracker, PublishTemplate } from "./perf/client/publisher.js";
import { readMemory } from "./procfs.js";
import { delay } from "./rabbitmq.js";
import type { Figures } from "./scenarios.js";
import type { Target } from "./targets.js";

/** Connections opened at once: enough to be quick, few enough not to look like a connection storm. */
const CONNECT_CONCURRENCY = 50;
/** Time for the broker's allocator and garbage collector to settle before RSS is read. */
const SETTLE_MS = 2_000;
/**
 * How long S6 leaves idle connections alone before reading RSS again. Opening a connection
 * leaves garbage behind, and a garbage-collected broker holds on to the memory it came in until
 * its collector notices the quiet: V8's memory reducer runs 8–25 s after allocation stops
 * (measured: Warren's RSS fell from 109 to 81 MB 16 s after 500 connections opened, while
 * RabbitMQ's fell from 179 to 165 MB within 12 s). Read after 2 s, the figure was mostly where
 * each collector happened to be: the same broker gave 9, 17 and 32 kB per connection in
 * successive steps of 250. Idle connections are what S6 is about, so it reads the idle state.
 */
const IDLE_SETTLE_MS = 30_000;
/** Readings of RSS (a second apart) after IDLE_SETTLE_MS; their median is the idle figure. */
const IDLE_READINGS = 5;

/**
 * S6: `count` idle connections with a channel each. Memory per connection is the slope of RSS
 * between the first half and all of them, so one-time costs that the first connections bring
 * (heap growth, compiled code, allocator arenas) are not charged to each. Both readings are
 * taken once the broker is idle (IDLE_SETTLE_MS).
 */
export async function idleConnections(target: Target, count: number): Promise<Figures> {
  const connections: AmqpConnection[] = [];
  const half = Math.floor(count / 2);
  let openSeconds = 0;
  const open = async (from: number, to: number): Promise<void> => {
    const startedMs = performance.now();
    for (let opened = from; opened < to; opened += CONNECT_CONCURRENCY) {
      const wave = Math.min(CONNECT_CONCURRENCY, to - opened);
      await Promise.all(Array.from({ length: wave }, async (_, i) => {
        const connection = await AmqpConnection.connect({ uri: target.url, connectionName: `warren-bench idle ${opened + i}` });
        connections.push(connection);
        await connection.openChannel();
      }));
    }
    openSeconds += (performance.now() - startedMs) / 1000;
  };
  try {
    await open(0, half);
    const rssHalfBytes = await idleRss(target.pid);
    await open(half, count);
    const rssAllBytes = await idleRss(target.pid);
    return { kbPerConnection: (rssAllBytes - rssHalfBytes) / 1024 / (count - half), connectionsPerSecond: count / openSeconds, messages: 0 };
  } finally {
    for (let closed = 0; closed < connections.length; closed += CONNECT_CONCURRENCY) {
      await Promise.all(connections.slice(closed, closed + CONNECT_CONCURRENCY).map((c) => c.close()));
    }
  }
}

/** RSS once the broker has been left alone for IDLE_SETTLE_MS: the median of a few readings a second apart. */
async function idleRss(pid: number): Promise<number> {
  await delay(IDLE_SETTLE_MS);
  const readings: number[] = [];
  for (let i = 0; i < IDLE_READINGS; i++) {
    if (i > 0) await delay(1000);
    readings.push(readMemory(pid).rssBytes);
  }
  readings.sort((a, b) => a - b);
  return readings[Math.floor(readings.length / 2)];
}

/** Unconfirmed publishes the S8 producer allows, as S2's confirm window. */
const S8_CONFIRM_WINDOW = 1000;
/** Bytes of each S8 message. */
const S8_BODY_BYTES = 100;

/**
 * S8: `count` non-durable queues, each with its own consumer, and one producer spreading
 * messages over all of them through the default exchange (queue i gets messages i, i + count, ...).
 *
 * 1. Declares: no-wait, pipelined on one channel, then one ordinary declare as a fence (a
 *    channel's methods are handled in order, so its declare-ok means every earlier one is done).
 * 2. One no-ack consumer per queue, pipelined on the same channel; RSS growth over steps 1–2
 *    divided by `count` is the memory per queue (with its consumer).
 * 3. Publishes for `seconds` with confirms (window 1000, so neither broker can buffer without
 *    bound); throughput is deliveries per second over all queues.
 * 4. Deletes the queues the same way as it declared them.
 */
export async function manyQueues(target: Target, count: number, seconds: number): Promise<Figures> {
  const consuming = await AmqpConnection.connect({ uri: target.url, connectionName: "warren-bench queues" });
  const producing = await AmqpConnection.connect({ uri: target.url, connectionName: "warren-bench queues producer" });
  // Every name has the same length, so one publish template serves all queues with its routing key patched.
  const digits = String(count).length;
  const names = Array.from({ length: count }, (_, i) => `warren-bench-q-${process.pid}-${String(i).padStart(digits, "0")}`);
  const fence = `warren-bench-q-${process.pid}-fence`;
  try {
    const channel = await consuming.openChannel();
    await delay(SETTLE_MS);
    const rssBeforeBytes = readMemory(target.pid).rssBytes;
    let startedMs = performance.now();
    for (const name of names) if (!channel.declareQueueNoWait(name, false)) await consuming.drained();
    await channel.declareQueue(fence);
    const declareSeconds = (performance.now() - startedMs) / 1000;
    let received = 0;
    channel.onDelivery = () => { received++; };
    await Promise.all(names.map((name) => channel.consume(name, true)));
    await delay(SETTLE_MS);
    const rssAfterBytes = readMemory(target.pid).rssBytes;

    const delivered = await spreadPublishes(producing, names, seconds, () => received);

    startedMs = performance.now();
    for (const name of names) if (!channel.deleteQueueNoWait(name)) await consuming.drained();
    await channel.deleteQueue(fence);
    const deleteSeconds = (performance.now() - startedMs) / 1000;
    return {
      declaredPerSecond: count / declareSeconds,
      kbPerQueue: (rssAfterBytes - rssBeforeBytes) / 1024 / count,
      deliveredPerSecond: delivered / seconds,
      deletedPerSecond: count / deleteSeconds,
      messages: delivered,
    };
  } finally {
    await producing.close();
    await consuming.close();
  }
}

/** Publishes round-robin over `names` for `seconds`; returns how many deliveries `received` counted meanwhile. */
async function spreadPublishes(connection: AmqpConnection, names: string[], seconds: number, received: () => number): Promise<number> {
  const channel = await connection.openChannel();
  let wake: (() => void) | null = null;
  const tracker = new ConfirmTracker(channel, () => { wake?.(); wake = null; });
  await tracker.enable();
  const template = new PublishTemplate(channel.id, { exchange: "", routingKey: names[0], bodySizeBytes: S8_BODY_BYTES, persistent: false }, connection.frameSizeBytesMax);
  const keys = names.map((name) => Buffer.from(name, "latin1"));
  let published = 0;
  const receivedBefore = received();
  const endMs = performance.now() + seconds * 1000;
  while (performance.now() < endMs) {
    if (channel.error !== null) throw channel.error;
    const room = Math.min(template.batchMessages, S8_CONFIRM_WINDOW - (published - tracker.confirmed));
    if (room <= 0) {
      await Promise.race([new Promise<void>((resolve) => { wake = resolve; }), delay(100)]);
      continue;
    }
    const batch = template.encode(room, 0);
    for (let i = 0; i < room; i++) {
      keys[(published + i) % keys.length].copy(batch, i * template.messageBytes + ROUTING_KEY_OFFSET);
    }
    published += room;
    if (!connection.write(batch)) await connection.drained();
  }
  const delivered = received() - receivedBefore;
  // Let the window settle before the queues go, so no confirm is left waiting on a deleted queue.
  const settleUntil = performance.now() + 5_000;
  while (tracker.confirmed < published && performance.now() < settleUntil) await delay(10);
  if (tracker.nacked > 0) throw new Error(`${tracker.nacked} publishes were nacked`);
  return delivered;
}

/** basic.publish's routing key in its frame: frame header (7), class and method (4), reserved short (2), exchange "" (1), key length (1). */
const ROUTING_KEY_OFFSET = 7 + 4 + 2 + 1 + 1;
