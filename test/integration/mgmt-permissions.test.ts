/**
 * Permissions, topic permissions and limits set through the management API, checked over
 * AMQP with amqplib: refused with RabbitMQ's 403 texts, granted when the pattern matches.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";

let node: RunningNode;
let base: string;
before(async () => {
  node = await startNode({ enableControl: false });
  base = `http://127.0.0.1:${node.managementPort}/api`;
  const put = (path: string, body: unknown) =>
    fetch(base + path, { method: "PUT", headers: { authorization: "Basic " + Buffer.from("guest:guest").toString("base64"), "content-type": "application/json" }, body: JSON.stringify(body) });
  await put("/vhosts/perm", {});
  await put("/users/limited", { password: "pw", tags: "" });
  await put("/permissions/perm/limited", { configure: "^mine\\.", write: "^(mine\\..*|amq\\.topic)$", read: "^mine\\." });
  await put("/topic-permissions/perm/limited", { exchange: "amq.topic", write: "^allowed\\.", read: ".*" });
});
after(() => node.stop());

const url = (vhost: string) => `amqp://limited:pw@127.0.0.1:${node.port}/${encodeURIComponent(vhost)}`;

test("a user without permissions on a vhost cannot open it", async () => {
  // amqplib reports only that connection.open was answered with connection.close (530 NOT_ALLOWED).
  await assert.rejects(amqp.connect(url("/")), /ConnectionClose/);
  const opened = await amqp.connect(url("perm"));
  await opened.close();
});

test("configure, write and read are checked where RabbitMQ checks them", async () => {
  const connection = await amqp.connect(url("perm"));
  connection.on("error", () => undefined);
  const channel = await connection.createChannel();
  await channel.assertQueue("mine.q");
  const refused = await connection.createChannel();
  refused.on("error", () => undefined);
  await assert.rejects(refused.assertQueue("theirs.q"), /ACCESS_REFUSED - configure access to queue 'theirs\.q' in vhost 'perm' refused for user 'limited'/);
  await connection.close();
});
