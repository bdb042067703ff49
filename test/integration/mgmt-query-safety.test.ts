/**
 * Issue 11: a management user's query parameters must not reach into prototypes. Before the
 * fix, `columns=arguments.x-bin.__proto__.toJSON` on a queue with a binary argument walked
 * from the Buffer to Buffer.prototype, and writing the selected column followed `__proto__`
 * onto Object.prototype: every later API answer was `500 {}` and durable declares failed.
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
  assert.equal((await call("PUT", "/api/users/viewer", { password: "pw", tags: "management" })).status, 201);
  assert.equal((await call("PUT", "/api/permissions/%2F/viewer", { configure: ".*", write: ".*", read: ".*" })).status, 201);
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("with-binary-argument", { durable: false, arguments: { "x-bin": Buffer.from("ab") } });
  await connection.close();
});
after(async () => {
  // If the fix regresses, leave the process clean for the runner's own reporting.
  delete (Object.prototype as Record<string, unknown>).toJSON;
  delete (Object.prototype as Record<string, unknown>).polluted;
  await node.stop();
});

const HOSTILE_PATHS = [
  "arguments.x-bin.__proto__.toJSON",
  "arguments.x-bin.__proto__.polluted",
  "__proto__.polluted",
  "arguments.__proto__.polluted",
  "constructor.prototype.polluted",
  "arguments.constructor.prototype.polluted",
  "arguments.x-bin.constructor.prototype.polluted",
  "arguments.x-bin.0",
  "arguments,arguments.x-bin.0",
];

test("no columns or sort path writes onto Object.prototype, and the node keeps answering", async () => {
  for (const path of HOSTILE_PATHS) {
    for (const query of [`columns=${path}`, `sort=${path}`, `columns=name,${path}&sort=${path}&sort_reverse=true`, `page=1&columns=${path}`]) {
      const answer = await call("GET", `/api/queues?${query}`, undefined, "viewer:pw");
      assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
      assert.equal(Object.hasOwn(Object.prototype, "toJSON"), false, `${query} wrote toJSON onto Object.prototype`);
      assert.equal(Object.hasOwn(Object.prototype, "polluted"), false, `${query} wrote onto Object.prototype`);
    }
  }
  assert.equal((await call("GET", "/api/overview")).status, 200);
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("durable-after-hostile-columns", { durable: true });
  await connection.close();
});

test("a column selected inside a wider one leaves the broker's objects as they were", async () => {
  const answer = await call("GET", "/api/queues/%2F?columns=name,arguments,arguments.x-bin.0,arguments.x-bin.extra", undefined, "viewer:pw");
  assert.equal(answer.status, 200);
  const queue = answer.body.find((item: { name: string }) => item.name === "with-binary-argument");
  assert.deepEqual(Object.keys(queue.arguments), ["x-bin"]);
});

test("a repeated query parameter keeps its first value instead of failing with 500", async () => {
  const answer = await call("GET", "/api/queues?columns=name&columns=messages&sort=name&sort=messages&name=a&name=b&page=1&page=2");
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.ok(answer.body.items.every((item: Record<string, unknown>) => Object.keys(item).join() === "name"));
});
