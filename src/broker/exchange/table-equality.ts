/**
 * Typed equality of field tables, for binding identity.
 *
 * PRIVATE STAND-IN: `field-table.ts` is to export `fieldsEqual` and `tablesEqual` with exactly
 * this meaning; they were not there when the exchange types were written. Once they are, import
 * them in `binding-set.ts` instead and delete this file.
 *
 * Two bindings are the same binding when their argument tables hold the same keys with the same
 * wire types and values, in any order: RabbitMQ sorts binding arguments by key before storing
 * them, and compares the sorted lists exactly (types included, so an `I` 1 and an `l` 1 make two
 * bindings). Nested tables are compared as sets here too, which is the contract's stated meaning.
 */
import type { FieldTable, FieldValue } from "../message/field-table.js";

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
    case "S":
    case "x":
      return left.value.equals(right.value as Buffer);
    case "D": {
      const other = right.value as FieldValue["value"] & { scale: number; value: number };
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
    case "F":
      return tablesEqual(left.value, right.value as FieldTable);
    default:
      // Booleans, numbers, bigints and null compare by value; NaN is never equal to itself,
      // which can only make two bindings distinct, never merge different ones.
      return left.value === right.value;
  }
}
