// GENERATED FILE: do not edit by hand.
// Generated from spec/amqp-rabbitmq-0.9.1.json by scripts/gen-amqp-codec.ts (`npm run codegen`);
// change the generator and regenerate instead. test/unit/protocol/amqp091/codegen.test.ts
// fails when this file differs from what the generator produces.
//
// Content header properties of the basic class (AMQP 0-9-1 §4.2.6.1): a header frame's
// payload is class-id (short), weight (short), body-size (longlong), property flags (shorts:
// bit 15 is the first property, bit 0 says another flag word follows), then the present
// properties in flag order. The message store keeps header payloads as received; the
// accessors here read one property without decoding the others.

import { BrokerError, Errors, fail } from "../errors/registry.js";
import { SHORT_STRING_BYTES_MAX } from "../config/limits.js";
import { ByteReader, MalformedInputError } from "../lib/byte-reader.js";
import { boundedByteLength, writeShortString, writeUint64Number } from "../lib/byte-writer.js";
import { decodeTable, encodedTableSizeBytes, validateTable, writeTable, type FieldTable } from "./field-table.js";

export const BASIC_CLASS_ID = 60;

/** The properties present in a content header; an absent property is undefined. */
export interface BasicProperties {
  contentType?: string; // content-type: shortstr
  contentEncoding?: string; // content-encoding: shortstr
  headers?: FieldTable; // headers: table
  deliveryMode?: number; // delivery-mode: octet
  priority?: number; // priority: octet
  correlationId?: string; // correlation-id: shortstr
  replyTo?: string; // reply-to: shortstr
  expiration?: string; // expiration: shortstr
  messageId?: string; // message-id: shortstr
  timestamp?: number; // timestamp: timestamp
  type?: string; // type: shortstr
  userId?: string; // user-id: shortstr
  appId?: string; // app-id: shortstr
  clusterId?: string; // cluster-id: shortstr
}

export interface ContentHeader {
  classId: number;
  weight: number;
  /** longlong on the wire: exact up to 2^53, far above any message size limit. */
  bodySize: number;
  properties: BasicProperties;
}

/** class-id, weight, body-size and the first flag word. */
const FIXED_PART_BYTES = 14;
const FLAGS_OFFSET = 12;
const FLAG_CONTINUATION = 0x0001;
/** The flag bits that name one of basic's properties. */
const KNOWN_FLAGS = 0xfffc;
const SKIP_SHORT_STRING = -1;
const SKIP_TABLE = -2;
/** Per property in flag order: its size in bytes, or how to find its size. */
const PROPERTY_SKIPS: readonly number[] = [SKIP_SHORT_STRING, SKIP_SHORT_STRING, SKIP_TABLE, 1, 1, SKIP_SHORT_STRING, SKIP_SHORT_STRING, SKIP_SHORT_STRING, SKIP_SHORT_STRING, 8, SKIP_SHORT_STRING, SKIP_SHORT_STRING, SKIP_SHORT_STRING, SKIP_SHORT_STRING];

function headerFailure(error: unknown): unknown {
  if (error instanceof MalformedInputError) return fail.syntaxError(`malformed content header (${error.message})`);
  return error;
}

/**
 * A header frame too short for its fixed part is not a content header at all:
 * FRAME_ERROR, as RabbitMQ 3.10.8 answers it ("unknown_frame"). Malformed
 * properties are SYNTAX_ERROR: RabbitMQ decodes them lazily and has no set answer.
 */
function checkFixedPart(payload: Buffer): void {
  if (payload.length < FIXED_PART_BYTES) {
    throw fail.frameError(`content header of ${payload.length} bytes; class-id, weight, body-size and flags need ${FIXED_PART_BYTES}`);
  }
}

/**
 * Reads the fixed part and the flag words, leaving the reader at the first property.
 * Only the basic class has content in 0-9-1; a header of another class is
 * UNEXPECTED_FRAME, as RabbitMQ answers it.
 */
function readFixedPart(reader: ByteReader): number {
  checkFixedPart(reader.buffer);
  const classId = reader.short();
  if (classId !== BASIC_CLASS_ID) {
    throw new BrokerError(Errors.UNEXPECTED_FRAME, `content header for class ${classId}; only basic (${BASIC_CLASS_ID}) carries content`);
  }
  reader.skip(10);
  const flags = reader.short();
  if ((flags & ~KNOWN_FLAGS & ~FLAG_CONTINUATION) !== 0) {
    throw fail.syntaxError(`property flags 0x${flags.toString(16)} name a property basic does not have`);
  }
  // AMQP 0-9-1 §4.2.6.1: while bit 0 is set another flag word follows. Basic has
  // only 14 properties, so a later word may not name any.
  let word = flags;
  while ((word & FLAG_CONTINUATION) !== 0) {
    word = reader.short();
    if ((word & ~FLAG_CONTINUATION) !== 0) {
      throw fail.syntaxError(`continuation property flags 0x${word.toString(16)} name a property basic does not have`);
    }
  }
  return flags;
}

function readTable(reader: ByteReader): FieldTable {
  const { table, end } = decodeTable(reader.buffer, reader.offset);
  reader.offset = end;
  return table;
}

/** Skips property `index`; strings and tables are checked only when `validate` is set. */
function skipProperty(reader: ByteReader, index: number, validate: boolean): void {
  const skip = PROPERTY_SKIPS[index];
  if (skip >= 0) return reader.skip(skip);
  if (skip === SKIP_SHORT_STRING) return validate ? reader.skipUtf8(reader.octet()) : reader.skip(reader.octet());
  if (validate) reader.offset = validateTable(reader.buffer, reader.offset);
  else reader.skip(reader.long());
}

/** Decodes a header frame's payload. Malformed properties throw SYNTAX_ERROR; a header shorter than its fixed part, FRAME_ERROR. */
export function decodeContentHeader(payload: Buffer): ContentHeader {
  const reader = new ByteReader(payload);
  try {
    const flags = readFixedPart(reader);
    const properties: BasicProperties = {};
    if ((flags & 0x8000) !== 0) properties.contentType = reader.shortString();
    if ((flags & 0x4000) !== 0) properties.contentEncoding = reader.shortString();
    if ((flags & 0x2000) !== 0) properties.headers = readTable(reader);
    if ((flags & 0x1000) !== 0) properties.deliveryMode = reader.octet();
    if ((flags & 0x0800) !== 0) properties.priority = reader.octet();
    if ((flags & 0x0400) !== 0) properties.correlationId = reader.shortString();
    if ((flags & 0x0200) !== 0) properties.replyTo = reader.shortString();
    if ((flags & 0x0100) !== 0) properties.expiration = reader.shortString();
    if ((flags & 0x0080) !== 0) properties.messageId = reader.shortString();
    if ((flags & 0x0040) !== 0) properties.timestamp = reader.longlong();
    if ((flags & 0x0020) !== 0) properties.type = reader.shortString();
    if ((flags & 0x0010) !== 0) properties.userId = reader.shortString();
    if ((flags & 0x0008) !== 0) properties.appId = reader.shortString();
    if ((flags & 0x0004) !== 0) properties.clusterId = reader.shortString();
    if (reader.remainingBytes !== 0) throw fail.syntaxError(`${reader.remainingBytes} bytes after the last content header property`);
    return { classId: payload.readUInt16BE(0), weight: payload.readUInt16BE(2), bodySize: contentHeaderBodySize(payload), properties };
  } catch (error) {
    throw headerFailure(error);
  }
}

/**
 * Checks a header frame's payload as decodeContentHeader would, without allocating
 * anything, and returns the body size. A publish is validated once on arrival, so
 * that decoding its properties lazily later cannot fail.
 */
export function validateContentHeader(payload: Buffer): number {
  const reader = new ByteReader(payload);
  try {
    const flags = readFixedPart(reader);
    for (let index = 0; index < PROPERTY_SKIPS.length; index++) {
      if ((flags & (0x8000 >>> index)) !== 0) skipProperty(reader, index, true);
    }
    if (reader.remainingBytes !== 0) throw fail.syntaxError(`${reader.remainingBytes} bytes after the last content header property`);
    return contentHeaderBodySize(payload);
  } catch (error) {
    throw headerFailure(error);
  }
}

/**
 * Encodes a header frame's payload. Weight is always 0 (AMQP 0-9-1 §4.2.6.1).
 * A property that does not fit its wire type is a bug in the caller: RangeError.
 */
export function encodeContentHeader(classId: number, bodySize: number, properties: BasicProperties): Buffer {
  let flags = 0;
  let sizeBytes = FIXED_PART_BYTES;
  const contentTypeBytes = properties.contentType === undefined ? 0 : boundedByteLength(properties.contentType, SHORT_STRING_BYTES_MAX, "property content-type");
  if (properties.contentType !== undefined) { flags |= 0x8000; sizeBytes += 1 + contentTypeBytes; }
  const contentEncodingBytes = properties.contentEncoding === undefined ? 0 : boundedByteLength(properties.contentEncoding, SHORT_STRING_BYTES_MAX, "property content-encoding");
  if (properties.contentEncoding !== undefined) { flags |= 0x4000; sizeBytes += 1 + contentEncodingBytes; }
  if (properties.headers !== undefined) { flags |= 0x2000; sizeBytes += encodedTableSizeBytes(properties.headers); }
  if (properties.deliveryMode !== undefined) { flags |= 0x1000; sizeBytes += 1; }
  if (properties.priority !== undefined) { flags |= 0x0800; sizeBytes += 1; }
  const correlationIdBytes = properties.correlationId === undefined ? 0 : boundedByteLength(properties.correlationId, SHORT_STRING_BYTES_MAX, "property correlation-id");
  if (properties.correlationId !== undefined) { flags |= 0x0400; sizeBytes += 1 + correlationIdBytes; }
  const replyToBytes = properties.replyTo === undefined ? 0 : boundedByteLength(properties.replyTo, SHORT_STRING_BYTES_MAX, "property reply-to");
  if (properties.replyTo !== undefined) { flags |= 0x0200; sizeBytes += 1 + replyToBytes; }
  const expirationBytes = properties.expiration === undefined ? 0 : boundedByteLength(properties.expiration, SHORT_STRING_BYTES_MAX, "property expiration");
  if (properties.expiration !== undefined) { flags |= 0x0100; sizeBytes += 1 + expirationBytes; }
  const messageIdBytes = properties.messageId === undefined ? 0 : boundedByteLength(properties.messageId, SHORT_STRING_BYTES_MAX, "property message-id");
  if (properties.messageId !== undefined) { flags |= 0x0080; sizeBytes += 1 + messageIdBytes; }
  if (properties.timestamp !== undefined) { flags |= 0x0040; sizeBytes += 8; }
  const typeBytes = properties.type === undefined ? 0 : boundedByteLength(properties.type, SHORT_STRING_BYTES_MAX, "property type");
  if (properties.type !== undefined) { flags |= 0x0020; sizeBytes += 1 + typeBytes; }
  const userIdBytes = properties.userId === undefined ? 0 : boundedByteLength(properties.userId, SHORT_STRING_BYTES_MAX, "property user-id");
  if (properties.userId !== undefined) { flags |= 0x0010; sizeBytes += 1 + userIdBytes; }
  const appIdBytes = properties.appId === undefined ? 0 : boundedByteLength(properties.appId, SHORT_STRING_BYTES_MAX, "property app-id");
  if (properties.appId !== undefined) { flags |= 0x0008; sizeBytes += 1 + appIdBytes; }
  const clusterIdBytes = properties.clusterId === undefined ? 0 : boundedByteLength(properties.clusterId, SHORT_STRING_BYTES_MAX, "property cluster-id");
  if (properties.clusterId !== undefined) { flags |= 0x0004; sizeBytes += 1 + clusterIdBytes; }
  const buffer = Buffer.allocUnsafe(sizeBytes);
  buffer.writeUInt16BE(classId, 0);
  buffer.writeUInt16BE(0, 2);
  writeUint64Number(buffer, bodySize, 4);
  let offset = buffer.writeUInt16BE(flags, FLAGS_OFFSET);
  if (properties.contentType !== undefined) offset = writeShortString(buffer, properties.contentType, contentTypeBytes, offset);
  if (properties.contentEncoding !== undefined) offset = writeShortString(buffer, properties.contentEncoding, contentEncodingBytes, offset);
  if (properties.headers !== undefined) offset = writeTable(properties.headers, buffer, offset);
  if (properties.deliveryMode !== undefined) offset = buffer.writeUInt8(properties.deliveryMode, offset);
  if (properties.priority !== undefined) offset = buffer.writeUInt8(properties.priority, offset);
  if (properties.correlationId !== undefined) offset = writeShortString(buffer, properties.correlationId, correlationIdBytes, offset);
  if (properties.replyTo !== undefined) offset = writeShortString(buffer, properties.replyTo, replyToBytes, offset);
  if (properties.expiration !== undefined) offset = writeShortString(buffer, properties.expiration, expirationBytes, offset);
  if (properties.messageId !== undefined) offset = writeShortString(buffer, properties.messageId, messageIdBytes, offset);
  if (properties.timestamp !== undefined) offset = writeUint64Number(buffer, properties.timestamp, offset);
  if (properties.type !== undefined) offset = writeShortString(buffer, properties.type, typeBytes, offset);
  if (properties.userId !== undefined) offset = writeShortString(buffer, properties.userId, userIdBytes, offset);
  if (properties.appId !== undefined) offset = writeShortString(buffer, properties.appId, appIdBytes, offset);
  if (properties.clusterId !== undefined) offset = writeShortString(buffer, properties.clusterId, clusterIdBytes, offset);
  return buffer;
}

/** The class-id of a header frame's payload. */
export function contentHeaderClassId(payload: Buffer): number {
  checkFixedPart(payload);
  return payload.readUInt16BE(0);
}

/** The body size of a header frame's payload, read without looking at the properties. */
export function contentHeaderBodySize(payload: Buffer): number {
  checkFixedPart(payload);
  return payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
}

/** A reader at property `index`, having skipped the present properties before it; undefined when absent. */
function propertyReader(payload: Buffer, index: number): ByteReader | undefined {
  const reader = new ByteReader(payload);
  const flags = readFixedPart(reader);
  if ((flags & (0x8000 >>> index)) === 0) return undefined;
  for (let earlier = 0; earlier < index; earlier++) {
    if ((flags & (0x8000 >>> earlier)) !== 0) skipProperty(reader, earlier, false);
  }
  return reader;
}

/** `content-type` without decoding the other properties; undefined when absent. */
export function contentHeaderContentType(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 0);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `content-encoding` without decoding the other properties; undefined when absent. */
export function contentHeaderContentEncoding(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 1);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `headers` without decoding the other properties; undefined when absent. */
export function contentHeaderHeaders(payload: Buffer): FieldTable | undefined {
  try {
    const reader = propertyReader(payload, 2);
    return reader === undefined ? undefined : readTable(reader);
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `delivery-mode` without decoding the other properties; undefined when absent. */
export function contentHeaderDeliveryMode(payload: Buffer): number | undefined {
  try {
    const reader = propertyReader(payload, 3);
    return reader === undefined ? undefined : reader.octet();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `priority` without decoding the other properties; undefined when absent. */
export function contentHeaderPriority(payload: Buffer): number | undefined {
  try {
    const reader = propertyReader(payload, 4);
    return reader === undefined ? undefined : reader.octet();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `correlation-id` without decoding the other properties; undefined when absent. */
export function contentHeaderCorrelationId(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 5);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `reply-to` without decoding the other properties; undefined when absent. */
export function contentHeaderReplyTo(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 6);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `expiration` without decoding the other properties; undefined when absent. */
export function contentHeaderExpiration(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 7);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `message-id` without decoding the other properties; undefined when absent. */
export function contentHeaderMessageId(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 8);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `timestamp` without decoding the other properties; undefined when absent. */
export function contentHeaderTimestamp(payload: Buffer): number | undefined {
  try {
    const reader = propertyReader(payload, 9);
    return reader === undefined ? undefined : reader.longlong();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `type` without decoding the other properties; undefined when absent. */
export function contentHeaderType(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 10);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `user-id` without decoding the other properties; undefined when absent. */
export function contentHeaderUserId(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 11);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `app-id` without decoding the other properties; undefined when absent. */
export function contentHeaderAppId(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 12);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}

/** `cluster-id` without decoding the other properties; undefined when absent. */
export function contentHeaderClusterId(payload: Buffer): string | undefined {
  try {
    const reader = propertyReader(payload, 13);
    return reader === undefined ? undefined : reader.shortString();
  } catch (error) {
    throw headerFailure(error);
  }
}
