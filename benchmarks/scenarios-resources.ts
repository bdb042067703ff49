/**
 * Scenarios about what a broker holds rather than how fast it moves messages: idle connections
 * (S6) and many queues (S8). Memory per item is the growth of the broker's resident set (VmRSS)
 * across the step, after a pause for it to settle, divided by the number of items.
 */
import { AmqpConnection } from "./perf/client/connection.js";
import { readMemory } from "./procfs.js";
import { delay } from "./rabbitmq.js";
import type { Figures } from "./scenarios.js";
import type { Target } from "./targets.js";

/** Connections opened at once: enough to be quick, few enough not to look like a connection storm. */
const CONNECT_CONCURRENCY = 50;
/** Time for the broker's allocator and garbage collector to settle before RSS is read. */
const SETTLE_MS = 2_000;

export async function idleConnections(target: Target, count: number): Promise<Figures> {
  await delay(SETTLE_MS);
  const rssBeforeBytes = readMemory(target.pid).rssBytes;
  const connections: AmqpConnection[] = [];
  const startedMs = performance.now();
  try {
    for (let opened = 0; opened < count; opened += CONNECT_CONCURRENCY) {
      const wave = Math.min(CONNECT_CONCURRENCY, count - opened);
      await Promise.all(Array.from({ length: wave }, async (_, i) => {
        const connection = await AmqpConnection.connect({ uri: target.url, connectionName: `warren-bench idle ${opened + i}` });
        connections.push(connection);
        await connection.openChannel();
      }));
    }
    const seconds = (performance.now() - startedMs) / 1000;
    await delay(SETTLE_MS);
    const rssAfterBytes = readMemory(target.pid).rssBytes;
    return { kbPerConnection: (rssAfterBytes - rssBeforeBytes) / 1024 / count, connectionsPerSecond: count / seconds, messages: 0 };
  } finally {
    for (let closed = 0; closed < connections.length; closed += CONNECT_CONCURRENCY) {
      await Promise.all(connections.slice(closed, closed + CONNECT_CONCURRENCY).map((c) => c.close()));
    }
  }
}

/**
 * Declares `count` non-durable queues with no-wait, pipelined on one channel, then one ordinary
 * declare as a fence: the broker handles a channel's methods in order, so its declare-ok means
 * every earlier declare is done. Deleting works the same way.
 */
export async function manyQueues(target: Target, count: number): Promise<Figures> {
  const connection = await AmqpConnection.connect({ uri: target.url, connectionName: "warren-bench queues" });
  const names = Array.from({ length: count }, (_, i) => `warren-bench-q-${process.pid}-${i}`);
  const fence = `warren-bench-q-${process.pid}-fence`;
  try {
    const channel = await connection.openChannel();
    await delay(SETTLE_MS);
    const rssBeforeBytes = readMemory(target.pid).rssBytes;
    let startedMs = performance.now();
    for (const name of names) if (!channel.declareQueueNoWait(name, false)) await connection.drained();
    await channel.declareQueue(fence);
    const declareSeconds = (performance.now() - startedMs) / 1000;
    await delay(SETTLE_MS);
    const rssAfterBytes = readMemory(target.pid).rssBytes;
    startedMs = performance.now();
    for (const name of names) if (!channel.deleteQueueNoWait(name)) await connection.drained();
    await channel.deleteQueue(fence);
    const deleteSeconds = (performance.now() - startedMs) / 1000;
    return {
      declaredPerSecond: count / declareSeconds,
      kbPerQueue: (rssAfterBytes - rssBeforeBytes) / 1024 / count,
      deletedPerSecond: count / deleteSeconds,
      messages: 0,
    };
  } finally {
    await connection.close();
  }
}
