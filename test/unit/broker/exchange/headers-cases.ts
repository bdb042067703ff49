/**
 * Headers-exchange cases: binding arguments, message headers, and whether they match.
 *
 * Verified against RabbitMQ 3.10.8 (Debian's rabbitmq-server, over 127.0.0.1 with amqplib
 * sending each value with its exact wire type): one queue bound per case, one message per case,
 * and each queue checked for its own message; every case agreed. RabbitMQ compares header values
 * with Erlang's `==`, which ignores the numeric wire type (an `I` 1 equals an `l` 1 and a `d` 1.0)
 * and treats longstr and byte-array bytes alike, but keeps the type of every element inside an
 * array or nested table, and keeps a nested table's order.
 */
import type { FieldValue } from "../../../../src/message/field-table.js";

type Entries = ReadonlyArray<readonly [string, FieldValue]>;

export interface HeadersCase {
  readonly name: string;
  readonly bindingArguments: Entries;
  /** Undefined means a message without a headers property. */
  readonly headers: Entries | undefined;
  readonly matches: boolean;
}

const text = (value: string): FieldValue => ({ type: "S", value: Buffer.from(value) });
const bytes = (value: string): FieldValue => ({ type: "x", value: Buffer.from(value) });
const int32 = (value: number): FieldValue => ({ type: "I", value });
const int64 = (value: bigint): FieldValue => ({ type: "l", value });
const int8 = (value: number): FieldValue => ({ type: "b", value });
const double = (value: number): FieldValue => ({ type: "d", value });
const float = (value: number): FieldValue => ({ type: "f", value });
const bool = (value: boolean): FieldValue => ({ type: "t", value });
const timestamp = (value: bigint): FieldValue => ({ type: "T", value });
const decimal = (scale: number, value: number): FieldValue => ({ type: "D", value: { scale, value } });
const array = (...value: FieldValue[]): FieldValue => ({ type: "A", value });
const table = (...entries: Array<[string, FieldValue]>): FieldValue => ({ type: "F", value: new Map(entries) });
const uint16 = (value: number): FieldValue => ({ type: "u", value });
const uint32 = (value: number): FieldValue => ({ type: "i", value });
const VOID: FieldValue = { type: "V", value: null };

const all = ["x-match", text("all")] as const;
const any = ["x-match", text("any")] as const;
const allWithX = ["x-match", text("all-with-x")] as const;
const anyWithX = ["x-match", text("any-with-x")] as const;

export const headersCases: readonly HeadersCase[] = [
  { name: "all, equal strings", bindingArguments: [all, ["a", text("1")]], headers: [["a", text("1")]], matches: true },
  { name: "all, different strings", bindingArguments: [all, ["a", text("1")]], headers: [["a", text("2")]], matches: false },
  { name: "x-match absent means all", bindingArguments: [["a", text("1")], ["b", text("2")]], headers: [["a", text("1")]], matches: false },
  { name: "all, every key present and equal, extra headers ignored", bindingArguments: [all, ["a", text("1")], ["b", text("2")]], headers: [["c", text("3")], ["b", text("2")], ["a", text("1")]], matches: true },
  { name: "any, one of two keys equal", bindingArguments: [any, ["a", text("1")], ["b", text("2")]], headers: [["b", text("2")]], matches: true },
  { name: "any, no key equal", bindingArguments: [any, ["a", text("1")], ["b", text("2")]], headers: [["b", text("3")]], matches: false },
  { name: "all with no keys matches a message without headers", bindingArguments: [all], headers: undefined, matches: true },
  { name: "no arguments at all matches everything", bindingArguments: [], headers: [["a", text("1")]], matches: true },
  { name: "any with no keys matches nothing", bindingArguments: [any], headers: [["a", text("1")]], matches: false },
  { name: "all, key missing from a message without headers", bindingArguments: [all, ["a", text("1")]], headers: undefined, matches: false },
  { name: "int32 1 equals int64 1", bindingArguments: [all, ["n", int32(1)]], headers: [["n", int64(1n)]], matches: true },
  { name: "int32 1 equals int8 1", bindingArguments: [all, ["n", int32(1)]], headers: [["n", int8(1)]], matches: true },
  { name: "int32 1 equals double 1.0", bindingArguments: [all, ["n", int32(1)]], headers: [["n", double(1)]], matches: true },
  { name: "double 1.5 equals float 1.5", bindingArguments: [all, ["n", double(1.5)]], headers: [["n", float(1.5)]], matches: true },
  { name: "uint16 65535 equals uint32 65535", bindingArguments: [all, ["n", uint16(65535)]], headers: [["n", uint32(65535)]], matches: true },
  { name: "timestamp 5 equals int64 5", bindingArguments: [all, ["n", timestamp(5n)]], headers: [["n", int64(5n)]], matches: true },
  { name: "int64 beyond 2^53 equals itself", bindingArguments: [all, ["n", int64(9007199254740993n)]], headers: [["n", int64(9007199254740993n)]], matches: true },
  { name: "int64 beyond 2^53 differs from its neighbour", bindingArguments: [all, ["n", int64(9007199254740993n)]], headers: [["n", int64(9007199254740992n)]], matches: false },
  { name: "int32 1 differs from string 1", bindingArguments: [all, ["n", int32(1)]], headers: [["n", text("1")]], matches: false },
  { name: "bool true differs from int32 1", bindingArguments: [all, ["n", bool(true)]], headers: [["n", int32(1)]], matches: false },
  { name: "bool false equals bool false", bindingArguments: [all, ["n", bool(false)]], headers: [["n", bool(false)]], matches: true },
  { name: "string equals byte array of the same bytes", bindingArguments: [all, ["s", text("abc")]], headers: [["s", bytes("abc")]], matches: true },
  { name: "empty string equals empty byte array", bindingArguments: [all, ["s", text("")]], headers: [["s", bytes("")]], matches: true },
  { name: "decimal equals the same scale and digits", bindingArguments: [all, ["d", decimal(2, 100)]], headers: [["d", decimal(2, 100)]], matches: true },
  { name: "decimal 1.00 differs from decimal 1.0", bindingArguments: [all, ["d", decimal(2, 100)]], headers: [["d", decimal(1, 10)]], matches: false },
  { name: "decimal 1 differs from int32 1", bindingArguments: [all, ["d", decimal(0, 1)]], headers: [["d", int32(1)]], matches: false },
  { name: "void argument matches any value", bindingArguments: [all, ["v", VOID]], headers: [["v", text("anything")]], matches: true },
  { name: "void argument matches a void header", bindingArguments: [all, ["v", VOID]], headers: [["v", VOID]], matches: true },
  { name: "void argument needs the key", bindingArguments: [all, ["v", VOID]], headers: [["w", text("1")]], matches: false },
  { name: "void argument counts for any", bindingArguments: [any, ["v", VOID], ["a", text("1")]], headers: [["v", int32(7)]], matches: true },
  { name: "string argument does not match a void header", bindingArguments: [all, ["v", text("")]], headers: [["v", VOID]], matches: false },
  { name: "arrays with the same typed elements", bindingArguments: [all, ["a", array(int32(1), text("x"))]], headers: [["a", array(int32(1), text("x"))]], matches: true },
  { name: "array elements keep their type", bindingArguments: [all, ["a", array(int32(1))]], headers: [["a", array(int64(1n))]], matches: false },
  { name: "array order matters", bindingArguments: [all, ["a", array(int32(1), int32(2))]], headers: [["a", array(int32(2), int32(1))]], matches: false },
  { name: "nested tables equal", bindingArguments: [all, ["t", table(["k", int32(1)])]], headers: [["t", table(["k", int32(1)])]], matches: true },
  { name: "nested table values keep their type", bindingArguments: [all, ["t", table(["k", int32(1)])]], headers: [["t", table(["k", int8(1)])]], matches: false },
  { name: "nested table order matters", bindingArguments: [all, ["t", table(["a", int32(1)], ["b", int32(2)])]], headers: [["t", table(["b", int32(2)], ["a", int32(1)])]], matches: false },
  { name: "all ignores x- arguments", bindingArguments: [all, ["x-foo", text("1")], ["a", text("1")]], headers: [["a", text("1")]], matches: true },
  { name: "all-with-x needs x- arguments", bindingArguments: [allWithX, ["x-foo", text("1")], ["a", text("1")]], headers: [["a", text("1")]], matches: false },
  { name: "all-with-x with the x- header present", bindingArguments: [allWithX, ["x-foo", text("1")], ["a", text("1")]], headers: [["a", text("1")], ["x-foo", text("1")]], matches: true },
  { name: "any ignores x- arguments", bindingArguments: [any, ["x-foo", text("1")]], headers: [["x-foo", text("1")]], matches: false },
  { name: "any-with-x matches on an x- header", bindingArguments: [anyWithX, ["x-foo", text("1")], ["a", text("2")]], headers: [["x-foo", text("1")]], matches: true },
  { name: "all-with-x does not require x-match itself in the headers", bindingArguments: [allWithX, ["a", text("1")]], headers: [["a", text("1")]], matches: true },
  { name: "the x- prefix is case-sensitive", bindingArguments: [all, ["X-foo", text("1")]], headers: [["a", text("1")]], matches: false },
  { name: "keys are case-sensitive", bindingArguments: [all, ["a", text("1")]], headers: [["A", text("1")]], matches: false },
];

/** x-match values RabbitMQ refuses, with the reply text it sends (channel.close 406). */
export const invalidMatchCases: ReadonlyArray<{ readonly value: FieldValue; readonly replyText: string }> = [
  { value: text("foo"), replyText: "PRECONDITION_FAILED - Invalid x-match field value <<\"foo\">>; expected all, any, all-with-x, or any-with-x" },
  { value: text("ALL"), replyText: "PRECONDITION_FAILED - Invalid x-match field value <<\"ALL\">>; expected all, any, all-with-x, or any-with-x" },
  { value: int32(1), replyText: "PRECONDITION_FAILED - Invalid x-match field type signedint (value 1); expected longstr" },
];
