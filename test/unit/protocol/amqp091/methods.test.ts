import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerError, Errors } from "../../../../src/errors/registry.js";
import { EMPTY_TABLE } from "../../../../src/message/field-table.js";
import {
  METHOD_IDS,
  decodeMethod,
  encodeMethod,
  encodeMethodWithRoom,
  isContentMethod,
  isSynchronousMethod,
  methodName,
  type MethodName,
} from "../../../../src/protocol/amqp091/methods.generated.js";
import { methodFixtures } from "../../../fixtures/amqp091/load-fixtures.js";

function assertBrokerError(error: unknown, kind: (typeof Errors)[keyof typeof Errors], classId?: number, methodId?: number): true {
  assert.ok(error instanceof BrokerError, `expected a BrokerError, got ${String(error)}`);
  assert.equal(error.kind, kind, error.message);
  if (classId !== undefined) assert.equal(error.classId, classId);
  if (methodId !== undefined) assert.equal(error.methodId, methodId);
  return true;
}

test("there is one fixture for every method in the spec", () => {
  const names = methodFixtures().map((fixture) => fixture.method.method).sort();
  assert.deepEqual(names, (Object.keys(METHOD_IDS) as MethodName[]).sort());
  assert.equal(names.length, 66);
});

for (const fixture of methodFixtures()) {
  test(`${fixture.method.method}: encodes to the recorded bytes and decodes back`, () => {
    assert.equal(encodeMethod(fixture.method).toString("hex"), fixture.payload.toString("hex"));
    assert.deepEqual(decodeMethod(fixture.payload), fixture.method);
  });

  test(`${fixture.method.method}: every truncation is FRAME_ERROR naming the method, trailing bytes too`, () => {
    const { classId, methodId } = METHOD_IDS[fixture.method.method];
    for (let length = 4; length < fixture.payload.length; length++) {
      assert.throws(() => decodeMethod(fixture.payload.subarray(0, length)), (error) => assertBrokerError(error, Errors.FRAME_ERROR, classId, methodId));
    }
    const trailing = Buffer.concat([fixture.payload, Buffer.from([0])]);
    assert.throws(() => decodeMethod(trailing), (error) => assertBrokerError(error, Errors.FRAME_ERROR, classId, methodId));
  });
}

test("decoded methods do not alias the payload", () => {
  const fixture = methodFixtures().find((candidate) => candidate.method.method === "connection.start-ok");
  assert.ok(fixture !== undefined);
  const payload = Buffer.from(fixture.payload);
  const decoded = decodeMethod(payload);
  payload.fill(0);
  assert.deepEqual(decoded, fixture.method);
});

test("a payload shorter than the ids, and unknown ids, are refused", () => {
  assert.throws(() => decodeMethod(Buffer.from([0, 60, 0])), (error) => assertBrokerError(error, Errors.FRAME_ERROR));
  assert.throws(() => decodeMethod(Buffer.from([0, 60, 0, 99])), (error) => assertBrokerError(error, Errors.COMMAND_INVALID, 60, 99));
  assert.throws(() => decodeMethod(Buffer.from([0, 99, 0, 10])), (error) => assertBrokerError(error, Errors.COMMAND_INVALID, 99, 10));
  assert.throws(() => decodeMethod(Buffer.from([0xff, 0xff, 0xff, 0xff])), (error) => assertBrokerError(error, Errors.COMMAND_INVALID, 0xffff, 0xffff));
});

// RabbitMQ 3.10.8 answers undecodable arguments with FRAME_ERROR: "cannot decode <<...>>".
test("a shortstr running past the end is FRAME_ERROR", () => {
  // queue.declare: ticket 0, then a queue name claiming 200 bytes with 2 present.
  const payload = Buffer.from([0, 50, 0, 10, 0, 0, 200, 0x41, 0x42]);
  assert.throws(() => decodeMethod(payload), (error) => assertBrokerError(error, Errors.FRAME_ERROR, 50, 10));
});

test("a malformed table argument is FRAME_ERROR carrying the method's ids", () => {
  // queue.declare with arguments holding a value of unknown type 'Z'.
  const payload = Buffer.from([0, 50, 0, 10, 0, 0, 2, 0x71, 0x31, 0, 0, 0, 0, 4, 1, 0x61, 0x5a, 0]);
  assert.throws(() => decodeMethod(payload), (error) => assertBrokerError(error, Errors.FRAME_ERROR, 50, 10));
});

test("unused high bits of a bit octet are ignored, as RabbitMQ does", () => {
  const decoded = decodeMethod(Buffer.from([0, 60, 0, 10, 0, 0, 0, 0, 0, 1, 0xfe]));
  assert.deepEqual(decoded, { method: "basic.qos", prefetchSize: 0, prefetchCount: 1, global: false });
});

test("MethodInit fills in the spec's defaults", () => {
  assert.deepEqual(decodeMethod(encodeMethod({ method: "connection.tune" })), { method: "connection.tune", channelMax: 0, frameMax: 0, heartbeat: 0 });
  assert.deepEqual(decodeMethod(encodeMethod({ method: "basic.publish" })), {
    method: "basic.publish", ticket: 0, exchange: "", routingKey: "", mandatory: false, immediate: false,
  });
  assert.deepEqual(decodeMethod(encodeMethod({ method: "queue.declare" })), {
    method: "queue.declare", ticket: 0, queue: "", passive: false, durable: false, exclusive: false, autoDelete: false, nowait: false, arguments: EMPTY_TABLE,
  });
  const start = decodeMethod(encodeMethod({ method: "connection.start", serverProperties: new Map() }));
  assert.equal(start.method, "connection.start");
  if (start.method === "connection.start") {
    assert.deepEqual([start.versionMajor, start.versionMinor, start.mechanisms.toString(), start.locales.toString()], [0, 9, "PLAIN", "en_US"]);
  }
  assert.deepEqual(decodeMethod(encodeMethod({ method: "basic.nack", deliveryTag: 5 })), {
    method: "basic.nack", deliveryTag: 5, multiple: false, requeue: true,
  });
});

test("bits pack into one octet in argument order", () => {
  const payload = encodeMethod({ method: "queue.declare", queue: "q", durable: true, autoDelete: true, nowait: true });
  assert.equal(payload[4 + 2 + 2], 0b11010);
  const nack = encodeMethod({ method: "basic.nack", deliveryTag: 1, multiple: true, requeue: false });
  assert.equal(nack[nack.length - 1], 0b01);
});

test("longlong fields are exact up to 2^53 and refuse what is not", () => {
  const deliveryTag = Number.MAX_SAFE_INTEGER;
  const decoded = decodeMethod(encodeMethod({ method: "basic.ack", deliveryTag, multiple: false }));
  assert.equal(decoded.method === "basic.ack" && decoded.deliveryTag, deliveryTag);
  assert.throws(() => encodeMethod({ method: "basic.ack", deliveryTag: -1, multiple: false }), RangeError);
  assert.throws(() => encodeMethod({ method: "basic.ack", deliveryTag: 1.5, multiple: false }), RangeError);
});

test("a string too long for a shortstr is a RangeError when encoding", () => {
  assert.throws(() => encodeMethod({ method: "basic.consume-ok", consumerTag: "x".repeat(256) }), RangeError);
  assert.doesNotThrow(() => encodeMethod({ method: "basic.consume-ok", consumerTag: "é".repeat(127) }));
  assert.throws(() => encodeMethod({ method: "basic.consume-ok", consumerTag: "é".repeat(128) }), RangeError);
});

test("encodeMethodWithRoom leaves room around the payload", () => {
  const payload = encodeMethod({ method: "basic.qos", prefetchCount: 10 });
  const roomy = encodeMethodWithRoom({ method: "basic.qos", prefetchCount: 10 }, 7, 3);
  assert.equal(roomy.length, payload.length + 10);
  assert.deepEqual(roomy.subarray(7, 7 + payload.length), payload);
});

test("ids, names, content and synchronous methods", () => {
  assert.deepEqual(METHOD_IDS["basic.publish"], { classId: 60, methodId: 40 });
  assert.deepEqual(METHOD_IDS["exchange.unbind-ok"], { classId: 40, methodId: 51 });
  assert.equal(methodName(60, 40), "basic.publish");
  assert.equal(methodName(60, 99), undefined);
  const content = (Object.keys(METHOD_IDS) as MethodName[]).filter(isContentMethod).sort();
  assert.deepEqual(content, ["basic.deliver", "basic.get-ok", "basic.publish", "basic.return"]);
  assert.equal(isSynchronousMethod("queue.declare"), true);
  assert.equal(isSynchronousMethod("queue.declare-ok"), false);
  assert.equal(isSynchronousMethod("basic.publish"), false);
  assert.equal(isSynchronousMethod("basic.get"), true);
});

test("a shortstr that is not UTF-8 is FRAME_ERROR; a real U+FFFD passes", () => {
  // basic.publish with routing key bytes 71 ff fe. RabbitMQ answers FRAME_ERROR "Malformed
  // UTF-8 in shortstr" for names, binding keys and consumer tags, and passes publish keys through.
  const payload = Buffer.from([0, 60, 0, 40, 0, 0, 0, 3, 0x71, 0xff, 0xfe, 0]);
  assert.throws(() => decodeMethod(payload), (error) => assertBrokerError(error, Errors.FRAME_ERROR, 60, 40));
  const replacement = encodeMethod({ method: "basic.publish", routingKey: "a\uFFFDb" });
  assert.deepEqual(decodeMethod(replacement), { method: "basic.publish", ticket: 0, exchange: "", routingKey: "a\uFFFDb", mandatory: false, immediate: false });
});
