/**
 * The promise a broker is trusted for: a message whose publisher confirm was sent is not
 * lost. A real node runs as a child process; several publishers send persistent messages
 * with confirms into a durable queue while a consumer acks some of them; the node is killed
 * with SIGKILL at a random moment (seeded: the seed is printed, WARREN_CRASH_SEED replays it),
 * restarted on the same data directory, and the queue is checked against the clients' record:
 *   - every confirmed message that was not acked is there, byte-exact (body and headers);
 *   - each publisher's messages come back in the order it published them;
 *   - a message acked before the crash comes back only if marked redelivered (its ack may
 *     have been lost with the process);
 *   - nothing unknown or corrupt comes back.
 * Default: a short run for CI (WARREN_CRASH_ROUNDS, default 3). `npm run test:crash` runs 30.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { freePort, startNodeProcess } from "../helpers/node-process.js";
import { seedFromEnvironment, seededRandom } from "../helpers/random.js";

const ROUNDS = Number(process.env.WARREN_CRASH_ROUNDS ?? 3);
const PUBLISHERS = 3;
const QUEUE = "crash.q";

interface Published {
  readonly id: string;
  readonly publisher: number;
  readonly index: number;
}

/** The body is derived from the id, so any corruption shows. */
function bodyOf(id: string): Buffer {
  return Buffer.from(`${id}|${"x".repeat(200 + (id.length * 37) % 300)}|${id}`);
}

async function publishUntilKilled(url: string, publisher: number, round: number, confirmed: Map<string, Published>, stop: { stopped: boolean }): Promise<void> {
  const connection = await amqp.connect(url);
  connection.on("error", () => undefined);
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => undefined);
  let index = 0;
  try {
    while (!stop.stopped) {
      const batch: Promise<void>[] = [];
      for (let count = 0; count < 20 && !stop.stopped; count++) {
        const message: Published = { id: `r${round}-p${publisher}-${index}`, publisher, index: index++ };
        batch.push(
          new Promise<void>((resolve) => {
            const sent = channel.publish("", QUEUE, bodyOf(message.id), { persistent: true, messageId: message.id, headers: { publisher, index: message.index } }, (error) => {
              if (error === null || error === undefined) confirmed.set(message.id, message);
              resolve();
            });
            void sent;
          }),
        );
      }
      await Promise.race([Promise.all(batch), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
  } catch {
    // The node died under us: what was confirmed is in `confirmed`.
  }
}

async function consumeUntilKilled(url: string, acked: Set<string>, random: () => number, stop: { stopped: boolean }): Promise<void> {
  try {
    const connection = await amqp.connect(url);
    connection.on("error", () => undefined);
    const channel = await connection.createChannel();
    channel.on("error", () => undefined);
    await channel.prefetch(200);
    await channel.consume(QUEUE, (message) => {
      if (message === null || stop.stopped) return;
      // Most are acked; some are requeued (back into place); the rest stay unacked and must come back.
      const choice = random();
      if (choice < 0.8) {
        channel.ack(message);
        acked.add(String(message.properties.messageId));
      } else if (choice < 0.9) {
        channel.nack(message, false, true);
      }
    });
    while (!stop.stopped) await new Promise((resolve) => setTimeout(resolve, 20));
  } catch {
    // killed
  }
}

test(`confirmed persistent messages survive SIGKILL (${ROUNDS} rounds)`, { timeout: 60_000 + ROUNDS * 20_000 }, async () => {
  const seed = seedFromEnvironment("WARREN_CRASH_SEED");
  const random = seededRandom(seed);
  const dataDir = mkdtempSync(join(tmpdir(), "warren-crash-"));
  const port = await freePort();
  for (let round = 0; round < ROUNDS; round++) {
    const node = await startNodeProcess({ dataDir, port, environment: { WARREN_SEGMENT_SIZE_BYTES: "65536" } });
    const setup = await amqp.connect(node.url);
    await (await setup.createChannel()).assertQueue(QUEUE, { durable: true });
    await setup.close();

    const confirmed = new Map<string, Published>();
    const acked = new Set<string>();
    const stop = { stopped: false };
    const clients = [
      ...Array.from({ length: PUBLISHERS }, (_, publisher) => publishUntilKilled(node.url, publisher, round, confirmed, stop)),
      consumeUntilKilled(node.url, acked, random, stop),
    ];
    // The kill comes at a random moment once publishing is under way: counted from the first
    // confirm, not from the start, so a slow machine (clients still connecting) still tests something.
    const firstConfirmDeadlineMs = Date.now() + 60_000;
    while (confirmed.size === 0 && Date.now() < firstConfirmDeadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1_200));
    await node.kill("SIGKILL");
    stop.stopped = true;
    await Promise.all(clients);

    const restarted = await startNodeProcess({ dataDir, port, environment: { WARREN_SEGMENT_SIZE_BYTES: "65536" } });
    const connection = await amqp.connect(restarted.url);
    const channel = await connection.createChannel();
    const found = new Map<string, { redelivered: boolean; publisher: number; index: number }>();
    const lastIndex = new Map<number, number>();
    for (;;) {
      const message = await channel.get(QUEUE, { noAck: true });
      if (message === false) break;
      const id = String(message.properties.messageId);
      assert.ok(/^r\d+-p\d+-\d+$/.test(id), `an unknown message came back: ${id}`);
      assert.ok(message.content.equals(bodyOf(id)), `message ${id} came back corrupted`);
      const { publisher, index } = message.properties.headers as { publisher: number; index: number };
      assert.equal(id, `r${round}-p${publisher}-${index}`, `message ${id} came back with other headers`);
      assert.ok(!found.has(id), `message ${id} came back twice`);
      // Per publisher, order is kept: recovery replays the store in append order.
      assert.ok((lastIndex.get(publisher) ?? -1) < index, `publisher ${publisher}'s message ${index} came back out of order`);
      lastIndex.set(publisher, Math.max(index, lastIndex.get(publisher) ?? -1));
      found.set(id, { redelivered: message.fields.redelivered, publisher, index });
    }
    for (const id of confirmed.keys()) {
      if (acked.has(id)) continue;
      assert.ok(found.has(id), `round ${round}: confirmed message ${id} was lost (seed ${seed})`);
    }
    for (const [id, state] of found) {
      if (acked.has(id)) assert.ok(state.redelivered, `round ${round}: message ${id} was acked before the crash and came back without redelivered`);
    }
    console.log(`# round ${round}: ${confirmed.size} confirmed, ${acked.size} acked, ${found.size} recovered`);
    assert.ok(confirmed.size > 0, "the round confirmed nothing: it tested nothing");
    await connection.close();
    await restarted.kill("SIGTERM");
  }
});
