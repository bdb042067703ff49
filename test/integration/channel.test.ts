/**
 * Channels (AMQP 0-9-1 §4.2.6 and the channel class): open, close, flow, soft errors that close
 * only the channel, hard errors that close the connection, and channel numbering.
 * Codes and texts checked against RabbitMQ 3.10.8.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ArgWriter, Method, RawAmqpClient, methodArgs, readClose, isMethod, rawClientForTest } from "../helpers/raw-amqp.js";
import {
  closeAllConnections, closeQuietly, connect, connectionClosed, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, withTimeout,
  type TestBroker,
} from "../helpers/broker.js";

let broker: TestBroker;
before(async () => { broker = await startTestBroker(); });
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

const raw = (t: { after(fn: () => void): void }): Promise<RawAmqpClient> => rawClientForTest(t, broker, { handshake: {} });

const closeArgs = (code = 200, text = "bye"): Buffer => new ArgWriter().short(code).shortstr(text).short(0).short(0).toBuffer();
const qosArgs = (): Buffer => new ArgWriter().long(0).short(1).bit(false).toBuffer();

describe("open and close", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("channels open and close with amqplib", async (t) => {
    const connection = await connect(broker.url);
    t.after(() => closeQuietly(connection));
    const channels = await Promise.all([1, 2, 3].map(() => openChannel(connection)));
    await channels[1].close();
    // The others still work after one is closed.
    const queue = uniqueName("chan");
    await channels[0].assertQueue(queue, { exclusive: true });
    await channels[2].checkQueue(queue);
  });

  test("close-ok answers channel.close and the number can be reused", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.channelClose, closeArgs());
    await client.expectMethod(Method.channelCloseOk);
    await client.openChannel(1);
    await client.close();
  });

  test("a second channel.open on an open channel → 504 CHANNEL_ERROR (hard)", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.channelOpen, new ArgWriter().shortstr("").toBuffer());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 504, text: "CHANNEL_ERROR - second 'channel.open' seen", classId: 20, methodId: 10 });
  });
});

describe("flow", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("channel.flow active=true is answered with flow-ok active=true", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.channelFlow, new ArgWriter().bit(true).toBuffer());
    const reply = await client.expectMethod(Method.channelFlowOk);
    assert.equal(methodArgs(reply).bit(), true);
    await client.close();
  });

  // RabbitMQ 3.x no longer supports a client pausing deliveries with channel.flow: it answers
  // active=false with a connection error 540.
  test("channel.flow active=false → 540 NOT_IMPLEMENTED", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.channelFlow, new ArgWriter().bit(false).toBuffer());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 540, text: "NOT_IMPLEMENTED - active=false", classId: 20, methodId: 20 });
  });
});

describe("soft and hard errors", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a soft error closes only the channel, with RabbitMQ's exact text", async (t) => {
    const connection = await connect(broker.url);
    t.after(() => closeQuietly(connection));
    const failing = await openChannel(connection);
    const healthy = await openChannel(connection);
    const closed = new Promise<void>((resolve) => failing.once("close", () => resolve()));
    await expectAmqpError(failing.checkQueue("q-missing-xyz"), 404, "NOT_FOUND - no queue 'q-missing-xyz' in vhost '/'");
    await withTimeout(closed, 2_000, "channel close event");
    // The connection and the other channel carry on.
    const queue = uniqueName("soft");
    const reply = await healthy.assertQueue(queue, { exclusive: true });
    assert.equal(reply.queue, queue);
    const another = await openChannel(connection);
    await another.checkQueue(queue);
  });

  test("the channel.close of a soft error carries the failing class and method", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    await client.openChannel(2);
    // queue.declare passive=true on a missing queue
    client.sendMethod(1, Method.queueDeclare,
      new ArgWriter().short(0).shortstr("q-missing-raw").bit(true).bit(false).bit(false).bit(false).bit(false).table([]).toBuffer());
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 404, text: "NOT_FOUND - no queue 'q-missing-raw' in vhost '/'", classId: 50, methodId: 10 });
    // Channel 2 still works.
    client.sendMethod(2, Method.basicQos, qosArgs());
    await client.expectMethod(Method.basicQosOk);
    await client.close();
  });

  test("after a soft error the server ignores everything on that channel until close-ok", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.queueDeclare,
      new ArgWriter().short(0).shortstr("q-missing-raw2").bit(true).bit(false).bit(false).bit(false).bit(false).table([]).toBuffer());
    const frame = await client.nextFrame();
    assert.ok(isMethod(frame, Method.channelClose));
    // AMQP 0-9-1 §2.2.4: after sending channel.close the server discards frames other than close/close-ok.
    client.sendMethod(1, Method.basicQos, qosArgs());
    client.sendMethod(1, Method.channelCloseOk);
    await client.openChannel(1);
    await client.close();
  });

  test("a hard error closes the connection and every channel on it", async (t) => {
    const connection = await connect(broker.url);
    t.after(() => closeQuietly(connection));
    const first = await openChannel(connection);
    const second = await openChannel(connection);
    const closed = connectionClosed(connection);
    // Reusing a consumer tag on one channel is a connection error (530).
    const queue = uniqueName("hard");
    await first.assertQueue(queue, { exclusive: true });
    await first.consume(queue, () => {}, { consumerTag: "same-tag" });
    first.consume(queue, () => {}, { consumerTag: "same-tag" }).catch(() => {});
    const info = await closed;
    assert.equal(info.code, 530);
    assert.equal(info.text, "NOT_ALLOWED - attempt to reuse consumer tag 'same-tag'");
    await assert.rejects(second.checkQueue(queue));
  });
});

describe("closed and unknown channels", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a method on a channel that was closed → 504 CHANNEL_ERROR", async (t) => {
    const client = await raw(t);
    await client.openChannel(1);
    client.sendMethod(1, Method.channelClose, closeArgs());
    await client.expectMethod(Method.channelCloseOk);
    client.sendMethod(1, Method.basicQos, qosArgs());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 504, text: "CHANNEL_ERROR - expected 'channel.open'", classId: 60, methodId: 10 });
  });

  test("a method on a channel never opened → 504 CHANNEL_ERROR", async (t) => {
    const client = await raw(t);
    client.sendMethod(5, Method.basicQos, qosArgs());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 504, text: "CHANNEL_ERROR - expected 'channel.open'", classId: 60, methodId: 10 });
  });

  test("a channel method on channel 0 → 504 CHANNEL_ERROR", async (t) => {
    const client = await raw(t);
    client.sendMethod(0, Method.channelOpen, new ArgWriter().shortstr("").toBuffer());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 504, text: "CHANNEL_ERROR - unexpected method in connection state running", classId: 20, methodId: 10 });
  });

  test("amqplib refuses to use a channel after the server closed it", async (t) => {
    const connection = await connect(broker.url);
    t.after(() => closeQuietly(connection));
    const channel = await openChannel(connection);
    await expectAmqpError(channel.checkExchange("no-such-exchange-xyz"), 404, "NOT_FOUND - no exchange 'no-such-exchange-xyz' in vhost '/'");
    await assert.rejects(channel.checkQueue("anything"), /closed/i);
  });
});

describe("channel_max", { timeout: SUITE_TIMEOUT_MS }, () => {
  // RabbitMQ limits the NUMBER of open channels to channel_max, not the channel id: with
  // channel_max 10 it opens channel id 11 (checked against RabbitMQ 3.10.8).
  test("a channel id above channel_max opens while fewer than channel_max channels are open", async (t) => {
    const client = await RawAmqpClient.connect(broker.port, broker.host);
    t.after(() => client.destroy());
    await client.handshake({ channelMax: 10 });
    await client.openChannel(11);
    await client.close();
  });

  test("opening channel_max + 1 channels → 530 NOT_ALLOWED", async (t) => {
    const client = await RawAmqpClient.connect(broker.port, broker.host);
    t.after(() => client.destroy());
    await client.handshake({ channelMax: 10 });
    for (let channel = 1; channel <= 10; channel += 1) await client.openChannel(channel);
    client.sendMethod(11, Method.channelOpen, new ArgWriter().shortstr("").toBuffer());
    const frame = await client.nextFrame();
    assert.ok(isMethod(frame, Method.connectionClose));
    const close = readClose(frame);
    assert.equal(close.code, 530);
    assert.equal(close.text, "NOT_ALLOWED - number of channels opened (10) has reached the negotiated channel_max (10)");
  });

  test("a closed channel frees its slot", async (t) => {
    const client = await RawAmqpClient.connect(broker.port, broker.host);
    t.after(() => client.destroy());
    await client.handshake({ channelMax: 2 });
    await client.openChannel(1);
    await client.openChannel(2);
    client.sendMethod(2, Method.channelClose, closeArgs());
    await client.expectMethod(Method.channelCloseOk);
    await client.openChannel(3);
    await client.close();
  });
});
