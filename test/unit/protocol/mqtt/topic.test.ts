/**
 * Topic mapping (RabbitMQ's), filter validation, matching, and the retained message tree
 * with its file format.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { filterToBindingKey, isValidTopicFilter, parseFilter, routingKeyToTopic, topicMatchesFilter, topicToRoutingKey } from "../../../../src/protocol/mqtt/topic.js";
import { RetainedStore } from "../../../../src/protocol/mqtt/retained-store.js";
import { decodeRetainedFile, encodeRetainedFile, type RetainedRecord } from "../../../../src/protocol/mqtt/retained-file.js";

test("topics and filters map to AMQP as RabbitMQ maps them", () => {
  assert.equal(topicToRoutingKey("a/b/c"), "a.b.c");
  assert.equal(topicToRoutingKey("/leading"), ".leading");
  assert.equal(filterToBindingKey("a/+/c/#"), "a.*.c.#");
  assert.equal(routingKeyToTopic("a.b.c"), "a/b/c");
});

test("filter validation [MQTT-4.7.1-2, -3] and shared subscriptions", () => {
  for (const valid of ["#", "+", "a/#", "a/+/b", "+/+", "/", "a//b"]) assert.ok(isValidTopicFilter(valid), valid);
  for (const invalid of ["", "a#", "a/#/b", "a+", "a/b+", "#/a"]) assert.ok(!isValidTopicFilter(invalid), invalid);
  assert.deepEqual(parseFilter("$share/g1/a/+"), { filter: "a/+", shareName: "g1" });
  assert.equal(parseFilter("$share//a"), undefined);
  assert.equal(parseFilter("$share/g+/a"), undefined);
  assert.deepEqual(parseFilter("$SYS/x"), { filter: "$SYS/x", shareName: undefined });
});

test("matching: # covers the parent level; first-level wildcards skip $ topics [MQTT-4.7.2-1]", () => {
  assert.ok(topicMatchesFilter("a/#", "a"));
  assert.ok(topicMatchesFilter("a/#", "a/b/c"));
  assert.ok(topicMatchesFilter("a/+/c", "a/b/c"));
  assert.ok(!topicMatchesFilter("a/+", "a/b/c"));
  assert.ok(!topicMatchesFilter("#", "$SYS/uptime"));
  assert.ok(topicMatchesFilter("$SYS/#", "$SYS/uptime"));
});

const record = (topic: string, payload = "p", vhost = "/"): RetainedRecord => ({ vhost, topic, qos: 1, expiresAtMs: 0, properties: {}, payload: Buffer.from(payload) });

test("the retained tree matches wildcards and prunes cleared topics", async () => {
  const store = await RetainedStore.open(undefined, pino({ level: "silent" }));
  for (const topic of ["a", "a/b", "a/b/c", "a/x/c", "$SYS/up", "other"]) await store.set("/", topic, record(topic));
  await store.set("elsewhere", "a/b", record("a/b", "p", "elsewhere"));
  const topics = (filter: string) => store.match("/", filter, Date.now()).map((found) => found.topic).sort();
  assert.deepEqual(topics("a/#"), ["a", "a/b", "a/b/c", "a/x/c"]);
  assert.deepEqual(topics("a/+/c"), ["a/b/c", "a/x/c"]);
  assert.deepEqual(topics("#"), ["a", "a/b", "a/b/c", "a/x/c", "other"]);
  assert.deepEqual(topics("$SYS/+"), ["$SYS/up"]);
  await store.set("/", "a/b/c", undefined);
  assert.deepEqual(topics("a/+/c"), ["a/x/c"]);
  assert.equal(store.size, 6);
  const expired = { ...record("old"), expiresAtMs: Date.now() - 1 };
  await store.set("/", "old", expired);
  assert.deepEqual(topics("old"), []);
});

test("the retained file round-trips and refuses a damaged copy", async (t) => {
  const records = [record("a/b", "x"), { ...record("c"), properties: { contentType: "t", userProperties: [["k", "v"]] as [string, string][] }, expiresAtMs: 5 }];
  const file = encodeRetainedFile(records);
  assert.deepEqual(decodeRetainedFile(file), records);
  const damaged = Buffer.from(file);
  damaged[12] ^= 1;
  assert.throws(() => decodeRetainedFile(damaged), /checksum/);
  const dataDir = await mkdtemp(join(tmpdir(), "warren-retained-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = await RetainedStore.open(dataDir, pino({ level: "silent" }));
  await Promise.all([store.set("/", "one", record("one")), store.set("/", "two", record("two"))]);
  const reopened = await RetainedStore.open(dataDir, pino({ level: "silent" }));
  assert.equal(reopened.size, 2);
  await writeFile(join(dataDir, "mqtt", "retained.bin"), damaged);
  await assert.rejects(RetainedStore.open(dataDir, pino({ level: "silent" })), /checksum/);
});
