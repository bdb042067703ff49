/**
 * Every byte layout of the store, encoders beside their decoders with matching assertions
 * (docs/internals/store.md draws them). All integers are little-endian.
 *
 *   segment file  msgs.NNNNNNNNNN   [magic "WRNS" u32][version u32] record*
 *   record                          [payloadBytes u32][payloadCrc u32][headerCrc u32] payload
 *   ack file      acks.NNNNNNNNNN   [record offset u32]*
 *
 * The header has its own checksum (over its first 8 bytes) so recovery knows whether it can
 * trust the length: a record whose payload is damaged but whose header is intact is stepped
 * over and the records after it survive; a damaged header ends the segment there. CRC-32 of
 * zero bytes is not zero, so a zero-filled tail (a file extended but never written, after a
 * power cut) never passes for a record.
 */
import { crc32 } from "../lib/crc32.js";
import { assert } from "../lib/assert.js";
import { STORE_RECORD_PAYLOAD_BYTES_MAX } from "../config/limits.js";

export const SEGMENT_MAGIC = 0x534e5257; // "WRNS" read as a little-endian u32
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 8;
export const RECORD_HEADER_BYTES = 12;
export const ACK_ENTRY_BYTES = 4;

/** decodeRecord's answers other than a payload length. */
export const RECORD_TRUNCATED = -1; // the header, or the payload it announces, runs past the end of the bytes
export const RECORD_BAD_HEADER = -2; // header checksum mismatch, or a length over the limit: the length cannot be trusted
export const RECORD_BAD_PAYLOAD = -3; // the header is intact (so is the length) but the payload checksum does not match

const SEGMENT_NAME = /^msgs\.(\d{10})$/;
const ACK_NAME = /^acks\.(\d{10})$/;

export function segmentFileName(segmentId: number): string {
  assert(Number.isInteger(segmentId) && segmentId > 0 && segmentId <= 0xffffffff, "segment id is a positive u32");
  return `msgs.${String(segmentId).padStart(10, "0")}`;
}

export function ackFileName(segmentId: number): string {
  return `acks.${segmentFileName(segmentId).slice(5)}`;
}

/** The segment id a file name carries, and whether it is a segment or an ack file; undefined for other files. */
export function parseFileName(name: string): { kind: "segment" | "ack"; segmentId: number } | undefined {
  const segment = SEGMENT_NAME.exec(name);
  if (segment) return { kind: "segment", segmentId: Number(segment[1]) };
  const ack = ACK_NAME.exec(name);
  if (ack) return { kind: "ack", segmentId: Number(ack[1]) };
  return undefined;
}

export function encodeSegmentHeader(): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  header.writeUInt32LE(SEGMENT_MAGIC, 0);
  header.writeUInt32LE(SEGMENT_FORMAT_VERSION, 4);
  return header;
}

/** "short" when the file ended before its header was complete (a crash right after creating it). */
export function checkSegmentHeader(bytes: Buffer): "ok" | "short" | "bad-magic" | "bad-version" {
  if (bytes.length < SEGMENT_HEADER_BYTES) return "short";
  if (bytes.readUInt32LE(0) !== SEGMENT_MAGIC) return "bad-magic";
  if (bytes.readUInt32LE(4) !== SEGMENT_FORMAT_VERSION) return "bad-version";
  return "ok";
}

export function recordBytes(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + payloadBytes;
}

/** The sum of the parts' lengths: the payload length a record of these parts will have. */
export function payloadBytesOf(parts: readonly Buffer[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

/**
 * The header for a record whose payload is `parts` laid end to end. The parts are checksummed
 * where they lie and written with writev after the header, never concatenated.
 */
export function encodeRecordHeader(parts: readonly Buffer[], payloadBytes: number): Buffer {
  assert(payloadBytes === payloadBytesOf(parts), "payloadBytes is the sum of the parts");
  assert(payloadBytes <= STORE_RECORD_PAYLOAD_BYTES_MAX, "payload within STORE_RECORD_PAYLOAD_BYTES_MAX");
  let payloadChecksum = 0;
  for (const part of parts) payloadChecksum = crc32(part, payloadChecksum);
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32LE(payloadBytes, 0);
  header.writeUInt32LE(payloadChecksum, 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return header;
}

/**
 * Decodes the record at `offset` in `bytes` (which end where the file, or the read, ends).
 * Returns the payload length of a valid record, or RECORD_TRUNCATED, RECORD_BAD_HEADER,
 * RECORD_BAD_PAYLOAD. The header is verified, and the length checked against the limit and the
 * bytes available, before the payload is looked at.
 */
export function decodeRecord(bytes: Buffer, offset: number): number {
  assert(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length, "offset within the bytes");
  if (bytes.length - offset < RECORD_HEADER_BYTES) return RECORD_TRUNCATED;
  if (crc32(bytes.subarray(offset, offset + 8)) !== bytes.readUInt32LE(offset + 8)) return RECORD_BAD_HEADER;
  const payloadBytes = bytes.readUInt32LE(offset);
  if (payloadBytes > STORE_RECORD_PAYLOAD_BYTES_MAX) return RECORD_BAD_HEADER;
  const payloadStart = offset + RECORD_HEADER_BYTES;
  if (bytes.length - payloadStart < payloadBytes) return RECORD_TRUNCATED;
  const payloadChecksum = crc32(bytes.subarray(payloadStart, payloadStart + payloadBytes));
  if (payloadChecksum !== bytes.readUInt32LE(offset + 4)) return RECORD_BAD_PAYLOAD;
  return payloadBytes;
}

/** The payload length of a record whose header decodeRecord found intact (RECORD_BAD_PAYLOAD). */
export function trustedPayloadBytes(bytes: Buffer, offset: number): number {
  assert(bytes.length - offset >= RECORD_HEADER_BYTES, "a whole record header");
  return bytes.readUInt32LE(offset);
}

export function encodeAckEntry(recordOffsetBytes: number): Buffer {
  return encodeAckEntries([recordOffsetBytes]);
}

/** Several ack entries laid end to end, in the order given: what one batched write appends. */
export function encodeAckEntries(recordOffsets: readonly number[]): Buffer {
  const entries = Buffer.allocUnsafe(recordOffsets.length * ACK_ENTRY_BYTES);
  for (let at = 0; at < recordOffsets.length; at++) {
    const recordOffsetBytes = recordOffsets[at]!;
    assert(
      Number.isInteger(recordOffsetBytes) && recordOffsetBytes >= SEGMENT_HEADER_BYTES && recordOffsetBytes <= 0xffffffff,
      "an ack names a record offset after the segment header",
    );
    entries.writeUInt32LE(recordOffsetBytes, at * ACK_ENTRY_BYTES);
  }
  return entries;
}

/**
 * The record offsets in an ack file's bytes. A partial entry at the end (a torn write) is left
 * out; `tornBytes` says how long it was so the caller can cut it off.
 */
export function decodeAckEntries(bytes: Buffer): { offsets: number[]; tornBytes: number } {
  const whole = bytes.length - (bytes.length % ACK_ENTRY_BYTES);
  const offsets: number[] = [];
  for (let at = 0; at < whole; at += ACK_ENTRY_BYTES) offsets.push(bytes.readUInt32LE(at));
  return { offsets, tornBytes: bytes.length - whole };
}
