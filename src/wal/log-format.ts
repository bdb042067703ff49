/**
 * The byte layout of every record log (record-log.ts): the metadata log, the MQTT retained store,
 * the MQTT inbound QoS 2 id log and the Raft write-ahead log. All integers are little-endian.
 *
 *   log file   [magic "WRNL" u32][version u32][tag 4 ASCII bytes] record*
 *   record     [payloadBytes u32][payloadCrc u32][headerCrc u32] payload
 *
 * The record is the message store's record (src/store/format.ts), reused as it is: the header
 * has its own checksum, so a torn or zero-filled tail never passes for a record, and a length is
 * trusted only once its header checks. Unlike a segment, a log is read in order and each record
 * may depend on the ones before it, so reading stops at the first record that does not check
 * (the torn tail a crash leaves) instead of stepping over it. The tag names what the log holds,
 * so one log's file is never read as another's.
 */
import { assert } from "../lib/assert.js";
import {
  RECORD_BAD_HEADER, RECORD_BAD_PAYLOAD, RECORD_HEADER_BYTES, RECORD_TRUNCATED, decodeRecord, encodeRecordHeader, payloadBytesOf,
} from "../store/format.js";

export { RECORD_HEADER_BYTES };

export const LOG_MAGIC = 0x4c4e5257; // "WRNL" read as a little-endian u32
export const LOG_FORMAT_VERSION = 1;
export const LOG_HEADER_BYTES = 12;

export function encodeLogHeader(tag: string): Buffer {
  assert(/^[A-Z0-9]{4}$/.test(tag), "a log tag is 4 upper-case ASCII letters or digits");
  const header = Buffer.alloc(LOG_HEADER_BYTES);
  header.writeUInt32LE(LOG_MAGIC, 0);
  header.writeUInt32LE(LOG_FORMAT_VERSION, 4);
  header.write(tag, 8, "latin1");
  return header;
}

/** Whether `bytes` start with a record log header, and which tag it carries. */
export function checkLogHeader(bytes: Buffer): { ok: true; tag: string } | { ok: false; reason: string } {
  if (bytes.length < LOG_HEADER_BYTES) return { ok: false, reason: `${bytes.length} bytes, shorter than a log header` };
  if (bytes.readUInt32LE(0) !== LOG_MAGIC) return { ok: false, reason: "not a record log (bad magic)" };
  const version = bytes.readUInt32LE(4);
  if (version !== LOG_FORMAT_VERSION) return { ok: false, reason: `record log version ${version}, this build reads ${LOG_FORMAT_VERSION}` };
  return { ok: true, tag: bytes.toString("latin1", 8, 12) };
}

/** The header and payload parts of one record, ready for writev; the parts are not copied. */
export function encodeRecord(parts: readonly Buffer[]): { buffers: Buffer[]; bytes: number } {
  const payloadBytes = payloadBytesOf(parts);
  return { buffers: [encodeRecordHeader(parts, payloadBytes), ...parts], bytes: RECORD_HEADER_BYTES + payloadBytes };
}

/** One record as a single Buffer (tests, and logs whose records are small). */
export function encodeRecordBytes(payload: Buffer): Buffer {
  return Buffer.concat(encodeRecord([payload]).buffers);
}

export interface DecodedRecords {
  /** Each intact record's payload, in order (views into the bytes given). */
  readonly payloads: Buffer[];
  /** Offset of each payload's record in the bytes given. */
  readonly recordOffsets: number[];
  /** Bytes up to the end of the last intact record. */
  readonly validBytes: number;
  /** Why reading stopped before the end, when it did. */
  readonly damage: string | undefined;
}

/** Decodes the records from `startOffset` on, stopping at the first that is not whole and intact. */
export function decodeRecords(bytes: Buffer, startOffset: number): DecodedRecords {
  const payloads: Buffer[] = [];
  const recordOffsets: number[] = [];
  let offset = startOffset;
  while (offset < bytes.length) {
    const payloadBytes = decodeRecord(bytes, offset);
    if (payloadBytes < 0) return { payloads, recordOffsets, validBytes: offset, damage: `${describe(payloadBytes)} at byte ${offset}` };
    recordOffsets.push(offset);
    payloads.push(bytes.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + payloadBytes));
    offset += RECORD_HEADER_BYTES + payloadBytes;
  }
  return { payloads, recordOffsets, validBytes: offset, damage: undefined };
}

function describe(code: number): string {
  if (code === RECORD_TRUNCATED) return "torn record";
  if (code === RECORD_BAD_HEADER) return "record header checksum mismatch";
  if (code === RECORD_BAD_PAYLOAD) return "record checksum mismatch";
  return `record error ${code}`;
}
