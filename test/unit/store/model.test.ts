/**
 * Seeded property test: random appends, acks, reads, purges and reopens against a model (an
 * ordered list of live payloads). After every reopen the recovered positions and bytes must equal
 * the model's. fast-check prints the seed of a failure; WARREN_STORE_MODEL_RUNS runs more.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { MessageStore } from "../../../src/store/message-store.js";
import type { SegmentPosition } from "../../../src/store/position.js";
import { openStore, tempDirectory } from "./helpers.js";

type Operation =
  | { kind: "append"; bytes: number; parts: number; seed: number }
  | { kind: "ack"; pick: number }
  | { kind: "read"; pick: number }
  | { kind: "reopen" }
  | { kind: "purge" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("append" as const), bytes: fc.oneof(fc.nat(300), fc.nat(9000)), parts: fc.integer({ min: 1, max: 3 }), seed: fc.nat(255) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("read" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const)}) },
  { weight: 1, arbitrary: fc.constant({ kind: "purge" as const }) },
);

function makePayload(bytes: number, seed: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let index = 0; index < bytes; index++) buffer[index] = (seed + index * 13) & 0xff;
  return buffer;
}

function split(buffer: Buffer, parts: number): Buffer[] {
  const cut = Math.floor(buffer.length / parts);
  return Array.from({ length: parts }, (_, n) => buffer.subarray(n * cut, n === parts - 1 ? buffer.length : (n + 1) * cut));
}

test("the store agrees with a model through appends, acks, reads, purges and reopens", async () => {
  const runs = Number(process.env.WARREN_STORE_MODEL_RUNS ?? 40);
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { maxLength: 60 }), async (operations) => {
      const directory = tempDirectory();
      let { store } = await openStore(directory);
      const model: Array<{ position: SegmentPosition; payload: Buffer }> = [];
      const check = async (opened: { store: MessageStore; livePositions: SegmentPosition[]; logs: string[] }) => {
        assert.deepEqual(opened.livePositions, model.map((entry) => entry.position));
        assert.deepEqual(opened.logs, []);
        for (const [n, position] of opened.livePositions.entries()) assert.deepEqual(opened.store.read(position), model[n]!.payload);
      };
      for (const step of operations) {
        if (step.kind === "append") {
          const bytes = makePayload(step.bytes, step.seed);
          model.push({ position: store.append(split(bytes, step.parts)).position, payload: bytes });
        } else if (step.kind === "ack" && model.length > 0) {
          const [entry] = model.splice(step.pick % model.length, 1);
          store.ack(entry!.position);
        } else if (step.kind === "read" && model.length > 0) {
          const entry = model[step.pick % model.length]!;
          assert.deepEqual(store.read(entry.position), entry.payload);
        } else if (step.kind === "reopen") {
          await store.close();
          const opened = await openStore(directory);
          await check(opened);
          store = opened.store;
        } else if (step.kind === "purge") {
          assert.equal(store.purge(), model.length);
          model.length = 0;
        }
        assert.equal(store.liveCount, model.length);
      }
      await store.close();
      const final = await openStore(directory);
      await check(final);
      await final.store.close();
    }),
    { numRuns: runs },
  );
});
