/**
 * warrenctl end to end against a node started by `warren-server -detached`, both as real
 * processes: the cookie-authenticated control port, stop_app/start_app, users, policies,
 * a wrong cookie, a bad command, and `warrenctl stop`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";

const root = new URL("../..", import.meta.url).pathname;
const directory = mkdtempSync(join(tmpdir(), "warrenctl-"));
let environment: NodeJS.ProcessEnv;
let amqpPort: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function run(script: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(root, script), ...args], { env: { ...environment, ...extra }, cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

const warrenctl = (...args: string[]) => run("src/cli/warrenctl.ts", ["-n", "warren@localhost", ...args]);

before(async () => {
  amqpPort = await freePort();
  const configFile = join(directory, "warren.conf");
  writeFileSync(configFile, ["management.tcp.ip = 127.0.0.1", "prometheus.tcp.ip = 127.0.0.1", `management.tcp.port = ${await freePort()}`, `prometheus.tcp.port = ${await freePort()}`, "log.file.level = warning", ""].join("\n"));
  environment = {
    PATH: process.env.PATH, HOME: directory, WARREN_NODENAME: "warren@localhost", WARREN_NODE_IP_ADDRESS: "127.0.0.1", WARREN_NODE_PORT: String(amqpPort),
    WARREN_DIST_PORT: String(await freePort()), WARREN_MQTT_PORT: String(await freePort()), WARREN_DATA_DIR: join(directory, "data"), WARREN_CONFIG_FILE: configFile, WARREN_LOG_DIR: join(directory, "log"),
  };
  const started = await run("src/node/server-main.ts", ["-detached"]);
  assert.equal(started.code, 0, started.stderr);
});

after(async () => {
  const pidFile = join(directory, "data", "warren@localhost.pid");
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
});

test("the node created its cookie file with mode 0600 and answers ping and status", async () => {
  assert.equal(statSync(join(directory, "data", ".warren.cookie")).mode & 0o777, 0o600);
  const ping = await warrenctl("ping");
  assert.equal(ping.code, 0, ping.stderr);
  const status = await warrenctl("status", "--formatter", "json");
  assert.equal(JSON.parse(status.stdout).node_name, "warren@localhost");
});

test("add_user then authenticate_user; a wrong password exits non-zero", async () => {
  assert.equal((await warrenctl("add_user", "alice", "s3cret")).code, 0);
  const success = await warrenctl("authenticate_user", "alice", "s3cret");
  assert.deepEqual([success.code, success.stdout], [0, 'Authenticating user "alice" ...\nSuccess\n']);
  const failure = await warrenctl("authenticate_user", "alice", "wrong");
  assert.equal(failure.code, 65);
  assert.match(failure.stderr, /user 'alice' - invalid credentials/);
  assert.equal((await warrenctl("set_user_tags", "alice", "management", "policymaker")).code, 0);
  const users = await warrenctl("list_users", "-q");
  assert.match(users.stdout, /^user\ttags\n/);
  assert.match(users.stdout, /^alice\t\[management, policymaker\]$/m);
  assert.equal((await warrenctl("set_permissions", "-p", "/", "alice", ".*", ".*", ".*")).code, 0);
  assert.match((await warrenctl("list_permissions", "-p", "/")).stdout, /^alice\t\.\*\t\.\*\t\.\*$/m);
});

test("stop_app closes the listeners but keeps the node and its definitions; start_app brings them back", async () => {
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const before = await amqp.connect(url);
  before.on("error", () => undefined);
  await before.close();
  assert.equal((await warrenctl("stop_app")).code, 0);
  await assert.rejects(amqp.connect(url), /ECONNREFUSED/);
  const whileStopped = await warrenctl("list_users", "--formatter", "json");
  assert.equal(whileStopped.code, 0, whileStopped.stderr);
  assert.ok(JSON.parse(whileStopped.stdout).some((user: { user: string }) => user.user === "alice"));
  assert.equal((await warrenctl("start_app")).code, 0);
  assert.equal((await warrenctl("await_startup")).code, 0);
  const after = await amqp.connect(url);
  await after.close();
});

test("a policy set on an existing queue limits it at once (max-length drops from the head)", async () => {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}`);
  const channel = await connection.createChannel();
  await channel.assertQueue("limited.q");
  for (let index = 0; index < 5; index++) channel.sendToQueue("limited.q", Buffer.from(`before-${index}`));
  assert.equal((await channel.checkQueue("limited.q")).messageCount, 5);
  const set = await warrenctl("set_policy", "limit", "^limited\\.", '{"max-length":2}', "--priority", "1", "--apply-to", "queues");
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /Setting policy "limit" for pattern "\^limited\\." to "\{"max-length":2\}" with priority "1" for vhost "\/" \.\.\./);
  for (let index = 0; index < 5; index++) channel.sendToQueue("limited.q", Buffer.from(String(index)));
  await channel.assertQueue("limited.q");
  const queues = await warrenctl("list_queues", "name", "policy", "messages", "--formatter", "json");
  const row = JSON.parse(queues.stdout).find((queue: { name: string }) => queue.name === "limited.q");
  assert.equal(row.policy, "limit");
  // RabbitMQ applies a changed policy to existing queues at once; the oldest messages were dropped.
  assert.equal(row.messages, 2);
  const kept = [await channel.get("limited.q", { noAck: true }), await channel.get("limited.q", { noAck: true })];
  assert.deepEqual(kept.map((message) => message && message.content.toString()), ["3", "4"]);
  const invalid = await warrenctl("set_policy", "bad", ".*", '{"max-lenght":1}');
  assert.equal(invalid.code, 65);
  assert.match(invalid.stderr, /'max-lenght' is not a recognised policy setting/);
  await connection.close();
});

test("a wrong cookie is refused with a clear message on both sides", async () => {
  const refused = await warrenctl("ping", "--erlang-cookie", "not-the-cookie");
  assert.equal(refused.code, 77);
  assert.match(refused.stderr, /the cookie does not match the cookie of node warren@localhost/);
  const log = readFileSync(join(directory, "log", "warren@localhost.log"), "utf8");
  assert.match(log, /control connection from 127\.0\.0\.1:\d+ refused: the cookie does not match/);
});

test("a bad command or argument prints a usage line and exits 64", async () => {
  const unknown = await warrenctl("list_quues");
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /Command 'list_quues' not found/);
  const missing = await warrenctl("add_user", "onlyname");
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /not enough arguments\.\nUsage: warrenctl add_user <username> <password>/);
});

test("export_definitions then import_definitions round-trips", async () => {
  const file = join(directory, "definitions.json");
  assert.equal((await warrenctl("export_definitions", file)).code, 0);
  assert.ok(JSON.parse(readFileSync(file, "utf8")).users.some((user: { name: string }) => user.name === "alice"));
  assert.equal((await warrenctl("delete_user", "alice")).code, 0);
  assert.equal((await warrenctl("import_definitions", file)).code, 0);
  assert.equal((await warrenctl("authenticate_user", "alice", "s3cret")).code, 0);
});

test("warrenctl stop stops the node; then it is reported as down", async () => {
  assert.equal((await warrenctl("stop")).code, 0);
  const pidFile = join(directory, "data", "warren@localhost.pid");
  for (let attempt = 0; attempt < 50 && existsSync(pidFile); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(pidFile), false, "the pid file is removed when the node stops");
  const down = await warrenctl("ping");
  assert.equal(down.code, 69);
  assert.match(down.stderr, /unable to perform an operation on node 'warren@localhost'/);
  assert.doesNotMatch(down.stderr, /    at /, "no stack trace");
});
