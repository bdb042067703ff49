/**
 * The store's life cycle around close and delete, on real files: what a queue being deleted
 * or a node shutting down relies on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Committer } from "../../src/store/committer.js";
import { StoreError } from "../../src/store/errors.js";
import { openStore, payload, tempDirectory } from "../unit/store/helpers.js";

// A node closes every store it opened at shutdown, including those of queues deleted since
// (deleteAll); such a close used to wait forever for appends that could no longer become durable.
test("close after deleteAll resolves even with appends that never became durable", { timeout: 10_000 }, async () => {
  const committer = new Committer();
  const { store } = await openStore(tempDirectory(), { committer });
  await store.waitDurable(store.append([payload(1, 100)]).sequence);
  const appended = store.append([payload(2, 100)]); // a commit round is due for it
  const waiting = store.waitDurable(appended.sequence);
  await store.deleteAll();
  await assert.rejects(waiting, (error) => error instanceof StoreError && error.code === "STORE_CLOSED");
  await committer.idle(); // the round ran and found nothing to sync: nothing will ever make it durable
  await store.close();
});
