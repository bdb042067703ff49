import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualTime } from "../../../src/io/manual-time.js";
import { SeededRandom } from "../../../src/io/random.js";
import { systemIo } from "../../../src/io/io.js";
import { pause, systemTime } from "../../../src/io/time.js";

test("the clock moves only when advanced, and a timer runs once its time has come", () => {
  const time = new ManualTime(1_000);
  const ran: number[] = [];
  time.after(100, () => ran.push(time.nowMs()));
  assert.equal(time.nowMs(), 1_000);
  time.advance(99);
  assert.deepEqual(ran, []);
  time.advance(1);
  assert.deepEqual(ran, [1_100], "the timer sees the clock at its own due time");
  time.advance(1_000);
  assert.deepEqual(ran, [1_100], "a one-shot timer runs once");
  assert.equal(time.nowMs(), 2_100);
});

test("timers due within one advance run in order of due time, ties in the order they were armed, each seeing its own time", () => {
  const time = new ManualTime(0);
  const ran: string[] = [];
  time.after(30, () => ran.push(`c@${time.nowMs()}`));
  time.after(10, () => ran.push(`a@${time.nowMs()}`));
  time.after(10, () => ran.push(`b@${time.nowMs()}`));
  time.advance(50);
  assert.deepEqual(ran, ["a@10", "b@10", "c@30"]);
});

test("an interval runs at every multiple on the way, and stops when cancelled", () => {
  const time = new ManualTime(0);
  const ran: number[] = [];
  const timer = time.every(250, () => ran.push(time.nowMs()));
  time.advance(1_000);
  assert.deepEqual(ran, [250, 500, 750, 1_000]);
  timer.cancel();
  time.advance(1_000);
  assert.equal(ran.length, 4);
  assert.equal(time.pendingCount, 0);
});

test("a timer armed by a running timer runs in the same advance when it falls due within it", () => {
  const time = new ManualTime(0);
  const ran: number[] = [];
  time.after(10, () => time.after(10, () => ran.push(time.nowMs())));
  time.advance(25);
  assert.deepEqual(ran, [20]);
});

test("a cancelled timer never runs, and time never moves backwards", () => {
  const time = new ManualTime(0);
  let ran = false;
  time.after(5, () => (ran = true)).cancel();
  time.advance(10);
  assert.equal(ran, false);
  assert.throws(() => time.advance(-1), RangeError);
});

test("a seeded random source gives the same bytes for the same seed, and different bytes for another", () => {
  const first = new SeededRandom(42).bytes(20);
  assert.deepEqual(new SeededRandom(42).bytes(20), first);
  assert.notDeepEqual(new SeededRandom(43).bytes(20), first);
  assert.equal(new SeededRandom(1).bytes(5).length, 5);
});

test("the real io: parts may be replaced, and a real timer runs and can be cancelled", async () => {
  const time = new ManualTime(0);
  const io = systemIo({ time });
  assert.equal(io.time, time);
  assert.equal(systemIo().time, systemTime);
  let cancelledRan = false;
  systemTime.after(1, () => (cancelledRan = true)).cancel();
  // A real 5 ms pause, bounded by the test runner's timeout: nothing here asserts how long it took.
  await pause(systemTime, 5);
  assert.equal(cancelledRan, false);
});
