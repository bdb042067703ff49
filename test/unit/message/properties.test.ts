import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerError, Errors } from "../../../src/errors/registry.js";
import {
  BASIC_CLASS_ID,
  contentHeaderAppId,
  contentHeaderBodySize,
  contentHeaderClassId,
  contentHeaderClusterId,
  contentHeaderContentType,
  contentHeaderDeliveryMode,
  contentHeaderExpiration,
  contentHeaderHeaders,
  contentHeaderPriority,
  contentHeaderTimestamp,
  decodeContentHeader,
  encodeContentHeader,
  validateContentHeader,
  type BasicProperties,
} from "../../../src/message/properties.generated.js";
import { contentHeaderFixtures } from "../../fixtures/amqp091/load-fixtures.js";

const isSyntaxError = (error: unknown): boolean => error instanceof BrokerError && error.kind === Errors.SYNTAX_ERROR;
const isFrameError = (error: unknown): boolean => error instanceof BrokerError && error.kind === Errors.FRAME_ERROR;

for (const fixture of contentHeaderFixtures()) {
  test(`content header "${fixture.name}": encodes to amqplib's bytes and decodes back`, () => {
    assert.deepEqual(encodeContentHeader(BASIC_CLASS_ID, fixture.bodySize, fixture.properties), fixture.payload);
    assert.deepEqual(decodeContentHeader(fixture.payload), { classId: BASIC_CLASS_ID, weight: 0, bodySize: fixture.bodySize, properties: fixture.properties });
    assert.equal(validateContentHeader(fixture.payload), fixture.bodySize);
  });

  test(`content header "${fixture.name}": the accessors agree with the full decode`, () => {
    const { properties } = fixture;
    assert.equal(contentHeaderClassId(fixture.payload), BASIC_CLASS_ID);
    assert.equal(contentHeaderBodySize(fixture.payload), fixture.bodySize);
    assert.equal(contentHeaderDeliveryMode(fixture.payload), properties.deliveryMode);
    assert.equal(contentHeaderPriority(fixture.payload), properties.priority);
    assert.equal(contentHeaderExpiration(fixture.payload), properties.expiration);
    assert.equal(contentHeaderContentType(fixture.payload), properties.contentType);
    assert.equal(contentHeaderTimestamp(fixture.payload), properties.timestamp);
    assert.equal(contentHeaderAppId(fixture.payload), properties.appId);
    assert.equal(contentHeaderClusterId(fixture.payload), properties.clusterId);
    assert.deepEqual(contentHeaderHeaders(fixture.payload), properties.headers);
  });

  test(`content header "${fixture.name}": every truncation and any trailing byte is refused`, () => {
    for (let length = 0; length < fixture.payload.length; length++) {
      const truncated = fixture.payload.subarray(0, length);
      // Shorter than the fixed part it is not a header at all (RabbitMQ: FRAME_ERROR); after that, bad properties.
      const expected = length < 14 ? isFrameError : isSyntaxError;
      assert.throws(() => decodeContentHeader(truncated), expected, `decoding ${length} bytes`);
      assert.throws(() => validateContentHeader(truncated), expected, `validating ${length} bytes`);
      if (length < 14) assert.throws(() => contentHeaderBodySize(truncated), isFrameError);
    }
    const trailing = Buffer.concat([fixture.payload, Buffer.from([0])]);
    assert.throws(() => decodeContentHeader(trailing), isSyntaxError);
    assert.throws(() => validateContentHeader(trailing), isSyntaxError);
  });
}

function header(flagWords: number[], propertyBytes: number[] = []): Buffer {
  const words = flagWords.flatMap((word) => [word >> 8, word & 0xff]);
  return Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, ...words, ...propertyBytes]);
}

test("continuation flag words are read, and may not name properties basic lacks", () => {
  // delivery-mode (bit 12) set, then two continuation words, the last empty.
  const continued = header([0x1001, 0x0001, 0x0000], [2]);
  assert.deepEqual(decodeContentHeader(continued).properties, { deliveryMode: 2 });
  assert.equal(validateContentHeader(continued), 3);
  assert.equal(contentHeaderDeliveryMode(continued), 2);
  assert.throws(() => decodeContentHeader(header([0x0001, 0x8000])), isSyntaxError);
  assert.throws(() => decodeContentHeader(header([0x0001])), isSyntaxError, "a promised flag word is missing");
  assert.throws(() => decodeContentHeader(header([0x0002])), isSyntaxError, "bit 1 names a 15th property");
  assert.throws(() => validateContentHeader(header([0x0002])), isSyntaxError);
  assert.throws(() => contentHeaderPriority(header([0x0002])), isSyntaxError);
});

test("a header for a class other than basic is UNEXPECTED_FRAME, as RabbitMQ answers", () => {
  const queueClass = Buffer.from([0, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeContentHeader(queueClass), (error) => error instanceof BrokerError && error.kind === Errors.UNEXPECTED_FRAME);
  assert.equal(contentHeaderClassId(queueClass), 50);
});

test("accessors skip a headers table by its length without decoding it", () => {
  const properties: BasicProperties = { contentType: "a", headers: new Map([["k", { type: "I", value: 1 }]]), priority: 4, expiration: "5" };
  const payload = encodeContentHeader(BASIC_CLASS_ID, 10, properties);
  assert.equal(contentHeaderPriority(payload), 4);
  assert.equal(contentHeaderExpiration(payload), "5");
  assert.equal(contentHeaderDeliveryMode(payload), undefined);
});

test("encoding refuses values that do not fit", () => {
  assert.throws(() => encodeContentHeader(BASIC_CLASS_ID, 0, { messageId: "x".repeat(256) }), RangeError);
  assert.throws(() => encodeContentHeader(BASIC_CLASS_ID, 0, { priority: 256 }), RangeError);
  assert.throws(() => encodeContentHeader(BASIC_CLASS_ID, -1, {}), RangeError);
});

test("a shortstr property that is not UTF-8 is SYNTAX_ERROR", () => {
  const payload = Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 2, 0xc3, 0x28]);
  assert.throws(() => decodeContentHeader(payload), isSyntaxError);
  assert.throws(() => contentHeaderContentType(payload), isSyntaxError);
});
