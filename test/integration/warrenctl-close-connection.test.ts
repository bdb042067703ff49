/**
 * Issue 11: `rabbitmqctl close_connection` takes the pid that `list_connections pid` prints
 * (`<rabbit@vm.1796694563.19480.0>`, checked on RabbitMQ 3.10.8, the reference, which refuses a
 * connection name with invalid_pid_syntax); warrenctl took only the connection's name. It now
 * prints pids of that shape and accepts either. warrenctl runs in-process over the real
 * control port, against a node started here.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { runWarrenctl } from "../../src/cli/commands/run.js";

let node: RunningNode;
before(async () => {
  node = await startNode({ enableControl: true });
});
after(() => node.stop());

async function warrenctl(...args: string[]): Promise<{ code: number; out: string; error: string }> {
  let out = "";
  let error = "";
  const output = { out: (text: string) => (out += `${text}\n`), error: (text: string) => (error += `${text}\n`) };
  const code = await runWarrenctl(["-n", node.node.context.nodeName, "--control-port", String(node.controlPort), "--erlang-cookie", node.cookie, ...args], output, {});
  return { code, out, error };
}

async function connectAndWaitForClose() {
  const connection = await amqp.connect(node.url);
  connection.on("error", () => undefined);
  const closed = new Promise<string>((resolve) => connection.once("close", (error?: Error) => resolve(String(error?.message))));
  // The node names a connection "client address:port -> node address:port": find ours by its port.
  const localPort = (connection as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
  const mine = (rows: { name: string; pid?: string }[]) => rows.find((candidate) => candidate.name.startsWith(`127.0.0.1:${localPort} `));
  return { connection, closed, mine };
}

test("close_connection takes the pid that list_connections prints, as rabbitmqctl does", async () => {
  const { closed, mine } = await connectAndWaitForClose();
  const listing = await warrenctl("list_connections", "pid", "name", "--formatter", "json");
  assert.equal(listing.code, 0, listing.error);
  const row = mine(JSON.parse(listing.out.slice(listing.out.indexOf("["))));
  assert.ok(row !== undefined, listing.out);
  assert.match(row.pid ?? "", /^<[^<>.]+@[^<>]+\.\d+\.\d+\.0>$/);
  assert.notEqual(row.pid, row.name);
  const closing = await warrenctl("close_connection", row.pid ?? "", "go away");
  assert.equal(closing.code, 0, closing.error);
  assert.match(await closed, /CONNECTION_FORCED - go away/);
});

test("close_connection still takes the connection's name", async () => {
  const { closed, mine } = await connectAndWaitForClose();
  const listing = await warrenctl("list_connections", "name", "--formatter", "json");
  const row = mine(JSON.parse(listing.out.slice(listing.out.indexOf("["))));
  assert.ok(row !== undefined, listing.out);
  assert.equal((await warrenctl("close_connection", row.name, "by name")).code, 0);
  assert.match(await closed, /CONNECTION_FORCED - by name/);
  const missing = await warrenctl("close_connection", "<nobody@nowhere.1.2.0>", "x");
  assert.notEqual(missing.code, 0);
  assert.match(missing.error, /not found/);
});
