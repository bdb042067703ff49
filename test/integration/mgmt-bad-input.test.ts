/**
 * Issue 11: bad input to the management API gets a 4xx that says what is wrong, and checks
 * that AMQP makes are made over HTTP too. A routing key over 255 bytes reached clients with its
 * length byte wrapped (300 bytes arrived as 44); arguments nested deeper than an AMQP field
 * table allows gave 500; bindings and publishes over HTTP skipped topic permissions.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { managementClient } from "./helpers/management-client.js";

let node: RunningNode;
let call: ReturnType<typeof managementClient>;

before(async () => {
  node = await startNode({ enableControl: false });
  call = managementClient(node.managementPort!);
  assert.equal((await call("PUT", "/api/queues/%2F/bad-input", { durable: false })).status, 201);
});
after(() => node.stop());

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let level = 0; level < depth; level++) value = { inner: value };
  return value;
}

test("a routing key over 255 bytes is refused with 400, and nothing is published", async () => {
  const answer = await call("POST", "/api/exchanges/%2F/amq.default/publish", { routing_key: "k".repeat(300), payload: "x", payload_encoding: "string", properties: {} });
  assert.deepEqual([answer.status, answer.body.error], [400, "bad_request"]);
  assert.match(answer.body.reason, /routing_key is 300 bytes long; at most 255 bytes/);
  const multibyte = await call("POST", "/api/exchanges/%2F/amq.default/publish", { routing_key: "é".repeat(128), payload: "x", properties: {} });
  assert.equal(multibyte.status, 400, "the limit is in bytes of UTF-8, not characters");
  const fits = await call("POST", "/api/exchanges/%2F/amq.default/publish", { routing_key: "bad-input", payload: "x", properties: { message_id: "m".repeat(255) } });
  assert.deepEqual([fits.status, fits.body], [200, { routed: true }]);
  // The message that was published reaches an AMQP client intact.
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  const message = await channel.get("bad-input", { noAck: true });
  assert.ok(message !== false);
  assert.equal(message.properties.messageId, "m".repeat(255));
  await connection.close();
});

test("message properties that do not fit their AMQP types are refused with 400", async () => {
  const publish = (properties: unknown) => call("POST", "/api/exchanges/%2F/amq.default/publish", { routing_key: "bad-input", payload: "x", properties });
  for (const [properties, reason] of [
    [{ message_id: "m".repeat(256) }, /property message_id is 256 bytes long/],
    [{ delivery_mode: 256 }, /delivery_mode must be from 0 to 255/],
    [{ priority: -1 }, /priority must be from 0 to 255/],
    [{ timestamp: -5 }, /timestamp must be from 0/],
    [{ headers: nested(40) }, /headers cannot be an AMQP field table: .*nested deeper/],
    [{ headers: { ["k".repeat(300)]: 1 } }, /headers cannot be an AMQP field table/],
  ] as const) {
    const answer = await publish(properties);
    assert.equal(answer.status, 400, JSON.stringify(properties).slice(0, 80));
    assert.match(answer.body.reason, reason);
  }
  assert.equal((await call("GET", "/api/queues/%2F/bad-input")).body.messages, 0, "a refused publish publishes nothing");
});

test("arguments nested deeper than a field table allows are a 400 on every endpoint that takes them", async () => {
  const deep = nested(40);
  const queue = await call("PUT", "/api/queues/%2F/too-deep", { durable: false, arguments: { "x-deep": deep } });
  assert.equal(queue.status, 400);
  assert.match(queue.body.reason, /arguments cannot be an AMQP field table: .*nested deeper than 16 levels/);
  assert.equal((await call("GET", "/api/queues/%2F/too-deep")).status, 404, "nothing was declared");
  assert.equal((await call("PUT", "/api/exchanges/%2F/too-deep", { type: "direct", arguments: { deep } })).status, 400);
  assert.equal((await call("POST", "/api/bindings/%2F/e/amq.direct/q/bad-input", { routing_key: "k", arguments: { deep } })).status, 400);
  assert.equal((await call("POST", "/api/bindings/%2F/e/amq.direct/q/bad-input", { routing_key: "k".repeat(256) })).status, 400);
  assert.equal((await call("GET", "/api/overview")).status, 200);
});

test("bindings and publishes over HTTP are checked against topic permissions, as queue.bind and basic.publish are", async () => {
  assert.equal((await call("PUT", "/api/users/topical", { password: "pw", tags: "management" })).status, 201);
  assert.equal((await call("PUT", "/api/permissions/%2F/topical", { configure: ".*", write: ".*", read: ".*" })).status, 201);
  assert.equal((await call("PUT", "/api/topic-permissions/%2F/topical", { exchange: "amq.topic", write: "^allowed\\.", read: "^allowed\\." })).status, 201);
  const bind = (key: string) => call("POST", "/api/bindings/%2F/e/amq.topic/q/bad-input", { routing_key: key }, "topical:pw");
  const refused = await bind("secret.#");
  assert.equal(refused.status, 401);
  assert.match(refused.body.reason, /read access to topic 'secret\.#' in exchange 'amq\.topic' in vhost '\/' refused for user 'topical'/);
  assert.equal((await bind("allowed.#")).status, 201);
  const bindings = await call("GET", "/api/queues/%2F/bad-input/bindings");
  assert.deepEqual(bindings.body.filter((binding: { source: string }) => binding.source === "amq.topic").map((binding: { routing_key: string }) => binding.routing_key), ["allowed.#"]);
  assert.equal((await call("POST", "/api/bindings/%2F/e/amq.topic/e/amq.direct", { routing_key: "secret.x" }, "topical:pw")).status, 401, "exchange-to-exchange bindings too");
  const publish = (key: string) => call("POST", "/api/exchanges/%2F/amq.topic/publish", { routing_key: key, payload: "x", properties: {} }, "topical:pw");
  const refusedPublish = await publish("secret.x");
  assert.equal(refusedPublish.status, 401);
  assert.match(refusedPublish.body.reason, /write access to topic 'secret\.x' in exchange 'amq\.topic'/);
  assert.deepEqual((await publish("allowed.x")).body, { routed: true });
});

test("keys named like Object.prototype's are plain data (found by test/fuzz/mgmt-api.test.ts)", async () => {
  for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
    const answer = await call("PUT", "/api/policies/%2F/prototype-keys", `{"pattern":"^x$","definition":{"${key}":{"max-length":1}}}`);
    assert.equal(answer.status, 400, key);
    assert.equal(answer.body.reason, `Validation failed: '${key}' is not a recognised policy setting`);
  }
  // Two bindings whose arguments differ only under a "__proto__" key are two bindings.
  for (const value of [1, 2]) {
    const bound = await call("POST", "/api/bindings/%2F/e/amq.headers/q/bad-input", `{"routing_key":"","arguments":{"__proto__":{"v":${value}}}}`);
    assert.equal(bound.status, 201);
  }
  const bindings = await call("GET", "/api/queues/%2F/bad-input/bindings");
  const fromHeaders = bindings.body.filter((binding: { source: string }) => binding.source === "amq.headers");
  assert.deepEqual(fromHeaders.map((binding: { arguments: unknown }) => JSON.stringify(binding.arguments)).sort(), ['{"__proto__":{"v":1}}', '{"__proto__":{"v":2}}']);
});
