import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerError, Errors } from "../../../src/errors/registry.js";
import { FIELD_TABLE_DEPTH_MAX } from "../../../src/config/limits.js";
import {
  decodeTable,
  encodeTable,
  encodedTableSizeBytes,
  fieldFromJs,
  fieldToJs,
  fieldsEqual,
  tableFromJs,
  tableToJs,
  tablesEqual,
  validateTable,
  type FieldTable,
  type FieldValue,
} from "../../../src/message/field-table.js";
import { everyTypeTable } from "../../fixtures/amqp091/fixture-values.js";
import { methodFixtures } from "../../fixtures/amqp091/load-fixtures.js";

const isSyntaxError = (error: unknown): boolean => error instanceof BrokerError && error.kind === Errors.SYNTAX_ERROR;

function oneEntry(key: string, value: FieldValue): FieldTable {
  return new Map([[key, value]]);
}

/** Each type's wire form, written out by hand from RabbitMQ's rabbit_binary_parser. */
const WIRE_FORMS: [FieldValue, string][] = [
  [{ type: "t", value: true }, "74 01"],
  [{ type: "b", value: -2 }, "62 fe"],
  [{ type: "B", value: 254 }, "42 fe"],
  [{ type: "s", value: -2 }, "73 fffe"],
  [{ type: "u", value: 65534 }, "75 fffe"],
  [{ type: "I", value: -2 }, "49 fffffffe"],
  [{ type: "i", value: 4294967294 }, "69 fffffffe"],
  [{ type: "l", value: -2n }, "6c fffffffffffffffe"],
  [{ type: "f", value: 1.5 }, "66 3fc00000"],
  [{ type: "d", value: 1.5 }, "64 3ff8000000000000"],
  [{ type: "D", value: { scale: 3, value: 4294967294 } }, "44 03 fffffffe"],
  [{ type: "T", value: 18446744073709551614n }, "54 fffffffffffffffe"],
  [{ type: "S", value: Buffer.from("hé") }, "53 00000003 68c3a9"],
  [{ type: "x", value: Buffer.from([0, 0xff]) }, "78 00000002 00ff"],
  [{ type: "A", value: [{ type: "b", value: 1 }, { type: "V", value: null }] }, "41 00000003 6201 56"],
  [{ type: "F", value: oneEntry("k", { type: "t", value: false }) }, "46 00000004 016b 7400"],
  [{ type: "V", value: null }, "56"],
];

test("each of the 17 field types has RabbitMQ's wire form and round-trips byte-exact", () => {
  assert.equal(new Set(WIRE_FORMS.map(([value]) => value.type)).size, 17);
  for (const [value, wireHex] of WIRE_FORMS) {
    const valueHex = wireHex.replace(/ /g, "");
    const entryHex = "0161" + valueHex; // key "a"
    const expected = Buffer.from((entryHex.length / 2).toString(16).padStart(8, "0") + entryHex, "hex");
    const table = oneEntry("a", value);
    assert.deepEqual(encodeTable(table), expected, `encoding ${value.type}`);
    assert.equal(encodedTableSizeBytes(table), expected.length);
    const decoded = decodeTable(expected, 0);
    assert.deepEqual(decoded, { table, end: expected.length }, `decoding ${value.type}`);
    assert.deepEqual(encodeTable(decoded.table), expected);
  }
});

test("a table holding every type round-trips, and matches amqplib's bytes", () => {
  const table = everyTypeTable();
  const encoded = encodeTable(table);
  assert.deepEqual(decodeTable(encoded, 0).table, table);
  assert.equal(validateTable(encoded, 0), encoded.length);
  // connection.start's server-properties (recorded with amqplib) is this table, after 2 octets.
  const start = methodFixtures().find((fixture) => fixture.method.method === "connection.start");
  assert.ok(start !== undefined);
  assert.deepEqual(start.payload.subarray(6, 6 + encoded.length), encoded);
});

test("decodeTable starts at an offset and reports the end", () => {
  const encoded = encodeTable(everyTypeTable());
  const framed = Buffer.concat([Buffer.from([9, 9, 9]), encoded, Buffer.from([7])]);
  const { table, end } = decodeTable(framed, 3);
  assert.equal(end, 3 + encoded.length);
  assert.deepEqual(table, everyTypeTable());
});

test("every truncation of a table is SYNTAX_ERROR, for decoding and for validating", () => {
  const encoded = encodeTable(everyTypeTable());
  for (let length = 0; length < encoded.length; length++) {
    const truncated = encoded.subarray(0, length);
    assert.throws(() => decodeTable(truncated, 0), isSyntaxError, `decoding ${length} bytes`);
    assert.throws(() => validateTable(truncated, 0), isSyntaxError, `validating ${length} bytes`);
  }
  // The declared length is cut short, so the last value overruns the table itself.
  const cut = Buffer.from(encoded);
  cut.writeUInt32BE(encoded.length - 5, 0);
  assert.throws(() => decodeTable(cut, 0), isSyntaxError);
});

test("a length larger than the input is refused before anything is allocated for it", () => {
  const hostile = Buffer.from("ffffffff0161", "hex");
  assert.throws(() => decodeTable(hostile, 0), isSyntaxError);
  const hostileString = Buffer.from("0000000a 0161 53 fffffff0 00".replace(/ /g, ""), "hex");
  assert.throws(() => decodeTable(hostileString, 0), isSyntaxError);
});

test("unknown field types are SYNTAX_ERROR; 'L' is read as 'l' like RabbitMQ", () => {
  assert.throws(() => decodeTable(Buffer.from("00000003 0161 5a".replace(/ /g, ""), "hex"), 0), isSyntaxError);
  assert.throws(() => validateTable(Buffer.from("00000003 0161 5a".replace(/ /g, ""), "hex"), 0), isSyntaxError);
  const long = decodeTable(Buffer.from("0000000b 0161 4c 0000000000000005".replace(/ /g, ""), "hex"), 0);
  assert.deepEqual(long.table.get("a"), { type: "l", value: 5n });
});

function nestedTables(levels: number): FieldTable {
  let table: FieldTable = new Map();
  for (let level = 1; level < levels; level++) table = oneEntry("n", { type: "F", value: table });
  return table;
}

function nestedArrays(levels: number): FieldTable {
  let value: FieldValue = { type: "A", value: [] };
  for (let level = 2; level < levels; level++) value = { type: "A", value: [value] };
  return oneEntry("a", value);
}

test(`nesting deeper than ${FIELD_TABLE_DEPTH_MAX} levels is refused`, () => {
  for (const build of [nestedTables, nestedArrays]) {
    const deepest = encodeTable(build(FIELD_TABLE_DEPTH_MAX));
    assert.deepEqual(decodeTable(deepest, 0).table, build(FIELD_TABLE_DEPTH_MAX));
    assert.equal(validateTable(deepest, 0), deepest.length);
    assert.throws(() => encodeTable(build(FIELD_TABLE_DEPTH_MAX + 1)), RangeError);
    // Build the too-deep bytes by hand: wrap the deepest encoding once more.
    const wrapped = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 0x6e, 0x46]), deepest]);
    wrapped.writeUInt32BE(wrapped.length - 4, 0);
    assert.throws(() => decodeTable(wrapped, 0), isSyntaxError);
    assert.throws(() => validateTable(wrapped, 0), isSyntaxError);
  }
  assert.throws(() => decodeTable(Buffer.alloc(4), 0, FIELD_TABLE_DEPTH_MAX + 1), isSyntaxError);
});

test("keys longer than a shortstr cannot be encoded", () => {
  assert.throws(() => encodeTable(oneEntry("k".repeat(256), { type: "V", value: null })), RangeError);
});

test("fieldFromJs infers RabbitMQ's usual types", () => {
  assert.deepEqual(fieldFromJs(true), { type: "t", value: true });
  assert.deepEqual(fieldFromJs(5), { type: "I", value: 5 });
  assert.deepEqual(fieldFromJs(-(2 ** 31)), { type: "I", value: -(2 ** 31) });
  assert.deepEqual(fieldFromJs(2 ** 31), { type: "l", value: 2n ** 31n });
  assert.deepEqual(fieldFromJs(1.5), { type: "d", value: 1.5 });
  assert.deepEqual(fieldFromJs(2 ** 64), { type: "d", value: 2 ** 64 });
  assert.deepEqual(fieldFromJs(7n), { type: "l", value: 7n });
  assert.deepEqual(fieldFromJs("é"), { type: "S", value: Buffer.from("é") });
  assert.deepEqual(fieldFromJs(Buffer.from([1])), { type: "x", value: Buffer.from([1]) });
  assert.deepEqual(fieldFromJs(new Date(1_700_000_000_999)), { type: "T", value: 1_700_000_000n });
  assert.deepEqual(fieldFromJs(null), { type: "V", value: null });
  assert.deepEqual(fieldFromJs(undefined), { type: "V", value: null });
  assert.deepEqual(fieldFromJs([1, "a"]), { type: "A", value: [{ type: "I", value: 1 }, { type: "S", value: Buffer.from("a") }] });
  assert.deepEqual(fieldFromJs({ k: false }), { type: "F", value: oneEntry("k", { type: "t", value: false }) });
  assert.throws(() => fieldFromJs(() => 1), TypeError);
  assert.throws(() => fieldFromJs(new (class Custom {})()), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => tableFromJs(cyclic), TypeError);
});

test("tableToJs and fieldToJs give plain values", () => {
  const js = tableToJs(everyTypeTable());
  assert.equal(js.longstr, "héllo wörld");
  assert.equal(js.int64, -(2n ** 62n)); // beyond 2^53: stays a bigint
  assert.equal(js.timestamp, 1_700_000_000);
  assert.equal(js.decimal, 40_000_000);
  assert.deepEqual(js.bytes, Buffer.from([0, 1, 2, 0x80, 0xff]));
  assert.deepEqual(js.array, [1, "two", null, [false], { inside: 7 }]);
  assert.deepEqual(js.table, { nested: { deepest: 1 } });
  assert.equal(js.void, null);
  const proto = tableToJs(oneEntry("__proto__", { type: "I", value: 1 }));
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, 1);
  assert.deepEqual(tableToJs(tableFromJs({ a: 1, b: "x", c: [true], d: { e: null } })), { a: 1, b: "x", c: [true], d: { e: null } });
});

test("tables are equal as sets of keys with equal types and values", () => {
  const left = tableFromJs({ a: 1, b: "x", c: [1, { d: 2 }] });
  const right = tableFromJs({ c: [1, { d: 2 }], b: "x", a: 1 });
  assert.ok(tablesEqual(left, right));
  assert.ok(tablesEqual(everyTypeTable(), everyTypeTable()));
  assert.ok(!tablesEqual(left, tableFromJs({ a: 1, b: "x" })));
  assert.ok(!tablesEqual(left, tableFromJs({ a: 1, b: "y", c: [1, { d: 2 }] })));
  assert.ok(!tablesEqual(left, tableFromJs({ a: 1, b: "x", c: [{ d: 2 }, 1] })), "arrays are ordered");
  assert.ok(!fieldsEqual({ type: "I", value: 1 }, { type: "l", value: 1n }), "types matter");
  assert.ok(!fieldsEqual({ type: "D", value: { scale: 1, value: 10 } }, { type: "D", value: { scale: 2, value: 100 } }));
});

test("a key that is not UTF-8 is SYNTAX_ERROR, for decoding and for validating", () => {
  const bytes = Buffer.from("00000004 02 c328 56".replace(/ /g, ""), "hex");
  assert.throws(() => decodeTable(bytes, 0), isSyntaxError);
  assert.throws(() => validateTable(bytes, 0), isSyntaxError);
});
