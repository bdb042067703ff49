import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeAddress, parseArguments, runWarrenctl } from "../../../src/cli/commands/run.js";
import { formatRows } from "../../../src/cli/commands/output.js";
import { startNode } from "../../../src/node/index.js";

test("flags may come before or after the command, as with rabbitmqctl", () => {
  const parsed = parseArguments(["set_permissions", "-p", "orders", "alice", ".*", "", ".*"]);
  assert.equal(parsed?.command.name, "set_permissions");
  assert.equal(parsed?.parsed.vhost, "orders");
  assert.deepEqual(parsed?.parsed.args, ["alice", ".*", "", ".*"]);
  const policy = parseArguments(["-q", "set_policy", "p", "^a", "{}", "--priority", "3", "--apply-to=queues"]);
  assert.deepEqual(policy?.parsed.flags, { quiet: true, priority: "3", "apply-to": "queues" });
  assert.throws(() => parseArguments(["list_queues", "--bogus"]), /unknown option '--bogus'/);
  assert.throws(() => parseArguments(["add_user", "x"]), /not enough arguments\.\nUsage: warrenctl add_user <username> <password>/);
  assert.throws(() => parseArguments(["delete_user", "a", "b"]), /too many arguments/);
  assert.throws(() => parseArguments(["list_queue"]), /Command 'list_queue' not found\. Did you mean 'list_queues'/);
  assert.equal(parseArguments(["help"]), undefined);
});

test("the node name's host and the port come from -n, the flag or the environment", () => {
  assert.deepEqual(nodeAddress("warren@localhost", undefined, {}), { host: "127.0.0.1", port: 25672 });
  assert.deepEqual(nodeAddress("warren@127.0.0.12", undefined, { WARREN_DIST_PORT: "25700" }), { host: "127.0.0.12", port: 25700 });
  assert.deepEqual(nodeAddress("warren@localhost", undefined, { RABBITMQ_NODE_PORT: "5700" }), { host: "127.0.0.1", port: 25700 });
  assert.deepEqual(nodeAddress("warren@localhost", "26000", { WARREN_DIST_PORT: "25700" }), { host: "127.0.0.1", port: 26000 });
});

test("table output is rabbitmqctl's: a header, tab-separated rows, lists in brackets; json one object per line", () => {
  const rows = [{ user: "guest", tags: ["administrator"] }, { user: "alice", tags: ["management", "policymaker"] }];
  assert.equal(formatRows(rows, ["user", "tags"], "table", true), "user\ttags\nguest\t[administrator]\nalice\t[management, policymaker]");
  assert.equal(formatRows(rows, ["user", "tags"], "json", true), '[\n{"user":"guest","tags":["administrator"]}\n,{"user":"alice","tags":["management","policymaker"]}\n]');
  assert.equal(formatRows([], ["user"], "json", true), "[]");
  assert.match(formatRows(rows, ["user"], "pretty_table", true), /^\+-------\+\n\| user  \|/);
});

test("in-process: list columns are checked, a stopped app still answers, reset needs stop_app", async () => {
  const node = await startNode({ cookie: "unit-cookie" });
  const lines: string[] = [];
  const output = { out: (text: string) => lines.push(text), error: (text: string) => lines.push(`E:${text}`) };
  const environment = { WARREN_COOKIE: "unit-cookie", WARREN_DIST_PORT: String(node.controlPort) };
  const ctl = (...args: string[]) => runWarrenctl(["-n", "warren@localhost", ...args], output, environment);
  try {
    assert.equal(await ctl("list_queues", "name", "bogus"), 65);
    assert.match(lines.at(-1) ?? "", /Invalid info key\(s\): bogus/);
    assert.equal(await ctl("reset"), 65);
    assert.match(lines.at(-1) ?? "", /stop_app first/);
    assert.equal(await ctl("add_vhost", "v1"), 0);
    assert.equal(await ctl("stop_app"), 0);
    assert.equal(await ctl("reset"), 0);
    assert.equal(await ctl("start_app"), 0);
    lines.length = 0;
    assert.equal(await ctl("-q", "list_vhosts"), 0);
    assert.deepEqual(lines, ["name\n/"]);
    assert.equal(await ctl("set_vm_memory_high_watermark", "0.5"), 0);
    assert.equal(node.node.config.memoryHighWatermarkRelative, 0.5);
    assert.equal(await ctl("set_disk_free_limit", "2GB"), 0);
    assert.equal(node.node.config.diskFreeLimitBytes, 2_000_000_000);
  } finally {
    await node.stop();
  }
});
