/**
 * The retained messages on disk: one file rewritten whole, atomically (write a temporary
 * file, fsync it, rename it over the old one, fsync the directory), so a crash leaves either
 * the old set or the new one and never a torn file. A CRC32 over the contents guards against
 * a disk that returns other bytes than were written. Writes are coalesced: while one write
 * runs, further changes only mark the set dirty, and one more write follows.
 *
 * Format (big-endian): "WRNRET01", record count u32, records, CRC32 u32 of everything before.
 * A record: vhost (u16 length + UTF-8), topic (u16 + UTF-8), QoS u8, expiry ms since the epoch
 * as f64 (0 = never), MQTT 5 properties block (u32 length + bytes, as on the wire), payload
 * (u32 length + bytes).
 */
import { open, readFile, rename, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "../../lib/crc32.js";
import { PacketContext, readProperties, encodeProperties, type MqttProperties } from "./properties.js";
import { PacketReader } from "./packet-reader.js";
import type { Qos } from "./packets.js";

const MAGIC = Buffer.from("WRNRET01");

export interface RetainedRecord {
  readonly vhost: string;
  readonly topic: string;
  readonly qos: Qos;
  readonly expiresAtMs: number;
  readonly properties: MqttProperties;
  readonly payload: Buffer;
}

export function encodeRetainedFile(records: Iterable<RetainedRecord>): Buffer {
  const parts: Buffer[] = [MAGIC, Buffer.alloc(4)];
  let count = 0;
  for (const record of records) {
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
    parts.push(head, properties, payloadLength, record.payload);
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
  const text = (): string => {
    const length = contents.readUInt16BE(offset);
    const value = contents.toString("utf8", offset + 2, offset + 2 + length);
    offset += 2 + length;
    return value;
  };
  const block = (): Buffer => {
    const length = contents.readUInt32BE(offset);
    const value = Buffer.from(contents.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
    return value;
  };
  for (let index = 0; index < count; index++) {
    const vhost = text();
    const topic = text();
    const qos = contents.readUInt8(offset) as Qos;
    const expiresAtMs = contents.readDoubleBE(offset + 1);
    offset += 9;
    const propertiesBytes = block();
    const payload = block();
    const properties = decodePropertiesBytes(propertiesBytes);
    records.push({ vhost, topic, qos, expiresAtMs, properties, payload });
  }
  if (offset !== contents.length) throw new Error("retained message file has trailing bytes");
  return records;
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

export async function readRetainedFile(path: string): Promise<RetainedRecord[]> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return decodeRetainedFile(file);
}

/** Writes `contents` to `path` atomically and durably. */
export async function writeFileAtomically(path: string, contents: Buffer): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporaryPath = `${path}.tmp`;
  const handle = await open(temporaryPath, "w");
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporaryPath, path);
  // The rename is durable only once the directory entry is: fsync the directory too.
  const directoryHandle = await open(directory, "r");
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
}
