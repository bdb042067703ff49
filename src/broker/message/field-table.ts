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
 */
