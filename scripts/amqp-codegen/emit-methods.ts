/**
 * Emits src/protocol/amqp091/methods.generated.ts: one interface per method, the
 * `Method` union, id tables, and a decoder and an encoder per method written out
 * as straight-line code (no per-field dispatch at run time).
 */
import type { CodecModel, FieldModel, MethodModel } from "./spec-model.js";
import { defaultLiteral, fixedSizeBytes, generatedHeader, hex32, localName, longStringConstantName, typeScriptType } from "./emit-common.js";

const SUMMARY = `AMQP 0-9-1 methods: one interface per method (discriminated by \`method\`, the dotted spec
name), \`MethodInit\` variants whose fields with spec defaults are optional, and a decoder and
encoder per method. longlong fields are numbers: exact up to 2^53, which delivery tags and
message counts never reach. longstr fields are Buffers (they are binary: SASL responses).
Decoded methods never alias the frame payload: strings and Buffers are copies.`;

export function emitMethods(model: CodecModel): string {
  const parts = [
    generatedHeader(SUMMARY),
    emitImports(),
    emitConstants(model),
    ...model.methods.map(emitInterfaces),
    emitUnions(model.methods),
    emitIdTables(model.methods),
    emitDecodeMethod(model.methods),
    ...model.methods.map(emitDecoder),
    emitEncodeMethod(model.methods),
    ...model.methods.map(emitEncoder),
  ];
  return parts.join("\n");
}

function emitImports(): string {
  return `import { BrokerError, Errors, fail } from "../../errors/registry.js";
import { EMPTY_TABLE, decodeTable, encodedTableSizeBytes, writeTable, type FieldTable } from "../../message/field-table.js";
import { SHORT_STRING_BYTES_MAX } from "../../config/limits.js";
import { ByteReader, MalformedInputError } from "../../lib/byte-reader.js";
import { boundedByteLength, writeLongBytes, writeShortString, writeUint64Number } from "../../lib/byte-writer.js";
`;
}

function emitConstants(model: CodecModel): string {
  const frameConstants = model.frameConstants.map((constant) => `export const ${constant.name} = ${constant.value};`);
  const longStrings = new Set<string>();
  for (const method of model.methods) {
    for (const field of method.fields) {
      if (field.wireType === "longstr" && typeof field.defaultValue === "string") longStrings.add(field.defaultValue);
    }
  }
  const longStringConstants = [...longStrings].map((value) => `const ${longStringConstantName(value)} = Buffer.from(${JSON.stringify(value)}, "utf8");`);
  return `/** Frame types, the frame-end octet and reply-success, from the spec's constants. */
${frameConstants.join("\n")}

/** Defaults of longstr fields, shared so that filling in a default never allocates. */
${longStringConstants.join("\n")}
`;
}

function fieldComment(field: FieldModel): string {
  const defaultText = field.defaultValue === undefined ? "" : `, default ${JSON.stringify(field.defaultValue)}`;
  return `${field.specName}: ${field.wireType}${defaultText}`;
}

function emitInterfaces(method: MethodModel): string {
  const traits = [method.synchronous ? "synchronous" : "", method.carriesContent ? "carries content" : ""].filter((trait) => trait.length > 0);
  const title = `\`${method.dottedName}\` (class ${method.classId}, method ${method.methodId})${traits.length > 0 ? `: ${traits.join(", ")}` : ""}.`;
  const required = method.fields.map((field) => `  ${field.propertyName}: ${typeScriptType(field.wireType)}; // ${fieldComment(field)}`);
  const optional = method.fields.map((field) => {
    const marker = field.defaultValue === undefined ? "" : "?";
    return `  ${field.propertyName}${marker}: ${typeScriptType(field.wireType)};`;
  });
  return `/** ${title} */
export interface ${method.typeName} {
  method: "${method.dottedName}";
${required.join("\n")}${required.length > 0 ? "\n" : ""}}
/** \`${method.dottedName}\` for encoding: fields with a spec default may be left out. */
export interface ${method.typeName}Init {
  method: "${method.dottedName}";
${optional.join("\n")}${optional.length > 0 ? "\n" : ""}}
`;
}

function emitUnions(methods: readonly MethodModel[]): string {
  return `/** Every AMQP 0-9-1 method, fully populated (what decodeMethod returns). */
export type Method =
${methods.map((method) => `  | ${method.typeName}`).join("\n")};

/** What encodeMethod accepts: a Method, or one with spec defaults left out. */
export type MethodInit =
${methods.map((method) => `  | ${method.typeName}Init`).join("\n")};

export type MethodName = Method["method"];

/** The method interface for a dotted name: \`MethodByName["basic.publish"]\` is \`BasicPublish\`. */
export interface MethodByName {
${methods.map((method) => `  "${method.dottedName}": ${method.typeName};`).join("\n")}
}
`;
}

function emitIdTables(methods: readonly MethodModel[]): string {
  const ids = methods.map((method) => `  "${method.dottedName}": { classId: ${method.classId}, methodId: ${method.methodId} },`);
  const content = methods.filter((method) => method.carriesContent).map((method) => `"${method.dottedName}"`);
  const synchronous = methods.filter((method) => method.synchronous).map((method) => `  "${method.dottedName}",`);
  return `export const METHOD_IDS: { readonly [K in MethodName]: { classId: number; methodId: number } } = Object.freeze({
${ids.join("\n")}
});

const METHOD_NAMES_BY_ID: ReadonlyMap<number, MethodName> = new Map(
  (Object.keys(METHOD_IDS) as MethodName[]).map((name) => [METHOD_IDS[name].classId * 0x10000 + METHOD_IDS[name].methodId, name]),
);

/** The dotted name of a method, or undefined when the ids name no method. */
export function methodName(classId: number, methodId: number): MethodName | undefined {
  return METHOD_NAMES_BY_ID.get(classId * 0x10000 + methodId);
}

const CONTENT_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([${content.join(", ")}]);

/** Methods followed by a content header and body frames (spec: content="1"). */
export function isContentMethod(name: MethodName): boolean {
  return CONTENT_METHODS.has(name);
}

const SYNCHRONOUS_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
${synchronous.join("\n")}
]);

/** Requests that the peer answers with a reply method (spec: synchronous="1"). */
export function isSynchronousMethod(name: MethodName): boolean {
  return SYNCHRONOUS_METHODS.has(name);
}
`;
}

function emitDecodeMethod(methods: readonly MethodModel[]): string {
  const cases = methods.map((method) => `      case ${hex32(method.classId * 0x10000 + method.methodId)}: // ${method.dottedName}
        decoded = decode${method.typeName}(reader);
        break;`);
  return `/**
 * Decodes a method frame's payload (class-id, method-id, arguments). Arguments that
 * cannot be decoded (truncated, a shortstr that is not UTF-8, a malformed table, bytes
 * after the last argument) throw FRAME_ERROR, as RabbitMQ 3.10.8 answers them ("cannot
 * decode <<...>>"). Ids that name no method throw COMMAND_INVALID: RabbitMQ crashes the
 * connection there without a reply code. The thrown BrokerError carries both ids.
 */
export function decodeMethod(payload: Buffer): Method {
  if (payload.length < 4) {
    throw fail.frameError(\`method frame payload of \${payload.length} bytes; class-id and method-id need 4\`);
  }
  const classId = payload.readUInt16BE(0);
  const methodId = payload.readUInt16BE(2);
  const reader = new ByteReader(payload, 4);
  let decoded: Method;
  try {
    switch (classId * 0x10000 + methodId) {
${cases.join("\n")}
      default:
        throw new BrokerError(Errors.COMMAND_INVALID, \`unknown method: class-id \${classId}, method-id \${methodId}\`, classId, methodId);
    }
  } catch (error) {
    throw decodeFailure(error, classId, methodId);
  }
  if (reader.remainingBytes !== 0) {
    const detail = \`cannot decode \${decoded.method}: \${reader.remainingBytes} bytes after the last argument\`;
    throw new BrokerError(Errors.FRAME_ERROR, detail, classId, methodId);
  }
  return decoded;
}

/** Malformed input, from the reader or from decodeTable (SYNTAX_ERROR there), becomes FRAME_ERROR. */
function decodeFailure(error: unknown, classId: number, methodId: number): unknown {
  const name = methodName(classId, methodId) ?? \`class-id \${classId}, method-id \${methodId}\`;
  if (error instanceof MalformedInputError) {
    return new BrokerError(Errors.FRAME_ERROR, \`cannot decode \${name}: \${error.message}\`, classId, methodId);
  }
  if (error instanceof BrokerError && error.kind === Errors.SYNTAX_ERROR) {
    return new BrokerError(Errors.FRAME_ERROR, \`cannot decode \${name}: \${error.detail}\`, classId, methodId);
  }
  return error;
}

function readTable(reader: ByteReader): FieldTable {
  const { table, end } = decodeTable(reader.buffer, reader.offset);
  reader.offset = end;
  return table;
}

function readLongString(reader: ByteReader): Buffer {
  return reader.copy(reader.long());
}
`;
}

/** Splits fields into runs: consecutive bits share octets (at most eight to an octet). */
function fieldRuns(fields: readonly FieldModel[]): (FieldModel | FieldModel[])[] {
  const runs: (FieldModel | FieldModel[])[] = [];
  let bits: FieldModel[] | undefined;
  for (const field of fields) {
    if (field.wireType !== "bit") {
      bits = undefined;
      runs.push(field);
      continue;
    }
    if (bits === undefined || bits.length === 8) {
      bits = [];
      runs.push(bits);
    }
    bits.push(field);
  }
  return runs;
}

function readExpression(field: FieldModel): string {
  switch (field.wireType) {
    case "octet": return "reader.octet()";
    case "short": return "reader.short()";
    case "long": return "reader.long()";
    case "longlong": case "timestamp": return "reader.longlong()";
    case "shortstr": return "reader.shortString()";
    case "longstr": return "readLongString(reader)";
    case "table": return "readTable(reader)";
    case "bit": throw new Error("bits are read per octet");
  }
}

function emitDecoder(method: MethodModel): string {
  const statements: string[] = [];
  let bitOctets = 0;
  for (const run of fieldRuns(method.fields)) {
    if (!Array.isArray(run)) {
      statements.push(`  const ${localName(run)} = ${readExpression(run)};`);
      continue;
    }
    const octet = `bits${bitOctets++}`;
    statements.push(`  const ${octet} = reader.octet();`);
    run.forEach((field, index) => statements.push(`  const ${localName(field)} = (${octet} & ${1 << index}) !== 0;`));
  }
  const properties = method.fields.map((field) => (localName(field) === field.propertyName ? field.propertyName : `${field.propertyName}: ${localName(field)}`));
  const parameter = method.fields.length > 0 ? "reader" : "_reader";
  return `function decode${method.typeName}(${parameter}: ByteReader): ${method.typeName} {
${statements.join("\n")}${statements.length > 0 ? "\n" : ""}  return { method: "${method.dottedName}"${properties.map((property) => `, ${property}`).join("")} };
}
`;
}

function emitEncodeMethod(methods: readonly MethodModel[]): string {
  const cases = methods.map((method) => `    case "${method.dottedName}":
      return encode${method.typeName}(m, headroomBytes, tailroomBytes);`);
  return `/** Encodes a method frame's payload: class-id, method-id, arguments (bits packed into octets). */
export function encodeMethod(m: MethodInit): Buffer {
  return encodeMethodWithRoom(m, 0, 0);
}

/**
 * Encodes a method's payload into a new Buffer that leaves \`headroomBytes\` before and
 * \`tailroomBytes\` after it unwritten, so the frame writer fills in the frame header and
 * frame-end around it without a second allocation or copy.
 * A string too long for its shortstr field is a bug in the caller: RangeError.
 */
export function encodeMethodWithRoom(m: MethodInit, headroomBytes: number, tailroomBytes: number): Buffer {
  switch (m.method) {
${cases.join("\n")}
    default: {
      const unknown: never = m;
      throw new TypeError(\`cannot encode unknown method \${JSON.stringify((unknown as { method: unknown }).method)}\`);
    }
  }
}
`;
}

/** The field's value with its default filled in; parenthesized when it is an operand. */
function valueExpression(field: FieldModel, method: MethodModel, operand = true): string {
  if (field.defaultValue === undefined) return `m.${field.propertyName}`;
  const expression = `m.${field.propertyName} ?? ${defaultLiteral(field, method.dottedName)}`;
  return operand ? `(${expression})` : expression;
}

function emitEncoder(method: MethodModel): string {
  const prepare: string[] = [];
  const sizeTerms: string[] = [];
  const writes: string[] = [];
  let fixedBytes = 4;
  for (const run of fieldRuns(method.fields)) {
    if (Array.isArray(run)) {
      fixedBytes += 1;
      const terms = run.map((field, index) => `(${valueExpression(field, method)} ? ${1 << index} : 0)`);
      writes.push(`  buffer[offset++] = ${terms.join(" | ")};`);
      continue;
    }
    const field = run;
    const local = localName(field);
    const value = valueExpression(field, method, false);
    fixedBytes += fixedSizeBytes(field.wireType);
    switch (field.wireType) {
      case "octet": writes.push(`  offset = buffer.writeUInt8(${value}, offset);`); break;
      case "short": writes.push(`  offset = buffer.writeUInt16BE(${value}, offset);`); break;
      case "long": writes.push(`  offset = buffer.writeUInt32BE(${value}, offset);`); break;
      case "longlong": case "timestamp": writes.push(`  offset = writeUint64Number(buffer, ${value}, offset);`); break;
      case "shortstr":
        prepare.push(`  const ${local} = ${value};`);
        prepare.push(`  const ${local}Bytes = boundedByteLength(${local}, SHORT_STRING_BYTES_MAX, "${method.dottedName} ${field.specName}");`);
        sizeTerms.push(`${local}Bytes`);
        writes.push(`  offset = writeShortString(buffer, ${local}, ${local}Bytes, offset);`);
        break;
      case "longstr":
        prepare.push(`  const ${local} = ${value};`);
        sizeTerms.push(`${local}.length`);
        writes.push(`  offset = writeLongBytes(buffer, ${local}, offset);`);
        break;
      case "table":
        prepare.push(`  const ${local} = ${value};`);
        sizeTerms.push(`encodedTableSizeBytes(${local})`);
        writes.push(`  offset = writeTable(${local}, buffer, offset);`);
        break;
      case "bit":
        throw new Error("unreachable: bits come in runs");
    }
  }
  const size = ["headroomBytes", String(fixedBytes), ...sizeTerms, "tailroomBytes"].join(" + ");
  const parameter = method.fields.length > 0 ? "m" : "_m";
  const idWrite = `buffer.writeUInt32BE(${hex32(method.classId * 0x10000 + method.methodId)}, headroomBytes); // ${method.dottedName}`;
  const body = [
    ...prepare,
    `  const buffer = Buffer.allocUnsafe(${size});`,
    writes.length > 0 ? `  let offset = ${idWrite}` : `  ${idWrite}`,
    ...writes,
    "  return buffer;",
  ];
  return `function encode${method.typeName}(${parameter}: ${method.typeName}Init, headroomBytes: number, tailroomBytes: number): Buffer {
${body.join("\n")}
}
`;
}
