/**
 * The management API over real HTTP against an in-process node. Shapes are compared with
 * answers of a real RabbitMQ 3.10 kept in test/fixtures/ops/rabbitmq-api/ (made with
 * test/fixtures/ops/real-rabbitmq.sh): every field named in ESSENTIAL_* is one RabbitMQ
 * returns (checked below against the fixture) and Warren must return too.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/ops/rabbitmq-api/${name}.json`, import.meta.url), "utf8"));
const definitionsFixture = JSON.parse(readFileSync(new URL("../fixtures/ops/rabbitmq-3.10-definitions.json", import.meta.url), "utf8"));

let node: RunningNode;
let base: string;

before(async () => {
  node = await startNode({ enableControl: false });
  base = `http://127.0.0.1:${node.managementPort}/api`;
});
after(() => node.stop());

async function call(method: string, path: string, body?: unknown, credentials = "guest:guest") {
  const headers: Record<string, string> = { authorization: "Basic " + Buffer.from(credentials).toString("base64") };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

function assertHasFields(actual: Record<string, unknown>, fields: string[], real: Record<string, unknown>, what: string): void {
  for (const field of fields) {
    assert.ok(field in real, `${what}: '${field}' is not in RabbitMQ's answer, fix the test`);
    assert.ok(field in actual, `${what}: Warren's answer lacks '${field}'`);
  }
}

test("authentication: no credentials, a wrong password and a user without tags get RabbitMQ's 401s", async () => {
  const anonymous = await fetch(`${base}/overview`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Basic realm="RabbitMQ Management"');
  const wrong = await call("GET", "/overview", undefined, "guest:nope");
  assert.deepEqual([wrong.status, wrong.body], [401, { error: "not_authorized", reason: "Login failed" }]);
  await call("PUT", "/users/plain", { password: "pw", tags: "" });
  const plain = await call("GET", "/overview", undefined, "plain:pw");
  assert.deepEqual([plain.status, plain.body], [401, { error: "not_authorised", reason: "Not management user" }]);
});

test("overview, nodes and whoami have RabbitMQ's fields", async () => {
  const overview = await call("GET", "/overview");
  assert.equal(overview.status, 200);
  assertHasFields(overview.body, ["management_version", "rabbitmq_version", "cluster_name", "node", "object_totals", "queue_totals", "message_stats", "listeners", "exchange_types", "product_name"], fixture("overview"), "overview");
  assertHasFields(overview.body.object_totals, ["channels", "connections", "consumers", "exchanges", "queues"], fixture("overview").object_totals, "object_totals");
  const nodes = await call("GET", "/nodes");
  assertHasFields(nodes.body[0], ["name", "type", "running", "mem_used", "mem_limit", "mem_alarm", "disk_free", "disk_free_limit", "disk_free_alarm", "uptime", "partitions"], fixture("nodes")[0], "node");
  assert.deepEqual((await call("GET", "/whoami")).body, { name: "guest", tags: ["administrator"] });
});

test("queues: declare 201 then 204, inequivalent 400, get, purge, delete 204 then 404", async () => {
  assert.equal((await call("PUT", "/queues/%2F/api.q", { durable: true, arguments: { "x-max-length": 10 } })).status, 201);
  assert.equal((await call("PUT", "/queues/%2F/api.q", { durable: "true", auto_delete: "false", arguments: { "x-max-length": 10 } })).status, 204);
  const inequivalent = await call("PUT", "/queues/%2F/api.q", { durable: false });
  assert.equal(inequivalent.status, 400);
  assert.match(inequivalent.body.reason, /inequivalent arg 'durable' for queue 'api\.q' in vhost '\/'/);
  const published = await call("POST", "/exchanges/%2F/amq.default/publish", { routing_key: "api.q", payload: "hello", payload_encoding: "string", properties: { delivery_mode: 2, headers: { origin: "test" } } });
  assert.deepEqual(published.body, { routed: true });
  const queue = await call("GET", "/queues/%2F/api.q");
  assertHasFields(queue.body, ["name", "vhost", "durable", "auto_delete", "arguments", "messages", "messages_ready", "messages_unacknowledged", "consumers", "policy", "type", "state", "node", "effective_policy_definition"], fixture("queues__2F_plain"), "queue");
  assert.equal(queue.body.messages_ready, 1);
  const got = await call("POST", "/queues/%2F/api.q/get", { count: 5, ackmode: "ack_requeue_true", encoding: "auto" });
  assert.equal(got.body.length, 1);
  assert.deepEqual(Object.keys(got.body[0]).sort(), ["exchange", "message_count", "payload", "payload_bytes", "payload_encoding", "properties", "redelivered", "routing_key"]);
  assert.equal(got.body[0].payload, "hello");
  assert.deepEqual(got.body[0].properties, { delivery_mode: 2, headers: { origin: "test" } });
  assert.equal((await call("GET", "/queues/%2F/api.q")).body.messages_ready, 1, "ack_requeue_true puts the message back");
  assert.equal((await call("DELETE", "/queues/%2F/api.q/contents")).status, 204);
  assert.equal((await call("GET", "/queues/%2F/api.q")).body.messages_ready, 0);
  assert.equal((await call("DELETE", "/queues/%2F/api.q")).status, 204);
  assert.deepEqual(await call("DELETE", "/queues/%2F/api.q").then((answer) => [answer.status, answer.body]), [404, { error: "Object Not Found", reason: "Not Found" }]);
});

test("exchanges and bindings: declare, bind with a Location, list from both ends, unbind, delete", async () => {
  assert.equal((await call("PUT", "/exchanges/%2F/api.x", { type: "topic", durable: true })).status, 201);
  await call("PUT", "/queues/%2F/api.bound", {});
  const bound = await call("POST", "/bindings/%2F/e/api.x/q/api.bound", { routing_key: "a.#", arguments: {} });
  assert.equal(bound.status, 201);
  assert.equal(bound.headers.get("location"), "a.%23");
  const source = await call("GET", "/exchanges/%2F/api.x/bindings/source");
  assertHasFields(source.body[0], ["source", "vhost", "destination", "destination_type", "routing_key", "arguments", "properties_key"], fixture("exchanges_orders_orders.in_bindings_source")[0], "binding");
  const queueBindings = await call("GET", "/queues/%2F/api.bound/bindings");
  assert.deepEqual(queueBindings.body.map((binding: { source: string }) => binding.source), ["", "api.x"]);
  assert.equal((await call("POST", "/exchanges/%2F/api.x/publish", { routing_key: "a.b", payload: "x", payload_encoding: "string", properties: {} })).body.routed, true);
  assert.equal((await call("POST", "/exchanges/%2F/api.x/publish", { routing_key: "b", payload: "x", payload_encoding: "string", properties: {} })).body.routed, false);
  assert.equal((await call("DELETE", "/bindings/%2F/e/api.x/q/api.bound/a.%23")).status, 204);
  assert.equal((await call("GET", "/exchanges/%2F/api.x/bindings/source")).body.length, 0);
  const exchange = await call("GET", "/exchanges/%2F/api.x");
  assertHasFields(exchange.body, ["name", "vhost", "type", "durable", "auto_delete", "internal", "arguments"], fixture("exchanges_orders")[0], "exchange");
  assert.equal((await call("DELETE", "/exchanges/%2F/api.x")).status, 204);
  assert.equal((await call("PUT", "/exchanges/%2F/api.y", { durable: true })).status, 400, "type is required");
});

test("vhosts, users and permissions; tags decide what a user sees", async () => {
  assert.equal((await call("PUT", "/vhosts/api-vhost", { description: "for tests", tags: "a,b" })).status, 201);
  const vhost = await call("GET", "/vhosts/api-vhost");
  assertHasFields(vhost.body, ["name", "description", "tags", "tracing", "messages", "cluster_state", "metadata"], fixture("vhosts_orders"), "vhost");
  assert.deepEqual(vhost.body.tags, ["a", "b"]);
  assert.equal((await call("PUT", "/users/manager", { password: "pw", tags: "management" })).status, 201);
  assert.equal((await call("PUT", "/users/manager", { password: "pw2", tags: "management" })).status, 204);
  assert.equal((await call("PUT", "/users/watcher", { password: "pw", tags: "monitoring" })).status, 201);
  const user = await call("GET", "/users/manager");
  assertHasFields(user.body, ["name", "password_hash", "hashing_algorithm", "tags", "limits"], fixture("users_alice"), "user");
  assert.equal((await call("PUT", "/permissions/api-vhost/manager", { configure: ".*", write: ".*", read: ".*" })).status, 201);
  assert.deepEqual((await call("GET", "/permissions/api-vhost/manager")).body, { user: "manager", vhost: "api-vhost", configure: ".*", write: ".*", read: ".*" });
  const seenByManager = await call("GET", "/vhosts", undefined, "manager:pw2");
  assert.deepEqual(seenByManager.body.map((entry: { name: string }) => entry.name), ["api-vhost"]);
  assert.equal((await call("GET", "/users", undefined, "manager:pw2")).status, 401);
  assert.equal((await call("GET", "/queues/%2F", undefined, "manager:pw2")).status, 401);
  const seenByWatcher = await call("GET", "/vhosts", undefined, "watcher:pw");
  assert.ok(seenByWatcher.body.length >= 2);
  assert.deepEqual((await call("GET", "/users", undefined, "watcher:pw")).body, { error: "not_authorised", reason: "Not administrator user" });
  assert.equal((await call("DELETE", "/vhosts/api-vhost")).status, 204);
  assert.equal((await call("GET", "/permissions/api-vhost/manager")).status, 404);
  assert.equal((await call("DELETE", "/users/manager")).status, 204);
});

test("policies: validation errors are 400, a valid one shows on the queues it matches", async () => {
  const bad = await call("PUT", "/policies/%2F/bad", { pattern: "^x", definition: { "max-lenght": 1 } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.reason, /'max-lenght' is not a recognised policy setting/);
  assert.equal((await call("PUT", "/policies/%2F/limit", { pattern: "^limited\\.", definition: { "max-length": 5 }, priority: 1, "apply-to": "queues" })).status, 201);
  await call("PUT", "/queues/%2F/limited.q", {});
  const queue = await call("GET", "/queues/%2F/limited.q");
  assert.equal(queue.body.policy, "limit");
  assert.deepEqual(queue.body.effective_policy_definition, { "max-length": 5 });
  const listed = await call("GET", "/policies");
  assert.deepEqual(Object.keys(listed.body[0]).sort(), Object.keys(fixture("policies")[0]).sort());
  assert.equal((await call("PUT", "/operator-policies/%2F/cap", { pattern: ".*", definition: { "max-length": 2 }, "apply-to": "queues" })).status, 201);
  assert.deepEqual((await call("GET", "/queues/%2F/limited.q")).body.effective_policy_definition, { "max-length": 2 });
  assert.equal((await call("DELETE", "/policies/%2F/limit")).status, 204);
  assert.equal((await call("DELETE", "/operator-policies/%2F/cap")).status, 204);
});

test("definitions: a RabbitMQ 3.10 export imports; the export has RabbitMQ's top-level keys", async () => {
  const { quorumQueue, rest } = splitQuorum(definitionsFixture);
  const imported = await call("POST", "/definitions", rest);
  assert.equal(imported.status, 204, JSON.stringify(imported.body));
  const exported = await call("GET", "/definitions");
  assert.deepEqual(Object.keys(exported.body).sort(), Object.keys(fixture("definitions")).sort());
  assert.ok(exported.body.queues.some((queue: { name: string }) => queue.name === "orders.created"));
  assert.ok(exported.body.users.some((user: { name: string; password_hash: string }) => user.name === "alice" && user.password_hash === "Xqs9rv+eCnQUU9meoKUnqtDvjpZECTZAEb0btMqRBqtRUtaI"));
  assert.equal((await call("GET", "/whoami", undefined, "admin2:admin2-secret")).body.name, "admin2");
  const vhostOnly = await call("GET", "/definitions/orders");
  assert.deepEqual(Object.keys(vhostOnly.body).sort(), ["bindings", "exchanges", "parameters", "policies", "product_name", "product_version", "queues", "rabbit_version", "rabbitmq_version"]);
  // Quorum queues arrive with the replicated queue type: until then the import reports the one it could not make.
  const failed = await call("POST", "/definitions", { queues: [quorumQueue] });
  assert.equal(failed.status, 400);
  assert.match(failed.body.reason, /orders\.quorum/);
});

function splitQuorum(definitions: { queues: { name: string }[] }) {
  const quorumQueue = definitions.queues.find((queue) => queue.name === "orders.quorum");
  return { quorumQueue, rest: { ...definitions, queues: definitions.queues.filter((queue) => queue !== quorumQueue) } };
}

test("health checks and the aliveness test answer as RabbitMQ's do", async () => {
  for (const name of ["alarms", "local-alarms", "virtual-hosts", "ready-to-serve-clients"]) {
    assert.deepEqual((await call("GET", `/health/checks/${name}`)).body, { status: "ok" }, name);
  }
  assert.deepEqual((await call("GET", "/health/checks/node-is-quorum-critical")).body, fixture("health_checks_node-is-quorum-critical"));
  assert.deepEqual((await call("GET", `/health/checks/port-listener/${node.port}`)).body, { status: "ok", port: node.port });
  const missing = await call("GET", "/health/checks/port-listener/1");
  assert.equal(missing.status, 503);
  assert.equal(missing.body.status, "failed");
  assert.deepEqual((await call("GET", "/aliveness-test/%2F")).body, fixture("aliveness-test__2F"));
});

test("pagination, columns and sort follow RabbitMQ's query parameters", async () => {
  for (const name of ["p.c", "p.a", "p.b"]) await call("PUT", `/queues/%2F/${name}`, {});
  const page = await call("GET", "/queues/%2F?page=1&page_size=2&name=p.&sort=name");
  assert.deepEqual(Object.keys(page.body).sort(), Object.keys(fixture("queues_page_1_page_size_2")).sort());
  assert.deepEqual(page.body.items.map((queue: { name: string }) => queue.name), ["p.a", "p.b"]);
  assert.equal(page.body.filtered_count, 3);
  const columns = await call("GET", "/queues/%2F?columns=name,messages&sort=name&sort_reverse=true&name=p.");
  assert.deepEqual(columns.body.filter((queue: { name: string }) => queue.name.startsWith("p.")), [{ name: "p.c", messages: 0 }, { name: "p.b", messages: 0 }, { name: "p.a", messages: 0 }]);
  assert.equal((await call("GET", "/queues?page=0")).status, 400);
});

test("connections, channels and consumers of a real AMQP client; DELETE closes the connection", async () => {
  const connection = await amqp.connect(node.url, { clientProperties: { connection_name: "api-test" } });
  const closed = new Promise((resolve) => connection.on("close", resolve));
  connection.on("error", () => undefined);
  const channel = await connection.createChannel();
  await channel.assertQueue("api.consumed");
  await channel.prefetch(7);
  await channel.consume("api.consumed", () => undefined, { consumerTag: "api-consumer" });
  const connections = await call("GET", "/connections");
  const listed = connections.body.find((entry: { user_provided_name?: string }) => entry.user_provided_name === "api-test");
  assertHasFields(listed, ["name", "user", "vhost", "peer_host", "peer_port", "host", "port", "state", "channels", "protocol", "client_properties", "node", "connected_at", "timeout", "frame_max", "channel_max"], fixture("connections")[0], "connection");
  // The client's own table, nested tables included, as amqplib sent it.
  assert.equal(listed.client_properties.product, "amqplib");
  assert.equal(listed.client_properties.connection_name, "api-test");
  assert.equal(listed.client_properties.capabilities.publisher_confirms, true);
  const channels = await call("GET", "/channels");
  assertHasFields(channels.body[0], ["name", "number", "user", "vhost", "consumer_count", "prefetch_count", "messages_unacknowledged", "confirm", "transactional", "connection_details", "node", "state"], fixture("channels")[0], "channel");
  const consumers = await call("GET", "/consumers/%2F");
  const consumer = consumers.body.find((entry: { consumer_tag: string }) => entry.consumer_tag === "api-consumer");
  assertHasFields(consumer, ["consumer_tag", "queue", "channel_details", "ack_required", "exclusive", "prefetch_count", "arguments", "active"], fixture("consumers")[0], "consumer");
  assert.deepEqual(consumer.queue, { name: "api.consumed", vhost: "/" });
  const name = encodeURIComponent(listed.name);
  assert.equal((await call("GET", `/connections/${name}`)).body.name, listed.name);
  assert.equal((await call("DELETE", `/connections/${name}`)).status, 204);
  await closed;
});
