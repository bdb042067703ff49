/**
 * Issue 11's metadata findings, each checked where an operator would meet it:
 *  - a definition over the metadata log's record limit is refused before anything changes (a 4xx
 *    naming the limit), and nothing of it is left in memory or after a restart;
 *  - the default user and vhost are created only on an empty database: a deleted `guest`, or a
 *    removed permission, does not come back after a restart (RabbitMQ 3.10 was the reference:
 *    rabbit_auth_backend_internal adds the default user only when the node is first started);
 *  - a malformed definitions import creates no vhost or queue named "";
 *  - the management API refuses `amq.*` queue names with ACCESS_REFUSED naming the reserved prefix.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { managementClient } from "../integration/helpers/management-client.js";
import { freePort, startNodeProcess } from "../helpers/node-process.js";
import { METADATA_COMMAND_BYTES_MAX } from "../../src/config/limits.js";
import type { BrokerError } from "../../src/errors/registry.js";

const dataDirectory = () => mkdtempSync(join(tmpdir(), "warren-metadata-"));

async function withNode<T>(dataDir: string, work: (node: RunningNode, call: ReturnType<typeof managementClient>) => Promise<T>): Promise<T> {
  const node = await startNode({ dataDir, enableControl: false });
  try {
    return await work(node, managementClient(node.managementPort as number));
  } finally {
    await node.stop();
  }
}

test("a durable queue whose definition is over the record limit is refused with a 4xx naming the limit, and is not there before or after a restart", async () => {
  const dataDir = dataDirectory();
  const big = "x".repeat(METADATA_COMMAND_BYTES_MAX + 100_000);
  await withNode(dataDir, async (node, call) => {
    const answer = await call("PUT", "/api/queues/%2F/big", { durable: true, arguments: { "x-note": big } });
    assert.ok(answer.status >= 400 && answer.status < 500, `status ${answer.status}`);
    assert.match(JSON.stringify(answer.body), /record limit of \d+ bytes/);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("big"), false);
    assert.equal((await call("GET", "/api/queues/%2F/big")).status, 404);
    // The node carries on: a normal declare works and is answered.
    assert.equal((await call("PUT", "/api/queues/%2F/small", { durable: true })).status, 201);
  });
  await withNode(dataDir, async (node) => {
    assert.equal(node.broker.vhosts.get("/")?.queues.has("big"), false);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("small"), true);
  });
});

test("a queue declare over the record limit, as the AMQP channel makes it, is refused with 406 PRECONDITION_FAILED and nothing changes", async () => {
  // A declare fits in one frame (1 MiB at most), but its arguments as JSON can be six times larger:
  // a control character is one byte on the wire and six (\u0001) in the log's record. amqplib cannot
  // encode a table over 64 KiB, so the channel's call into the vhost is made directly here.
  await withNode(dataDirectory(), async (node) => {
    const vhost = node.broker.vhosts.get("/")!;
    const args = new Map([["x-note", { type: "S" as const, value: Buffer.alloc(200_000, 1) }]]);
    assert.throws(
      () => vhost.declareQueue("big", { durable: true, autoDelete: false, exclusiveOwner: undefined, arguments: args }, {}),
      (error: BrokerError) => error.kind.amqpReplyCode === 406 && /over the metadata log's record limit of \d+ bytes/.test(error.message),
    );
    assert.equal(vhost.queues.has("big"), false);
    assert.equal(node.broker.metadata.state.vhosts.get("/")?.queues.has("big"), false);
  });
});

test("a deleted default user and a removed permission stay gone after kill -9 and after a clean restart", async () => {
  const dataDir = dataDirectory();
  const managementPort = await freePort();
  const child = await startNodeProcess({ dataDir, port: await freePort(), environment: { WARREN_MANAGEMENT_PORT: String(managementPort) } });
  try {
    const call = managementClient(managementPort);
    await waitUntilAnswering(call);
    assert.equal((await call("PUT", "/api/users/admin", { password: "admin-pw", tags: "administrator" })).status, 201);
    assert.equal((await call("PUT", "/api/permissions/%2F/admin", { configure: ".*", write: ".*", read: ".*" })).status, 201);
    assert.equal((await call("PUT", "/api/vhosts/other", {}, "admin:admin-pw")).status, 201);
    assert.equal((await call("DELETE", "/api/permissions/other/admin", undefined, "admin:admin-pw")).status, 204);
    assert.equal((await call("DELETE", "/api/users/guest", undefined, "admin:admin-pw")).status, 204);
    assert.equal((await call("PUT", "/api/queues/%2F/kept", { durable: true }, "admin:admin-pw")).status, 201);
  } finally {
    await child.kill("SIGKILL");
  }
  const check = async (node: RunningNode, call: ReturnType<typeof managementClient>) => {
    assert.equal(node.broker.users.has("guest"), false, "guest does not come back");
    assert.equal((await call("GET", "/api/overview")).status, 401);
    assert.equal(node.broker.users.get("admin")?.permissions.has("other"), false, "the removed permission does not come back");
    assert.equal(node.broker.users.get("admin")?.permissions.has("/"), true);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("kept"), true);
  };
  await withNode(dataDir, check); // recovered from the log after kill -9
  await withNode(dataDir, check); // recovered from the snapshot of a clean shutdown
});

async function waitUntilAnswering(call: ReturnType<typeof managementClient>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answered = await call("GET", "/api/overview").then((answer) => answer.status === 200, () => false);
    if (answered) return;
    if (Date.now() > deadline) throw new Error("the management API did not answer within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a malformed definitions import creates no vhost or queue named \"\", and the API refuses amq.* queues as ACCESS_REFUSED", async () => {
  await withNode(dataDirectory(), async (node, call) => {
    const answer = await call("POST", "/api/definitions", { vhosts: [{}, { name: 7 }], queues: [{ vhost: "/" }, { name: "", vhost: "/" }], exchanges: [{ vhost: "/" }], users: [{}] });
    assert.ok(answer.status >= 200 && answer.status < 500, `status ${answer.status}`);
    assert.equal(node.broker.vhosts.has(""), false);
    assert.equal(node.broker.vhosts.get("/")?.queues.has(""), false);
    assert.equal(node.broker.users.has(""), false);
    const reserved = await call("PUT", "/api/queues/%2F/amq.mine", { durable: true });
    // ACCESS_REFUSED (AMQP 403); the management layer answers it as RabbitMQ's management does (401 not_authorised).
    assert.ok(reserved.status === 401 || reserved.status === 403, `status ${reserved.status}`);
    assert.match(JSON.stringify(reserved.body), /reserved prefix 'amq\.\*'/);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("amq.mine"), false);
  });
});
