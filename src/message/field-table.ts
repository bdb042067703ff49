/**
 * AMQP 0-9-1 field tables and field values, as RabbitMQ encodes them.
 *
 * Values keep their wire type so that a table decoded and encoded again is
 * byte-exact (RabbitMQ's x-death rewrite and the MQTT bridge depend on that).
 * The field-type tags are RabbitMQ's (its errata to the 0-9-1 spec):
 *   t bool, b int8, B uint8, s int16, u uint16, I int32, i uint32, l int64,
 *   f float32, d float64, D decimal, T timestamp (uint64 seconds), S longstr,
 *   x byte array, A array, F nested table, V void.
 *
 * This file is part of the message container (broker core), not of the AMQP
 * protocol adapter: the core reads arguments and headers through it.
 *
 * CONTRACT (shared by the codec and the core; keep the exported signatures):
 */
import { fail } from "../errors/registry.js";
import { FIELD_TABLE_DEPTH_MAX, SHORT_STRING_BYTES_MAX } from "../config/limits.js";
import { ByteReader, MalformedInputError } from "../lib/byte-reader.js";

export type FieldType = "t" | "b" | "B" | "s" | "u" | "I" | "i" | "l" | "f" | "d" | "D" | "T" | "S" | "x" | "A" | "F" | "V";

export interface Decimal {
  readonly scale: number;
  readonly value: number;
}

export type FieldValue =
  | { readonly type: "t"; readonly value: boolean }
  | { readonly type: "b" | "B" | "s" | "u" | "I" | "i" | "f" | "d"; readonly value: number }
  | { readonly type: "l" | "T"; readonly value: bigint }
  | { readonly type: "D"; readonly value: Decimal }
  | { readonly type: "S" | "x"; readonly value: Buffer }
  | { readonly type: "A"; readonly value: readonly FieldValue[] }
  | { readonly type: "F"; readonly value: FieldTable }
  | { readonly type: "V"; readonly value: null };

/** Insertion order is wire order. */
export type FieldTable = Map<string, FieldValue>;

export const EMPTY_TABLE: FieldTable = new Map();

/*
 * Functions (implemented in this file):
 *   decodeTable(buf, offset, depth?) -> { table, end }       throws BrokerError SYNTAX_ERROR on malformed input
 *   encodeTable(table) -> Buffer                              the 4-byte length prefix included
 *   encodedTableSizeBytes(table) -> number
 *   fieldFromJs(value: unknown) -> FieldValue                  inference: boolean t, integer I (l if outside int32),
 *                                                              other number d, bigint l, string S, Buffer x, Date T,
 *                                                              array A, null/undefined V, plain object F
 *   tableFromJs(obj: Record<string, unknown>) -> FieldTable
 *   fieldToJs(v) -> unknown                                     S -> utf8 string, l/T -> number when safe else bigint,
 *                                                              D -> number, A -> array, F -> plain object, V -> null
 *   tableToJs(t) -> Record<string, unknown>
 *   fieldsEqual(a, b) / tablesEqual(a, b) -> boolean            deep equality by type and value (binding and
 *                                                              argument equivalence); tables compare as sets of keys
 * Added for the codec:
 *   writeTable(table, buf, offset) -> end                      encodes in place (buf sized with encodedTableSizeBytes)
 *   validateTable(buf, offset, depth?) -> end                   decodeTable's checks without allocating
 *
 * Decoding copies S and x values, so a table never aliases the frame it came from.
 * Keys and values are checked against the bytes present before anything is allocated.
 * Where a decoded table is not byte-exact: an 'L' value is read as 'l' (as RabbitMQ
 * reads it), a 't' octet other than 0 or 1 becomes true, and a repeated key keeps its
 * first position and its last value (a Map holds one value per key).
 */

// ---------------------------------------------------------------------------
// Decoding. The readers below throw MalformedInputError (from ByteReader) or a
// BrokerError; the public entry points turn the former into SYNTAX_ERROR, so
// callers only ever see BrokerError.

/**
 * Decodes the field table that starts (with its 4-byte length) at `offset`.
 * `depth` is the nesting level of this table: 1 for a top-level table.
 * Strings and byte arrays are copied, so the result never aliases `buffer`.
 */
export function decodeTable(buffer: Buffer, offset: number, depth = 1): { table: FieldTable; end: number } {
  const reader = new ByteReader(buffer, offset);
  try {
    const table = readTable(reader, depth);
    return { table, end: reader.offset };
  } catch (error) {
    throw asSyntaxError(error);
  }
}

/**
 * Checks that a well-formed field table starts at `offset` and returns its end,
 * without allocating anything: used to validate a content header once on publish
 * so that decoding it lazily later cannot fail.
 */
export function validateTable(buffer: Buffer, offset: number, depth = 1): number {
  const reader = new ByteReader(buffer, offset);
  try {
    skipTable(reader, depth);
    return reader.offset;
  } catch (error) {
    throw asSyntaxError(error);
  }
}

function asSyntaxError(error: unknown): unknown {
  if (error instanceof MalformedInputError) return fail.syntaxError(`malformed field table: ${error.message}`);
  return error;
}

function checkDepth(depth: number): void {
  if (depth > FIELD_TABLE_DEPTH_MAX) {
    throw fail.syntaxError(`field table or array nested deeper than ${FIELD_TABLE_DEPTH_MAX} levels`);
  }
}

function readTable(reader: ByteReader, depth: number): FieldTable {
  checkDepth(depth);
  const lengthBytes = reader.long();
  reader.need(lengthBytes);
  const end = reader.offset + lengthBytes;
  const table: FieldTable = new Map();
  const entries = new ByteReader(reader.buffer, reader.offset, end);
  while (entries.offset < end) {
    const key = entries.shortString();
    table.set(key, readValue(entries, depth));
  }
  reader.offset = end;
  return table;
}

function readArray(reader: ByteReader, depth: number): FieldValue[] {
  checkDepth(depth);
  const lengthBytes = reader.long();
  reader.need(lengthBytes);
  const end = reader.offset + lengthBytes;
  const values: FieldValue[] = [];
  const items = new ByteReader(reader.buffer, reader.offset, end);
  while (items.offset < end) values.push(readValue(items, depth));
  reader.offset = end;
  return values;
}

/** `depth` is that of the table or array holding the value; a nested one is one deeper. */
function readValue(reader: ByteReader, depth: number): FieldValue {
  const tag = reader.octet();
  switch (tag) {
    case 0x74: return { type: "t", value: reader.octet() !== 0 }; // 't'
    case 0x62: return { type: "b", value: reader.int8() }; // 'b'
    case 0x42: return { type: "B", value: reader.octet() }; // 'B'
    case 0x73: return { type: "s", value: reader.int16() }; // 's'
    case 0x75: return { type: "u", value: reader.short() }; // 'u'
    case 0x49: return { type: "I", value: reader.int32() }; // 'I'
    case 0x69: return { type: "i", value: reader.long() }; // 'i'
    // RabbitMQ reads both 'l' and 'L' as a signed 64-bit integer and writes 'l' back.
    case 0x6c: case 0x4c: return { type: "l", value: reader.bigInt64() }; // 'l', 'L'
    case 0x66: return { type: "f", value: reader.float32() }; // 'f'
    case 0x64: return { type: "d", value: reader.float64() }; // 'd'
    // RabbitMQ (rabbit_binary_parser) reads a decimal as an unsigned scale octet and an unsigned 32-bit value.
    case 0x44: return { type: "D", value: { scale: reader.octet(), value: reader.long() } }; // 'D'
    case 0x54: return { type: "T", value: reader.bigUint64() }; // 'T'
    case 0x53: return { type: "S", value: reader.copy(reader.long()) }; // 'S'
    case 0x78: return { type: "x", value: reader.copy(reader.long()) }; // 'x'
    case 0x41: return { type: "A", value: readArray(reader, depth + 1) }; // 'A'
    case 0x46: return { type: "F", value: readTable(reader, depth + 1) }; // 'F'
    case 0x56: return { type: "V", value: null }; // 'V'
    default:
      throw fail.syntaxError(`unknown field value type 0x${tag.toString(16).padStart(2, "0")} at offset ${reader.offset - 1}`);
  }
}

/** Fixed value sizes by tag byte; -1 for variable-length values, undefined for unknown tags. */
const FIXED_VALUE_SIZE_BYTES: Readonly<Record<number, number>> = {
  0x74: 1, 0x62: 1, 0x42: 1, 0x73: 2, 0x75: 2, 0x49: 4, 0x69: 4, 0x6c: 8, 0x4c: 8,
  0x66: 4, 0x64: 8, 0x44: 5, 0x54: 8, 0x56: 0, 0x53: -1, 0x78: -1, 0x41: -1, 0x46: -1,
};

function skipTable(reader: ByteReader, depth: number): void {
  checkDepth(depth);
  const lengthBytes = reader.long();
  reader.need(lengthBytes);
  const entries = new ByteReader(reader.buffer, reader.offset, reader.offset + lengthBytes);
  while (entries.remainingBytes > 0) {
    entries.skipUtf8(entries.octet());
    skipValue(entries, depth);
  }
  reader.offset = entries.end;
}

function skipArray(reader: ByteReader, depth: number): void {
  checkDepth(depth);
  const lengthBytes = reader.long();
  reader.need(lengthBytes);
  const items = new ByteReader(reader.buffer, reader.offset, reader.offset + lengthBytes);
  while (items.remainingBytes > 0) skipValue(items, depth);
  reader.offset = items.end;
}

function skipValue(reader: ByteReader, depth: number): void {
  const tag = reader.octet();
  const sizeBytes = FIXED_VALUE_SIZE_BYTES[tag];
  if (sizeBytes === undefined) {
    throw fail.syntaxError(`unknown field value type 0x${tag.toString(16).padStart(2, "0")} at offset ${reader.offset - 1}`);
  }
  if (sizeBytes >= 0) return reader.skip(sizeBytes);
  if (tag === 0x46) return skipTable(reader, depth + 1);
  if (tag === 0x41) return skipArray(reader, depth + 1);
  reader.skip(reader.long());
}

// ---------------------------------------------------------------------------
// Encoding. Values come from Warren's own code, so a value that does not fit its
// wire type is a programming error: it throws RangeError (as Buffer's writers do),
// not a BrokerError.

/** The encoded size of `table`, its 4-byte length prefix included. */
export function encodedTableSizeBytes(table: FieldTable): number {
  return tableSizeBytes(table, 1);
}

function tableSizeBytes(table: FieldTable, depth: number): number {
  if (depth > FIELD_TABLE_DEPTH_MAX) throw new RangeError(`field table nested deeper than ${FIELD_TABLE_DEPTH_MAX} levels`);
  let sizeBytes = 4;
  for (const [key, value] of table) {
    const keyBytes = Buffer.byteLength(key);
    if (keyBytes > SHORT_STRING_BYTES_MAX) throw new RangeError(`field table key of ${keyBytes} bytes; at most ${SHORT_STRING_BYTES_MAX}`);
    sizeBytes += 1 + keyBytes + valueSizeBytes(value, depth);
  }
  return sizeBytes;
}

function valueSizeBytes(field: FieldValue, depth: number): number {
  switch (field.type) {
    case "t": case "b": case "B": return 2;
    case "s": case "u": return 3;
    case "I": case "i": case "f": return 5;
    case "l": case "T": case "d": return 9;
    case "D": return 6;
    case "S": case "x": return 5 + field.value.length;
    case "A": {
      if (depth + 1 > FIELD_TABLE_DEPTH_MAX) throw new RangeError(`field array nested deeper than ${FIELD_TABLE_DEPTH_MAX} levels`);
      let sizeBytes = 5;
      for (const item of field.value) sizeBytes += valueSizeBytes(item, depth + 1);
      return sizeBytes;
    }
    case "F": return 1 + tableSizeBytes(field.value, depth + 1);
    case "V": return 1;
  }
}

/** Encodes `table` with its 4-byte length prefix into a new Buffer. */
export function encodeTable(table: FieldTable): Buffer {
  const buffer = Buffer.allocUnsafe(encodedTableSizeBytes(table));
  writeTable(table, buffer, 0);
  return buffer;
}

/**
 * Writes `table` with its length prefix at `offset` and returns the end offset.
 * The caller has sized `buffer` with encodedTableSizeBytes (which also checks
 * depth and key lengths), so this does not check them again.
 */
export function writeTable(table: FieldTable, buffer: Buffer, offset: number): number {
  let position = offset + 4;
  for (const [key, value] of table) {
    const keyBytes = buffer.write(key, position + 1, "utf8");
    buffer[position] = keyBytes;
    position = writeValue(value, buffer, position + 1 + keyBytes);
  }
  buffer.writeUInt32BE(position - offset - 4, offset);
  return position;
}

function writeValue(field: FieldValue, buffer: Buffer, offset: number): number {
  buffer[offset] = field.type.charCodeAt(0);
  const at = offset + 1;
  switch (field.type) {
    case "t": buffer[at] = field.value ? 1 : 0; return at + 1;
    case "b": return buffer.writeInt8(field.value, at);
    case "B": return buffer.writeUInt8(field.value, at);
    case "s": return buffer.writeInt16BE(field.value, at);
    case "u": return buffer.writeUInt16BE(field.value, at);
    case "I": return buffer.writeInt32BE(field.value, at);
    case "i": return buffer.writeUInt32BE(field.value, at);
    case "f": return buffer.writeFloatBE(field.value, at);
    case "d": return buffer.writeDoubleBE(field.value, at);
    case "l": return buffer.writeBigInt64BE(field.value, at);
    case "T": return buffer.writeBigUInt64BE(field.value, at);
    case "D": return buffer.writeUInt32BE(field.value.value, buffer.writeUInt8(field.value.scale, at));
    case "S": case "x":
      buffer.writeUInt32BE(field.value.length, at);
      return at + 4 + field.value.copy(buffer, at + 4);
    case "A": {
      let position = at + 4;
      for (const item of field.value) position = writeValue(item, buffer, position);
      buffer.writeUInt32BE(position - at - 4, at);
      return position;
    }
    case "F": return writeTable(field.value, buffer, at);
    case "V": return at;
  }
}

// ---------------------------------------------------------------------------
// Conversion from and to plain JavaScript values, for configuration, the
// management API and code that reads a few well-known arguments.

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
/** Integers beyond ±2^63 do not fit 'l'; they are sent as doubles, as amqplib does. */
const INT64_LIMIT = 2 ** 63;

/**
 * Infers a wire type for a JavaScript value: boolean t, integer I (l outside
 * int32), other number d, bigint l, string S, Buffer x, Date T (whole seconds),
 * array A, null or undefined V, plain object or Map F. Anything else is a TypeError.
 */
export function fieldFromJs(value: unknown): FieldValue {
  return fieldFromJsAt(value, 1);
}

export function tableFromJs(object: Record<string, unknown>): FieldTable {
  return tableFromJsAt(object, 1);
}

function tableFromJsAt(object: Record<string, unknown> | ReadonlyMap<string, unknown>, depth: number): FieldTable {
  if (depth > FIELD_TABLE_DEPTH_MAX) throw new TypeError(`object nested deeper than ${FIELD_TABLE_DEPTH_MAX} levels`);
  const table: FieldTable = new Map();
  const entries = object instanceof Map ? object.entries() : Object.entries(object);
  for (const [key, value] of entries) table.set(key, fieldFromJsAt(value, depth));
  return table;
}

function fieldFromJsAt(value: unknown, depth: number): FieldValue {
  switch (typeof value) {
    case "boolean": return { type: "t", value };
    case "number":
      if (Number.isInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) return { type: "I", value };
        if (Math.abs(value) < INT64_LIMIT) return { type: "l", value: BigInt(value) };
      }
      return { type: "d", value };
    case "bigint": return { type: "l", value };
    case "string": return { type: "S", value: Buffer.from(value, "utf8") };
    case "undefined": return { type: "V", value: null };
    case "object": {
      if (value === null) return { type: "V", value: null };
      if (Buffer.isBuffer(value)) return { type: "x", value };
      if (value instanceof Date) return { type: "T", value: BigInt(Math.floor(value.getTime() / 1000)) };
      if (depth + 1 > FIELD_TABLE_DEPTH_MAX) throw new TypeError(`value nested deeper than ${FIELD_TABLE_DEPTH_MAX} levels`);
      if (Array.isArray(value)) return { type: "A", value: value.map((item) => fieldFromJsAt(item, depth + 1)) };
      if (value instanceof Map) return { type: "F", value: tableFromJsAt(value, depth + 1) };
      const prototype = Object.getPrototypeOf(value);
      if (prototype === Object.prototype || prototype === null) {
        return { type: "F", value: tableFromJsAt(value as Record<string, unknown>, depth + 1) };
      }
      throw new TypeError(`cannot put a ${prototype?.constructor?.name ?? "object"} in a field table`);
    }
    default:
      throw new TypeError(`cannot put a ${typeof value} in a field table`);
  }
}

/**
 * The JavaScript value of a field: S as a UTF-8 string, x as a Buffer, l and T
 * as numbers when exact (bigint otherwise), D as a number, A as an array, F as
 * a plain object, V as null.
 */
export function fieldToJs(field: FieldValue): unknown {
  switch (field.type) {
    case "S": return field.value.toString("utf8");
    case "l": case "T": {
      const value = field.value;
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    case "D": return field.value.value / 10 ** field.value.scale;
    case "A": return field.value.map(fieldToJs);
    case "F": return tableToJs(field.value);
    default: return field.value;
  }
}

/** A plain object; `Object.fromEntries` defines own properties, so a "__proto__" key is safe. */
export function tableToJs(table: FieldTable): Record<string, unknown> {
  return Object.fromEntries(Array.from(table, ([key, value]) => [key, fieldToJs(value)]));
}

// ---------------------------------------------------------------------------
// Equality, for binding identity and argument equivalence. RabbitMQ sorts binding
// arguments by key and compares the sorted lists exactly, wire types included (an
// 'I' 1 and an 'l' 1 are different), so tables compare as sets of keys.

export function tablesEqual(left: FieldTable, right: FieldTable): boolean {
  if (left === right) return true;
  if (left.size !== right.size) return false;
  for (const [key, leftValue] of left) {
    const rightValue = right.get(key);
    if (rightValue === undefined || !fieldsEqual(leftValue, rightValue)) return false;
  }
  return true;
}

export function fieldsEqual(left: FieldValue, right: FieldValue): boolean {
  if (left.type !== right.type) return false;
  switch (left.type) {
    case "S": case "x": return left.value.equals(right.value as Buffer);
    case "D": {
      const other = right.value as Decimal;
      return left.value.scale === other.scale && left.value.value === other.value;
    }
    case "A": {
      const other = right.value as readonly FieldValue[];
      if (left.value.length !== other.length) return false;
      for (let index = 0; index < other.length; index++) {
        if (!fieldsEqual(left.value[index], other[index])) return false;
      }
      return true;
    }
    case "F": return tablesEqual(left.value, right.value as FieldTable);
    // Booleans, numbers, bigints and null compare by value. NaN is never equal to
    // itself, which can only keep two bindings apart, never merge different ones.
    default: return left.value === right.value;
  }
}
