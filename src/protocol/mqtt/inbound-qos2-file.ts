/**
 * The records of the inbound QoS 2 id log of persistent sessions (inbound-qos2-store.ts), a
 * record log tagged QOS2 (src/wal/log-format.ts: CRC'd records after a 12-byte header). A payload
 * (big-endian): kind u8, then
 *   HOLD     packet id u16, session expiry interval in seconds u32, session key (UTF-8, the rest)
 *   RELEASE  packet id u16, session key
 *   END      session key
 * The session key is MqttContext.sessionKey: vhost, NUL, client id.
 *
 * Before the record log, the file was "WRNQ2I01" and then records of [length u32 BE][CRC32 u32 BE]
 * payload, with the same payloads. Such a file is read once and converted at open
 * (`decodeLegacyQos2Payloads`), so a node upgraded in place keeps its ids.
 */
import { LOG_HEADER_BYTES, RECORD_HEADER_BYTES, decodeRecords, encodeLogHeader, encodeRecordBytes } from "../../wal/log-format.js";
import { crc32 } from "../../lib/crc32.js";

export const INBOUND_QOS2_LOG_TAG = "QOS2";
/** The file's first bytes: the record log header with the QOS2 tag. */
export const INBOUND_QOS2_MAGIC = encodeLogHeader(INBOUND_QOS2_LOG_TAG);
/** The first bytes of the format before the record log. */
export const INBOUND_QOS2_LEGACY_MAGIC = Buffer.from("WRNQ2I01");

export const Qos2RecordKind = Object.freeze({ HOLD: 1, RELEASE: 2, END: 3 } as const);
export type Qos2RecordKind = (typeof Qos2RecordKind)[keyof typeof Qos2RecordKind];

/** An expiry interval that never ends (MQTT 5 §3.1.2.11.2: 0xFFFFFFFF). */
export const SESSION_EXPIRY_NEVER = 0xffff_ffff;

/** No valid legacy payload is longer: a kind, a packet id, an interval and a key of a vhost and a client id. */
const LEGACY_PAYLOAD_BYTES_MAX = 1 + 2 + 4 + 65_535 + 1 + 65_535;
const LEGACY_RECORD_HEADER_BYTES = 8;

export interface Qos2Record {
  readonly kind: Qos2RecordKind;
  readonly key: string;
  /** 0 for END. */
  readonly packetId: number;
  /** HOLD only. */
  readonly expirySeconds: number;
}

export function holdPayload(key: string, packetId: number, expirySeconds: number): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(7 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.HOLD, 0);
  payload.writeUInt16BE(packetId, 1);
  payload.writeUInt32BE(Math.min(expirySeconds, SESSION_EXPIRY_NEVER), 3);
  keyBytes.copy(payload, 7);
  return payload;
}

export function releasePayload(key: string, packetId: number): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(3 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.RELEASE, 0);
  payload.writeUInt16BE(packetId, 1);
  keyBytes.copy(payload, 3);
  return payload;
}

export function endPayload(key: string): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(1 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.END, 0);
  keyBytes.copy(payload, 1);
  return payload;
}

/** Whole records as they lie in the file (tests build files from them). */
export const encodeHold = (key: string, packetId: number, expirySeconds: number): Buffer => encodeRecordBytes(holdPayload(key, packetId, expirySeconds));
export const encodeRelease = (key: string, packetId: number): Buffer => encodeRecordBytes(releasePayload(key, packetId));
export const encodeEnd = (key: string): Buffer => encodeRecordBytes(endPayload(key));

/** The payload bytes of a HOLD record for `key`, without encoding it. */
export function holdPayloadBytes(key: string): number {
  return 7 + Buffer.byteLength(key);
}

/** The size of a HOLD record for `key` in the file, without encoding it. */
export function holdRecordBytes(key: string): number {
  return RECORD_HEADER_BYTES + holdPayloadBytes(key);
}

export interface DecodedQos2File {
  readonly records: Qos2Record[];
  /** Bytes up to the end of the last intact record; less than the file's size after a torn write. */
  readonly validBytes: number;
  /** Why reading stopped early, when it did. */
  readonly damage: string | undefined;
}

/** Reads every intact record from the start; stops at the first damaged one (tests and tools; the store reads through the record log). */
export function decodeQos2File(file: Buffer): DecodedQos2File {
  const records: Qos2Record[] = [];
  if (file.length < LOG_HEADER_BYTES || !file.subarray(0, LOG_HEADER_BYTES).equals(INBOUND_QOS2_MAGIC)) {
    return { records, validBytes: 0, damage: file.length === 0 ? undefined : "not an inbound QoS 2 log (bad header)" };
  }
  const decoded = decodeRecords(file, LOG_HEADER_BYTES);
  for (let index = 0; index < decoded.payloads.length; index++) {
    const record = decodeQos2Payload(decoded.payloads[index]!);
    const offset = decoded.recordOffsets[index]!;
    if (record === undefined) return { records, validBytes: offset, damage: `malformed record at byte ${offset}` };
    records.push(record);
  }
  return { records, validBytes: decoded.validBytes, damage: decoded.damage };
}

export function decodeQos2Payload(payload: Buffer): Qos2Record | undefined {
  if (payload.length === 0) return undefined;
  const kind = payload.readUInt8(0);
  switch (kind) {
    case Qos2RecordKind.HOLD: {
      if (payload.length < 8) return undefined;
      const packetId = payload.readUInt16BE(1);
      if (packetId === 0) return undefined;
      return { kind: Qos2RecordKind.HOLD, packetId, expirySeconds: payload.readUInt32BE(3), key: payload.toString("utf8", 7) };
    }
    case Qos2RecordKind.RELEASE: {
      if (payload.length < 4) return undefined;
      const packetId = payload.readUInt16BE(1);
      if (packetId === 0) return undefined;
      return { kind: Qos2RecordKind.RELEASE, packetId, expirySeconds: 0, key: payload.toString("utf8", 3) };
    }
    case Qos2RecordKind.END:
      if (payload.length < 2) return undefined;
      return { kind: Qos2RecordKind.END, packetId: 0, expirySeconds: 0, key: payload.toString("utf8", 1) };
    default:
      return undefined;
  }
}

/**
 * The payloads of a file in the format before the record log, up to the first record that is not
 * whole and intact (a torn tail: never reported durable, as now).
 */
export function decodeLegacyQos2Payloads(file: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  let offset = INBOUND_QOS2_LEGACY_MAGIC.length;
  while (file.length - offset >= LEGACY_RECORD_HEADER_BYTES) {
    const length = file.readUInt32BE(offset);
    if (length === 0 || length > LEGACY_PAYLOAD_BYTES_MAX || file.length - offset - LEGACY_RECORD_HEADER_BYTES < length) break;
    const payload = file.subarray(offset + LEGACY_RECORD_HEADER_BYTES, offset + LEGACY_RECORD_HEADER_BYTES + length);
    if ((crc32(payload) >>> 0) !== file.readUInt32BE(offset + 4) || decodeQos2Payload(payload) === undefined) break;
    payloads.push(Buffer.from(payload));
    offset += LEGACY_RECORD_HEADER_BYTES + length;
  }
  return payloads;
}

/** A whole file in the format before the record log (tests of the conversion). */
export function encodeLegacyQos2File(payloads: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [INBOUND_QOS2_LEGACY_MAGIC];
  for (const payload of payloads) {
    const header = Buffer.allocUnsafe(LEGACY_RECORD_HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload) >>> 0, 4);
    parts.push(header, payload);
  }
  return Buffer.concat(parts);
}
