import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Deque } from "../../../src/lib/deque.js";

test("push, shift, unshift and pop behave like an array across growth", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("push", "unshift", "shift", "pop", "insert"), fc.integer(), fc.nat())), (operations) => {
      const deque = new Deque<number>(2);
      const model: number[] = [];
      for (const [operation, value, position] of operations) {
        if (operation === "push") (deque.push(value), model.push(value));
        else if (operation === "unshift") (deque.unshift(value), model.unshift(value));
        else if (operation === "shift") assert.equal(deque.shift(), model.shift());
        else if (operation === "pop") assert.equal(deque.pop(), model.pop());
        else {
          const index = model.length === 0 ? 0 : position % (model.length + 1);
          deque.insertAt(index, value);
          model.splice(index, 0, value);
        }
        assert.equal(deque.length, model.length);
      }
      assert.deepEqual([...deque], model);
      assert.equal(deque.peekFirst(), model[0]);
      assert.equal(deque.peekLast(), model[model.length - 1]);
    }),
  );
});

test("lowerBound finds the insertion point in a sorted deque", () => {
  const deque = new Deque<number>();
  for (const value of [2, 4, 4, 8]) deque.push(value);
  const key = (value: number) => value;
  assert.equal(deque.lowerBound(1, key), 0);
  assert.equal(deque.lowerBound(4, key), 1);
  assert.equal(deque.lowerBound(5, key), 3);
  assert.equal(deque.lowerBound(9, key), 4);
});

test("a deque that never held anything, or was cleared, works from either end", () => {
  // Empty deques share one ring until their first push (an idle channel's lists cost nothing).
  const deque = new Deque<string>(64);
  assert.equal(deque.shift(), undefined);
  assert.equal(deque.pop(), undefined);
  assert.equal(deque.peekFirst(), undefined);
  assert.equal(deque.peekLast(), undefined);
  assert.equal(deque.at(0), undefined);
  assert.equal(deque.lowerBound(1, () => 0), 0);
  assert.deepEqual([...deque], []);
  deque.unshift("b");
  deque.insertAt(0, "a");
  deque.push("c");
  assert.deepEqual([...deque], ["a", "b", "c"]);
  deque.clear();
  assert.equal(deque.length, 0);
  const other = new Deque<string>();
  other.push("x");
  deque.push("d");
  assert.deepEqual([...deque], ["d"]);
  assert.deepEqual([...other], ["x"]);
});
