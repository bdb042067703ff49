import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { Committer } from "../../../src/store/committer.js";
import { StoreError } from "../../../src/store/errors.js";
import { segmentFileName } from "../../../src/store/format.js";
import { FaultyFileSystem, openStore, payload, tempDirectory } from "./helpers.js";

test("ENOSPC in the middle of a scratch store's append (written at once): the append throws, no partial record stays, the store carries on", async () => {
  // Durable stores batch a turn's writes and fail as a whole when one fails (test/store/batching.test.ts);
  // a scratch store (sync: false) writes each record at once, because its caller drops the message from memory next.
  const directory = tempDirectory();
  const fileSystem = new FaultyFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }), sync: false });
  const first = store.append([payload(1, 300)]);
  const segmentPath = join(directory, segmentFileName(first.position.segmentId));
  const sizeBefore = statSync(segmentPath).size;
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 100 };
  assert.throws(
    () => store.append([payload(2, 300)]),
    (error) => error instanceof StoreError && error.code === "STORE_WRITE_FAILED" && error.systemCode === "ENOSPC",
  );
  assert.equal(statSync(segmentPath).size, sizeBefore, "the partial record was truncated away");
  assert.equal(store.writtenSequence, 1, "a failed append takes no sequence");
  const third = store.append([payload(3, 300)]);
  assert.deepEqual(store.read(third.position), payload(3, 300));
  assert.deepEqual(store.read(first.position), payload(1, 300));
});

test("ENOSPC creating a segment at rollover leaves the store writing where it was", async () => {
  const directory = tempDirectory();
  const fileSystem = new FaultyFileSystem();
  const { store } = await openStore(directory, { committer: new Committer({ fileSystem }) });
  const positions = Array.from({ length: 4 }, (_, n) => store.append([payload(n, 1000)]).position);
  store.flush(); // so that the failure hits the new segment's header, not these records
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 0 }; // the new segment's header
  assert.throws(() => store.append([payload(9, 1000)]), (error) => error instanceof StoreError && error.systemCode === "ENOSPC");
  const next = store.append([payload(10, 1000)]);
  assert.ok(next.position.segmentId > positions[0]!.segmentId);
  await store.close();
  const reopened = await openStore(directory);
  assert.deepEqual(reopened.livePositions, [...positions, next.position]);
  await reopened.store.close();
});

test("an fsync error fails the pending batch and the store: durability is never claimed", async () => {
  const fileSystem = new FaultyFileSystem();
  const failures: StoreError[] = [];
  const durable: number[] = [];
  const { store } = await openStore(tempDirectory(), {
    committer: new Committer({ fileSystem }),
    onFailure: (error) => failures.push(error),
    onDurable: (sequence) => durable.push(sequence),
  });
  const ok = store.append([payload(0, 10)]);
  await store.waitDurable(ok.sequence);
  fileSystem.syncFailureCode = "EIO";
  const doomed = [store.append([payload(1, 10)]), store.append([payload(2, 10)])];
  await assert.rejects(store.waitDurable(doomed[1]!.sequence), (error) => error instanceof StoreError && error.code === "STORE_FAILED" && error.systemCode === "EIO");
  await assert.rejects(store.waitDurable(doomed[0]!.sequence));
  assert.equal(store.durableSequence, 1);
  assert.deepEqual(durable, [1]);
  assert.equal(failures.length, 1);
  // A later fsync that succeeds must not be trusted for the writes the failed one lost.
  fileSystem.syncFailureCode = undefined;
  assert.throws(() => store.append([payload(3, 10)]), (error) => error instanceof StoreError && error.code === "STORE_FAILED");
  assert.equal(store.durableSequence, 1);
  await store.close();
});

test("an fsync error in one store does not fail the others sharing the committer", async () => {
  const fileSystem = new FaultyFileSystem();
  const committer = new Committer({ fileSystem });
  const healthy = await openStore(tempDirectory(), { committer });
  const doomed = await openStore(tempDirectory(), { committer });
  await committer.idle();
  const realSyncData = fileSystem.syncData.bind(fileSystem);
  const doomedFd = (doomed.store as unknown as { current: { file: { fd: number } } }).current.file.fd;
  fileSystem.syncData = (fd) => (fd === doomedFd ? Promise.reject(Object.assign(new Error("EIO"), { code: "EIO" })) : realSyncData(fd));
  const good = healthy.store.append([payload(0, 10)]);
  const bad = doomed.store.append([payload(0, 10)]);
  await healthy.store.waitDurable(good.sequence);
  await assert.rejects(doomed.store.waitDurable(bad.sequence));
  await Promise.all([healthy.store.close(), doomed.store.close()]);
});

test("an ack that cannot be written is kept in memory and logged; the message would only come back redelivered", async () => {
  const directory = tempDirectory();
  const fileSystem = new FaultyFileSystem();
  const { store, logs } = await openStore(directory, { committer: new Committer({ fileSystem }) });
  const positions = [0, 1, 2].map((n) => store.append([payload(n, 10)]).position);
  store.flush(); // the records; the acks below are written at the end of their turn
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 2 };
  store.ack(positions[0]!);
  assert.equal(store.liveCount, 2);
  store.flush();
  assert.match(logs.join("\n"), /kept in memory only/);
  store.ack(positions[1]!); // written over the partial entry the failed write left
  store.flush();
  await store.close();
  const reopened = await openStore(directory);
  assert.deepEqual(reopened.livePositions, [positions[0], positions[2]]);
  await reopened.store.close();
});
