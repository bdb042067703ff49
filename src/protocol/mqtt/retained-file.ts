/**
 * The retained messages on disk: a record log tagged RETN (src/wal/log-format.ts) in
 * `<dataDir>/mqtt/retained.bin`, to which each change appends a record; retained-store.ts
 * compacts it once it is mostly dead. A payload (big-endian): kind u8, then
 *   SET    vhost (u16 length + UTF-8), topic (u16 + UTF-8), QoS u8, expiry ms since the epoch as
 *          f64 (0 = never), MQTT 5 properties block (u32 length + bytes, as on the wire), payload
 *          (u32 length + bytes)
 *   CLEAR  vhost (u16 + UTF-8), topic (u16 + UTF-8)
 *
 * Before the record log, the same file was rewritten whole on every change: "WRNRET01", record
 * count u32, SET bodies (without the kind byte), CRC32 u32 of everything before. Such a file is
 * read once and converted at open (`decodeLegacyRetainedPayloads`), so a node upgraded in place
 * keeps its retained messages; `encodeRetainedFile` writes that format for the tests.
 */
import { crc32 } from "../../lib/crc32.js";
import { PacketContext, readProperties, encodeProperties, type MqttProperties } from "./properties.js";
import { PacketReader } from "./packet-reader.js";
import type { Qos } from "./packets.js";

export const RETAINED_LOG_TAG = "RETN";
const RETAINED_SET = 1;
const RETAINED_CLEAR = 2;

/** The first bytes of the format before the record log. */
export const RETAINED_LEGACY_MAGIC = Buffer.from("WRNRET01");
const MAGIC = RETAINED_LEGACY_MAGIC;

export interface RetainedRecord {
  readonly vhost: string;
  readonly topic: string;
  readonly qos: Qos;
  readonly expiresAtMs: number;
  readonly properties: MqttProperties;
  readonly payload: Buffer;
}

/** The parts of a SET body: vhost, topic, QoS, expiry, properties, payload (without the kind byte). */
function setBodyParts(record: RetainedRecord): Buffer[] {
  const vhost = Buffer.from(record.vhost);
  const topic = Buffer.from(record.topic);
  const properties = encodeProperties(record.properties);
  const head = Buffer.allocUnsafe(2 + vhost.length + 2 + topic.length + 1 + 8 + 4);
  let offset = head.writeUInt16BE(vhost.length, 0);
  offset += vhost.copy(head, offset);
  offset = head.writeUInt16BE(topic.length, offset);
  offset += topic.copy(head, offset);
  offset = head.writeUInt8(record.qos, offset);
  offset = head.writeDoubleBE(record.expiresAtMs, offset);
  head.writeUInt32BE(properties.length, offset);
  const payloadLength = Buffer.allocUnsafe(4);
  payloadLength.writeUInt32BE(record.payload.length);
  return [head, properties, payloadLength, record.payload];
}

/** A SET record's payload: the message retained on its topic. */
export function retainedSetPayload(record: RetainedRecord): Buffer {
  return Buffer.concat([Buffer.of(RETAINED_SET), ...setBodyParts(record)]);
}

/** A CLEAR record's payload: the topic holds no retained message any more. */
export function retainedClearPayload(vhost: string, topic: string): Buffer {
  const vhostBytes = Buffer.from(vhost);
  const topicBytes = Buffer.from(topic);
  const payload = Buffer.allocUnsafe(1 + 2 + vhostBytes.length + 2 + topicBytes.length);
  let offset = payload.writeUInt8(RETAINED_CLEAR, 0);
  offset = payload.writeUInt16BE(vhostBytes.length, offset);
  offset += vhostBytes.copy(payload, offset);
  offset = payload.writeUInt16BE(topicBytes.length, offset);
  topicBytes.copy(payload, offset);
  return payload;
}

export type RetainedChange = { readonly kind: "set"; readonly record: RetainedRecord } | { readonly kind: "clear"; readonly vhost: string; readonly topic: string };

/** A record's payload decoded; undefined when it is not one this build writes. */
export function decodeRetainedPayload(payload: Buffer): RetainedChange | undefined {
  try {
    if (payload[0] === RETAINED_SET) {
      const { record, end } = decodeSetBody(payload, 1);
      return end === payload.length ? { kind: "set", record } : undefined;
    }
    if (payload[0] === RETAINED_CLEAR) {
      let offset = 1;
      const text = (): string => {
        const length = payload.readUInt16BE(offset);
        if (offset + 2 + length > payload.length) throw new RangeError("text runs past the record");
        const value = payload.toString("utf8", offset + 2, offset + 2 + length);
        offset += 2 + length;
        return value;
      };
      const vhost = text();
      const topic = text();
      return offset === payload.length ? { kind: "clear", vhost, topic } : undefined;
    }
  } catch {
    // a length that runs past the record: not a record this build wrote
  }
  return undefined;
}

/** The SET payloads of a whole file in the format before the record log; throws on a damaged one, as that format always did. */
export function decodeLegacyRetainedPayloads(file: Buffer): Buffer[] {
  return decodeRetainedFile(file).map(retainedSetPayload);
}

/** A whole file in the format before the record log (the tests of the conversion write one). */
export function encodeRetainedFile(records: Iterable<RetainedRecord>): Buffer {
  const parts: Buffer[] = [MAGIC, Buffer.alloc(4)];
  let count = 0;
  for (const record of records) {
    parts.push(...setBodyParts(record));
    count++;
  }
  parts[1].writeUInt32BE(count);
  const contents = Buffer.concat(parts);
  const checksum = Buffer.allocUnsafe(4);
  checksum.writeUInt32BE(crc32(contents) >>> 0);
  return Buffer.concat([contents, checksum]);
}

/** Throws on a file that is not a whole, intact retained file. */
export function decodeRetainedFile(file: Buffer): RetainedRecord[] {
  if (file.length < MAGIC.length + 8 || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not a retained message file");
  const contents = file.subarray(0, file.length - 4);
  if ((crc32(contents) >>> 0) !== file.readUInt32BE(file.length - 4)) throw new Error("retained message file checksum mismatch");
  const count = contents.readUInt32BE(MAGIC.length);
  let offset = MAGIC.length + 4;
  const records: RetainedRecord[] = [];
  for (let index = 0; index < count; index++) {
    const decoded = decodeSetBody(contents, offset);
    records.push(decoded.record);
    offset = decoded.end;
  }
  if (offset !== contents.length) throw new Error("retained message file has trailing bytes");
  return records;
}

/** A SET body at `start` in `bytes`, and where it ends; throws when a length runs past the bytes. */
function decodeSetBody(bytes: Buffer, start: number): { record: RetainedRecord; end: number } {
  let offset = start;
  const text = (): string => {
    const length = bytes.readUInt16BE(offset);
    if (offset + 2 + length > bytes.length) throw new RangeError("text runs past the record");
    const value = bytes.toString("utf8", offset + 2, offset + 2 + length);
    offset += 2 + length;
    return value;
  };
  const block = (): Buffer => {
    const length = bytes.readUInt32BE(offset);
    if (offset + 4 + length > bytes.length) throw new RangeError("block runs past the record");
    const value = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
    return value;
  };
  const vhost = text();
  const topic = text();
  const qos = bytes.readUInt8(offset) as Qos;
  const expiresAtMs = bytes.readDoubleBE(offset + 1);
  offset += 9;
  const propertiesBytes = block();
  const payload = block();
  const properties = decodePropertiesBytes(propertiesBytes);
  return { record: { vhost, topic, qos, expiresAtMs, properties, payload }, end: offset };
}

function decodePropertiesBytes(bytes: Buffer): MqttProperties {
  if (bytes.length === 0) return {};
  const prefixed = Buffer.concat([lengthPrefix(bytes.length), bytes]);
  return readProperties(new PacketReader().reset(prefixed), PacketContext.PUBLISH);
}

function lengthPrefix(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

