/**
 * Pieces shared by the emitters: the generated-file header, TypeScript types and
 * default-value literals for each wire type, and safe local variable names.
 */
import type { FieldModel, WireType } from "./spec-model.js";

export const SPEC_DISPLAY_PATH = "spec/amqp-rabbitmq-0.9.1.json";
export const GENERATOR_DISPLAY_PATH = "scripts/gen-amqp-codec.ts";

export function generatedHeader(summary: string): string {
  return [
    "// GENERATED FILE: do not edit by hand.",
    `// Generated from ${SPEC_DISPLAY_PATH} by ${GENERATOR_DISPLAY_PATH} (\`npm run codegen\`);`,
    "// change the generator and regenerate instead. test/unit/protocol/amqp091/codegen.test.ts",
    "// fails when this file differs from what the generator produces.",
    "//",
    ...summary.split("\n").map((line) => (line.length > 0 ? `// ${line}` : "//")),
    "",
  ].join("\n");
}

export function typeScriptType(wireType: WireType): string {
  switch (wireType) {
    case "octet":
    case "short":
    case "long":
    case "longlong":
    case "timestamp":
      return "number";
    case "bit":
      return "boolean";
    case "shortstr":
      return "string";
    case "longstr":
      return "Buffer";
    case "table":
      return "FieldTable";
  }
}

/** Names a property may have that cannot be a local variable in strict-mode code. */
const RESERVED_LOCAL_NAMES = new Set(["arguments", "eval", "type", "global"]);

export function localName(field: FieldModel): string {
  return RESERVED_LOCAL_NAMES.has(field.propertyName) ? `${field.propertyName}Value` : field.propertyName;
}

/** Buffers for longstr defaults are module constants, so a default never allocates. */
export function longStringConstantName(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
  return `LONG_STRING_${cleaned.length > 0 ? cleaned : "EMPTY"}`;
}

export function defaultLiteral(field: FieldModel, where: string): string {
  const value = field.defaultValue;
  switch (field.wireType) {
    case "bit":
      if (typeof value !== "boolean") throw new Error(`${where}: bad bit default ${String(value)}`);
      return String(value);
    case "octet":
    case "short":
    case "long":
    case "longlong":
    case "timestamp":
      if (typeof value !== "number") throw new Error(`${where}: bad number default ${String(value)}`);
      return String(value);
    case "shortstr":
      if (typeof value !== "string") throw new Error(`${where}: bad shortstr default ${String(value)}`);
      return JSON.stringify(value);
    case "longstr":
      if (typeof value !== "string") throw new Error(`${where}: bad longstr default ${String(value)}`);
      return longStringConstantName(value);
    case "table":
      if (typeof value !== "object" || value === null || Object.keys(value).length > 0) {
        throw new Error(`${where}: only an empty table default is supported`);
      }
      return "EMPTY_TABLE";
  }
}

/** Size in bytes of a fixed-size wire type; 0 for the variable ones (their length prefix is counted apart). */
export function fixedSizeBytes(wireType: WireType): number {
  switch (wireType) {
    case "octet":
      return 1;
    case "short":
      return 2;
    case "long":
      return 4;
    case "longlong":
    case "timestamp":
      return 8;
    case "shortstr":
      return 1;
    case "longstr":
      return 4;
    case "table":
    case "bit":
      return 0;
  }
}

export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
