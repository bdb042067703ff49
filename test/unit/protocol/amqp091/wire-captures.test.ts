/**
 * Byte streams recorded between real clients (amqplib, rabbitmq-c) and RabbitMQ
 * 3.10.8 (test/fixtures/amqp091/wire/). Every frame must parse however the stream
 * is cut, and every method and content header must decode and encode again to
 * exactly the bytes the real peer sent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeContentHeader, encodeContentHeader, validateContentHeader, contentHeaderDeliveryMode } from "../../../../src/message/properties.generated.js";
import { FrameParser, PROTOCOL_HEADER } from "../../../../src/protocol/amqp091/frame-parser.js";
import { decodeMethod, encodeMethod, isContentMethod, type Method } from "../../../../src/protocol/amqp091/methods.generated.js";
import { splitFrames, wireCaptures, type RecordedFrame } from "../../../fixtures/amqp091/load-fixtures.js";

function parseAll(chunks: Buffer[]): { headers: Buffer[]; frames: RecordedFrame[] } {
  const headers: Buffer[] = [];
  const frames: RecordedFrame[] = [];
  const parser = new FrameParser(
    {
      onProtocolHeader: (header) => headers.push(header),
      onFrame: (type, channel, data, start, end) => frames.push({ type, channel, payload: Buffer.from(data.subarray(start, end)) }),
    },
    131_072,
  );
  for (const chunk of chunks) parser.push(chunk);
  return { headers, frames };
}

/** The server's direction has no protocol header: give the parser one so it reads frames. */
function streams(capture: ReturnType<typeof wireCaptures>[number]): { name: string; stream: Buffer }[] {
  return [
    { name: "client to server", stream: capture.clientToServer },
    { name: "server to client", stream: Buffer.concat([PROTOCOL_HEADER, capture.serverToClient]) },
  ];
}

const captures = wireCaptures();

test("the recorded sessions are there", () => {
  assert.ok(captures.length >= 4);
  for (const capture of captures) assert.deepEqual(capture.clientToServer.subarray(0, 8), PROTOCOL_HEADER);
});

for (const capture of captures) {
  for (const { name, stream } of streams(capture)) {
    test(`${capture.name}, ${name}: parsed whole, byte by byte and split anywhere`, () => {
      const expected = splitFrames(stream, true);
      assert.deepEqual(parseAll([stream]), { headers: [PROTOCOL_HEADER], frames: expected });
      assert.deepEqual(parseAll(Array.from(stream, (byte) => Buffer.from([byte]))).frames, expected);
      const step = Math.max(1, Math.floor(stream.length / 400));
      for (let position = 1; position < stream.length; position += step) {
        assert.deepEqual(parseAll([stream.subarray(0, position), stream.subarray(position)]).frames, expected, `split at ${position}`);
      }
    });

    test(`${capture.name}, ${name}: every method and content header re-encodes byte-exact`, () => {
      let expectHeader = false;
      let methods = 0;
      let headers = 0;
      for (const frame of splitFrames(stream, true)) {
        if (frame.type === 1) {
          const method: Method = decodeMethod(frame.payload);
          assert.deepEqual(encodeMethod(method), frame.payload, method.method);
          expectHeader = isContentMethod(method.method);
          methods += 1;
        } else if (frame.type === 2) {
          assert.ok(expectHeader, "a content header follows a content method");
          const header = decodeContentHeader(frame.payload);
          assert.deepEqual(encodeContentHeader(header.classId, header.bodySize, header.properties), frame.payload);
          assert.equal(validateContentHeader(frame.payload), header.bodySize);
          assert.equal(contentHeaderDeliveryMode(frame.payload), header.properties.deliveryMode);
          expectHeader = false;
          headers += 1;
        }
      }
      assert.ok(methods > 3, `${methods} methods`);
      assert.ok(headers > 0 || name === "client to server" || capture.name.includes("publish"), `${headers} content headers`);
    });
  }
}

test("amqplib's publish carries every basic property, decoded as sent", () => {
  const capture = captures.find((candidate) => candidate.name.startsWith("amqplib"));
  assert.ok(capture !== undefined);
  const frames = splitFrames(capture.clientToServer, true);
  const publishIndex = frames.findIndex((frame) => frame.type === 1 && decodeMethod(frame.payload).method === "basic.publish");
  const { properties, bodySize } = decodeContentHeader(frames[publishIndex + 1].payload);
  assert.equal(bodySize, 5);
  assert.equal(properties.contentType, "text/plain");
  assert.equal(properties.deliveryMode, 2);
  assert.equal(properties.priority, 5);
  assert.equal(properties.expiration, "60000");
  assert.equal(properties.timestamp, 1_700_000_000);
  assert.equal(properties.appId, "fixture-app");
  assert.deepEqual(properties.headers?.get("s"), { type: "S", value: Buffer.from("str") });
  assert.deepEqual(properties.headers?.get("big"), { type: "l", value: 2n ** 40n });
});
