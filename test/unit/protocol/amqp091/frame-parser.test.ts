import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BrokerError, Errors } from "../../../../src/errors/registry.js";
import { FrameParser, PROTOCOL_HEADER, type FrameSink } from "../../../../src/protocol/amqp091/frame-parser.js";
import { HEARTBEAT_FRAME, bodyFrames } from "../../../../src/protocol/amqp091/frame-writer.js";
import { contentHeaderFixtures, methodFixtures, splitFrames, type RecordedFrame } from "../../../fixtures/amqp091/load-fixtures.js";

const FRAME_SIZE_MAX = 4_096;

/** Records what the parser hands out, copying payloads (they are only valid during the call). */
class RecordingSink implements FrameSink {
  readonly headers: Buffer[] = [];
  readonly frames: RecordedFrame[] = [];
  readonly views: Buffer[] = [];
  onProtocolHeader(header: Buffer): void {
    this.headers.push(header);
  }
  onFrame(type: number, channel: number, data: Buffer, start: number, end: number): void {
    const payload = data.subarray(start, end);
    this.views.push(payload);
    this.frames.push({ type, channel, payload: Buffer.from(payload) });
  }
}

function parse(chunks: Buffer[], frameSizeMax = FRAME_SIZE_MAX): RecordingSink {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, frameSizeMax);
  for (const chunk of chunks) parser.push(chunk);
  return sink;
}

const isFrameError = (error: unknown): boolean => error instanceof BrokerError && error.kind === Errors.FRAME_ERROR;

/** The protocol header, then every fixture frame, a 10,000-byte body split into frames, and heartbeats. */
function fixtureStream(): Buffer {
  const body = Buffer.alloc(10_000, 0x61);
  return Buffer.concat([
    PROTOCOL_HEADER,
    HEARTBEAT_FRAME,
    ...methodFixtures().map((fixture) => fixture.frame),
    ...contentHeaderFixtures().map((fixture) => fixture.frame),
    bodyFrames(1, body, FRAME_SIZE_MAX),
    HEARTBEAT_FRAME,
  ]);
}

test("the fixture stream parses into its frames in one push", () => {
  const stream = fixtureStream();
  const sink = parse([stream]);
  assert.deepEqual(sink.headers, [PROTOCOL_HEADER]);
  assert.deepEqual(sink.frames, splitFrames(stream, true));
  assert.ok(sink.frames.length > 70);
});

/** Hashes what the parser hands out: cheap enough to compare thousands of parses. */
function parseDigest(chunks: Buffer[]): string {
  const hash = createHash("sha256");
  const parser = new FrameParser(
    {
      onProtocolHeader: (header) => hash.update(header),
      onFrame: (type, channel, data, start, end) => {
        const payload = data.subarray(start, end);
        const prefix = Buffer.alloc(7);
        prefix[0] = type;
        prefix.writeUInt16BE(channel, 1);
        prefix.writeUInt32BE(payload.length, 3);
        hash.update(prefix).update(payload);
      },
    },
    FRAME_SIZE_MAX,
  );
  for (const chunk of chunks) parser.push(chunk);
  return hash.digest("hex");
}

test("split at every byte position, the fixture stream gives the same frames", () => {
  const stream = fixtureStream();
  const expected = parseDigest([stream]);
  assert.deepEqual(parse([stream]).frames, splitFrames(stream, true));
  for (let position = 1; position < stream.length; position++) {
    assert.equal(parseDigest([stream.subarray(0, position), stream.subarray(position)]), expected, `split at ${position}`);
  }
});

test("split into three at random positions, the fixture stream gives the same frames", () => {
  const stream = fixtureStream();
  const expected = parseDigest([stream]);
  let seed = 12_345;
  const random = (limit: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % limit;
  };
  for (let round = 0; round < 2_000; round++) {
    const [first, second] = [random(stream.length), random(stream.length)].sort((left, right) => left - right);
    const chunks = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
    assert.equal(parseDigest(chunks), expected, `split at ${first} and ${second}`);
  }
});

test("byte by byte, the fixture stream gives the same frames", () => {
  const stream = fixtureStream();
  const chunks = Array.from(stream, (byte) => Buffer.from([byte]));
  const sink = parse(chunks);
  assert.deepEqual(sink.headers, [PROTOCOL_HEADER]);
  assert.deepEqual(sink.frames, splitFrames(stream, true));
});

test("a frame inside one chunk is a view of it; a frame spanning reads is copied into one reused buffer", () => {
  const frame = methodFixtures()[0].frame;
  const chunk = Buffer.concat([PROTOCOL_HEADER, frame]);
  const inside = parse([chunk]);
  assert.equal(inside.views[0].buffer, chunk.buffer);
  assert.equal(inside.views[0].byteOffset, chunk.byteOffset + 8 + 7);

  const twice = Buffer.concat([frame, frame]);
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  parser.push(PROTOCOL_HEADER);
  parser.push(twice.subarray(0, 20));
  parser.push(twice.subarray(20, frame.length + 20));
  parser.push(twice.subarray(frame.length + 20));
  assert.equal(sink.views.length, 2);
  assert.equal(sink.views[0].buffer, sink.views[1].buffer, "both spanning frames used the same buffer");
  assert.equal(sink.views[0].byteOffset, sink.views[1].byteOffset);
  const insideTwice = sink.views[0].buffer === twice.buffer && sink.views[0].byteOffset >= twice.byteOffset && sink.views[0].byteOffset < twice.byteOffset + twice.length;
  assert.ok(!insideTwice, "a spanning frame is a copy, not a view of the input");
  assert.deepEqual(sink.frames[0], sink.frames[1]);
});

test("a frame whose header alone was split is still handed out as a view", () => {
  const frame = methodFixtures()[1].frame;
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  parser.push(PROTOCOL_HEADER);
  parser.push(frame.subarray(0, 3));
  const rest = frame.subarray(3);
  parser.push(rest);
  assert.equal(sink.views[0].buffer, rest.buffer);
});

test("the protocol header is delivered once, a copy, however it arrives", () => {
  const sink = parse([Buffer.from("AM"), Buffer.from("QP\x00"), Buffer.from([0, 9, 1])]);
  assert.deepEqual(sink.headers, [PROTOCOL_HEADER]);
});

test("a client that sends a few wrong bytes and waits is refused at once, padded with zeros", () => {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  parser.push(Buffer.from("abc"));
  assert.deepEqual(sink.headers, [Buffer.from("abc\0\0\0\0\0", "latin1")]);
  assert.equal(parser.stopped, true);
  parser.push(Buffer.from("more input is ignored"));
  assert.equal(sink.headers.length, 1);
  assert.equal(sink.frames.length, 0);
});

test("other protocol headers are delivered as soon as they differ from 0-9-1", () => {
  assert.deepEqual(parse([Buffer.from("AMQP\x00\x01", "latin1")]).headers, [Buffer.from("AMQP\x00\x01\x00\x00", "latin1")]);
  assert.deepEqual(parse([Buffer.from("AMQP\x01\x01\x00\x09", "latin1")]).headers, [Buffer.from("AMQP\x01\x01\x00\x09", "latin1")]);
  assert.deepEqual(parse([Buffer.from("GET / HTTP/1.1\r\n")]).headers, [Buffer.from("GET / HT", "latin1")]);
  assert.deepEqual(parse([Buffer.from("G")]).headers, [Buffer.from("G\0\0\0\0\0\0\0", "latin1")]);
  assert.deepEqual(parse([Buffer.from("AMQP\x00\x00\x09\x02", "latin1")]).headers, [Buffer.from("AMQP\x00\x00\x09\x02", "latin1")]);
  const waiting = parse([Buffer.from("AMQP")]);
  assert.deepEqual(waiting.headers, [], "a correct prefix waits for the rest");
});

function frameHeader(type: number, channel: number, sizeBytes: number): Buffer {
  const header = Buffer.alloc(7);
  header[0] = type;
  header.writeUInt16BE(channel, 1);
  header.writeUInt32BE(sizeBytes, 3);
  return header;
}

test("a frame larger than frame_max is FRAME_ERROR on its header, before the payload arrives", () => {
  assert.throws(() => parse([PROTOCOL_HEADER, frameHeader(3, 1, FRAME_SIZE_MAX - 7)]), isFrameError);
  assert.throws(() => parse([PROTOCOL_HEADER, frameHeader(3, 1, 0xffff_ffff)]), isFrameError);
  const largest = Buffer.concat([frameHeader(3, 1, FRAME_SIZE_MAX - 8), Buffer.alloc(FRAME_SIZE_MAX - 8), Buffer.from([0xce])]);
  assert.equal(parse([PROTOCOL_HEADER, largest]).frames.length, 1);
});

test("setFrameSizeMax applies from the next frame", () => {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  const big = Buffer.concat([frameHeader(3, 1, 10_000), Buffer.alloc(10_000), Buffer.from([0xce])]);
  parser.push(PROTOCOL_HEADER);
  parser.setFrameSizeMax(131_072);
  parser.push(big);
  assert.equal(sink.frames.length, 1);
  assert.throws(() => parser.setFrameSizeMax(8), RangeError);
});

test("a wrong frame-end octet is FRAME_ERROR, whether the frame is whole or split", () => {
  const frame = Buffer.from(methodFixtures()[2].frame);
  frame[frame.length - 1] = 0;
  assert.throws(() => parse([PROTOCOL_HEADER, frame]), isFrameError);
  assert.throws(() => parse([PROTOCOL_HEADER, frame.subarray(0, 10), frame.subarray(10)]), isFrameError);
  assert.throws(() => parse([PROTOCOL_HEADER, frame.subarray(0, frame.length - 1), frame.subarray(frame.length - 1)]), isFrameError);
  assert.throws(() => parse([PROTOCOL_HEADER, frame.subarray(0, 3), frame.subarray(3)]), isFrameError);
});

test("unknown frame types and a heartbeat with a payload are FRAME_ERROR, as in RabbitMQ", () => {
  for (const type of [0, 4, 5, 9, 255]) {
    assert.throws(() => parse([PROTOCOL_HEADER, frameHeader(type, 1, 0), Buffer.from([0xce])]), isFrameError, `type ${type}`);
  }
  assert.throws(() => parse([PROTOCOL_HEADER, frameHeader(8, 0, 1), Buffer.from([0, 0xce])]), isFrameError);
});

test("after a framing error the parser ignores all input", () => {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  parser.push(PROTOCOL_HEADER);
  assert.throws(() => parser.push(frameHeader(7, 0, 0)), isFrameError);
  assert.equal(parser.stopped, true);
  parser.push(HEARTBEAT_FRAME);
  assert.equal(sink.frames.length, 0);
});

test("an error thrown by the sink propagates, and parsing resumes where it stopped", () => {
  const frames = methodFixtures().slice(0, 5).map((fixture) => fixture.frame);
  const stream = Buffer.concat([PROTOCOL_HEADER, ...frames]);
  const seen: number[] = [];
  let calls = 0;
  const parser = new FrameParser(
    {
      onProtocolHeader: () => {},
      onFrame: (_type, _channel, data, start, end) => {
        const payload = data.subarray(start, end);
        calls += 1;
        seen.push(payload.length >= 4 ? payload.readUInt32BE(0) : -1);
        if (calls === 2) throw new BrokerError(Errors.COMMAND_INVALID, "from the sink");
      },
    },
    FRAME_SIZE_MAX,
  );
  assert.throws(() => parser.push(stream), (error) => error instanceof BrokerError && error.kind === Errors.COMMAND_INVALID);
  assert.equal(parser.stopped, false);
  assert.equal(seen.length, 2);
  parser.push(HEARTBEAT_FRAME);
  const expected = frames.map((frame) => frame.readUInt32BE(7));
  assert.deepEqual(seen.slice(0, 5), expected);
  assert.equal(calls, 6, "the rest of the first chunk, then the heartbeat");
});

test("pause() inside onFrame stops at that frame; the rest, and later pushes, wait for resume()", () => {
  const stream = fixtureStream();
  const expected = splitFrames(stream, true);
  let seed = 99;
  const random = (limit: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % limit;
  };
  for (let round = 0; round < 200; round++) {
    const cut = random(stream.length);
    const chunks = [stream.subarray(0, cut), stream.subarray(cut)];
    const pauseAfter = new Set([random(expected.length), random(expected.length), random(expected.length)]);
    const frames: RecordedFrame[] = [];
    let pausedAt = -1;
    const parser = new FrameParser(
      {
        onProtocolHeader: () => {},
        onFrame: (type, channel, data, start, end) => {
          frames.push({ type, channel, payload: Buffer.from(data.subarray(start, end)) });
          if (pauseAfter.has(frames.length)) {
            parser.pause();
            pausedAt = frames.length;
          }
        },
      },
      FRAME_SIZE_MAX,
    );
    for (const chunk of chunks) {
      parser.push(chunk);
      if (parser.isPaused) assert.equal(frames.length, pausedAt, "nothing is parsed while paused");
    }
    while (parser.isPaused) {
      const before = frames.length;
      parser.resume();
      assert.ok(frames.length > before || !parser.isPaused || frames.length === expected.length);
    }
    assert.deepEqual(frames, expected, `round ${round}: cut at ${cut}, paused after ${[...pauseAfter].join(", ")}`);
  }
});

test("pause() between pushes holds the next push whole; resume() before any push changes nothing", () => {
  const stream = fixtureStream();
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, FRAME_SIZE_MAX);
  parser.resume();
  parser.pause();
  parser.push(stream.subarray(0, 100));
  parser.push(stream.subarray(100));
  assert.equal(sink.frames.length, 0);
  assert.equal(sink.headers.length, 0);
  parser.resume();
  assert.deepEqual(sink.frames, splitFrames(stream, true));
});
