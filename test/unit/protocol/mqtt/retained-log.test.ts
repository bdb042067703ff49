/**
 * The retained messages on the record log: a change appends a record instead of rewriting the
 * file, the log is compacted once mostly dead, the byte cap beside the count cap, a failed
 * fdatasync, and files of the format before the record log (retained and QoS 2 ids) converted at
 * open so a node upgraded in place keeps them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { RetainedStore } from "../../../../src/protocol/mqtt/retained-store.js";
import { encodeRetainedFile, type RetainedRecord } from "../../../../src/protocol/mqtt/retained-file.js";
import { InboundQos2Store } from "../../../../src/protocol/mqtt/inbound-qos2-store.js";
import { INBOUND_QOS2_MAGIC, decodeQos2File, encodeLegacyQos2File, endPayload, holdPayload, releasePayload } from "../../../../src/protocol/mqtt/inbound-qos2-file.js";
import { LOG_HEADER_BYTES, checkLogHeader } from "../../../../src/wal/log-format.js";
import { FaultyFileSystem } from "../../store/helpers.js";

const silent = pino({ level: "silent" });
const record = (topic: string, payload: string | Buffer = "p", vhost = "/"): RetainedRecord => ({
  vhost, topic, qos: 1, expiresAtMs: 0, properties: {}, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
});
const retainedPath = (dataDir: string): string => join(dataDir, "mqtt", "retained.bin");

function dataDirectory(t: { after(fn: () => void): void }): string {
  const directory = mkdtempSync(join(tmpdir(), "warren-retained-log-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function topicsOf(store: RetainedStore): string[] {
  return store.match("/", "#", Date.now()).map((found) => `${found.topic}=${found.payload.toString()}`).sort();
}

test("a change appends one record; the file is not rewritten", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await RetainedStore.open(dataDir, silent);
  for (let index = 0; index < 50; index++) await store.set("/", `t/${index}`, record(`t/${index}`, "x".repeat(100)));
  const rewrites = store.rewrites;
  const before = statSync(retainedPath(dataDir)).size;
  await store.set("/", "t/50", record("t/50", "y".repeat(100)));
  const grown = statSync(retainedPath(dataDir)).size - before;
  assert.ok(grown > 100 && grown < 200, `one record of about 140 bytes appended, not the whole set: ${grown}`);
  await store.set("/", "t/3", undefined);
  assert.equal(store.rewrites, rewrites, "no rewrite for a change");
  await store.flush();
  const reopened = await RetainedStore.open(dataDir, silent);
  assert.equal(reopened.size, 50);
  assert.ok(!topicsOf(reopened).some((entry) => entry.startsWith("t/3=")));
  assert.ok(topicsOf(reopened).includes(`t/50=${"y".repeat(100)}`));
});

test("the log is compacted once mostly dead: its size follows the live set", async (t) => {
  const dataDir = dataDirectory(t);
  const compactBytesMin = 8192;
  const store = await RetainedStore.open(dataDir, silent, { compactBytesMin });
  await store.set("/", "keeper", record("keeper", "kept"));
  let largest = 0;
  for (let index = 0; index < 1000; index++) {
    await store.set("/", `busy/${index % 10}`, record(`busy/${index % 10}`, `value ${index}`));
    if (index % 3 === 0) await store.set("/", `busy/${index % 10}`, undefined);
    largest = Math.max(largest, statSync(retainedPath(dataDir)).size);
  }
  assert.ok(store.rewrites >= 5, `compacted ${store.rewrites} times`);
  assert.ok(largest <= compactBytesMin, `largest ${largest} bytes`);
  const expected = topicsOf(store);
  await store.flush();
  const reopened = await RetainedStore.open(dataDir, silent);
  assert.deepEqual(topicsOf(reopened), expected);
});

test("retained messages are capped by bytes as well as by count; a refused one leaves the topic as it was", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await RetainedStore.open(dataDir, silent, { bytesMax: 1000, messagesMax: 5 });
  await store.set("/", "a", record("a", "x".repeat(400)));
  await store.set("/", "b", record("b", "x".repeat(400)));
  await store.set("/", "c", record("c", "x".repeat(400))); // over the byte cap
  assert.deepEqual(topicsOf(store).map((entry) => entry.split("=")[0]), ["a", "b"]);
  assert.ok(store.sizeBytes <= 1000);
  await store.set("/", "a", record("a", "x".repeat(700))); // replacing would go over: refused, the old one stays
  assert.equal(store.match("/", "a", Date.now())[0]!.payload.length, 400);
  await store.set("/", "a", record("a", "small")); // replacing with a smaller one frees bytes
  await store.set("/", "c", record("c", "x".repeat(400)));
  assert.equal(store.size, 3);
  for (const topic of ["d", "e", "f"]) await store.set("/", topic, record(topic, "s"));
  assert.equal(store.size, 5, "the count cap still holds");
  assert.deepEqual(store.match("/", "c/#", Date.now()).length, 1);
  await store.flush();
  const reopened = await RetainedStore.open(dataDir, silent, { bytesMax: 1000, messagesMax: 5 });
  assert.deepEqual(topicsOf(reopened), topicsOf(store));
});

test("a failed fdatasync rejects the change; the next change starts a fresh file with everything", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new FaultyFileSystem();
  const store = await RetainedStore.open(dataDir, silent, { fileSystem });
  await store.set("/", "one", record("one"));
  fileSystem.syncFailureCode = "EIO";
  await assert.rejects(store.set("/", "two", record("two")), /EIO/);
  fileSystem.syncFailureCode = undefined;
  await store.set("/", "three", record("three"));
  const reopened = await RetainedStore.open(dataDir, silent);
  assert.deepEqual(topicsOf(reopened), ["one=p", "three=p", "two=p"], "memory held the failed change, and the fresh file has it");
});

test("a retained file of the format before the record log is converted at open", async (t) => {
  const dataDir = dataDirectory(t);
  mkdirSync(join(dataDir, "mqtt"));
  const old = [record("a/b", "x"), { ...record("c"), properties: { contentType: "t", userProperties: [["k", "v"]] as [string, string][] }, expiresAtMs: 0 }];
  writeFileSync(retainedPath(dataDir), encodeRetainedFile(old));
  const store = await RetainedStore.open(dataDir, silent);
  assert.equal(store.size, 2);
  assert.deepEqual(store.match("/", "c", Date.now())[0]!.properties, old[1]!.properties);
  const header = checkLogHeader(readFileSync(retainedPath(dataDir)));
  assert.ok(header.ok && header.tag === "RETN", "rewritten as a record log at open");
  await store.set("/", "d", record("d"));
  await store.flush();
  const reopened = await RetainedStore.open(dataDir, silent);
  assert.deepEqual(topicsOf(reopened), ["a/b=x", "c=p", "d=p"]);
});

test("an inbound QoS 2 log of the format before the record log is converted at open, torn tail and all", async (t) => {
  const dataDir = dataDirectory(t);
  mkdirSync(join(dataDir, "mqtt"));
  const path = join(dataDir, "mqtt", "inbound-qos2.log");
  const legacy = encodeLegacyQos2File([holdPayload("/\u0000a", 1, 60), holdPayload("/\u0000a", 2, 60), releasePayload("/\u0000a", 1), holdPayload("/\u0000b", 5, 60), endPayload("/\u0000b"), holdPayload("/\u0000c", 9, 60)]);
  writeFileSync(path, legacy.subarray(0, legacy.length - 3)); // the last HOLD torn
  const store = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(store.heldIds("/\u0000a"), [2]);
  assert.deepEqual(store.heldIds("/\u0000b"), []);
  assert.deepEqual(store.heldIds("/\u0000c"), [], "the torn record was never reported durable");
  const file = readFileSync(path);
  assert.ok(file.subarray(0, LOG_HEADER_BYTES).equals(INBOUND_QOS2_MAGIC), "rewritten as a record log at open");
  assert.equal(decodeQos2File(file).damage, undefined);
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.claim("/\u0000a"), [2]);
  await reopened.close();
});
