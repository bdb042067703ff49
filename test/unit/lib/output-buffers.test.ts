import { test } from "node:test";
import assert from "node:assert/strict";
import { OutputBuffers } from "../../../src/lib/output-buffers.js";

test("a buffer given back is the next one taken of its size, and only of its size", () => {
  const pool = new OutputBuffers();
  const first = pool.take(4096);
  assert.equal(first.length, 4096);
  pool.give(first);
  assert.equal(pool.take(8192).length, 8192);
  assert.equal(pool.take(4096), first);
  assert.notEqual(pool.take(4096), first);
});

test("the pool keeps a few spares of each size and lets the rest go", () => {
  const pool = new OutputBuffers();
  const buffers = Array.from({ length: 20 }, () => pool.take(4096));
  for (const buffer of buffers) pool.give(buffer);
  assert.equal(pool.spareCount, 8);
  // A stack: the last given back comes out first.
  assert.equal(pool.take(4096), buffers[7]);
});

test("a taken buffer is a buffer of its own, not a slice of Node's shared pool", () => {
  const buffer = new OutputBuffers().take(4096);
  assert.equal(buffer.byteOffset, 0);
  assert.equal(buffer.buffer.byteLength, 4096);
});
