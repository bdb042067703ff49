/**
 * Direct reply-to (RabbitMQ's direct-reply-to.html): an RPC client consumes from the pseudo-queue
 * amq.rabbitmq.reply-to in no-ack mode and publishes requests with reply_to set to it; the broker
 * rewrites reply_to to a per-channel name the server replies to through the default exchange.
 * Every expectation here, error texts included, was first checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage, Message } from "amqplib";
import {
  connect, delay, expectAmqpError, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, type TestBroker, sharedBrokerAndConnection
} from "../helpers/broker.js";

const REPLY_TO = "amq.rabbitmq.reply-to";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

/** An RPC server on its own connection: answers each request with "reply to <body>". */
async function startServer(): Promise<{ queue: string; requests: ConsumeMessage[] }> {
  const serverConnection = await connect(broker.url);
  const ch = await openChannel(serverConnection);
  const queue = uniqueName("rpc-server");
  await ch.assertQueue(queue, { exclusive: true });
  const requests: ConsumeMessage[] = [];
  await ch.consume(queue, (request) => {
    if (request === null) return;
    requests.push(request);
    ch.publish("", request.properties.replyTo as string, Buffer.from(`reply to ${request.content.toString()}`), {
      correlationId: request.properties.correlationId,
    });
  }, { noAck: true });
  return { queue, requests };
}

describe("direct reply-to", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an RPC round trip without a reply queue", async () => {
    const server = await startServer();
    const client = await channel();
    const replies = new Inbox<ConsumeMessage>();
    const { consumerTag } = await client.consume(REPLY_TO, (message) => { if (message) replies.push(message); }, { noAck: true });
    for (const id of ["1", "2", "3"]) client.sendToQueue(server.queue, Buffer.from(`request ${id}`), { replyTo: REPLY_TO, correlationId: id });
    const received = await replies.waitForCount(3);
    assert.deepEqual(received.map((m) => [m.properties.correlationId, m.content.toString()]),
      [["1", "reply to request 1"], ["2", "reply to request 2"], ["3", "reply to request 3"]]);
    // The server saw a per-channel address, the same for every request of this channel.
    const addresses = new Set(server.requests.map((r) => r.properties.replyTo as string));
    assert.equal(addresses.size, 1);
    const [address] = addresses;
    assert.ok(address.startsWith(`${REPLY_TO}.`), address);
    for (const reply of received) {
      assert.equal(reply.fields.consumerTag, consumerTag);
      assert.equal(reply.fields.exchange, "");
      assert.equal(reply.fields.routingKey, address);
      assert.equal(reply.fields.redelivered, false);
    }
  });

  test("each channel gets its own address; replies go to the right one", async () => {
    const server = await startServer();
    const clients = await Promise.all([channel(), channel()]);
    const inboxes = clients.map(() => new Inbox<ConsumeMessage>());
    for (const [index, client] of clients.entries()) {
      await client.consume(REPLY_TO, (message) => { if (message) inboxes[index].push(message); }, { noAck: true });
      client.sendToQueue(server.queue, Buffer.from(`from ${index}`), { replyTo: REPLY_TO });
    }
    const [first] = await inboxes[0].waitForCount(1);
    const [second] = await inboxes[1].waitForCount(1);
    assert.equal(first.content.toString(), "reply to from 0");
    assert.equal(second.content.toString(), "reply to from 1");
    assert.notEqual(server.requests[0].properties.replyTo, server.requests[1].properties.replyTo);
  });

  test("a reply to a channel that has gone is returned NO_ROUTE to a mandatory publisher", async () => {
    const server = uniqueName("rpc-gone");
    const setup = await channel();
    await setup.assertQueue(server, { exclusive: true });
    const client = await channel();
    await client.consume(REPLY_TO, () => {}, { noAck: true });
    client.sendToQueue(server, Buffer.from("request"), { replyTo: REPLY_TO });
    await client.close();
    const request = await setup.get(server, { noAck: true });
    assert.ok(request);
    const returned: Message[] = [];
    setup.on("return", (message: Message) => returned.push(message));
    setup.publish("", request.properties.replyTo as string, Buffer.from("too late"), { mandatory: true });
    setup.publish("", `${REPLY_TO}.not-an-address`, Buffer.from("nobody"), { mandatory: true });
    await setup.checkQueue(server);
    await delay(50);
    assert.deepEqual(returned.map((m) => [(m.fields as unknown as { replyCode: number }).replyCode, m.fields.routingKey]),
      [[312, request.properties.replyTo], [312, `${REPLY_TO}.not-an-address`]]);
  });

  test("declaring amq.rabbitmq.reply-to answers declare-ok with one consumer, passive or not", async () => {
    const passive = await (await channel()).checkQueue(REPLY_TO);
    assert.deepEqual(passive, { queue: REPLY_TO, messageCount: 0, consumerCount: 1 });
    const active = await (await channel()).assertQueue(REPLY_TO);
    assert.deepEqual(active, { queue: REPLY_TO, messageCount: 0, consumerCount: 1 });
  });
});

describe("direct reply-to errors", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("consuming with acknowledgements → 406", async () => {
    await expectAmqpError((await channel()).consume(REPLY_TO, () => {}, { noAck: false }), 406,
      "PRECONDITION_FAILED - reply consumer cannot acknowledge");
  });

  test("a second reply consumer on the same channel → 406", async () => {
    const ch = await channel();
    await ch.consume(REPLY_TO, () => {}, { noAck: true });
    await expectAmqpError(ch.consume(REPLY_TO, () => {}, { noAck: true }), 406, "PRECONDITION_FAILED - reply consumer already set");
  });

  test("publishing with reply_to amq.rabbitmq.reply-to without a reply consumer → 406", async () => {
    const target = uniqueName("rpc-none");
    const setup = await channel();
    await setup.assertQueue(target, { exclusive: true });
    const ch = await channel();
    ch.sendToQueue(target, Buffer.from("request"), { replyTo: REPLY_TO });
    await expectAmqpError(ch.checkQueue(target), 406, "PRECONDITION_FAILED - fast reply consumer does not exist");
    // The reply consumer must be on the publishing channel: one on another channel does not count.
    await setup.consume(REPLY_TO, () => {}, { noAck: true });
    const other = await channel();
    other.sendToQueue(target, Buffer.from("request"), { replyTo: REPLY_TO });
    await expectAmqpError(other.checkQueue(target), 406, "PRECONDITION_FAILED - fast reply consumer does not exist");
    assert.equal((await setup.checkQueue(target)).messageCount, 0);
  });

  test("after the reply consumer is cancelled, publishing with reply_to amq.rabbitmq.reply-to → 406", async () => {
    const target = uniqueName("rpc-cancelled");
    const setup = await channel();
    await setup.assertQueue(target, { exclusive: true });
    const ch = await channel();
    const { consumerTag } = await ch.consume(REPLY_TO, () => {}, { noAck: true });
    await ch.cancel(consumerTag);
    ch.sendToQueue(target, Buffer.from("request"), { replyTo: REPLY_TO });
    await expectAmqpError(ch.checkQueue(target), 406, "PRECONDITION_FAILED - fast reply consumer does not exist");
  });

  test("basic.get from amq.rabbitmq.reply-to → 404", async () => {
    await expectAmqpError((await channel()).get(REPLY_TO, { noAck: true }), 404, `NOT_FOUND - no queue '${REPLY_TO}' in vhost '/'`);
  });
});
