/**
 * Clients that break the protocol get the right close code and are disconnected, while a
 * well-behaved client connected at the same time carries on (DESIGN.md §8).
 * Every code (and the text, where RabbitMQ's is a stable sentence) checked against RabbitMQ 3.10.8.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel } from "amqplib";
import {
  ArgWriter, FrameType, Method, RawAmqpClient, SocketClosedError, buildFrame, buildMethodFrame, encodeContentHeaderPayload,
  isMethod, readClose, type FieldTable,
} from "../helpers/raw-amqp.js";
import { closeAllConnections, connect, isExternalBroker, openChannel, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, type TestBroker } from "../helpers/broker.js";

let broker: TestBroker;
let bystander: ChannelModel;
let bystanderChannel: Channel;
let bystanderQueue: string;
before(async () => {
  broker = await startTestBroker();
  bystander = await connect(broker.url);
  bystanderChannel = await openChannel(bystander);
  bystanderQueue = (await bystanderChannel.assertQueue(uniqueName("bystander"), { exclusive: true })).queue;
});
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

let bystanderRound = 0;
/** The well-behaved client publishes and gets a message back: the broker carried on. */
async function assertBystanderUnaffected(): Promise<void> {
  bystanderRound += 1;
  const body = `still here ${bystanderRound}`;
  bystanderChannel.sendToQueue(bystanderQueue, Buffer.from(body));
  await bystanderChannel.checkQueue(bystanderQueue);
  const message = await bystanderChannel.get(bystanderQueue, { noAck: true });
  assert.ok(message, "the bystander's message is there");
  assert.equal(message.content.toString(), body);
}

async function openRaw(t: { after(fn: () => void): void }, frameMax?: number): Promise<RawAmqpClient> {
  const client = await RawAmqpClient.connect(broker.port, broker.host);
  t.after(() => client.destroy());
  await client.handshake(frameMax === undefined ? {} : { frameMax });
  await client.openChannel(1);
  return client;
}

const qosFrame = (channel: number): Buffer => buildMethodFrame(channel, Method.basicQos, new ArgWriter().long(0).short(1).bit(false).toBuffer());
const publishArgs = (routingKey: string): Buffer => new ArgWriter().short(0).shortstr("").shortstr(routingKey).bit(false).bit(false).toBuffer();

/** Waits for the connection.close and checks its code and text, then that the socket goes and the bystander is fine. */
async function expectHardClose(client: RawAmqpClient, code: number, text: string | RegExp): Promise<void> {
  const close = await client.expectConnectionClose(5_000);
  assert.equal(close.code, code, `close text: ${close.text}`);
  if (typeof text === "string") assert.equal(close.text, text);
  else assert.match(close.text, text);
  client.socket.end();
  await client.waitForSocketClose(5_000);
  await assertBystanderUnaffected();
}

describe("frames", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("garbage bytes after the handshake → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    client.write(Buffer.from("\x01\x00\x01this is not a frame at all, just garbage"));
    // RabbitMQ 3.10.8 reads the garbage as a frame header: "FRAME_ERROR - type 1, all octets = <<>>: {frame_too_large,...}"
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  test("random bytes after the handshake close the connection with a frame or unexpected-frame error", async (t) => {
    const client = await openRaw(t);
    client.write(Buffer.from([0x07, 0xff, 0x13, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xce]));
    await expectHardClose(client, 501, /^FRAME_ERROR - /); // unknown frame type 7
  });

  test("a truncated frame followed by the client closing leaves the broker healthy", async (t) => {
    const client = await openRaw(t);
    client.write(qosFrame(1).subarray(0, 6));
    client.socket.end();
    await client.waitForSocketClose(5_000);
    await assertBystanderUnaffected();
  });

  test("a wrong frame-end octet → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    const frame = qosFrame(1);
    frame[frame.length - 1] = 0x00;
    client.write(frame);
    // RabbitMQ 3.10.8: "FRAME_ERROR - type 1, all octets = <<0,60,0,10,...>>: {invalid_frame_end_marker,0}"
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  test("a frame over the negotiated frame_max → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t, 4_096);
    // RabbitMQ 3.10.8 tolerates payloads up to frame_max itself (a "fudge" of 8 bytes for old clients), so the
    // first payload it refuses is frame_max + 1: "FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,4097,4088}".
    client.write(buildFrame(FrameType.body, 1, Buffer.alloc(4_097)));
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  test("a frame claiming 2 GB is refused before it is buffered → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    const header = Buffer.from([FrameType.method, 0, 1, 0x80, 0, 0, 0]);
    client.write(header);
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  test("an unknown frame type → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    client.write(buildFrame(9, 0, Buffer.alloc(4)));
    // RabbitMQ 3.10.8: "FRAME_ERROR - type 9, all octets = <<0,0,0,0>>: unknown_frame"
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });
});

describe("frame sequence", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a method on a closed channel → 504 CHANNEL_ERROR", async (t) => {
    const client = await openRaw(t);
    client.sendMethod(1, Method.channelClose, new ArgWriter().short(200).shortstr("").short(0).short(0).toBuffer());
    await client.expectMethod(Method.channelCloseOk);
    client.write(qosFrame(1));
    await expectHardClose(client, 504, "CHANNEL_ERROR - expected 'channel.open'");
  });

  test("a content header without a method → 505 UNEXPECTED_FRAME", async (t) => {
    const client = await openRaw(t);
    client.write(buildFrame(FrameType.header, 1, encodeContentHeaderPayload(3)));
    await expectHardClose(client, 505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead");
  });

  test("a body frame without a header → 505 UNEXPECTED_FRAME", async (t) => {
    const client = await openRaw(t);
    client.write(buildFrame(FrameType.body, 1, Buffer.from("abc")));
    await expectHardClose(client, 505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead");
  });

  test("a method where the content header should be → 505 UNEXPECTED_FRAME", async (t) => {
    const client = await openRaw(t);
    client.sendMethod(1, Method.basicPublish, publishArgs("x"));
    client.write(qosFrame(1));
    await expectHardClose(client, 505, /^UNEXPECTED_FRAME - /);
  });

  test("a method where a body frame should be → 505 UNEXPECTED_FRAME", async (t) => {
    const client = await openRaw(t);
    client.sendMethod(1, Method.basicPublish, publishArgs("x"));
    client.write(buildFrame(FrameType.header, 1, encodeContentHeaderPayload(3)));
    client.write(qosFrame(1));
    await expectHardClose(client, 505, "UNEXPECTED_FRAME - expected content body, got non content body frame instead");
  });

  test("content frames on another channel between a publish's frames do not mix", async (t) => {
    const client = await openRaw(t);
    await client.openChannel(2);
    const { queue } = await client.declareQueue(1, uniqueName("interleave"), { exclusive: true });
    // channel 1's publish is interrupted by a complete publish on channel 2: both are legal.
    client.sendMethod(1, Method.basicPublish, publishArgs(queue));
    client.write(buildFrame(FrameType.header, 1, encodeContentHeaderPayload(6)));
    client.write(buildFrame(FrameType.body, 1, Buffer.from("one-")));
    client.publish(2, "", queue, Buffer.from("two"));
    client.write(buildFrame(FrameType.body, 1, Buffer.from("a!")));
    const first = await client.basicGet(1, queue);
    const second = await client.basicGet(1, queue);
    assert.deepEqual([first?.body.toString(), second?.body.toString()].sort(), ["one-a!", "two"]);
    await client.close();
  });
});

describe("malformed methods", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("truncated method arguments → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    client.sendMethod(1, Method.basicQos, Buffer.from([0, 0]));
    // RabbitMQ 3.10.8: "FRAME_ERROR - cannot decode <<0,0>>"
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  test("a content header frame larger than frame_max (huge header table) → 501 FRAME_ERROR", async (t) => {
    const client = await openRaw(t);
    const headers: FieldTable = [];
    for (let i = 0; i < 20_000; i += 1) headers.push([`k${i}`, { type: "I", value: i }]);
    client.publish(1, "", "nowhere", Buffer.from("x"), { headers });
    // RabbitMQ 3.10.8: "FRAME_ERROR - type 2, all octets = <<>>: {frame_too_large,228908,131064}"
    await expectHardClose(client, 501, /^FRAME_ERROR - /);
  });

  // RabbitMQ 3.10.8 crashes the connection process on these and drops the TCP connection without a
  // connection.close (its log shows {unknown_method_id,{60,999}} and a function_clause in
  // rabbit_binary_parser). Warren must close properly: 540 NOT_IMPLEMENTED / 503 COMMAND_INVALID for an
  // unknown method, 501 FRAME_ERROR / 502 SYNTAX_ERROR for an undecodable table.
  for (const [label, frame, warrenCodes] of [
    ["an unknown method id", buildMethodFrame(1, [60, 999]), [503, 540]],
    ["an unknown class id", buildMethodFrame(1, [77, 10]), [503, 540]],
    ["a field table with an unknown value type", buildMethodFrame(1, Method.queueDeclare, new ArgWriter().short(0).shortstr("q")
      .bit(false).bit(false).bit(false).bit(true).bit(false).long(5).raw(Buffer.from([3, 0x61, 0x62, 0x63, 0x5a])).toBuffer()), [501, 502]],
    ["a field table whose length overruns the frame", buildMethodFrame(1, Method.queueDeclare, new ArgWriter().short(0).shortstr("q")
      .bit(false).bit(false).bit(false).bit(true).bit(false).long(1_000).toBuffer()), [501, 502]],
  ] as const) {
    test(`${label} closes the connection`, async (t) => {
      const client = await openRaw(t);
      client.write(frame);
      let code: number | undefined;
      try {
        const reply = await client.nextFrame(5_000);
        assert.ok(isMethod(reply, Method.connectionClose), "only a connection.close may come back");
        code = readClose(reply).code;
        client.sendMethod(0, Method.connectionCloseOk);
      } catch (error) {
        if (!(error instanceof SocketClosedError)) throw error;
      }
      if (!isExternalBroker) {
        assert.ok(code !== undefined, "Warren must send connection.close before closing the socket");
        assert.ok((warrenCodes as readonly number[]).includes(code), `close code ${code}`);
      }
      client.socket.end();
      await client.waitForSocketClose(5_000);
      await assertBystanderUnaffected();
    });
  }

  test("a body longer than the size in its content header → the connection is closed", async (t) => {
    const client = await openRaw(t);
    client.sendMethod(1, Method.basicPublish, publishArgs("nowhere"));
    client.write(buildFrame(FrameType.header, 1, encodeContentHeaderPayload(3)));
    client.write(buildFrame(FrameType.body, 1, Buffer.from("abcdef")));
    client.write(qosFrame(1));
    const close = await client.expectConnectionClose(5_000);
    assert.ok([501, 505].includes(close.code), `close code ${close.code}: ${close.text}`);
    client.socket.end();
    await client.waitForSocketClose(5_000);
    await assertBystanderUnaffected();
  });
});
