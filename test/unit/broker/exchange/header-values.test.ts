import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { erlangEqual, formatErlangFloat } from "../../../../src/broker/exchange/header-values.js";
import type { FieldValue } from "../../../../src/message/field-table.js";

describe("Erlang float printing", () => {
  it("prints as OTP 25's ~tp does", () => {
    // Every pair was printed by `erl` (OTP 25, the VM of RabbitMQ 3.10.8); a one-off run also
    // compared 600 random doubles with no difference.
    const printed: Array<[number, string]> = [
      [0, "0.0"], [-0, "-0.0"], [1, "1.0"], [10, "10.0"], [100, "100.0"], [1000, "1.0e3"], [150, "150.0"],
      [12345000, "1.2345e7"], [123456, "123456.0"], [0.1, "0.1"], [0.01, "0.01"], [0.0001, "0.0001"],
      [0.00012, "1.2e-4"], [1e-5, "1.0e-5"], [1.23e-5, "1.23e-5"], [5e-324, "5.0e-324"],
      [1.7976931348623157e308, "1.7976931348623157e308"], [-2.5, "-2.5"], [1e22, "1.0e22"],
      [9007199254740993, "9.007199254740992e15"], [123.456, "123.456"], [1e100, "1.0e100"],
    ];
    for (const [value, text] of printed) assert.equal(formatErlangFloat(value), text, `${value}`);
  });
});

describe("Erlang equality of field values", () => {
  const value = (type: FieldValue["type"], raw: unknown) => ({ type, value: raw }) as FieldValue;

  it("treats an empty array and an empty table as the same empty list", () => {
    assert.equal(erlangEqual(value("A", []), value("F", new Map())), true);
    assert.equal(erlangEqual(value("A", [value("I", 1)]), value("F", new Map([["k", value("I", 1)]]))), false);
  });

  it("never equates values of different term classes", () => {
    assert.equal(erlangEqual(value("t", true), value("I", 1)), false);
    assert.equal(erlangEqual(value("V", null), value("t", false)), false);
    assert.equal(erlangEqual(value("S", Buffer.from("1")), value("I", 1)), false);
    assert.equal(erlangEqual(value("D", { scale: 0, value: 1 }), value("I", 1)), false);
  });

  it("compares numbers across integer, float and 64-bit types", () => {
    assert.equal(erlangEqual(value("l", 3n), value("d", 3)), true);
    assert.equal(erlangEqual(value("l", 3n), value("d", 3.5)), false);
    assert.equal(erlangEqual(value("T", 2n ** 63n), value("l", 2n ** 63n)), true);
    assert.equal(erlangEqual(value("d", -0), value("I", 0)), true);
  });
});
