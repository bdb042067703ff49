/**
 * What survives a restart, as in RabbitMQ: durable exchanges, queues and bindings, users,
 * vhosts, permissions and policies, and persistent messages in durable queues; not
 * non-durable objects, transient messages, or messages in non-durable queues. Also recovery
 * from damaged files (a torn tail, a flipped byte) and the redelivered flag after kill -9.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { startBroker } from "../../src/index.js";
import { applyDefinitionCommand } from "../../src/broker/definitions.js";
import { hashPassword } from "../../src/auth/password.js";
import { freePort, startNodeProcess } from "../helpers/node-process.js";

const ALL_PROPERTIES = {
  contentType: "application/json", contentEncoding: "gzip", headers: { text: "x", number: 42, nested: { list: [1, "two"] } }, deliveryMode: 2,
  priority: 3, correlationId: "corr", replyTo: "reply", expiration: "600000", messageId: "id-1", timestamp: 1_700_000_000, type: "kind",
  userId: "guest", appId: "app",
};

function dataDirectory(): string {
  return mkdtempSync(join(tmpdir(), "warren-restart-"));
}

test("durable definitions and persistent messages survive a restart; the rest does not", async () => {
  const dataDir = dataDirectory();
  let broker = await startBroker({ dataDir, segmentSizeBytes: 4096 });
  let connection = await amqp.connect(broker.url);
  let channel = await connection.createConfirmChannel();
  await channel.assertExchange("durable.x", "topic", { durable: true });
  await channel.assertExchange("transient.x", "fanout", { durable: false });
  await channel.assertQueue("durable.q", { durable: true, arguments: { "x-max-length": 1000 } });
  await channel.assertQueue("transient.q", { durable: false });
  await channel.bindQueue("durable.q", "durable.x", "a.#");
  await channel.bindQueue("transient.q", "durable.x", "a.#");
  applyDefinitionCommand(broker.broker, { type: "vhost.add", name: "other" });
  applyDefinitionCommand(broker.broker, { type: "user.add", name: "alice", passwordHash: hashPassword("secret"), hashingAlgorithm: "rabbit_password_hashing_sha256", tags: ["monitoring"] });
  applyDefinitionCommand(broker.broker, { type: "permission.set", user: "alice", vhost: "other", configure: ".*", write: ".*", read: ".*" });
  for (let index = 0; index < 20; index++) channel.publish("durable.x", "a.b", Buffer.from(`persistent-${index}`), { ...ALL_PROPERTIES, messageId: `m${index}` });
  channel.publish("durable.x", "a.b", Buffer.from("transient"), { deliveryMode: 1 });
  await channel.waitForConfirms();
  const first = await channel.get("durable.q");
  assert.ok(first);
  channel.ack(first);
  await channel.assertQueue("durable.q", { durable: true, arguments: { "x-max-length": 1000 } }); // a round trip: the ack has arrived
  await connection.close();
  await broker.stop();

  broker = await startBroker({ dataDir, segmentSizeBytes: 4096 });
  connection = await amqp.connect(broker.url);
  channel = await connection.createConfirmChannel();
  const vhost = broker.broker.vhosts.get("/")!;
  assert.ok(vhost.exchanges.has("durable.x"), "durable exchange is back");
  assert.ok(!vhost.exchanges.has("transient.x"), "non-durable exchange is gone");
  assert.ok(!vhost.queues.has("transient.q"), "non-durable queue is gone");
  assert.equal((await channel.checkQueue("durable.q")).messageCount, 19, "19 persistent messages (one was acked, the transient one is gone)");
  assert.ok(broker.broker.vhosts.has("other"), "vhost is back");
  assert.ok(broker.broker.users.authenticate("alice", "secret"), "user and password hash are back");
  // The binding is back: a new publish still routes.
  channel.publish("durable.x", "a.c", Buffer.from("after"), { persistent: true });
  await channel.waitForConfirms();
  const messages = [];
  for (;;) {
    const message = await channel.get("durable.q", { noAck: true });
    if (message === false) break;
    messages.push(message);
  }
  assert.deepEqual(messages.map((message) => message.content.toString()), [...Array.from({ length: 19 }, (_, index) => `persistent-${index + 1}`), "after"]);
  const sample = messages[0];
  assert.equal(sample.fields.redelivered, false, "a clean shutdown does not mark messages redelivered");
  assert.equal(sample.properties.contentType, "application/json");
  assert.deepEqual(sample.properties.headers, { text: "x", number: 42, nested: { list: [1, "two"] } });
  assert.equal(sample.properties.priority, 3);
  assert.equal(sample.properties.timestamp, 1_700_000_000);
  assert.equal(sample.properties.expiration, "600000");
  await connection.close();
  await broker.stop();
});

test("after kill -9, messages delivered but not acked come back redelivered, acked ones do not", async () => {
  const dataDir = dataDirectory();
  const port = await freePort();
  const node = await startNodeProcess({ dataDir, port });
  const connection = await amqp.connect(node.url);
  connection.on("error", () => undefined);
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => undefined);
  await channel.assertQueue("killed.q", { durable: true });
  for (let index = 0; index < 10; index++) channel.sendToQueue("killed.q", Buffer.from(`m${index}`), { persistent: true });
  await channel.waitForConfirms();
  const delivered = [];
  for (let index = 0; index < 4; index++) delivered.push(await channel.get("killed.q"));
  channel.ack(delivered[0] as amqp.GetMessage);
  channel.ack(delivered[1] as amqp.GetMessage);
  await channel.checkQueue("killed.q"); // the acks have arrived
  await node.kill("SIGKILL");

  const restarted = await startNodeProcess({ dataDir, port });
  try {
    const again = await amqp.connect(restarted.url);
    const check = await again.createChannel();
    const back = [];
    for (;;) {
      const message = await check.get("killed.q", { noAck: true });
      if (message === false) break;
      back.push(message);
    }
    await again.close();
    // The reply to checkQueue left after the acks were written: both stay acked.
    assert.deepEqual(back.map((message) => message.content.toString()), ["m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"]);
    assert.ok(back.every((message) => message.fields.redelivered), "after a crash, recovered messages are marked redelivered");
    assert.match(restarted.output(), /after an unclean shutdown/);
  } finally {
    await restarted.kill("SIGTERM"); // also when an assertion failed: a live node would keep the test file running
  }
});

test("a torn last record and a flipped byte are cut off on recovery, with a log line, never delivered", async () => {
  const dataDir = dataDirectory();
  const port = await freePort();
  const node = await startNodeProcess({ dataDir, port, environment: { WARREN_SEGMENT_SIZE_BYTES: "1048576" } });
  let connection = await amqp.connect(node.url);
  let channel = await connection.createConfirmChannel();
  await channel.assertQueue("damaged.q", { durable: true });
  for (let index = 0; index < 10; index++) channel.sendToQueue("damaged.q", Buffer.from(`message-${index}-${"y".repeat(100)}`), { persistent: true });
  await channel.waitForConfirms();
  await connection.close();
  await node.kill("SIGTERM");

  const queueDirectory = join(dataDir, "queues", readdirSync(join(dataDir, "queues"))[0]);
  const segment = readdirSync(queueDirectory).filter((name) => name.startsWith("msgs.")).map((name) => join(queueDirectory, name)).find((path) => statSync(path).size > 100)!;
  const bytes = readFileSync(segment);
  // Flip a byte inside the body of the 5th message, then tear the last record in half.
  const fifth = bytes.indexOf(Buffer.from("message-4-"));
  bytes[fifth + 12] ^= 0xff;
  writeFileSync(segment, bytes);
  const last = bytes.lastIndexOf(Buffer.from("message-9-"));
  truncateSync(segment, last + 20);
  appendFileSync(join(dataDir, "queues", "not-a-queue-leftover"), "");

  const restarted = await startNodeProcess({ dataDir, port, environment: { WARREN_SEGMENT_SIZE_BYTES: "1048576" } });
  connection = await amqp.connect(restarted.url);
  channel = await connection.createConfirmChannel();
  const back = [];
  for (;;) {
    const message = await channel.get("damaged.q", { noAck: true });
    if (message === false) break;
    back.push(message.content.toString().split("-").slice(0, 2).join("-"));
  }
  assert.deepEqual(back, ["message-0", "message-1", "message-2", "message-3", "message-5", "message-6", "message-7", "message-8"]);
  assert.match(restarted.output(), /checksum|corrupt|torn/i);
  await connection.close();
  await restarted.kill("SIGTERM");
});
