/**
 * Emits src/message/properties.generated.ts: the basic class's content
 * header properties, a full decoder and encoder, a validator that allocates
 * nothing, and one accessor per property that skips over the earlier ones.
 */
import type { CodecModel, PropertyModel, WireType } from "./spec-model.js";
import { generatedHeader, typeScriptType } from "./emit-common.js";

const SUMMARY = `Content header properties of the basic class (AMQP 0-9-1 §4.2.6.1): a header frame's
payload is class-id (short), weight (short), body-size (longlong), property flags (shorts:
bit 15 is the first property, bit 0 says another flag word follows), then the present
properties in flag order. The message store keeps header payloads as received; the
accessors here read one property without decoding the others.`;

/** How a property is skipped: by its fixed size, or by its length prefix. */
function skipKind(wireType: WireType): string {
  switch (wireType) {
    case "shortstr": return "SKIP_SHORT_STRING";
    case "table": return "SKIP_TABLE";
    case "octet": return "1";
    case "short": return "2";
    case "long": return "4";
    case "longlong": case "timestamp": return "8";
    default: throw new Error(`a ${wireType} content property is not supported`);
  }
}

function readExpression(wireType: WireType): string {
  switch (wireType) {
    case "shortstr": return "reader.shortString()";
    case "table": return "readTable(reader)";
    case "octet": return "reader.octet()";
    case "short": return "reader.short()";
    case "long": return "reader.long()";
    case "longlong": case "timestamp": return "reader.longlong()";
    default: throw new Error(`a ${wireType} content property is not supported`);
  }
}

function flagOf(index: number): string {
  return `0x${(0x8000 >>> index).toString(16).padStart(4, "0")}`;
}

export function emitProperties(model: CodecModel): string {
  const properties = model.basicProperties;
  const knownFlags = properties.reduce((flags, _, index) => flags | (0x8000 >>> index), 0);
  return [
    generatedHeader(SUMMARY),
    emitPrelude(model, knownFlags),
    emitDecoder(properties),
    emitValidator(),
    emitEncoder(properties),
    emitAccessors(properties),
  ].join("\n");
}

function emitPrelude(model: CodecModel, knownFlags: number): string {
  const fields = model.basicProperties.map((property) => `  ${property.propertyName}?: ${typeScriptType(property.wireType)}; // ${property.specName}: ${property.wireType}`);
  return `import { BrokerError, Errors, fail } from "../errors/registry.js";
import { SHORT_STRING_BYTES_MAX } from "../config/limits.js";
import { ByteReader, MalformedInputError } from "../lib/byte-reader.js";
import { boundedByteLength, writeShortString, writeUint64Number } from "../lib/byte-writer.js";
import { decodeTable, encodedTableSizeBytes, validateTable, writeTable, type FieldTable } from "./field-table.js";

export const BASIC_CLASS_ID = ${model.basicClassId};

/** The properties present in a content header; an absent property is undefined. */
export interface BasicProperties {
${fields.join("\n")}
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
const KNOWN_FLAGS = 0x${knownFlags.toString(16)};
const SKIP_SHORT_STRING = -1;
const SKIP_TABLE = -2;
/** Per property in flag order: its size in bytes, or how to find its size. */
const PROPERTY_SKIPS: readonly number[] = [${model.basicProperties.map((property) => skipKind(property.wireType)).join(", ")}];

function headerFailure(error: unknown): unknown {
  if (error instanceof MalformedInputError) return fail.syntaxError(\`malformed content header (\${error.message})\`);
  return error;
}

/**
 * A header frame too short for its fixed part is not a content header at all:
 * FRAME_ERROR, as RabbitMQ 3.10.8 answers it ("unknown_frame"). Malformed
 * properties are SYNTAX_ERROR: RabbitMQ decodes them lazily and has no set answer.
 */
function checkFixedPart(payload: Buffer): void {
  if (payload.length < FIXED_PART_BYTES) {
    throw fail.frameError(\`content header of \${payload.length} bytes; class-id, weight, body-size and flags need \${FIXED_PART_BYTES}\`);
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
    throw new BrokerError(Errors.UNEXPECTED_FRAME, \`content header for class \${classId}; only basic (\${BASIC_CLASS_ID}) carries content\`);
  }
  reader.skip(10);
  const flags = reader.short();
  if ((flags & ~KNOWN_FLAGS & ~FLAG_CONTINUATION) !== 0) {
    throw fail.syntaxError(\`property flags 0x\${flags.toString(16)} name a property basic does not have\`);
  }
  // AMQP 0-9-1 §4.2.6.1: while bit 0 is set another flag word follows. Basic has
  // only 14 properties, so a later word may not name any.
  let word = flags;
  while ((word & FLAG_CONTINUATION) !== 0) {
    word = reader.short();
    if ((word & ~FLAG_CONTINUATION) !== 0) {
      throw fail.syntaxError(\`continuation property flags 0x\${word.toString(16)} name a property basic does not have\`);
    }
  }
  return flags;
}

function readTable(reader: ByteReader): FieldTable {
  const { table, end } = decodeTable(reader.buffer, reader.offset);
  reader.offset = end;
  return table;
}

/** Skips property \`index\`; strings and tables are checked only when \`validate\` is set. */
function skipProperty(reader: ByteReader, index: number, validate: boolean): void {
  const skip = PROPERTY_SKIPS[index];
  if (skip >= 0) return reader.skip(skip);
  if (skip === SKIP_SHORT_STRING) return validate ? reader.skipUtf8(reader.octet()) : reader.skip(reader.octet());
  if (validate) reader.offset = validateTable(reader.buffer, reader.offset);
  else reader.skip(reader.long());
}
`;
}

function emitDecoder(properties: readonly PropertyModel[]): string {
  const reads = properties.map(
    (property, index) => `    if ((flags & ${flagOf(index)}) !== 0) properties.${property.propertyName} = ${readExpression(property.wireType)};`,
  );
  return `/** Decodes a header frame's payload. Malformed properties throw SYNTAX_ERROR; a header shorter than its fixed part, FRAME_ERROR. */
export function decodeContentHeader(payload: Buffer): ContentHeader {
  const reader = new ByteReader(payload);
  try {
    const flags = readFixedPart(reader);
    const properties: BasicProperties = {};
${reads.join("\n")}
    if (reader.remainingBytes !== 0) throw fail.syntaxError(\`\${reader.remainingBytes} bytes after the last content header property\`);
    return { classId: payload.readUInt16BE(0), weight: payload.readUInt16BE(2), bodySize: contentHeaderBodySize(payload), properties };
  } catch (error) {
    throw headerFailure(error);
  }
}
`;
}

function emitValidator(): string {
  return `/**
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
    if (reader.remainingBytes !== 0) throw fail.syntaxError(\`\${reader.remainingBytes} bytes after the last content header property\`);
    return contentHeaderBodySize(payload);
  } catch (error) {
    throw headerFailure(error);
  }
}
`;
}

function emitEncoder(properties: readonly PropertyModel[]): string {
  const measure: string[] = [];
  const writes: string[] = [];
  properties.forEach((property, index) => {
    const name = property.propertyName;
    const flag = flagOf(index);
    const value = `properties.${name}`;
    const lines: string[] = [];
    switch (property.wireType) {
      case "shortstr":
        measure.push(`  const ${name}Bytes = ${value} === undefined ? 0 : boundedByteLength(${value}, SHORT_STRING_BYTES_MAX, "property ${property.specName}");`);
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += 1 + ${name}Bytes; }`);
        lines.push(`offset = writeShortString(buffer, ${value}, ${name}Bytes, offset);`);
        break;
      case "table":
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += encodedTableSizeBytes(${value}); }`);
        lines.push(`offset = writeTable(${value}, buffer, offset);`);
        break;
      case "octet":
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += 1; }`);
        lines.push(`offset = buffer.writeUInt8(${value}, offset);`);
        break;
      case "short":
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += 2; }`);
        lines.push(`offset = buffer.writeUInt16BE(${value}, offset);`);
        break;
      case "long":
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += 4; }`);
        lines.push(`offset = buffer.writeUInt32BE(${value}, offset);`);
        break;
      case "longlong":
      case "timestamp":
        measure.push(`  if (${value} !== undefined) { flags |= ${flag}; sizeBytes += 8; }`);
        lines.push(`offset = writeUint64Number(buffer, ${value}, offset);`);
        break;
      default:
        throw new Error(`a ${property.wireType} content property is not supported`);
    }
    writes.push(`  if (${value} !== undefined) ${lines.join(" ")}`);
  });
  return `/**
 * Encodes a header frame's payload. Weight is always 0 (AMQP 0-9-1 §4.2.6.1).
 * A property that does not fit its wire type is a bug in the caller: RangeError.
 */
export function encodeContentHeader(classId: number, bodySize: number, properties: BasicProperties): Buffer {
  let flags = 0;
  let sizeBytes = FIXED_PART_BYTES;
${measure.join("\n")}
  const buffer = Buffer.allocUnsafe(sizeBytes);
  buffer.writeUInt16BE(classId, 0);
  buffer.writeUInt16BE(0, 2);
  writeUint64Number(buffer, bodySize, 4);
  let offset = buffer.writeUInt16BE(flags, FLAGS_OFFSET);
${writes.join("\n")}
  return buffer;
}
`;
}

function emitAccessors(properties: readonly PropertyModel[]): string {
  const accessors = properties.map((property, index) => `/** \`${property.specName}\` without decoding the other properties; undefined when absent. */
export function ${property.accessorName}(payload: Buffer): ${typeScriptType(property.wireType)} | undefined {
  try {
    const reader = propertyReader(payload, ${index});
    return reader === undefined ? undefined : ${readExpression(property.wireType)};
  } catch (error) {
    throw headerFailure(error);
  }
}
`);
  return `/** The class-id of a header frame's payload. */
export function contentHeaderClassId(payload: Buffer): number {
  checkFixedPart(payload);
  return payload.readUInt16BE(0);
}

/** The body size of a header frame's payload, read without looking at the properties. */
export function contentHeaderBodySize(payload: Buffer): number {
  checkFixedPart(payload);
  return payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
}

/** A reader at property \`index\`, having skipped the present properties before it; undefined when absent. */
function propertyReader(payload: Buffer, index: number): ByteReader | undefined {
  const reader = new ByteReader(payload);
  const flags = readFixedPart(reader);
  if ((flags & (0x8000 >>> index)) === 0) return undefined;
  for (let earlier = 0; earlier < index; earlier++) {
    if ((flags & (0x8000 >>> earlier)) !== 0) skipProperty(reader, earlier, false);
  }
  return reader;
}

${accessors.join("\n")}`;
}
