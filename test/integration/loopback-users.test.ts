/**
 * RabbitMQ's loopback_users: the default user `guest` may log in only from a loopback address.
 * Every address on this machine that a test may use is loopback, so the test builds its own
 * network: two network namespaces joined by a veth pair (10.213.x.0/24, addresses that exist only
 * inside them), the node in one and the client in the other. Needs root and iproute2 (CI has
 * both); elsewhere it is skipped with the reason. Checked against RabbitMQ's documented rule
 * ("guest can only connect via localhost").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const suffix = (process.pid % 10_000).toString();
const server = `wrs${suffix}`;
const client = `wrc${suffix}`;
const subnet = `10.213.${process.pid % 250}`;
const serverAddress = `${subnet}.1`;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  if (spawnSync("ip", ["-V"]).status !== 0) return "needs iproute2 (ip)";
  return undefined;
}

function createNetwork(): void {
  ip("netns", "add", server);
  ip("netns", "add", client);
  ip("link", "add", `v${server}`, "type", "veth", "peer", "name", `v${client}`);
  ip("link", "set", `v${server}`, "netns", server);
  ip("link", "set", `v${client}`, "netns", client);
  ip("-n", server, "addr", "add", `${serverAddress}/24`, "dev", `v${server}`);
  ip("-n", client, "addr", "add", `${subnet}.2/24`, "dev", `v${client}`);
  for (const [namespace, device] of [[server, `v${server}`], [client, `v${client}`]]) {
    ip("-n", namespace, "link", "set", device, "up");
    ip("-n", namespace, "link", "set", "lo", "up");
  }
}

function removeNetwork(): void {
  for (const namespace of [server, client]) spawnSync("ip", ["netns", "delete", namespace]);
}

async function startNodeIn(configText: string): Promise<ChildProcess> {
  const directory = mkdtempSync(join(tmpdir(), "warren-loopback-"));
  const configFile = join(directory, "warren.conf");
  writeFileSync(configFile, configText);
  const child = spawn("ip", ["netns", "exec", server, process.execPath, "--import", "tsx", join(process.cwd(), "src/cli/warren-server.ts")], {
    env: {
      PATH: process.env.PATH ?? "", HOME: directory, WARREN_NODE_IP_ADDRESS: serverAddress, WARREN_NODE_PORT: "5672", WARREN_CONFIG_FILE: configFile,
      WARREN_MQTT_PORT: "1883", WARREN_DATA_DIR: join(directory, "data"), WARREN_LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  // Ready when a client in the other namespace can connect (or is refused: either way it listens).
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = spawnSync("ip", ["netns", "exec", client, "bash", "-c", `exec 3<>/dev/tcp/${serverAddress}/5672`], { stdio: "ignore" });
    if (probe.status === 0) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new Error("the node in the namespace did not listen");
}

function connectFromClientNamespace(url: string): { connected: boolean; error?: string } {
  const output = execFileSync("ip", ["netns", "exec", client, process.execPath, "--import", "tsx", join(process.cwd(), "test/integration/helpers/connect-once.ts"), url], { encoding: "utf8", timeout: 30_000 });
  return JSON.parse(output.trim().split("\n").pop() as string) as { connected: boolean; error?: string };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

test("guest is refused from a non-loopback address, and allowed with loopback_users = none", { timeout: 120_000, skip: unavailable() }, async () => {
  removeNetwork();
  createNetwork();
  try {
    let node = await startNodeIn("");
    const refused = connectFromClientNamespace(`amqp://guest:guest@${serverAddress}:5672`);
    await stop(node);
    assert.equal(refused.connected, false, "guest must not log in from another host");
    assert.match(refused.error ?? "", /403|ACCESS.REFUSED/, `refused with 403 ACCESS_REFUSED, got: ${refused.error}`);

    node = await startNodeIn("loopback_users = none\n");
    const allowed = connectFromClientNamespace(`amqp://guest:guest@${serverAddress}:5672`);
    await stop(node);
    assert.deepEqual(allowed, { connected: true }, "with loopback_users = none, guest logs in from anywhere (RabbitMQ's setting)");
  } finally {
    removeNetwork();
  }
});
