/**
 * What a node does with no settings, as real processes (warren-server, warrenctl) on loopback,
 * each compared with RabbitMQ 3.10.8's defaults:
 * - the node name is `warren@<short host name>` from the system (bash does not export
 *   $HOSTNAME, so it must not come from there), the same in the node, in warrenctl and in
 *   /api/nodes/<node> (RabbitMQ: rabbit@<short host name>);
 * - the node and warrenctl find one cookie with no flags: `$HOME/.warren.cookie`, created 0600
 *   (RabbitMQ: `$HOME/.erlang.cookie`), and a data directory that kept its cookie (the old
 *   layout) keeps it and shares it there;
 * - every listener binds "::" dual stack (RabbitMQ listens on [::]:5672; amqplib's test suite
 *   connects to amqp://[::1]); WARREN_NODE_IP_ADDRESS binds every listener to that one address.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { freePort } from "../helpers/node-process.js";
import { SUITE_TIMEOUT_MS, waitFor } from "../helpers/broker.js";

const root = new URL("../..", import.meta.url).pathname;
const shortHostName = hostname().split(".")[0];
const started: ChildProcess[] = [];
const directories: string[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

interface Ports { amqp: number; mqtt: number; management: number; metrics: number; control: number }

async function freePorts(): Promise<Ports> {
  return { amqp: await freePort(), mqtt: await freePort(), management: await freePort(), metrics: await freePort(), control: await freePort() };
}

/** Only what a user's shell would have: no HOSTNAME (bash does not export it), no node name. */
function environmentFor(home: string, ports: Ports, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // An empty warren.conf, so a file in /etc/warren cannot change the defaults under test.
  writeFileSync(join(home, "empty.conf"), "");
  return {
    PATH: process.env.PATH, HOME: home, WARREN_NODE_PORT: String(ports.amqp), WARREN_DIST_PORT: String(ports.control),
    WARREN_MQTT_PORT: String(ports.mqtt), WARREN_MANAGEMENT_PORT: String(ports.management), WARREN_PROMETHEUS_PORT: String(ports.metrics),
    WARREN_CONFIG_FILE: join(home, "empty.conf"), WARREN_LOG_LEVEL: "warn", ...extra,
  };
}

async function startServer(environment: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/warren-server.ts")], { env: environment, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`the node exited: ${output}`);
    return (await reachable("127.0.0.1", port)) ? true : undefined;
  }, 30_000, `node listening on ${port}: ${output}`);
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function warrenctl(environment: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(root, "src/cli/warrenctl.ts"), ...args], { env: environment, cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

describe("a node with no settings", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("name from the system's short host name, one cookie for node and warrenctl, every listener dual stack", async () => {
    const home = temporaryDirectory("warren-defaults-");
    const ports = await freePorts();
    const environment = environmentFor(home, ports);
    const child = await startServer(environment, ports.amqp);
    const nodeName = `warren@${shortHostName}`;

    // warrenctl with no -n and no cookie: the same name and the same cookie file.
    const status = await warrenctl({ PATH: process.env.PATH, HOME: home, WARREN_DIST_PORT: String(ports.control) }, "status", "--formatter", "json");
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).node_name, nodeName);
    assert.equal(statSync(join(home, ".warren.cookie")).mode & 0o777, 0o600);

    const authorization = "Basic " + Buffer.from("guest:guest").toString("base64");
    const byName = await fetch(`http://127.0.0.1:${ports.management}/api/nodes/${encodeURIComponent(nodeName)}`, { headers: { authorization } });
    assert.equal(byName.status, 200);
    assert.equal((await byName.json() as { name: string }).name, nodeName);

    // IPv6 and IPv4 loopback both reach every listener.
    for (const [name, port] of Object.entries(ports)) {
      assert.ok(await reachable("::1", port), `${name} on [::1]:${port}`);
      assert.ok(await reachable("127.0.0.1", port), `${name} on 127.0.0.1:${port}`);
    }
    const overIpv6 = await amqp.connect(`amqp://guest:guest@[::1]:${ports.amqp}`);
    const overIpv4 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${ports.amqp}`);
    // An IPv4 client is shown as IPv4, as RabbitMQ shows it, not as ::ffff:127.0.0.1.
    const connections = await waitFor(async () => {
      const listed = await (await fetch(`http://127.0.0.1:${ports.management}/api/connections`, { headers: { authorization } })).json() as { peer_host: string; name: string }[];
      return listed.length >= 2 ? listed : undefined;
    }, 10_000, "both connections listed");
    const peers = connections.map((connection) => connection.peer_host).sort();
    assert.deepEqual(peers, ["127.0.0.1", "::1"]);
    assert.ok(connections.some((connection) => /^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/.test(connection.name)), JSON.stringify(connections));
    await overIpv6.close();
    await overIpv4.close();
    await stopServer(child);
  });

  test("WARREN_NODE_IP_ADDRESS binds every listener to that one address", async () => {
    const home = temporaryDirectory("warren-one-address-");
    const ports = await freePorts();
    const child = await startServer(environmentFor(home, ports, { WARREN_NODE_IP_ADDRESS: "127.0.0.1" }), ports.amqp);
    await waitFor(async () => ((await reachable("127.0.0.1", ports.metrics)) ? true : undefined), 10_000, "metrics listening");
    for (const [name, port] of Object.entries(ports)) {
      assert.ok(await reachable("127.0.0.1", port), `${name} on 127.0.0.1:${port}`);
      assert.equal(await reachable("::1", port), false, `${name} must not listen on [::1]:${port}`);
    }
    await stopServer(child);
  });

  test("a data directory that kept its cookie keeps it, and warrenctl finds it without being told the directory", async () => {
    const home = temporaryDirectory("warren-legacy-");
    const dataDir = join(home, "data");
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, ".warren.cookie"), "LEGACYCOOKIEFROMBEFORE", { mode: 0o600 });
    const ports = await freePorts();
    const child = await startServer(environmentFor(home, ports, { WARREN_DATA_DIR: dataDir, WARREN_NODE_IP_ADDRESS: "127.0.0.1" }), ports.amqp);
    assert.equal(readFileSync(join(home, ".warren.cookie"), "utf8"), "LEGACYCOOKIEFROMBEFORE");
    assert.equal(statSync(join(home, ".warren.cookie")).mode & 0o777, 0o600);
    const ping = await warrenctl({ PATH: process.env.PATH, HOME: home, WARREN_DIST_PORT: String(ports.control) }, "ping");
    assert.equal(ping.code, 0, ping.stderr);
    await stopServer(child);
  });
});
