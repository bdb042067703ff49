import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRegisterHistory } from "../../sim/linearizability.js";

test("the register checker accepts a history with overlapping operations that has a valid order", () => {
  const history = [
    { kind: "write" as const, value: 1, callTime: 0, returnTime: 10 },
    { kind: "write" as const, value: 2, callTime: 5, returnTime: 15 },
    { kind: "read" as const, value: 1, callTime: 12, returnTime: 20 },
    { kind: "read" as const, value: 2, callTime: 21, returnTime: 22 },
  ];
  assert.equal(checkRegisterHistory(history, null), "linearizable");
});

test("the register checker rejects a stale read after a completed write", () => {
  const history = [
    { kind: "write" as const, value: 1, callTime: 0, returnTime: 1 },
    { kind: "write" as const, value: 2, callTime: 2, returnTime: 3 },
    { kind: "read" as const, value: 1, callTime: 4, returnTime: 5 },
  ];
  assert.equal(checkRegisterHistory(history, null), "not linearizable");
});

test("a write that never returned may have happened, or not", () => {
  const happened = [
    { kind: "write" as const, value: 7, callTime: 0, returnTime: Infinity },
    { kind: "read" as const, value: 7, callTime: 5, returnTime: 6 },
  ];
  const notYet = [
    { kind: "write" as const, value: 7, callTime: 0, returnTime: Infinity },
    { kind: "read" as const, value: null, callTime: 5, returnTime: 6 },
  ];
  assert.equal(checkRegisterHistory(happened, null), "linearizable");
  assert.equal(checkRegisterHistory(notYet, null), "linearizable");
  const flipFlop = [...happened, { kind: "read" as const, value: null, callTime: 7, returnTime: 8 }];
  assert.equal(checkRegisterHistory(flipFlop, null), "not linearizable");
});
