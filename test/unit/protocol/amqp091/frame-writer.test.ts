import { test } from "node:test";
import assert from "node:assert/strict";
import { BASIC_CLASS_ID, encodeContentHeader } from "../../../../src/message/properties.generated.js";
import {
  HEARTBEAT_FRAME,
  basicAckFrame,
  basicNackFrame,
  bodyFrames,
  deliverFrames,
  getOkFrames,
  headerFrame,
  methodFrame,
  returnFrames,
} from "../../../../src/protocol/amqp091/frame-writer.js";
import { contentHeaderFixtures, methodFixtures, splitFrames } from "../../../fixtures/amqp091/load-fixtures.js";

test("methodFrame gives the recorded frame of every method", () => {
  for (const fixture of methodFixtures()) {
    assert.equal(methodFrame(1, fixture.method).toString("hex"), fixture.frame.toString("hex"), fixture.method.method);
  }
});

test("headerFrame gives the recorded content header frames", () => {
  for (const fixture of contentHeaderFixtures()) assert.deepEqual(headerFrame(1, fixture.payload), fixture.frame);
});

test("the heartbeat frame is type 8 on channel 0 with no payload", () => {
  assert.equal(HEARTBEAT_FRAME.toString("hex"), "0800000000000" + "0ce");
});

test("bodies are cut into frames of at most frameSizeMax - 8 bytes; an empty body has no frame", () => {
  const body = Buffer.from(Array.from({ length: 10_000 }, (_, index) => index % 251));
  for (const frameSizeMax of [9, 10, 4_096, 5_000, 10_008, 10_009, 131_072]) {
    const frames = splitFrames(bodyFrames(7, body, frameSizeMax), false);
    assert.equal(frames.length, Math.ceil(10_000 / (frameSizeMax - 8)), `frame_max ${frameSizeMax}`);
    assert.ok(frames.every((frame) => frame.type === 3 && frame.channel === 7 && frame.payload.length <= frameSizeMax - 8));
    assert.deepEqual(Buffer.concat(frames.map((frame) => frame.payload)), body);
  }
  assert.equal(bodyFrames(1, Buffer.alloc(0), 4_096).length, 0);
  assert.throws(() => bodyFrames(1, body, 8));
});

test("a body stored as pieces is framed the same as one Buffer", () => {
  const body = Buffer.from(Array.from({ length: 9_000 }, (_, index) => index % 253));
  const pieces = [body.subarray(0, 1), Buffer.alloc(0), body.subarray(1, 5_000), body.subarray(5_000, 5_001), body.subarray(5_001)];
  for (const frameSizeMax of [9, 100, 4_096, 131_072]) {
    assert.deepEqual(bodyFrames(2, pieces, frameSizeMax), bodyFrames(2, body, frameSizeMax), `frame_max ${frameSizeMax}`);
  }
});

function contentOf(bodySize: number): Buffer {
  return encodeContentHeader(BASIC_CLASS_ID, bodySize, { contentType: "text/plain", deliveryMode: 2, headers: new Map([["k", { type: "I", value: 1 }]]) });
}

test("deliverFrames is basic.deliver + header + body frames in one Buffer", () => {
  const body = Buffer.alloc(9_000, 0x62);
  const header = contentOf(body.length);
  const frames = deliverFrames(3, "ctag-é", 2 ** 40 + 1, true, "amq.topic", "a.b.c", header, body, 4_096);
  const expected = Buffer.concat([
    methodFrame(3, { method: "basic.deliver", consumerTag: "ctag-é", deliveryTag: 2 ** 40 + 1, redelivered: true, exchange: "amq.topic", routingKey: "a.b.c" }),
    headerFrame(3, header),
    bodyFrames(3, body, 4_096),
  ]);
  assert.deepEqual(frames, expected);
  assert.equal(splitFrames(frames, false).length, 1 + 1 + 3);
});

test("an empty body is delivered as method and header frames only", () => {
  const header = contentOf(0);
  const frames = deliverFrames(1, "c", 1, false, "", "q", header, Buffer.alloc(0), 4_096);
  assert.deepEqual(splitFrames(frames, false).map((frame) => frame.type), [1, 2]);
});

test("getOkFrames and returnFrames match their method frames followed by the content", () => {
  const body = [Buffer.from("hello "), Buffer.from("world")];
  const header = contentOf(11);
  const content = Buffer.concat([headerFrame(5, header), bodyFrames(5, body, 4_096)]);
  assert.deepEqual(
    getOkFrames(5, 9, false, "ex", "rk", 42, header, body, 4_096),
    Buffer.concat([methodFrame(5, { method: "basic.get-ok", deliveryTag: 9, redelivered: false, exchange: "ex", routingKey: "rk", messageCount: 42 }), content]),
  );
  assert.deepEqual(
    returnFrames(5, 312, "NO_ROUTE", "ex", "rk", header, body, 4_096),
    Buffer.concat([methodFrame(5, { method: "basic.return", replyCode: 312, replyText: "NO_ROUTE", exchange: "ex", routingKey: "rk" }), content]),
  );
});

test("a header whose body-size differs from the body is a broken invariant", () => {
  assert.throws(() => deliverFrames(1, "c", 1, false, "", "q", contentOf(5), Buffer.alloc(4), 4_096), /invariant/);
});

test("basic.ack and basic.nack frames match the generated encoder", () => {
  for (const [deliveryTag, multiple] of [[1, false], [2 ** 53 - 1, true]] as const) {
    assert.deepEqual(basicAckFrame(4, deliveryTag, multiple), methodFrame(4, { method: "basic.ack", deliveryTag, multiple }));
    for (const requeue of [false, true]) {
      assert.deepEqual(basicNackFrame(4, deliveryTag, multiple, requeue), methodFrame(4, { method: "basic.nack", deliveryTag, multiple, requeue }));
    }
  }
  assert.deepEqual(basicNackFrame(1, 1, false), methodFrame(1, { method: "basic.nack", deliveryTag: 1, multiple: false, requeue: false }));
});
