/**
 * The log of inbound QoS 2 packet ids held by persistent sessions (inbound-qos2-store.ts):
 * a magic and then records appended in commit rounds; rewritten whole (with the live ids only)
 * when it has grown, so its size follows the held ids, not the message count.
 *
 * Format (big-endian): "WRNQ2I01", then records. A record: payload length u32, CRC32 of the
 * payload u32, payload. A payload: kind u8, then
 *   HOLD     packet id u16, session expiry interval in seconds u32, session key (UTF-8, the rest)
 *   RELEASE  packet id u16, session key
 *   END      session key
 * The session key is MqttContext.sessionKey: vhost, NUL, client id.
 *
 * Reading stops at the first record that is not whole and intact (a torn tail: that record and
 * any after it were never reported durable, because a round reports only after its fdatasync,
 * and a rewritten file takes the old one's place only once it is synced).
 */
import { crc32 } from "../../lib/crc32.js";

export const INBOUND_QOS2_MAGIC = Buffer.from("WRNQ2I01");

export const Qos2RecordKind = Object.freeze({ HOLD: 1, RELEASE: 2, END: 3 } as const);
export type Qos2RecordKind = (typeof Qos2RecordKind)[keyof typeof Qos2RecordKind];

/** An expiry interval that never ends (MQTT 5 §3.1.2.11.2: 0xFFFFFFFF). */
export const SESSION_EXPIRY_NEVER = 0xffff_ffff;

const RECORD_HEADER_BYTES = 8;
/** No valid payload is longer: a kind, a packet id, an interval and a key of a vhost and a client id. */
const PAYLOAD_BYTES_MAX = 1 + 2 + 4 + 65_535 + 1 + 65_535;

export interface Qos2Record {
  readonly kind: Qos2RecordKind;
  readonly key: string;
  /** 0 for END. */
  readonly packetId: number;
  /** HOLD only. */
  readonly expirySeconds: number;
}

function frame(payload: Buffer): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32BE(payload.length, 0);
  record.writeUInt32BE(crc32(payload) >>> 0, 4);
  payload.copy(record, RECORD_HEADER_BYTES);
  return record;
}

export function encodeHold(key: string, packetId: number, expirySeconds: number): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(7 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.HOLD, 0);
  payload.writeUInt16BE(packetId, 1);
  payload.writeUInt32BE(Math.min(expirySeconds, SESSION_EXPIRY_NEVER), 3);
  keyBytes.copy(payload, 7);
  return frame(payload);
}

export function encodeRelease(key: string, packetId: number): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(3 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.RELEASE, 0);
  payload.writeUInt16BE(packetId, 1);
  keyBytes.copy(payload, 3);
  return frame(payload);
}

export function encodeEnd(key: string): Buffer {
  const keyBytes = Buffer.from(key);
  const payload = Buffer.allocUnsafe(1 + keyBytes.length);
  payload.writeUInt8(Qos2RecordKind.END, 0);
  keyBytes.copy(payload, 1);
  return frame(payload);
}

/** The size of a HOLD record for `key`, without encoding it. */
export function holdRecordBytes(key: string): number {
  return RECORD_HEADER_BYTES + 7 + Buffer.byteLength(key);
}

export interface DecodedQos2File {
  readonly records: Qos2Record[];
  /** Bytes up to the end of the last intact record; less than the file's size after a torn write. */
  readonly validBytes: number;
  /** Why reading stopped early, when it did. */
  readonly damage: string | undefined;
}

/** Reads every intact record from the start; stops at the first damaged one. */
export function decodeQos2File(file: Buffer): DecodedQos2File {
  const records: Qos2Record[] = [];
  if (file.length < INBOUND_QOS2_MAGIC.length || !file.subarray(0, INBOUND_QOS2_MAGIC.length).equals(INBOUND_QOS2_MAGIC)) {
    return { records, validBytes: 0, damage: file.length === 0 ? undefined : "not an inbound QoS 2 log (bad magic)" };
  }
  let offset = INBOUND_QOS2_MAGIC.length;
  while (offset < file.length) {
    const damage = (reason: string): DecodedQos2File => ({ records, validBytes: offset, damage: `${reason} at byte ${offset}` });
    if (file.length - offset < RECORD_HEADER_BYTES) return damage("torn record header");
    const length = file.readUInt32BE(offset);
    if (length === 0 || length > PAYLOAD_BYTES_MAX) return damage(`impossible record length ${length}`);
    if (file.length - offset - RECORD_HEADER_BYTES < length) return damage("torn record");
    const payload = file.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length);
    if ((crc32(payload) >>> 0) !== file.readUInt32BE(offset + 4)) return damage("record checksum mismatch");
    const record = decodePayload(payload);
    if (record === undefined) return damage("malformed record");
    records.push(record);
    offset += RECORD_HEADER_BYTES + length;
  }
  return { records, validBytes: offset, damage: undefined };
}

function decodePayload(payload: Buffer): Qos2Record | undefined {
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
