/**
 * Fences: code that runs outside a connection's own input — a queue delivering during another
 * connection's publish, the broker clock's timer, the socket's 'data'/'drain'/'close' events, the
 * store's commit loop — must not let one connection's failure reach the node. Each test injects a
 * throw into one path of one connection (by replacing a method on that connection's live object:
 * there is no real input that fails there today, which is the point of a fence) and checks that
 * this connection is closed with 541 INTERNAL_ERROR, the failure is logged with its name, and the
 * node and another client carry on. In-process node (the injection needs its objects), real
 * amqplib clients over loopback, real files with fsync for the commit loop.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import type { AmqpConnection } from "../../src/protocol/amqp091/connection.js";
import { closeAllConnections, connect, connectionClosed, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor, withTimeout } from "../helpers/broker.js";

let node: RunningNode;
let directory: string;
const NODE_NAME = "fences@localhost";

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "warren-fences-"));
  node = await startNode({ enableControl: false, enableManagement: false, enableMetrics: false, dataDir: join(directory, "data"), logDir: join(directory, "log"), logLevel: "warn", nodeName: NODE_NAME });
});
after(async () => {
  await closeAllConnections();
  await node?.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** The broker's side of an amqplib connection: the one whose peer port is the client's local port. */
function serverSide(client: ChannelModel): AmqpConnection {
  const localPort = (client as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
  for (const connection of node.broker.connections) {
    if ((connection as AmqpConnection).remotePort === localPort) return connection as AmqpConnection;
  }
  throw new Error(`no broker connection for client port ${localPort}`);
}

/** The (only) channel of a broker connection, to inject into. */
function onlyChannel(connection: AmqpConnection): Record<string, unknown> {
  const channels = (connection as unknown as { channels: Map<number, Record<string, unknown>> }).channels;
  assert.equal(channels.size, 1);
  return [...channels.values()][0];
}

/** Replaces `object[name]` with a function that throws once, then behaves as before. */
function throwOnce(object: object, name: string, label: string): void {
  const target = object as Record<string, (...args: unknown[]) => unknown>;
  const original = target[name];
  target[name] = function (this: unknown, ...args: unknown[]) {
    target[name] = original;
    throw new Error(`injected failure: ${label}`);
  };
}

function logText(): string {
  try {
    return readFileSync(join(directory, "log", `${NODE_NAME}.log`), "utf8");
  } catch {
    return "";
  }
}

/** The other client still gets a confirmed round trip through the node. */
async function nodeStillServes(): Promise<void> {
  const client = await connect(node.url);
  const channel = await client.createConfirmChannel();
  const queue = uniqueName("still-serves");
  await channel.assertQueue(queue, { exclusive: true });
  await withTimeout(new Promise<void>((resolve, reject) => channel.sendToQueue(queue, Buffer.from("ping"), {}, (error) => (error ? reject(error) : resolve()))), 5_000, "confirm");
  const message = await channel.get(queue, { noAck: true });
  assert.ok(message !== false && message.content.toString() === "ping");
  await client.close();
}

async function assertClosedWith541(client: ChannelModel, closed: Promise<{ code: number; text: string }>, label: string, during = ""): Promise<void> {
  const close = await closed;
  assert.equal(close.code, 541, `${label}: ${close.text}`);
  assert.equal(close.text, "INTERNAL_ERROR - internal error");
  const name = serverNameOf(client);
  await waitFor(() => (logText().includes(`internal error on connection ${name}`) && logText().includes(`injected failure: ${label}`) && logText().includes(during) ? true : undefined), 5_000, `log line for ${label}`);
}

const names = new WeakMap<ChannelModel, string>();
function rememberName(client: ChannelModel): void {
  names.set(client, serverSide(client).name);
}
function serverNameOf(client: ChannelModel): string {
  return names.get(client) ?? "?";
}

function confirmPublish(channel: ConfirmChannel, queue: string, body: string, persistent = false): Promise<void> {
  return withTimeout(new Promise<void>((resolve, reject) => channel.sendToQueue(queue, Buffer.from(body), { persistent }, (error) => (error ? reject(error) : resolve()))), 5_000, `confirm of ${body}`);
}

describe("a failure while serving one connection closes that connection only", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("delivery during another connection's publish: the consumer gets 541, the publisher its confirm, the message is not stranded", async () => {
    const queue = uniqueName("fenced-delivery");
    const consumerClient = await connect(node.url);
    rememberName(consumerClient);
    const consumerChannel = await openChannel(consumerClient);
    await consumerChannel.assertQueue(queue, { autoDelete: false });
    await consumerChannel.consume(queue, () => undefined, { noAck: false });
    const closed = connectionClosed(consumerClient);
    // The delivery is written straight from the publisher's basic.publish (nothing else is queued).
    throwOnce(serverSide(consumerClient), "reserveOutput", "delivery");
    const publisher = await connect(node.url);
    const publishChannel = await publisher.createConfirmChannel();
    await confirmPublish(publishChannel, queue, "not stranded");
    await assertClosedWith541(consumerClient, closed, "delivery", "while delivering to consumer");
    // The delivery the consumer never got went back to the queue, marked redelivered.
    const again = await waitFor(async () => {
      const message = await publishChannel.get(queue, { noAck: true });
      return message === false ? undefined : message;
    }, 5_000, "the message back in its queue");
    assert.equal(again.content.toString(), "not stranded");
    assert.equal(again.fields.redelivered, true);
    await publishChannel.deleteQueue(queue);
    await publisher.close();
    await nodeStillServes();
  });

  test("the broker clock's tick: the connection gets 541 and the clock keeps running for the others", async () => {
    const first = await connect(node.url);
    rememberName(first);
    await openChannel(first);
    const firstClosed = connectionClosed(first);
    throwOnce(onlyChannel(serverSide(first)), "checkConsumerTimeout", "clock tick");
    await assertClosedWith541(first, firstClosed, "clock tick");
    // A throw past the connection's own fence (its tick itself) is caught by the clock: the
    // connection is dropped, and the next tick still runs (a second injection is seen).
    const second = await connect(node.url);
    rememberName(second);
    const secondGone = withTimeout(new Promise<void>((resolve) => second.once("close", () => resolve())), 5_000, "second dropped");
    throwOnce(serverSide(second), "tick", "tick itself");
    await secondGone;
    await waitFor(() => (logText().includes("injected failure: tick itself") ? true : undefined), 5_000, "log line for the dropped connection");
    const third = await connect(node.url);
    rememberName(third);
    await openChannel(third);
    const thirdClosed = connectionClosed(third);
    throwOnce(onlyChannel(serverSide(third)), "checkConsumerTimeout", "later tick");
    await assertClosedWith541(third, thirdClosed, "later tick");
    await nodeStillServes();
  });

  test("a queue failing on the clock's tick does not stop the other queues' expiry", async () => {
    const client = await connect(node.url);
    const channel = await client.createConfirmChannel();
    const failingQueue = uniqueName("tick-fails");
    const expiring = uniqueName("tick-expires");
    const deadLetters = uniqueName("tick-dead-letters");
    await channel.assertQueue(failingQueue, { arguments: { "x-message-ttl": 50 } });
    await channel.assertQueue(deadLetters);
    await channel.assertQueue(expiring, { arguments: { "x-message-ttl": 50, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": deadLetters } });
    const vhost = node.broker.vhosts.get("/");
    const queue = vhost?.queues.get(failingQueue) as unknown as Record<string, unknown>;
    queue.tick = () => {
      throw new Error("injected failure: queue tick");
    };
    await confirmPublish(channel, failingQueue, "stays");
    await confirmPublish(channel, expiring, "expires");
    // Only the clock expires a message nobody reads: it reaches the dead-letter queue through it.
    const expired = await waitFor(async () => {
      const message = await channel.get(deadLetters, { noAck: true });
      return message === false ? undefined : message;
    }, 10_000, "the other queue's message dead-lettered by the clock");
    assert.equal(expired.content.toString(), "expires");
    await waitFor(() => (logText().includes("injected failure: queue tick") ? true : undefined), 5_000, "log line for the queue's tick");
    delete queue.tick;
    for (const name of [failingQueue, expiring, deadLetters]) await channel.deleteQueue(name);
    await client.close();
  });

  test("the socket's 'data' and 'drain' handlers: 541 for that connection", async () => {
    const reading = await connect(node.url);
    rememberName(reading);
    const readingChannel = await openChannel(reading);
    const readingClosed = connectionClosed(reading);
    throwOnce(serverSide(reading), "runBatchTasks", "data");
    void readingChannel.assertQueue(uniqueName("after-data"), { exclusive: true }).catch(() => undefined);
    await assertClosedWith541(reading, readingClosed, "data");

    const draining = await connect(node.url);
    rememberName(draining);
    await openChannel(draining);
    const drainingClosed = connectionClosed(draining);
    const connection = serverSide(draining);
    throwOnce(onlyChannel(connection), "resumeDeliveries", "drain");
    connection.socket.emit("drain");
    await assertClosedWith541(draining, drainingClosed, "drain");
    await nodeStillServes();
  });

  test("the socket's 'close' handler: the connection is forgotten and the node carries on", async () => {
    const client = await connect(node.url);
    rememberName(client);
    await openChannel(client);
    const connection = serverSide(client);
    throwOnce(onlyChannel(connection), "release", "close");
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await waitFor(() => (node.broker.connections.has(connection) ? undefined : true), 5_000, "connection forgotten");
    await waitFor(() => (logText().includes("injected failure: close") ? true : undefined), 5_000, "log line for close");
    await nodeStillServes();
  });

  test("the store's commit loop: the failing publisher gets 541, another publisher in the same queue keeps getting confirms", async () => {
    const queue = uniqueName("fenced-commit");
    const failing = await connect(node.url);
    rememberName(failing);
    const failingChannel = await failing.createConfirmChannel();
    failingChannel.on("error", () => undefined);
    await failingChannel.assertQueue(queue, { durable: true });
    const steady = await connect(node.url);
    const steadyChannel = await steady.createConfirmChannel();
    const failingClosed = connectionClosed(failing);
    // The confirm is scheduled from the commit loop's report that the message is on disk.
    throwOnce(serverSide(failing), "afterBatch", "commit loop");
    failingChannel.sendToQueue(queue, Buffer.from("from the failing publisher"), { persistent: true });
    await Promise.all([confirmPublish(steadyChannel, queue, "steady 1", true), assertClosedWith541(failing, failingClosed, "commit loop", "while confirming publish 1")]);

    // Past the channel's fence (its messageDurable itself throws): the other waiters of that
    // round are still told, the committer logs it, and the store keeps committing.
    const second = await connect(node.url);
    const secondChannel = await second.createConfirmChannel();
    secondChannel.on("error", () => undefined);
    throwOnce(onlyChannel(serverSide(second)), "messageDurable", "past the fence");
    secondChannel.sendToQueue(queue, Buffer.from("second"), { persistent: true });
    await Promise.all([confirmPublish(steadyChannel, queue, "steady 2", true), confirmPublish(steadyChannel, queue, "steady 3", true)]);
    await waitFor(() => (logText().includes("injected failure: past the fence") ? true : undefined), 5_000, "committer's log line");
    await confirmPublish(steadyChannel, queue, "steady 4", true);
    const inbox = new Inbox<ConsumeMessage>();
    await steadyChannel.consume(queue, (message) => message && inbox.push(message), { noAck: true });
    const bodies = (await inbox.waitForCount(6)).map((message) => message.content.toString());
    for (const body of ["steady 1", "steady 2", "steady 3", "steady 4"]) assert.ok(bodies.includes(body), `${body} in ${bodies.join(", ")}`);
    await steadyChannel.deleteQueue(queue);
    await second.close().catch(() => undefined);
    await steady.close();
    await nodeStillServes();
  });
});
