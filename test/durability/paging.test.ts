/**
 * Long queues keep only a window of message bodies in memory (DESIGN.md §5, RabbitMQ's lazy
 * behaviour): beyond it, transient messages are paged to a scratch store and persistent ones
 * are read back from the queue's own store. Order, content and properties stay exact. The
 * x-queue-mode=lazy window (256) keeps these tests small.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { startBroker } from "../../src/index.js";

const COUNT = 2_000;

async function drain(channel: amqp.Channel, queue: string): Promise<amqp.GetMessage[]> {
  const messages: amqp.GetMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) return messages;
    messages.push(message);
  }
}

for (const kind of ["transient", "persistent"] as const) {
  test(`a lazy queue pages ${kind} messages out and back in order`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "warren-paging-"));
    const broker = await startBroker({ dataDir, segmentSizeBytes: 64 * 1024 });
    const connection = await amqp.connect(broker.url);
    const channel = await connection.createConfirmChannel();
    const durable = kind === "persistent";
    await channel.assertQueue("paged.q", { durable, arguments: { "x-queue-mode": "lazy" } });
    for (let index = 0; index < COUNT; index++) {
      channel.sendToQueue("paged.q", Buffer.from(`${kind}-${index}-${"z".repeat(index % 500)}`), { persistent: durable, messageId: String(index), headers: { index } });
    }
    await channel.waitForConfirms();
    if (!durable) {
      // Transient bodies beyond the window went to the scratch store under the data directory.
      assert.ok(existsSync(join(dataDir, "spill")) && readdirSync(join(dataDir, "spill")).length > 0, "a scratch store was made");
    }
    const messages = await drain(channel, "paged.q");
    assert.equal(messages.length, COUNT);
    messages.forEach((message, index) => {
      assert.equal(message.content.toString(), `${kind}-${index}-${"z".repeat(index % 500)}`);
      assert.equal(message.properties.messageId, String(index));
      assert.deepEqual(message.properties.headers, { index });
    });
    await connection.close();
    await broker.stop();
  });
}

test("paged entries expire, purge and dead-letter like any other", async () => {
  const broker = await startBroker({});
  const connection = await amqp.connect(broker.url);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue("dead.q");
  await channel.assertQueue("lazy.q", { arguments: { "x-queue-mode": "lazy", "x-message-ttl": 200, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead.q" } });
  for (let index = 0; index < 1_000; index++) channel.sendToQueue("lazy.q", Buffer.from(String(index)));
  await channel.waitForConfirms();
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal((await channel.checkQueue("lazy.q")).messageCount, 0);
  const dead = await drain(channel, "dead.q");
  assert.deepEqual(dead.map((message) => Number(message.content.toString())), Array.from({ length: 1_000 }, (_, index) => index));

  await channel.assertQueue("purged.q", { arguments: { "x-queue-mode": "lazy" } });
  for (let index = 0; index < 1_000; index++) channel.sendToQueue("purged.q", Buffer.from(String(index)));
  await channel.waitForConfirms();
  assert.equal((await channel.purgeQueue("purged.q")).messageCount, 1_000);
  channel.sendToQueue("purged.q", Buffer.from("after"));
  await channel.waitForConfirms();
  assert.deepEqual((await drain(channel, "purged.q")).map((message) => message.content.toString()), ["after"]);
  await connection.close();
  await broker.stop();
});
