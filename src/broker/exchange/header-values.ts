/**
 * How RabbitMQ compares and prints field values, for the headers exchange.
 *
 * RabbitMQ decodes a field value into an Erlang term and matches headers with Erlang's `==`.
 * That comparison looks at the term, not at the wire type: every integer and float type is
 * a number (so `I` 1, `l` 1, `b` 1, `T` 1 and `d` 1.0 are all equal), `S` and `x` are both
 * binaries (equal when the bytes are), booleans and void are atoms, a decimal is the tuple
 * {scale, digits}, and arrays and nested tables are lists whose elements carry their type
 * atom, so inside them the wire type and the order do matter. Verified against RabbitMQ 3.10.8
 * (see test/unit/broker/exchange/headers-cases.ts).
 */
import type { FieldTable, FieldType, FieldValue } from "../../message/field-table.js";

/** RabbitMQ's name for each wire type (`rabbit_binary_parser.erl`), as its error texts print them. */
const TYPE_ATOMS: Readonly<Record<FieldType, string>> = {
  t: "bool", b: "byte", B: "unsignedbyte", s: "short", u: "unsignedshort", I: "signedint",
  i: "unsignedint", l: "long", f: "float", d: "double", D: "decimal", T: "timestamp",
  S: "longstr", x: "binary", A: "array", F: "table", V: "void",
};

export function typeAtom(type: FieldType): string {
  return TYPE_ATOMS[type];
}

type TermClass = "number" | "binary" | "atom" | "tuple" | "list";

function termClass(type: FieldType): TermClass {
  switch (type) {
    case "S": case "x": return "binary";
    case "t": case "V": return "atom";
    case "D": return "tuple";
    case "A": case "F": return "list";
    default: return "number";
  }
}

/** Erlang's `==` between the terms RabbitMQ decodes two field values into. */
export function erlangEqual(left: FieldValue, right: FieldValue): boolean {
  const leftClass = termClass(left.type);
  if (leftClass !== termClass(right.type)) return false;
  switch (leftClass) {
    case "number":
      // Loose equality compares a number with a bigint by mathematical value, as Erlang does.
      // eslint-disable-next-line eqeqeq
      return (left.value as number | bigint) == (right.value as number | bigint);
    case "binary":
      return bytesEqual(left.value as Buffer, right.value as Buffer);
    case "atom":
      return left.type === right.type && left.value === right.value;
    case "tuple": {
      const a = left.value as { scale: number; value: number };
      const b = right.value as { scale: number; value: number };
      return a.scale === b.scale && a.value === b.value;
    }
    case "list":
      return listsEqual(left, right);
  }
}

/**
 * Header values are short, and for short buffers a loop in JavaScript beats `Buffer#equals`,
 * whose call into native code cost half the headers route time in the micro-benchmark.
 */
function bytesEqual(left: Buffer, right: Buffer): boolean {
  const length = left.length;
  if (length !== right.length) return false;
  if (length > 64) return left.equals(right);
  for (let index = 0; index < length; index++) {
    if (left[index] !== right[index]) return false;
  }
  return true;
}

/** Arrays are lists of {type, value}; tables lists of {key, type, value}; `[]` is both. */
function listsEqual(left: FieldValue, right: FieldValue): boolean {
  const leftLength = left.type === "A" ? left.value.length : (left.value as FieldTable).size;
  const rightLength = right.type === "A" ? right.value.length : (right.value as FieldTable).size;
  if (leftLength !== rightLength) return false;
  if (leftLength === 0) return true;
  if (left.type !== right.type) return false;
  if (left.type === "A") {
    const others = right.value as readonly FieldValue[];
    return left.value.every((element, index) => element.type === others[index].type && erlangEqual(element, others[index]));
  }
  const others = [...(right.value as FieldTable)];
  let index = 0;
  for (const [key, element] of left.value as FieldTable) {
    const [otherKey, other] = others[index++];
    if (key !== otherKey || element.type !== other.type || !erlangEqual(element, other)) return false;
  }
  return true;
}

/**
 * The value as Erlang's `~tp` prints the term RabbitMQ decodes it into, for error texts that
 * quote a client's value (e.g. `Invalid x-match field type double (value 1.0e3)`).
 */
export function formatErlangTerm(field: FieldValue): string {
  switch (field.type) {
    case "S": case "x": return formatBinary(field.value);
    case "t": return field.value ? "true" : "false";
    case "V": return "undefined";
    case "f": case "d": return formatErlangFloat(field.value);
    case "D": return `{${field.value.scale},${field.value.value}}`;
    case "A": return `[${field.value.map((element) => `{${typeAtom(element.type)},${formatErlangTerm(element)}}`).join(",")}]`;
    case "F": return `[${[...field.value].map(([key, element]) => formatTableEntry(key, element)).join(",")}]`;
    default: return String(field.value);
  }
}

function formatTableEntry(key: string, element: FieldValue): string {
  return `{${formatBinary(Buffer.from(key))},${typeAtom(element.type)},${formatErlangTerm(element)}}`;
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x22: "\\\"", 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x0b: "\\v", 0x08: "\\b", 0x0c: "\\f", 0x1b: "\\e",
};

/**
 * RabbitMQ's VM runs with the default latin1 printable range, so a binary prints as a quoted
 * string when every byte is printable latin1 (UTF-8 text outside the 0x80–0x9f continuation
 * bytes included) and as a list of byte values otherwise.
 */
function formatBinary(bytes: Buffer): string {
  const printable = bytes.every((byte) => (byte >= 0x20 && byte <= 0x7e) || byte >= 0xa0 || ESCAPES[byte] !== undefined);
  if (!printable) return `<<${bytes.join(",")}>>`;
  let text = "";
  let start = 0;
  for (let index = 0; index < bytes.length; index++) {
    const escape = ESCAPES[bytes[index]];
    if (escape === undefined) continue;
    text += bytes.toString("utf8", start, index) + escape;
    start = index + 1;
  }
  return `<<"${text}${bytes.toString("utf8", start)}">>`;
}

/**
 * Erlang's shortest round-trip float printing (OTP 25 `io_lib_format`): the same digits as
 * JavaScript's, laid out in plain notation when that is no longer than scientific notation
 * (and, for whole numbers, below 2^53), otherwise as `D.DDDeN`; always with a fraction part.
 */
export function formatErlangFloat(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  // `digits` × 10^place is the value, with `place` the power of ten of the last digit.
  const place = exponent - digits.length + 1;
  const scientific = `${digits[0]}.${digits.length === 1 ? "0" : digits.slice(1)}e${exponent}`;
  let plain: string;
  if (place >= 0) {
    if (Math.abs(value) >= 2 ** 53) return sign + scientific;
    plain = `${digits}${"0".repeat(place)}.0`;
  } else if (exponent >= 0) {
    plain = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    plain = `0.${"0".repeat(-exponent - 1)}${digits}`;
  }
  return sign + (plain.length <= scientific.length ? plain : scientific);
}
