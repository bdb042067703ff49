/**
 * keepalived floating a virtual IP over two HAProxy hosts, with the real programs and the
 * files in deploy/ (addresses templated), on hosts made of network namespaces this test
 * creates (shared/reference/fault-injection.md: VRRP multicast works on a bridge here):
 *
 *   nodes  three Warren nodes on .11 .12 .13
 *   lb1    HAProxy + keepalived (MASTER, priority 150)
 *   lb2    HAProxy + keepalived (BACKUP, priority 100)
 *   client an application publishing with confirms through the virtual IP (.100)
 *
 * Killing HAProxy on lb1 must move the VIP to lb2 (track_script), and the client must
 * reconnect through the same address and go on. RabbitMQ 3.10 behind the same programs:
 * VIP moved in 2.0 s, clients reconnected in ~2.5 s (shared/reference/rabbitmq-cluster.md §9).
 * The measured gap is printed for docs/deploy.md, not asserted.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandWorks, requireTool } from "../helpers/processes.js";
import { Program, REPOSITORY, temporaryDirectory, templated, waitFor, type WarrenHost } from "./front-door.js";

const suffix = (process.pid % 10_000).toString();
const subnet = `10.214.${process.pid % 250}`;
const virtualAddress = `${subnet}.100`;
const namespaces = { bridge: `wkb${suffix}`, nodes: `wkn${suffix}`, lb1: `wk1${suffix}`, lb2: `wk2${suffix}`, client: `wkc${suffix}` };
const hostAddresses = { lb1: `${subnet}.2`, lb2: `${subnet}.3`, client: `${subnet}.50` };
const directory = temporaryDirectory("warren-keepalived-");
const programs: Program[] = [];

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  return requireTool("keepalived", () => commandWorks("keepalived", ["-v"])) ?? requireTool("haproxy", () => commandWorks("haproxy", ["-v"]));
}
const skip = unavailable();

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

/** A host: a namespace with one interface named eth0 on the test's bridge. */
function addHost(namespace: string, addresses: string[]): void {
  const bridgeSide = `v${namespace}`;
  ip("netns", "add", namespace);
  ip("link", "add", bridgeSide, "type", "veth", "peer", "name", `h${namespace}`);
  ip("link", "set", bridgeSide, "netns", namespaces.bridge);
  ip("-n", namespaces.bridge, "link", "set", bridgeSide, "master", "br0");
  ip("-n", namespaces.bridge, "link", "set", bridgeSide, "up");
  ip("link", "set", `h${namespace}`, "netns", namespace);
  ip("-n", namespace, "link", "set", `h${namespace}`, "name", "eth0");
  for (const address of addresses) ip("-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0");
  ip("-n", namespace, "link", "set", "eth0", "up");
  ip("-n", namespace, "link", "set", "lo", "up");
}

function createNetwork(): void {
  ip("netns", "add", namespaces.bridge);
  ip("-n", namespaces.bridge, "link", "add", "br0", "type", "bridge");
  ip("-n", namespaces.bridge, "link", "set", "br0", "up");
  addHost(namespaces.nodes, [`${subnet}.11`, `${subnet}.12`, `${subnet}.13`]);
  addHost(namespaces.lb1, [hostAddresses.lb1]);
  addHost(namespaces.lb2, [hostAddresses.lb2]);
  addHost(namespaces.client, [hostAddresses.client]);
}

function removeNetwork(): void {
  for (const namespace of Object.values(namespaces)) spawnSync("ip", ["netns", "delete", namespace]);
}

function startIn(namespace: string, name: string, command: string[], environment: Record<string, string> = {}): Program {
  const child = spawn("ip", ["netns", "exec", namespace, ...command], { env: { PATH: process.env.PATH ?? "", ...environment }, stdio: ["pipe", "pipe", "pipe"] });
  const program = new Program(name, child);
  programs.push(program);
  return program;
}

/** Whether the namespace answers a TCP connect on address:port, probed from inside `from`. */
function reachable(from: string, address: string, port: number): boolean {
  return spawnSync("ip", ["netns", "exec", from, "timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`], { stdio: "ignore" }).status === 0;
}

function holdsVirtualAddress(namespace: string): boolean {
  const output = spawnSync("ip", ["-n", namespace, "-o", "addr", "show", "dev", "eth0"], { encoding: "utf8" }).stdout;
  return output.includes(` ${virtualAddress}/`);
}

async function startWarrenNodes(): Promise<void> {
  for (const index of [1, 2, 3]) {
    const address = `${subnet}.${10 + index}`;
    const dataDir = join(directory.path, `node${index}`);
    const configFile = join(directory.path, `node${index}.conf`);
    writeFileSync(configFile, [`listeners.tcp.default = ${address}:5672`, `mqtt.listeners.tcp.default = ${address}:1883`, `management.tcp.ip = ${address}`, `prometheus.tcp.ip = ${address}`, ""].join("\n"));
    startIn(namespaces.nodes, `warren@node${index}`, [process.execPath, "--import", "tsx", join(REPOSITORY, "src/cli/warren-server.ts")], {
      HOME: dataDir, WARREN_NODENAME: `warren@node${index}`, WARREN_NODE_IP_ADDRESS: address, WARREN_CONFIG_FILE: configFile,
      WARREN_DATA_DIR: dataDir, WARREN_DEFAULT_USER: "admin", WARREN_DEFAULT_PASS: "front-door", WARREN_LOG_LEVEL: "warn",
    });
  }
  for (const index of [1, 2, 3]) await waitFor(`warren@node${index}`, () => reachable(namespaces.client, `${subnet}.${10 + index}`, 5672), 180_000, () => programs.map((p) => `${p.name}: ${p.output()}`).join("\n"));
}

function startLoadBalancer(namespace: string, keepalivedFile: string): { haproxy: Program; keepalived: Program } {
  const hosts = [1, 2, 3].map((index) => ({ name: `node${index}`, address: `${subnet}.${10 + index}` }) as WarrenHost);
  const haproxyFile = join(directory.path, `haproxy-${namespace}.cfg`);
  // HAProxy listens on every address of its host, the virtual one included once it arrives.
  writeFileSync(haproxyFile, templated("haproxy/haproxy.cfg", hosts, ""));
  const haproxy = startIn(namespace, `haproxy@${namespace}`, ["haproxy", "-db", "-f", haproxyFile]);
  const keepalivedConfig = join(directory.path, `keepalived-${namespace}.conf`);
  writeFileSync(keepalivedConfig, readFileSync(join(REPOSITORY, "deploy/keepalived", keepalivedFile), "utf8").replaceAll("10.0.0.100/24", `${virtualAddress}/24`));
  const pid = (name: string) => join(directory.path, `${namespace}-${name}.pid`);
  const keepalived = startIn(namespace, `keepalived@${namespace}`, ["keepalived", "-P", "-n", "-l", "-D", "-f", keepalivedConfig, "-p", pid("keepalived"), "-r", pid("vrrp"), "-c", pid("checkers")]);
  return { haproxy, keepalived };
}

function lines(program: Program): Array<Record<string, unknown>> {
  return program.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
}

before(() => {
  if (skip !== undefined) return;
  removeNetwork();
  createNetwork();
});

after(async () => {
  for (const program of programs.reverse()) await program.stop("SIGTERM", 5_000);
  removeNetwork();
  directory.remove();
});

test("killing HAProxy on the master moves the virtual IP; the client reconnects through it and goes on", { skip, timeout: 240_000 }, async () => {
  await startWarrenNodes();
  const lb1 = startLoadBalancer(namespaces.lb1, "keepalived-lb1.conf");
  const lb2 = startLoadBalancer(namespaces.lb2, "keepalived-lb2.conf");
  const describe = () => [lb1.keepalived, lb2.keepalived, lb1.haproxy, lb2.haproxy].map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join("\n");
  await waitFor("lb1 to hold the virtual IP", () => holdsVirtualAddress(namespaces.lb1), 30_000, describe);
  assert.equal(holdsVirtualAddress(namespaces.lb2), false, "only the master holds the virtual IP");
  await waitFor("AMQP through the virtual IP", () => reachable(namespaces.client, virtualAddress, 5672), 30_000, describe);

  const client = startIn(namespaces.client, "steady-publisher", [process.execPath, "--import", "tsx", join(REPOSITORY, "test/deploy/helpers/steady-publisher.ts"),
    `amqp://admin:front-door@${virtualAddress}:5672`, "through-the-vip", "120000"]);
  await waitFor("the client's first confirms", () => lines(client).filter((event) => event.event === "confirmed").length >= 20, 30_000, () => client.output());

  const killedAtMs = Date.now();
  lb1.haproxy.signal("SIGKILL");
  await waitFor("the virtual IP to move to lb2", () => holdsVirtualAddress(namespaces.lb2), 30_000, describe);
  const movedMs = Date.now() - killedAtMs;
  const confirmedBefore = Math.max(0, ...lines(client).filter((event) => event.event === "confirmed" && (event.atMs as number) < killedAtMs).map((event) => event.sequence as number));
  await waitFor("the client to confirm again through the virtual IP", () => lines(client).some((event) => event.event === "confirmed" && (event.atMs as number) > killedAtMs + 100 && (event.sequence as number) > confirmedBefore + 10), 60_000, () => client.output() + describe());
  const events = lines(client);
  const firstAfter = events.find((event) => event.event === "confirmed" && (event.sequence as number) > confirmedBefore + 1 && (event.atMs as number) > killedAtMs);
  assert.ok(events.some((event) => event.event === "lost" && (event.atMs as number) >= killedAtMs), "the client saw its connection go (it ran through lb1's HAProxy)");
  assert.ok(holdsVirtualAddress(namespaces.lb2));
  console.log(`# keepalived: VIP on lb2 ${movedMs} ms after HAProxy on lb1 was killed; the client confirmed again ${(firstAfter?.atMs as number) - killedAtMs} ms after the kill`);
  client.child.stdin?.end();
});
