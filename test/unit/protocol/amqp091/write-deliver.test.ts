import { test } from "node:test";
import assert from "node:assert/strict";
import { deliverFrames, deliverFramesSizeBytes, writeDeliver } from "../../../../src/protocol/amqp091/frame-writer.js";
import { encodeContentHeader } from "../../../../src/message/properties.generated.js";

test("writeDeliver writes exactly what the generated encoder's deliverFrames builds", () => {
  const cases = [
    { tag: "amq.ctag-abc", exchange: "", key: "q", body: Buffer.alloc(0), frameMax: 4096 },
    { tag: "ctag", exchange: "amq.topic", key: "a.b.c", body: Buffer.from("hello"), frameMax: 4096 },
    { tag: "ünïcödé", exchange: "ex-ç", key: "ключ", body: Buffer.alloc(10_000, 7), frameMax: 4096 },
    { tag: "t", exchange: "x".repeat(255), key: "k".repeat(255), body: Buffer.alloc(4088, 1), frameMax: 4096 },
  ];
  for (const [index, item] of cases.entries()) {
    const header = encodeContentHeader(60, item.body.length, { contentType: "text/plain", headers: new Map([["n", { type: "I", value: index }]]) });
    const expected = deliverFrames(3, item.tag, 2 ** 40 + index, index % 2 === 0, item.exchange, item.key, header, item.body, item.frameMax);
    const [tagBytes, exchangeBytes, keyBytes] = [item.tag, item.exchange, item.key].map((text) => Buffer.byteLength(text));
    const size = deliverFramesSizeBytes(tagBytes, exchangeBytes, keyBytes, header.length, item.body.length, item.frameMax);
    assert.equal(size, expected.length);
    const target = Buffer.alloc(size + 10, 0xee);
    const [tag, exchange, key] = [item.tag, item.exchange, item.key].map((text) => Buffer.from(text, "utf8"));
    const end = writeDeliver(target, 5, 3, tag, 2 ** 40 + index, index % 2 === 0, exchange, key, header, item.body, item.frameMax);
    assert.equal(end, 5 + size);
    assert.ok(target.subarray(5, end).equals(expected), `case ${index} differs`);
  }
});
