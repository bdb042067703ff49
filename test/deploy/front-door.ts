/**
 * What the front-door tests share: Warren nodes as real processes, each on its own loopback
 * address with the standard ports (as DESIGN.md §1 lays several nodes on one machine), and
 * the real HAProxy and nginx run from the files in deploy/, with only the host names and
 * the listen address replaced by addresses. Every address is under one 127.R.S.0/24 picked
 * at random, so two runs on one machine do not collide. Only processes started here are
 * signalled, by their PID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { requireTool, commandWorks } from "../helpers/processes.js";

export const REPOSITORY = process.cwd();

export function pickSubnet(): string {
  const second = 100 + Math.floor(Math.random() * 150);
  const third = Math.floor(Math.random() * 256);
  return `127.${second}.${third}`;
}

export function frontDoorToolsMissing(): string | undefined {
  return requireTool("haproxy", () => commandWorks("haproxy", ["-v"]))
    ?? requireTool("nginx with libnginx-mod-stream", () => commandWorks("nginx", ["-v"]) && commandWorks("test", ["-f", "/usr/lib/nginx/modules/ngx_stream_module.so"]));
}

/** A child process with its output kept, ended by its PID. */
export class Program {
  private text = "";
  readonly exited: Promise<void>;
  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.on("data", (chunk: Buffer) => (this.text += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }
  output(): string {
    return this.text;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGCONT");
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string = () => ""): Promise<number> {
  const startedMs = Date.now();
  while (Date.now() - startedMs < timeoutMs) {
    if (await check()) return Date.now() - startedMs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
}

export function portOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); resolve(false); }, timeoutMs);
    socket.once("connect", () => { clearTimeout(timer); socket.destroy(); resolve(true); });
    socket.once("error", () => { clearTimeout(timer); resolve(false); });
  });
}

export interface WarrenHost {
  readonly name: string;
  readonly address: string;
  program: Program;
  start(): Promise<void>;
}

/** A Warren node named warren@nodeN listening on `address` with the standard ports. */
export function warrenHost(index: number, address: string, directory: string): WarrenHost {
  const name = `node${index}`;
  const dataDir = join(directory, name);
  const configFile = join(directory, `${name}.conf`);
  writeFileSync(configFile, [
    `listeners.tcp.default = ${address}:5672`,
    `mqtt.listeners.tcp.default = ${address}:1883`,
    `management.tcp.ip = ${address}`,
    "management.tcp.port = 15672",
    `prometheus.tcp.ip = ${address}`,
    "prometheus.tcp.port = 15692",
    // The nodes' heartbeat is short so that a client stuck on a frozen node notices quickly.
    "heartbeat = 5",
    "",
  ].join("\n"));
  const host: WarrenHost = {
    name,
    address,
    program: undefined as unknown as Program,
    async start() {
      const environment = {
        PATH: process.env.PATH ?? "",
        HOME: dataDir,
        WARREN_NODENAME: `warren@${name}`,
        WARREN_NODE_IP_ADDRESS: address,
        WARREN_DIST_PORT: "25672",
        WARREN_CONFIG_FILE: configFile,
        WARREN_DATA_DIR: dataDir,
        WARREN_LOG_LEVEL: "warn",
      };
      const child = spawn(process.execPath, ["--import", "tsx", join(REPOSITORY, "src/cli/warren-server.ts")], { env: environment, stdio: ["ignore", "pipe", "pipe"] });
      host.program = new Program(`warren@${name}`, child);
      await waitFor(`warren@${name} to listen on ${address}:5672`, async () => {
        if (!host.program.running) throw new Error(`warren@${name} exited:\n${host.program.output()}`);
        return await portOpen(address, 5672) && await portOpen(address, 1883);
      }, 180_000, () => host.program.output());
    },
  };
  return host;
}

/** deploy/FILE with node1..node3 replaced by the hosts' addresses and the listen address set. */
export function templated(file: string, hosts: readonly WarrenHost[], listenAddress: string): string {
  let text = readFileSync(join(REPOSITORY, "deploy", file), "utf8");
  for (const host of hosts) text = text.replaceAll(`${host.name}:`, `${host.address}:`);
  text = text.replace(/^(\s*)bind :/gm, `$1bind ${listenAddress}:`);
  text = text.replace(/^(\s*)listen (\d+)/gm, `$1listen ${listenAddress}:$2`);
  return text;
}

export async function startHaproxy(directory: string, hosts: readonly WarrenHost[], address: string): Promise<Program> {
  const configFile = join(directory, "haproxy.cfg");
  writeFileSync(configFile, templated("haproxy/haproxy.cfg", hosts, address));
  const check = spawnSync("haproxy", ["-c", "-f", configFile], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`haproxy -c failed:\n${check.stdout}${check.stderr}`);
  const program = new Program("haproxy", spawn("haproxy", ["-db", "-f", configFile], { stdio: ["ignore", "pipe", "pipe"] }));
  await waitFor("haproxy to listen", async () => {
    if (!program.running) throw new Error(`haproxy exited:\n${program.output()}`);
    return await portOpen(address, 5672) && await portOpen(address, 8404);
  }, 15_000, () => program.output());
  return program;
}

export async function startNginx(directory: string, hosts: readonly WarrenHost[], address: string): Promise<Program> {
  const configFile = join(directory, "nginx.conf");
  writeFileSync(configFile, templated("nginx/nginx.conf", hosts, address));
  const globals = `daemon off; pid ${join(directory, "nginx.pid")};`;
  const check = spawnSync("nginx", ["-t", "-p", directory, "-c", configFile, "-g", globals], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stdout}${check.stderr}`);
  const program = new Program("nginx", spawn("nginx", ["-p", directory, "-c", configFile, "-g", globals], { stdio: ["ignore", "pipe", "pipe"] }));
  await waitFor("nginx to listen", async () => {
    if (!program.running) throw new Error(`nginx exited:\n${program.output()}`);
    return await portOpen(address, 5672) && await portOpen(address, 1883);
  }, 15_000, () => program.output());
  return program;
}

/** HAProxy's view of one backend: server name -> status (UP, DOWN, ...), from the CSV stats page. */
export async function haproxyStatus(address: string, backend: string): Promise<Map<string, string>> {
  const response = await fetch(`http://${address}:8404/stats;csv`, { signal: AbortSignal.timeout(5_000) });
  const lines = (await response.text()).split("\n");
  const header = lines[0].replace(/^# /, "").split(",");
  const nameColumn = header.indexOf("svname");
  const statusColumn = header.indexOf("status");
  const result = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const fields = line.split(",");
    if (fields[0] === backend && fields[nameColumn] !== "BACKEND") result.set(fields[nameColumn], fields[statusColumn]);
  }
  return result;
}

/** Which node an AMQP connection landed on: the cluster_name its connection.start carried (the node's name). */
export function nodeOf(connection: amqp.ChannelModel): string {
  const properties = (connection.connection as unknown as { serverProperties: Record<string, unknown> }).serverProperties;
  return String(properties.cluster_name);
}

export async function openThrough(address: string, timeoutMs = 10_000): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(`amqp://guest:guest@${address}:5672`, { timeout: timeoutMs });
  connection.on("error", () => undefined);
  return connection;
}

/** Publishes `count` persistent messages with confirms to a fresh queue and reads them back; returns how many came back. */
export async function roundTrip(connection: amqp.ChannelModel, queue: string, count: number): Promise<number> {
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  for (let index = 0; index < count; index++) channel.sendToQueue(queue, Buffer.from(`message ${index}`), { persistent: true });
  await channel.waitForConfirms();
  let received = 0;
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    received++;
  }
  await channel.deleteQueue(queue);
  await channel.close();
  return received;
}

export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
