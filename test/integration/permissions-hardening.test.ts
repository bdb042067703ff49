/**
 * Permissions that could be walked around, and users changed under open connections. The
 * reference is RabbitMQ 3.10.8 (Debian's package), driven with rabbitmqctl and python3-pika on
 * the same machine: the texts and codes below are what it answered.
 * - A queue's x-dead-letter-exchange and an exchange's alternate-exchange are checked when the
 *   queue or exchange is created: read on it, then write on the named exchange ('' is amq.default).
 * - A permission change applies to the next publish, even on a channel that already published
 *   to that exchange; clearing permissions leaves the connection open and refuses the next operation.
 * - Deleting a user closes their connections with 320 "user 'u' is deleted"; changing a password does not.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChannelModel } from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { closeAllConnections, connect, connectionClosed, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, withTimeout } from "../helpers/broker.js";

let node: RunningNode;
let api: string;
before(async () => {
  node = await startNode({ enableControl: false, enableMetrics: false });
  api = `http://127.0.0.1:${node.managementPort}/api`;
});
after(async () => {
  await closeAllConnections();
  await node?.stop();
});

async function request(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(api + path, {
    method,
    headers: { authorization: "Basic " + Buffer.from("guest:guest").toString("base64"), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${await response.text()}`);
}

let userCounter = 0;
/** A fresh user with these permissions on "/". */
async function userWith(configure: string, write: string, read: string): Promise<{ name: string; url: string }> {
  const name = `limited-${++userCounter}`;
  await request("PUT", `/users/${name}`, { password: "pw", tags: "" });
  await request("PUT", `/permissions/%2F/${name}`, { configure, write, read });
  return { name, url: `amqp://${name}:pw@127.0.0.1:${node.port}` };
}

describe("x-dead-letter-exchange and alternate-exchange need write on the exchange they name", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a queue whose dead-letter exchange the user may not write to is refused, and nothing is created", async () => {
    const user = await userWith(".*", "^mine", "^mine");
    const client = await connect(user.url);
    await expectAmqpError((await openChannel(client)).assertQueue("mine.dlx-theirs", { arguments: { "x-dead-letter-exchange": "theirs" } }), 403,
      `ACCESS_REFUSED - access to exchange 'theirs' in vhost '/' refused for user '${user.name}'`);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("mine.dlx-theirs"), false);
    // The default exchange is checked as amq.default.
    await expectAmqpError((await openChannel(client)).assertQueue("mine.dlx-default", { arguments: { "x-dead-letter-exchange": "" } }), 403,
      `ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user '${user.name}'`);
    // Read on the queue itself comes first.
    await expectAmqpError((await openChannel(client)).assertQueue("other.dlx-mine", { arguments: { "x-dead-letter-exchange": "mine.x" } }), 403,
      `ACCESS_REFUSED - access to queue 'other.dlx-mine' in vhost '/' refused for user '${user.name}'`);
    const channel = await openChannel(client);
    await channel.assertQueue("mine.dlx-mine", { arguments: { "x-dead-letter-exchange": "mine.x" }, autoDelete: true });
    await client.close();
  });

  test("TTL 0 plus a dead-letter exchange no longer publishes into someone else's exchange", async () => {
    await request("PUT", "/exchanges/%2F/protected", { type: "fanout", durable: false });
    await request("PUT", "/queues/%2F/protected-sink", { durable: false });
    await request("POST", "/bindings/%2F/e/protected/q/protected-sink", { routing_key: "" });
    const user = await userWith(".*", "^mine", "^mine");
    const client = await connect(user.url);
    const channel = await openChannel(client);
    await expectAmqpError(channel.assertQueue("mine.ttl0", { arguments: { "x-message-ttl": 0, "x-dead-letter-exchange": "protected" } }), 403);
    await client.close();
    assert.equal(node.broker.vhosts.get("/")?.queues.get("protected-sink")?.readyCount, 0);
  });

  test("an exchange whose alternate exchange the user may not write to is refused", async () => {
    const user = await userWith(".*", "^mine", "^mine");
    const client = await connect(user.url);
    await expectAmqpError((await openChannel(client)).assertExchange("mine.ae-theirs", "fanout", { alternateExchange: "theirs" }), 403,
      `ACCESS_REFUSED - access to exchange 'theirs' in vhost '/' refused for user '${user.name}'`);
    assert.equal(node.broker.vhosts.get("/")?.exchanges.has("mine.ae-theirs"), false);
    await expectAmqpError((await openChannel(client)).assertExchange("other.ae-mine", "fanout", { alternateExchange: "mine.x" }), 403,
      `ACCESS_REFUSED - access to exchange 'other.ae-mine' in vhost '/' refused for user '${user.name}'`);
    const channel = await openChannel(client);
    await channel.assertExchange("mine.ae-mine", "fanout", { alternateExchange: "mine.x", autoDelete: true });
    await client.close();
  });
});

describe("the management API checks the same", { timeout: SUITE_TIMEOUT_MS }, () => {
  // RabbitMQ 3.10.8 (checked with curl): 401 not_authorised, and nothing is created.
  test("a queue or exchange declared over HTTP with a dead-letter or alternate exchange the user may not write to → 401", async () => {
    const user = await userWith(".*", "^mine", "^mine");
    await request("PUT", `/users/${user.name}`, { password: "pw", tags: "management" });
    const asUser = (path: string, body: unknown) => fetch(api + path, {
      method: "PUT", body: JSON.stringify(body),
      headers: { authorization: "Basic " + Buffer.from(`${user.name}:pw`).toString("base64"), "content-type": "application/json" },
    });
    const queue = await asUser("/queues/%2F/mine.http-dlx", { durable: false, arguments: { "x-dead-letter-exchange": "theirs" } });
    assert.equal(queue.status, 401);
    assert.equal(node.broker.vhosts.get("/")?.queues.has("mine.http-dlx"), false);
    const exchange = await asUser("/exchanges/%2F/mine.http-ae", { type: "fanout", durable: false, arguments: { "alternate-exchange": "theirs" } });
    assert.equal(exchange.status, 401);
    assert.equal(node.broker.vhosts.get("/")?.exchanges.has("mine.http-ae"), false);
    assert.equal((await asUser("/queues/%2F/mine.http-ok", { durable: false, auto_delete: true, arguments: { "x-dead-letter-exchange": "mine.x" } })).status, 201);
  });
});

describe("changing a user under open connections", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a revoked write permission applies to the next publish on a channel that already published", async () => {
    const user = await userWith(".*", ".*", ".*");
    const client = await connect(user.url);
    const channel = await client.createConfirmChannel();
    channel.on("error", () => undefined);
    await channel.assertQueue("revoked-target", { autoDelete: false });
    const publish = (body: string) => withTimeout(new Promise<void>((resolve, reject) => channel.sendToQueue("revoked-target", Buffer.from(body), {}, (error) => (error ? reject(error) : resolve()))), 5_000, "confirm");
    await publish("allowed");
    await request("PUT", `/permissions/%2F/${user.name}`, { configure: ".*", write: "^nothing$", read: ".*" });
    const closed = new Promise<Error>((resolve) => channel.once("close", () => resolve(new Error("closed"))));
    const errored = new Promise<unknown>((resolve) => channel.once("error", resolve));
    channel.sendToQueue("revoked-target", Buffer.from("refused"));
    const error = await withTimeout(errored, 5_000, "channel error");
    await closed;
    assert.match(String((error as Error).message), /403 \(ACCESS-REFUSED\)/);
    assert.equal(node.broker.vhosts.get("/")?.queues.get("revoked-target")?.readyCount, 1);
    await client.close();
    await request("DELETE", "/queues/%2F/revoked-target");
  });

  test("deleting a user closes their connections with 320; the others carry on", async () => {
    const user = await userWith(".*", ".*", ".*");
    const other = await userWith(".*", ".*", ".*");
    const doomed: ChannelModel = await connect(user.url);
    const survivor = await connect(other.url);
    const closed = connectionClosed(doomed);
    await request("DELETE", `/users/${user.name}`);
    assert.deepEqual(await closed, { code: 320, text: `CONNECTION_FORCED - user '${user.name}' is deleted` });
    const channel = await openChannel(survivor);
    await channel.checkExchange("amq.direct");
    await survivor.close();
  });

  test("changing a password leaves the user's connections open, as in RabbitMQ", async () => {
    const user = await userWith(".*", ".*", ".*");
    const client = await connect(user.url);
    await request("PUT", `/users/${user.name}`, { password: "new-password", tags: "" });
    const channel = await openChannel(client);
    await channel.checkExchange("amq.direct");
    await client.close();
  });
});
