/**
 * Seeded fuzzing of the AMQP 0-9-1 input path: FrameParser, decodeMethod,
 * decodeContentHeader (with validateContentHeader and the accessors) and
 * decodeTable, fed random bytes and mutations of the recorded fixtures and real
 * client traffic. The only error allowed to escape is a BrokerError; whatever
 * decodes must encode again and decode to the same value.
 *
 *   FUZZ_SEED=1234 FUZZ_ITERATIONS=100000 node --import tsx --test test/fuzz/amqp091-parser.test.ts
 *
 * The seed is printed; a failure names the seed and iteration to replay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerError } from "../../src/errors/registry.js";
import { decodeTable, encodeTable, validateTable } from "../../src/message/field-table.js";
import {
  contentHeaderDeliveryMode,
  contentHeaderExpiration,
  contentHeaderHeaders,
  contentHeaderPriority,
  decodeContentHeader,
  encodeContentHeader,
  validateContentHeader,
} from "../../src/message/properties.generated.js";
import { FrameParser, PROTOCOL_HEADER } from "../../src/protocol/amqp091/frame-parser.js";
import { decodeMethod, encodeMethod } from "../../src/protocol/amqp091/methods.generated.js";
import { contentHeaderFixtures, methodFixtures, splitFrames, wireCaptures } from "../fixtures/amqp091/load-fixtures.js";

const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 20_000);
console.log(`amqp091 fuzz: FUZZ_SEED=${SEED} FUZZ_ITERATIONS=${ITERATIONS}`);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

class Fuzzer {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  integer(limit: number): number {
    return Math.floor(this.random() * limit);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.integer(items.length)];
  }
  bytes(count: number): Buffer {
    return Buffer.from(Array.from({ length: count }, () => this.integer(256)));
  }
  /** One to four mutations a parser tends to get wrong: boundary bytes, lengths, cuts, splices. */
  mutate(input: Buffer): Buffer {
    let output = Buffer.from(input);
    const rounds = 1 + this.integer(4);
    for (let round = 0; round < rounds; round++) {
      const position = output.length === 0 ? 0 : this.integer(output.length);
      switch (this.integer(7)) {
        case 0: if (output.length > 0) output[position] ^= 1 << this.integer(8); break;
        case 1: if (output.length > 0) output[position] = this.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff, 0xce]); break;
        case 2: if (output.length >= 4) output.writeUInt32BE(this.pick([0, 1, 0x7fff_ffff, 0xffff_ffff, this.integer(512)]), this.integer(output.length - 3)); break;
        case 3: output = output.subarray(0, position); break;
        case 4: output = Buffer.concat([output.subarray(0, position), this.bytes(1 + this.integer(8)), output.subarray(position)]); break;
        case 5: output = Buffer.concat([output, output.subarray(position)]); break;
        default: output = Buffer.concat([output.subarray(0, position), output.subarray(Math.min(output.length, position + 1 + this.integer(8)))]); break;
      }
    }
    return output;
  }
}

function onlyBrokerErrors(run: () => void, context: string): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof BrokerError)) throw new Error(`${context}: escaped ${String(error)}`, { cause: error });
  }
}

/** A decoded longlong beyond 2^53 is rounded, so it cannot be encoded back: the one allowed loss. */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (value instanceof Map) return [...value.values()].some(hasUnsafeInteger);
  if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) return Object.values(value).some(hasUnsafeInteger);
  return false;
}

function checkMethod(payload: Buffer, context: string): void {
  onlyBrokerErrors(() => {
    const method = decodeMethod(payload);
    if (hasUnsafeInteger(method)) return;
    assert.deepEqual(decodeMethod(encodeMethod(method)), method, `${context}: method round trip`);
  }, context);
}

function checkContentHeader(payload: Buffer, context: string): void {
  let decodedSize: number | undefined;
  onlyBrokerErrors(() => {
    const header = decodeContentHeader(payload);
    decodedSize = header.bodySize;
    assert.equal(contentHeaderDeliveryMode(payload), header.properties.deliveryMode);
    assert.equal(contentHeaderPriority(payload), header.properties.priority);
    assert.equal(contentHeaderExpiration(payload), header.properties.expiration);
    assert.deepEqual(contentHeaderHeaders(payload), header.properties.headers);
    if (hasUnsafeInteger(header)) return;
    assert.deepEqual(decodeContentHeader(encodeContentHeader(header.classId, header.bodySize, header.properties)).properties, header.properties);
  }, context);
  let validatedSize: number | undefined;
  onlyBrokerErrors(() => {
    validatedSize = validateContentHeader(payload);
  }, context);
  assert.equal(validatedSize, decodedSize, `${context}: validateContentHeader agrees with decodeContentHeader`);
}

function checkTable(bytes: Buffer, context: string): void {
  let decodedEnd: number | undefined;
  onlyBrokerErrors(() => {
    const { table, end } = decodeTable(bytes, 0);
    decodedEnd = end;
    assert.deepEqual(decodeTable(encodeTable(table), 0).table, table, `${context}: table round trip`);
  }, context);
  let validatedEnd: number | undefined;
  onlyBrokerErrors(() => {
    validatedEnd = validateTable(bytes, 0);
  }, context);
  assert.equal(validatedEnd, decodedEnd, `${context}: validateTable agrees with decodeTable`);
}

/** Feeds a stream in random chunks; every frame that comes out is decoded too. */
function checkStream(fuzzer: Fuzzer, stream: Buffer, context: string): void {
  const parser = new FrameParser(
    {
      onProtocolHeader: () => {},
      onFrame: (type, _channel, data, start, end) => {
        const payload = data.subarray(start, end);
        if (type === 1) checkMethod(payload, context);
        else if (type === 2) checkContentHeader(payload, context);
      },
    },
    fuzzer.pick([4_096, 131_072]),
  );
  onlyBrokerErrors(() => {
    let offset = 0;
    while (offset < stream.length && !parser.stopped) {
      const size = 1 + fuzzer.integer(fuzzer.pick([4, 64, 4_096]));
      parser.push(stream.subarray(offset, offset + size));
      offset += size;
    }
  }, context);
}

// The timeout turns a parser that loops forever into a failure that names the seed.
test(`fuzz the AMQP 0-9-1 parsers (seed ${SEED})`, { timeout: 120_000 }, () => {
  const fuzzer = new Fuzzer(SEED);
  const methods = methodFixtures().map((fixture) => fixture.payload);
  const headers = contentHeaderFixtures().map((fixture) => fixture.payload);
  const tables = methods.filter((payload) => payload.readUInt32BE(0) === 0x000a000a).map((payload) => payload.subarray(6));
  const streams = wireCaptures().flatMap((capture) => [capture.clientToServer, Buffer.concat([PROTOCOL_HEADER, capture.serverToClient])]);
  const capturedPayloads = streams.flatMap((stream) => splitFrames(stream, true)).filter((frame) => frame.type !== 3).map((frame) => frame.payload);
  const startedMs = Date.now();
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const context = `FUZZ_SEED=${SEED} iteration ${iteration}`;
    switch (iteration % 5) {
      case 0: checkMethod(fuzzer.integer(8) === 0 ? fuzzer.bytes(fuzzer.integer(64)) : fuzzer.mutate(fuzzer.pick([...methods, ...capturedPayloads])), context); break;
      case 1: checkContentHeader(fuzzer.integer(8) === 0 ? fuzzer.bytes(fuzzer.integer(64)) : fuzzer.mutate(fuzzer.pick(headers)), context); break;
      case 2: checkTable(fuzzer.integer(8) === 0 ? fuzzer.bytes(fuzzer.integer(64)) : fuzzer.mutate(fuzzer.pick(tables)), context); break;
      case 3: checkStream(fuzzer, fuzzer.mutate(fuzzer.pick(streams).subarray(0, 2_000)), context); break;
      default: checkStream(fuzzer, Buffer.concat([PROTOCOL_HEADER, fuzzer.bytes(fuzzer.integer(256))]), context); break;
    }
  }
  console.log(`amqp091 fuzz: ${ITERATIONS} iterations in ${Date.now() - startedMs} ms`);
});
