/**
 * The store's life cycle around close and delete, on real files: what a queue being deleted
 * or a node shutting down relies on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { parseFileName } from "../../src/store/format.js";
import { Committer } from "../../src/store/committer.js";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { StoreError } from "../../src/store/errors.js";
import { openStore, payload, tempDirectory } from "../unit/store/helpers.js";
import { Broker } from "../../src/broker/broker.js";
import { defaultConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/io/logger.js";
import { systemIo } from "../../src/io/io.js";
import { NodePersistence } from "../../src/node/persistence.js";

// A node closes every store it opened at shutdown, including those of queues deleted since
// (deleteAll); such a close used to wait forever for appends that could no longer become durable.
test("close after deleteAll resolves even with appends that never became durable", { timeout: 10_000 }, async () => {
  const committer = new Committer({ fileSystem: nodeFileSystem });
  const { store } = await openStore(tempDirectory(), { committer });
  await store.waitDurable(store.append([payload(1, 100)]).sequence);
  const appended = store.append([payload(2, 100)]); // a commit round is due for it
  const waiting = store.waitDurable(appended.sequence);
  await store.deleteAll();
  await assert.rejects(waiting, (error) => error instanceof StoreError && error.code === "STORE_CLOSED");
  await committer.idle(); // the round ran and found nothing to sync: nothing will ever make it durable
  await store.close();
});

// A scratch store (transient messages paged out of a long queue) never makes anything durable:
// close used to wait for that for ever.
test("close of a scratch store with appends resolves", { timeout: 10_000 }, async () => {
  const { store } = await openStore(tempDirectory(), { sync: false });
  store.append([payload(1, 100)]);
  store.append([payload(2, 100)]);
  await store.close();
});

test("a store says once that it let go of its files, whether closed or deleted", async () => {
  let released = 0;
  const closed = await openStore(tempDirectory(), { onReleased: () => released++ });
  closed.store.append([payload(1, 100)]);
  await closed.store.close();
  await closed.store.close();
  assert.equal(released, 1);
  const deleted = await openStore(tempDirectory(), { onReleased: () => released++ });
  await deleted.store.deleteAll();
  await deleted.store.close();
  assert.equal(released, 2);
});

// The node keeps the store of every durable queue so it can close them all at shutdown; a
// deleted queue's store stayed in that set (with its index) for the life of the node.
test("a deleted durable queue's store leaves the node's set", async () => {
  const broker = new Broker({ ...defaultConfig(), nodeName: "warren@test" }, createLogger({ level: "silent" }), systemIo());
  const persistence = await NodePersistence.open(broker, { dataDir: tempDirectory() }, broker.logger);
  try {
    const vhost = broker.vhosts.get("/")!;
    const owner = {};
    const declared = Array.from({ length: 3 }, (_, i) => vhost.declareQueue(`durable-${i}`, { durable: true, autoDelete: false, exclusiveOwner: undefined, arguments: new Map() }, owner).queue);
    assert.equal(persistence.openStoreCount, 3);
    vhost.deleteQueue(declared[0]!);
    vhost.deleteQueue(declared[1]!);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(persistence.openStoreCount, 1);
  } finally {
    await persistence.close();
  }
  assert.equal(persistence.openStoreCount, 0);
});

// A scratch store's files are discarded at the next start, so writing its acks was wasted I/O;
// its acked segments must still go.
test("a scratch store writes no ack files, and still deletes segments whose records are all acked", async () => {
  const directory = tempDirectory();
  const { store } = await openStore(directory, { sync: false });
  const positions = Array.from({ length: 200 }, (_, n) => store.append([payload(n, 1000)]).position);
  const segmentIds = new Set(positions.map((position) => position.segmentId));
  assert.ok(segmentIds.size >= 3, "the records span several segments");
  for (const position of positions.slice(0, 150)) store.ack(position);
  await new Promise((resolve) => setImmediate(resolve));
  const files = readdirSync(directory);
  assert.deepEqual(files.filter((name) => parseFileName(name)?.kind === "ack"), []);
  const firstLive = positions[150]!.segmentId;
  const segmentFiles = files.filter((name) => parseFileName(name)?.kind === "segment").map((name) => parseFileName(name)!.segmentId);
  assert.ok(segmentFiles.every((id) => id >= firstLive), `segments before ${firstLive} are deleted: ${segmentFiles.join(", ")}`);
  assert.equal(store.read(positions[150]!).equals(payload(150, 1000)), true);
  await store.close();
});
