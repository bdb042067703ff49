import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { crc32, crc32Table } from "../../../src/lib/crc32.js";
import * as format from "../../../src/store/format.js";

function encodeRecord(parts: Buffer[]): Buffer {
  const header = format.encodeRecordHeader(parts, format.payloadBytesOf(parts));
  return Buffer.concat([header, ...parts]);
}

test("crc32: the check value of the IEEE polynomial, native and table-driven agree, chaining equals concatenation", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  assert.equal(crc32Table(Buffer.from("123456789")), 0xcbf43926);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      assert.equal(crc32Table(a), crc32(a));
      assert.equal(crc32(b, crc32(a)), crc32(Buffer.concat([a, b])));
      assert.equal(crc32Table(b, crc32Table(a)), crc32(Buffer.concat([a, b])));
    }),
  );
});

test("record: a payload given in parts encodes like the same bytes in one part, and decodes back", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (arrays) => {
      const parts = arrays.map((array) => Buffer.from(array));
      const joined = Buffer.concat(parts);
      const record = encodeRecord(parts);
      assert.deepEqual(record, encodeRecord([joined]));
      assert.equal(record.length, format.recordBytes(joined.length));
      assert.equal(format.decodeRecord(record, 0), joined.length);
      // Followed by other bytes, the record still decodes to its own length.
      assert.equal(format.decodeRecord(Buffer.concat([record, Buffer.from([1, 2, 3])]), 0), joined.length);
    }),
  );
});

test("record: every truncation is RECORD_TRUNCATED, never a shorter valid record", () => {
  const record = encodeRecord([Buffer.from("hello, "), Buffer.from("world")]);
  for (let length = 0; length < record.length; length++) {
    assert.equal(format.decodeRecord(record.subarray(0, length), 0), format.RECORD_TRUNCATED, `length ${length}`);
  }
});

test("record: a flipped bit in the header is RECORD_BAD_HEADER, in the payload RECORD_BAD_PAYLOAD", () => {
  const record = encodeRecord([Buffer.from("some payload bytes")]);
  for (let byte = 0; byte < record.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const damaged = Buffer.from(record);
      damaged[byte]! ^= 1 << bit;
      const expected = byte < format.RECORD_HEADER_BYTES ? format.RECORD_BAD_HEADER : format.RECORD_BAD_PAYLOAD;
      // The header checksum is verified before the length is used, so a flipped length is a bad header.
      assert.equal(format.decodeRecord(damaged, 0), expected, `byte ${byte} bit ${bit}`);
    }
  }
});

test("record: zero-filled bytes (a tail extended but never written) are not a record", () => {
  assert.equal(format.decodeRecord(Buffer.alloc(64), 0), format.RECORD_BAD_HEADER);
});

test("record: a header claiming more than the payload limit is bad before anything is read", () => {
  const header = Buffer.alloc(format.RECORD_HEADER_BYTES);
  header.writeUInt32LE(0xffffffff, 0);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  assert.equal(format.decodeRecord(header, 0), format.RECORD_BAD_HEADER);
});

test("segment header and file names", () => {
  assert.equal(format.checkSegmentHeader(format.encodeSegmentHeader()), "ok");
  assert.equal(format.checkSegmentHeader(Buffer.alloc(3)), "short");
  assert.equal(format.checkSegmentHeader(Buffer.alloc(8)), "bad-magic");
  const future = format.encodeSegmentHeader();
  future.writeUInt32LE(2, 4);
  assert.equal(format.checkSegmentHeader(future), "bad-version");
  assert.equal(format.segmentFileName(42), "msgs.0000000042");
  assert.equal(format.ackFileName(42), "acks.0000000042");
  assert.deepEqual(format.parseFileName("msgs.0000000042"), { kind: "segment", segmentId: 42 });
  assert.deepEqual(format.parseFileName("acks.0000000007"), { kind: "ack", segmentId: 7 });
  assert.equal(format.parseFileName("msgs.42"), undefined);
  assert.equal(format.parseFileName("notes.txt"), undefined);
});

test("ack entries: whole entries decode, a partial tail is reported", () => {
  const bytes = Buffer.concat([format.encodeAckEntry(8), format.encodeAckEntry(1000), Buffer.from([1, 2])]);
  assert.deepEqual(format.decodeAckEntries(bytes), { offsets: [8, 1000], tornBytes: 2 });
  assert.throws(() => format.encodeAckEntry(0), /invariant/);
});
