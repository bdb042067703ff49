/**
 * Issue 11: users' regular expressions ran on the main thread with the backtracking RegExp.
 * `name=(a+)+$&use_regex=true` against a long queue name froze the whole node (doubling per
 * character), and policy, permission and topic permission patterns run on the message path.
 * They are now matched by RE2's linear-time engine. The node runs as a child process here so
 * that, before the fix, this test process stayed free to notice the node hung (every wait has
 * a timeout) and to kill it by its PID.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { freePort, startNodeProcess, type NodeProcess } from "../helpers/node-process.js";
import { managementClient } from "./helpers/management-client.js";

/** 60 characters: a backtracking engine would need about 2^60 steps for `(a+)+$` on it. */
const EVIL_NAME = `${"a".repeat(60)}!`;
const EVIL_PATTERN = "(a+)+$";

let dataDir: string;
let node: NodeProcess;
let call: ReturnType<typeof managementClient>;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "warren-patterns-"));
  const managementPort = await freePort();
  node = await startNodeProcess({ dataDir, port: await freePort(), environment: { WARREN_MANAGEMENT_PORT: String(managementPort), WARREN_LOG_LEVEL: "warn" } });
  call = managementClient(managementPort);
  for (let attempt = 0; (await call("GET", "/api/overview").catch(() => ({ status: 0 }))).status !== 200; attempt++) {
    assert.ok(attempt < 100, "the management API did not come up");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal((await call("PUT", `/api/queues/%2F/${EVIL_NAME}`, { durable: false })).status, 201);
});
after(async () => {
  await node?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

test("the name filter runs a catastrophic pattern in linear time and the node keeps answering", async () => {
  const [filtered, overview] = await Promise.all([
    call("GET", `/api/queues?page=1&use_regex=true&name=${encodeURIComponent(EVIL_PATTERN)}`),
    call("GET", "/api/overview"),
  ]);
  assert.equal(filtered.status, 200);
  assert.equal(filtered.body.filtered_count, 0);
  assert.equal(overview.status, 200);
  const found = await call("GET", `/api/queues?page=1&use_regex=true&name=${encodeURIComponent("^A+!$")}`);
  assert.deepEqual(found.body.items.map((queue: { name: string }) => queue.name), [EVIL_NAME], "case-insensitive, as RabbitMQ's filter is");
});

test("patterns the linear-time engine cannot run are refused with a 400 that says why", async () => {
  const lookahead = await call("GET", `/api/queues?page=1&use_regex=true&name=${encodeURIComponent("^(?!amq\\.)")}`);
  assert.equal(lookahead.status, 400);
  assert.match(lookahead.body.reason, /not a valid regular expression \(RE2 syntax/);
  const policy = await call("PUT", "/api/policies/%2F/backreference", { pattern: "^(a)\\1$", definition: { "max-length": 1 } });
  assert.equal(policy.status, 400);
  assert.match(policy.body.reason, /RE2 syntax/);
  assert.equal((await call("PUT", "/api/users/pattern-user", { password: "pw", tags: "" })).status, 201);
  const permission = await call("PUT", "/api/permissions/%2F/pattern-user", { configure: "(?=x)", write: ".*", read: ".*" });
  assert.equal(permission.status, 400);
  const tooLong = await call("PUT", "/api/policies/%2F/too-long", { pattern: "a".repeat(5_000), definition: { "max-length": 1 } });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body.reason, /longer than 4096 characters/);
});

test("a catastrophic policy pattern applies in linear time to queues declared over AMQP", async () => {
  assert.equal((await call("PUT", "/api/policies/%2F/evil", { pattern: EVIL_PATTERN, definition: { "max-length": 5 }, "apply-to": "queues" })).status, 201);
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue(`${"a".repeat(59)}?`, { durable: false });
  await channel.assertQueue("aaaa", { durable: false });
  await connection.close();
  const queues = await call("GET", "/api/queues/%2F?columns=name,policy");
  const policyOf = (name: string) => queues.body.find((queue: { name: string }) => queue.name === name)?.policy;
  assert.equal(policyOf("aaaa"), "evil");
  assert.equal(policyOf(EVIL_NAME), null);
  assert.equal((await call("DELETE", "/api/policies/%2F/evil")).status, 204);
});

test("catastrophic permission and topic permission patterns are matched in linear time on the message path", async () => {
  assert.equal((await call("PUT", "/api/users/evil-user", { password: "pw", tags: "" })).status, 201);
  assert.equal((await call("PUT", "/api/permissions/%2F/evil-user", { configure: EVIL_PATTERN, write: ".*", read: ".*" })).status, 201);
  assert.equal((await call("PUT", "/api/topic-permissions/%2F/evil-user", { exchange: "amq.topic", write: EVIL_PATTERN, read: ".*" })).status, 201);
  const connection = await amqp.connect(node.url.replace("guest:guest", "evil-user:pw"));
  connection.on("error", () => undefined);
  const refused = await connection.createChannel();
  refused.on("error", () => undefined);
  await assert.rejects(refused.assertQueue(EVIL_NAME.replace("!", "?"), { durable: false }), /ACCESS_REFUSED - configure access to queue/);
  const publisher = await connection.createChannel();
  const closed = new Promise<Error>((resolve) => publisher.once("error", resolve));
  publisher.publish("amq.topic", `${"a".repeat(60)}.b`, Buffer.from("x"));
  assert.match((await closed).message, /ACCESS_REFUSED - write access to topic/);
  await connection.close();
  assert.equal((await call("GET", "/api/overview")).status, 200);
});
