/**
 * Message content: the 14 basic properties and every field-table type round-trip byte for byte,
 * bodies at the frame-size edges and the message-size limit.
 * Checked against RabbitMQ 3.10.8, which also hands the content header back unchanged.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import {
  ArgWriter, Method, RawAmqpClient, encodeContentHeaderPayload, methodArgs, type BasicProperties, type FieldTable, rawClientForTest
} from "../helpers/raw-amqp.js";
import {
  Inbox, connect, expectAmqpError, openChannel, skipIfExternal, SUITE_TIMEOUT_MS, startTestBroker, uniqueName,
  type TestBroker, sharedBrokerAndConnection
} from "../helpers/broker.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

const raw = (t: { after(fn: () => void): void }, target: TestBroker = broker, frameMax?: number): Promise<RawAmqpClient> =>
  rawClientForTest(t, target, { handshake: frameMax === undefined ? {} : { frameMax }, channels: [1] });

/** One entry of every field type RabbitMQ knows, nested tables and arrays included. */
const everyFieldType: FieldTable = [
  ["bool", { type: "t", value: true }], ["int8", { type: "b", value: -5 }], ["uint8", { type: "B", value: 250 }],
  ["int16", { type: "s", value: -300 }], ["uint16", { type: "u", value: 65_000 }], ["int32", { type: "I", value: -70_000 }],
  ["uint32", { type: "i", value: 4_000_000_000 }], ["int64", { type: "l", value: -5_000_000_000n }],
  ["float", { type: "f", value: 1.5 }], ["double", { type: "d", value: 3.25 }], ["decimal", { type: "D", scale: 2, value: 12_345 }],
  ["longstr", { type: "S", value: "h\u00e9llo \u{1f407}" }], ["timestamp", { type: "T", value: 1_700_000_000n }],
  ["void", { type: "V" }], ["bytes", { type: "x", value: Buffer.from([0, 1, 2, 255]) }],
  ["array", { type: "A", value: [{ type: "I", value: 1 }, { type: "S", value: "two" }, { type: "V" }, { type: "A", value: [] }] }],
  ["table", { type: "F", value: [["inner", { type: "S", value: "x" }], ["deeper", { type: "F", value: [["z", { type: "t", value: false }]] }]] }],
  ["empty-table", { type: "F", value: [] }],
];

/** All 14 properties. user-id must be the authenticated user, or RabbitMQ refuses the publish. */
const allProperties: BasicProperties = {
  contentType: "application/json", contentEncoding: "gzip", headers: everyFieldType, deliveryMode: 2, priority: 5,
  correlationId: "correlation", replyTo: "reply-queue", expiration: "60000", messageId: "message-1",
  timestamp: 1_700_000_000n, type: "kind", userId: "guest", appId: "app", clusterId: "cluster",
};

describe("content header round trip", { timeout: SUITE_TIMEOUT_MS }, () => {
  for (const [label, properties] of [
    ["no properties", {}],
    ["all 14 properties with every field type", allProperties],
    ["headers only", { headers: everyFieldType }],
    ["only the last property (cluster-id)", { clusterId: "c" }],
  ] as Array<[string, BasicProperties]>) {
    test(`${label}: basic.get hands back the exact header bytes`, async (t) => {
      const client = await raw(t);
      const { queue } = await client.declareQueue(1, uniqueName("props"), { exclusive: true });
      client.publish(1, "", queue, Buffer.from("body"), properties);
      const got = await client.basicGet(1, queue);
      assert.ok(got);
      assert.equal(got.headerPayload.toString("hex"), encodeContentHeaderPayload(4, properties).toString("hex"));
      assert.equal(got.body.toString(), "body");
      await client.close();
    });
  }

  test("basic.deliver hands back the exact header bytes too", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("props-deliver"), { exclusive: true });
    client.sendMethod(1, Method.basicConsume, new ArgWriter().short(0).shortstr(queue).shortstr("c1")
      .bit(false).bit(true).bit(false).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.basicConsumeOk);
    client.publish(1, "", queue, Buffer.from("delivered"), allProperties);
    const deliver = methodArgs(await client.expectMethod(Method.basicDeliver));
    assert.equal(deliver.shortstr(), "c1");
    const content = await client.readContent();
    assert.deepEqual(content.headerPayload, encodeContentHeaderPayload(9, allProperties));
    await client.close();
  });

  // Consecutive publishes with the same header share one stored copy (channel.ts): each must
  // still come back with its own header, whatever came before it.
  test("runs of repeated and changing headers come back exact, message by message", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("props-runs"), { exclusive: true });
    const sent: Array<[string, BasicProperties]> = [
      ["aaaa", {}], ["bbbb", {}], ["cc", {}], ["dddd", { contentType: "text/plain" }], ["eeee", { contentType: "text/plain" }],
      ["ffff", { contentType: "text/other" }], ["", {}], ["gggg", {}], ["hhhh", { headers: everyFieldType }], ["iiii", {}],
    ];
    for (const [body, properties] of sent) client.publish(1, "", queue, Buffer.from(body), properties);
    for (const [body, properties] of sent) {
      const got = await client.basicGet(1, queue);
      assert.ok(got);
      assert.equal(got.body.toString(), body);
      assert.equal(got.headerPayload.toString("hex"), encodeContentHeaderPayload(body.length, properties).toString("hex"), `header of "${body}"`);
    }
    await client.close();
  });

  test("amqplib sees the property values", async () => {
    const ch = await openChannel(connection);
    const { queue } = await ch.assertQueue("", { exclusive: true });
    ch.sendToQueue(queue, Buffer.from("x"), {
      contentType: "text/plain", contentEncoding: "utf-8", headers: { a: 1, s: "str", nested: { b: true }, list: [1, "two"] },
      deliveryMode: 2, priority: 3, correlationId: "c", replyTo: "r", expiration: "100000", messageId: "m",
      timestamp: 1_700_000_000, type: "t", userId: "guest", appId: "app",
    });
    await ch.checkQueue(queue);
    const message = await ch.get(queue, { noAck: true });
    assert.ok(message);
    const { properties } = message;
    assert.deepEqual(properties.headers, { a: 1, s: "str", nested: { b: true }, list: [1, "two"] });
    assert.deepEqual(
      [properties.contentType, properties.contentEncoding, properties.deliveryMode, properties.priority, properties.correlationId,
        properties.replyTo, properties.expiration, properties.messageId, properties.timestamp, properties.type, properties.userId, properties.appId],
      ["text/plain", "utf-8", 2, 3, "c", "r", "100000", "m", 1_700_000_000, "t", "guest", "app"]);
  });

  test("a user-id other than the authenticated user → 406", async () => {
    const ch = await openChannel(connection);
    ch.publish("amq.direct", "nowhere", Buffer.from("x"), { userId: "bob" });
    await expectAmqpError(ch.checkExchange("amq.direct"), 406,
      "PRECONDITION_FAILED - user_id property set to 'bob' but authenticated user was 'guest'");
  });

  test("a large header table (100 KB, within frame_max) is delivered intact", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("big-headers"), { exclusive: true });
    const headers: FieldTable = [];
    for (let i = 0; i < 6_000; i += 1) headers.push([`header-${i}`, { type: "I", value: i }]);
    const properties: BasicProperties = { headers };
    assert.ok(encodeContentHeaderPayload(1, properties).length > 100_000);
    client.publish(1, "", queue, Buffer.from("x"), properties);
    const got = await client.basicGet(1, queue);
    assert.deepEqual(got?.headerPayload, encodeContentHeaderPayload(1, properties));
  });
});

describe("body sizes", { timeout: SUITE_TIMEOUT_MS }, () => {
  const frameMaxBytes = 131_072;
  for (const [label, sizeBytes, expectedFrames] of [
    ["0 bytes (no body frame)", 0, 0],
    ["1 byte", 1, 1],
    ["frame_max - 8 (exactly one frame)", frameMaxBytes - 8, 1],
    ["frame_max - 7 (two frames)", frameMaxBytes - 7, 2],
    ["1 MiB", 1_048_576, 9],
  ] as const) {
    test(`${label} round-trips and is framed by the negotiated frame_max`, async (t) => {
      const client = await raw(t);
      const { queue } = await client.declareQueue(1, uniqueName("body"), { exclusive: true });
      const body = Buffer.alloc(sizeBytes);
      for (let i = 0; i < sizeBytes; i += 1) body[i] = (i * 31) & 0xff;
      client.publish(1, "", queue, body);
      const got = await client.basicGet(1, queue);
      assert.ok(got);
      assert.equal(got.body.length, sizeBytes);
      assert.ok(got.body.equals(body), "body bytes differ");
      assert.equal(got.bodyFrameSizes.length, expectedFrames);
      assert.ok(got.bodyFrameSizes.every((size) => size <= frameMaxBytes - 8));
      await client.close();
    });
  }

  test("a body split over many small frames (frame_max 4096) arrives whole, through amqplib", async (t) => {
    const small = await connect(broker.url, { frameMax: 4_096 });
    t.after(() => small.close().catch(() => {}));
    const ch: Channel = await openChannel(small);
    const { queue } = await ch.assertQueue("", { exclusive: true });
    const body = Buffer.alloc(300_000, "w");
    ch.sendToQueue(queue, body);
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (m) => { if (m) inbox.push(m); }, { noAck: true });
    const [message] = await inbox.waitForCount(1, 10_000);
    assert.ok(message.content.equals(body));
  });

  test("16 MiB (Warren's default limit) is accepted", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("max-size"), { exclusive: true });
    const limitBytes = 16 * 1024 * 1024;
    client.publish(1, "", queue, Buffer.alloc(limitBytes, 1));
    const got = await client.basicGet(1, queue);
    assert.equal(got?.body.length, limitBytes);
    await client.close();
  });

  // Warren's default max_message_size is RabbitMQ 4.x's, 16 MiB. RabbitMQ 3.10.8's default is 128 MiB
  // (it accepted 16 MiB + 1), so this runs only against Warren. The text was checked against
  // RabbitMQ 3.10.8 configured with max_message_size.
  test("16 MiB + 1 → 406 PRECONDITION_FAILED", async (t) => {
    const skip = skipIfExternal("the default max_message_size differs between RabbitMQ 3.x (128 MiB) and 4.x/Warren (16 MiB)");
    if (skip) { t.skip(skip); return; }
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("max-size-over"), { exclusive: true });
    const limitBytes = 16 * 1024 * 1024;
    client.publish(1, "", queue, Buffer.alloc(limitBytes + 1, 2));
    const close = await client.expectChannelClose(1, 15_000);
    assert.equal(close.code, 406);
    assert.equal(close.text, `PRECONDITION_FAILED - message size ${limitBytes + 1} is larger than configured max size ${limitBytes}`);
    await client.close();
  });

  test("a configured max message size applies", async (t) => {
    const skip = skipIfExternal("maxMessageSizeBytes");
    if (skip) { t.skip(skip); return; }
    const configured = await startTestBroker({ maxMessageSizeBytes: 1_024 });
    t.after(() => configured.stop());
    const client = await raw(t, configured);
    const { queue } = await client.declareQueue(1, uniqueName("max-size-cfg"), { exclusive: true });
    client.publish(1, "", queue, Buffer.alloc(1_024));
    assert.equal((await client.basicGet(1, queue))?.body.length, 1_024);
    client.publish(1, "", queue, Buffer.alloc(1_025));
    const close = await client.expectChannelClose(1);
    assert.deepEqual([close.code, close.text], [406, "PRECONDITION_FAILED - message size 1025 is larger than configured max size 1024"]);
  });

  test("a configured frame_max splits deliveries accordingly", async (t) => {
    const skip = skipIfExternal("frameMaxBytes");
    if (skip) { t.skip(skip); return; }
    const configured = await startTestBroker({ frameMaxBytes: 4_096 });
    t.after(() => configured.stop());
    const client = await raw(t, configured);
    const { queue } = await client.declareQueue(1, uniqueName("frame-cfg"), { exclusive: true });
    client.publish(1, "", queue, Buffer.alloc(4_088 * 3 + 1, 9));
    const got = await client.basicGet(1, queue);
    assert.deepEqual(got?.bodyFrameSizes, [4_088, 4_088, 4_088, 1]);
  });
});
