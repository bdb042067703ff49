/**
 * Issue 11: nagios-plugins-rabbitmq's check_rabbitmq_server (Debian's package, run for real)
 * reads mem_used/mem_limit, proc_used/proc_total, fd_used/fd_total and sockets_used/
 * sockets_total from `/api/nodes/rabbit@HOST`; fd_used and the other *_used fields were missing
 * and the plugin reported UNKNOWN. The plugin is written for RabbitMQ (the reference, with which
 * it answers OK) and always asks for the node `rabbit@HOST`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { managementClient } from "./helpers/management-client.js";

const PLUGIN = "/usr/bin/check_rabbitmq_server";
const skip = existsSync(PLUGIN) ? false : `${PLUGIN} is not installed (scripts/install-test-deps.sh installs nagios-plugins-rabbitmq)`;

let node: RunningNode;
let call: ReturnType<typeof managementClient>;
before(async () => {
  node = await startNode({ enableControl: false });
  call = managementClient(node.managementPort!);
});
after(() => node.stop());

const host = () => node.node.context.nodeName.split("@")[1];

test("/api/nodes reports descriptors, sockets and processes used against their totals", async () => {
  const connection = await amqp.connect(node.url);
  const [nodeJson] = (await call("GET", "/api/nodes")).body;
  for (const field of ["mem_used", "fd_used", "sockets_used", "proc_used"]) {
    const total = field === "mem_used" ? "mem_limit" : field.replace("_used", "_total");
    assert.equal(typeof nodeJson[field], "number", field);
    assert.ok(nodeJson[field] <= nodeJson[total], `${field} ${nodeJson[field]} over ${total} ${nodeJson[total]}`);
    assert.deepEqual(nodeJson[`${field}_details`], { rate: 0 });
  }
  assert.ok(nodeJson.fd_used > 0, "an open AMQP connection holds a descriptor");
  assert.ok(nodeJson.sockets_used >= 1);
  await connection.close();
  assert.equal((await call("GET", `/api/nodes/rabbit@${host()}`)).status, 200, "tools address the node as rabbit@HOST");
  assert.equal((await call("GET", "/api/nodes/rabbit@elsewhere")).status, 404);
});

test("check_rabbitmq_server answers OK for every resource", { skip }, async () => {
  // The plugin treats a used count of 0 as "Unable to get values" (Perl's falsy 0), against
  // RabbitMQ too: with no client connected its Sockets check is CRITICAL. So one client connects.
  const connection = await amqp.connect(node.url);
  const { stdout } = await promisify(execFile)(PLUGIN, ["-H", "127.0.0.1", "--port", String(node.managementPort), "-u", "guest", "-p", "guest", "-n", host()], { timeout: 30_000 });
  await connection.close();
  assert.match(stdout, /^RABBITMQ_SERVER OK - Memory OK \(\d+(\.\d+)?%\) Process OK \(\d+(\.\d+)?%\) FD OK \(\d+(\.\d+)?%\) Sockets OK \(\d+(\.\d+)?%\)/);
});
