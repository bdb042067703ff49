/**
 * The real `rabbitmqadmin` from Debian's rabbitmq-server package against Warren's
 * management API: list, declare, delete, publish, get, export and import. Skipped when the
 * tool is not installed (CI installs the package; RabbitMQ itself is never started).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startNode, type RunningNode } from "../../src/node/index.js";

const RABBITMQADMIN = "/usr/bin/rabbitmqadmin";
const skip = existsSync(RABBITMQADMIN) ? false : "rabbitmqadmin is not installed (apt-get install rabbitmq-server)";
const run = promisify(execFile);

let node: RunningNode;
before(async () => {
  node = await startNode({ enableControl: false });
});
after(() => node?.stop());

async function admin(...args: string[]): Promise<string> {
  const { stdout } = await run(RABBITMQADMIN, ["-H", "127.0.0.1", "-P", String(node.managementPort), "-u", "guest", "-p", "guest", ...args]);
  return stdout;
}

test("declare, list, publish, get and delete", { skip }, async () => {
  assert.match(await admin("declare", "queue", "name=admin.q", "durable=true"), /queue declared/);
  assert.match(await admin("declare", "exchange", "name=admin.x", "type=direct"), /exchange declared/);
  assert.match(await admin("declare", "binding", "source=admin.x", "destination=admin.q", "routing_key=k"), /binding declared/);
  assert.match(await admin("publish", "exchange=admin.x", "routing_key=k", "payload=from rabbitmqadmin"), /Message published/);
  assert.match(await admin("publish", "exchange=admin.x", "routing_key=nowhere", "payload=lost"), /NOT routed/);
  const listed = await admin("-f", "tsv", "list", "queues", "name", "messages");
  assert.match(listed, /^admin\.q\t1$/m);
  const got = await admin("-f", "raw_json", "get", "queue=admin.q", "ackmode=ack_requeue_false");
  assert.equal(JSON.parse(got)[0].payload, "from rabbitmqadmin");
  assert.match(await admin("-f", "tsv", "list", "bindings", "source", "destination", "routing_key"), /^admin\.x\tadmin\.q\tk$/m);
  assert.match(await admin("delete", "binding", "source=admin.x", "destination_type=queue", "destination=admin.q", "properties_key=k"), /binding deleted/);
  assert.match(await admin("show", "overview"), /rabbitmq_version/);
  assert.match(await admin("declare", "user", "name=admin-user", "password=pw", "tags=monitoring"), /user declared/);
  assert.match(await admin("declare", "permission", "vhost=/", "user=admin-user", "configure=.*", "write=.*", "read=.*"), /permission declared/);
  assert.match(await admin("declare", "policy", "name=admin-policy", "pattern=^admin\\.", 'definition={"max-length":3}', "apply-to=queues"), /policy declared/);
  assert.match(await admin("-f", "tsv", "list", "queues", "name", "policy"), /^admin\.q\tadmin-policy$/m);
  assert.match(await admin("purge", "queue", "name=admin.q"), /queue purged/);
  assert.match(await admin("delete", "queue", "name=admin.q"), /queue deleted/);
  assert.match(await admin("delete", "exchange", "name=admin.x"), /exchange deleted/);
  await assert.rejects(admin("delete", "queue", "name=admin.q"), /Not found/);
});

test("export then import definitions", { skip }, async () => {
  const directory = mkdtempSync(join(tmpdir(), "warren-admin-"));
  const file = join(directory, "definitions.json");
  await admin("declare", "vhost", "name=exported");
  await admin("-V", "exported", "declare", "queue", "name=kept");
  assert.match(await admin("export", file), /Exported definitions/);
  const exported = JSON.parse(readFileSync(file, "utf8"));
  assert.ok(exported.queues.some((queue: { name: string; vhost: string }) => queue.name === "kept" && queue.vhost === "exported"));
  await admin("delete", "vhost", "name=exported");
  assert.match(await admin("import", file), /Uploaded definitions/);
  assert.match(await admin("-V", "exported", "-f", "tsv", "list", "queues", "name"), /^kept$/m);
  // A file exported by a real RabbitMQ 3.10, without its quorum queue (not built yet).
  const fixture = new URL("../fixtures/ops/rabbitmq-3.10-definitions.json", import.meta.url).pathname;
  const real = JSON.parse(readFileSync(fixture, "utf8"));
  real.queues = real.queues.filter((queue: { name: string }) => queue.name !== "orders.quorum");
  const trimmed = join(directory, "real.json");
  (await import("node:fs")).writeFileSync(trimmed, JSON.stringify(real));
  assert.match(await admin("import", trimmed), /Uploaded definitions/);
  assert.match(await admin("-V", "orders", "-f", "tsv", "list", "exchanges", "name", "type"), /^orders\.in\ttopic$/m);
});
