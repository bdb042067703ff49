/**
 * A private RabbitMQ node for the comparison: Debian's rabbitmq-server, run with its own temp
 * directories, its own ports on 127.0.0.1 and its own epmd, so it neither touches nor is touched
 * by any other RabbitMQ on the machine (a system service, another engineer's tests). It installs
 * nothing: when the package is missing, the error names the command that installs it.
 *
 * Process tree: rabbitmq-server (a shell script, our child) → beam.smp (the broker: its RSS and
 * CPU are RabbitMQ's) → erl_child_setup, inet_gethost. epmd is started by us, in the foreground,
 * on a private port (ERL_EPMD_PORT) and beam is told not to start one (-start_epmd false): the
 * shared epmd a default start would spawn, or reuse, would outlive us and belong to no one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AmqpConnection } from "./perf/client/connection.js";
import { childrenNamed, isAlive } from "./procfs.js";

const SERVER_SCRIPT = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const EPMD = "/usr/lib/erlang/bin/epmd";
export const INSTALL_COMMAND = "apt-get install -y rabbitmq-server";
const BOOT_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export interface RabbitMqOptions {
  /** Also enable the MQTT plugin, listening on a free loopback port, anonymous clients allowed. */
  mqtt?: boolean;
}

export interface RabbitMq {
  url: string;
  port: number;
  /** The MQTT listener's port when started with `mqtt: true`. */
  mqttPort?: number;
  /** beam.smp: the process whose memory and CPU are RabbitMQ's. */
  pid: number;
  version: string;
  erlangVersion: string;
  /** Where the node's data and logs live until stop() removes them. */
  directory: string;
  stop(): Promise<void>;
}

export function rabbitMqInstalled(): boolean {
  return existsSync(SERVER_SCRIPT) && existsSync(EPMD);
}

export async function startRabbitMq(options: RabbitMqOptions = {}): Promise<RabbitMq> {
  if (!rabbitMqInstalled()) throw new Error(`rabbitmq-server is not installed; install it with: ${INSTALL_COMMAND}`);
  const directory = mkdtempSync(join(tmpdir(), "warren-bench-rabbitmq-"));
  const [amqpPort, distPort, epmdPort, mqttPort] = await freePorts(4);
  const config = ["log.console = false", "log.file.level = warning"];
  if (options.mqtt) config.push(`mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`, "mqtt.allow_anonymous = true");
  writeFileSync(join(directory, "rabbitmq.conf"), config.join("\n") + "\n");
  // Management and every other plugin off, MQTT's on when asked for.
  writeFileSync(join(directory, "enabled_plugins"), options.mqtt ? "[rabbitmq_mqtt].\n" : "[].\n");
  writeFileSync(join(directory, "rabbitmq-env.conf"), ""); // ignore /etc/rabbitmq/rabbitmq-env.conf
  const outputFd = openSync(join(directory, "server-output.log"), "a");
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
    closeSync(outputFd);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    children.push(spawn(EPMD, ["-port", String(epmdPort), "-address", "127.0.0.1"], { stdio: ["ignore", outputFd, outputFd] }));
    await waitForPort(epmdPort, 10_000);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: directory, // .erlang.cookie goes here, not into root's home
      LANG: "C.UTF-8",
      RABBITMQ_NODENAME: `bench-${process.pid}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(directory, "mnesia"),
      RABBITMQ_LOG_BASE: join(directory, "log"),
      RABBITMQ_CONFIG_FILE: join(directory, "rabbitmq.conf"),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(directory, "advanced.config"),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(directory, "enabled_plugins"),
      RABBITMQ_CONF_ENV_FILE: join(directory, "rabbitmq-env.conf"),
      RABBITMQ_PID_FILE: join(directory, "rabbitmq.pid"),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-start_epmd false",
      ERL_EPMD_PORT: String(epmdPort),
      ERL_EPMD_ADDRESS: "127.0.0.1",
    };
    // detached: a Ctrl-C in the terminal reaches only us, and we stop the node in order.
    const server = spawn(SERVER_SCRIPT, [], { env, detached: true, stdio: ["ignore", outputFd, outputFd] });
    children.push(server);
    const version = await waitForAmqp(`amqp://guest:guest@127.0.0.1:${amqpPort}/`, server, directory);
    if (options.mqtt) await waitForPort(mqttPort, BOOT_TIMEOUT_MS);
    const beam = childrenNamed(server.pid!, "beam.smp")[0];
    if (beam === undefined) throw new Error("rabbitmq-server is up but its beam.smp process was not found");
    let stopping: Promise<void> | null = null;
    return {
      url: `amqp://guest:guest@127.0.0.1:${amqpPort}/`, port: amqpPort, mqttPort: options.mqtt ? mqttPort : undefined, pid: beam, version, erlangVersion: erlangVersion(), directory,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; for the script, also its beam.smp child. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const beams = childrenNamed(child.pid, "beam.smp");
  child.kill("SIGTERM"); // the script's trap stops beam cleanly and waits for it
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while ((isAlive(child.pid) || beams.some(isAlive)) && Date.now() < deadline) await delay(100);
  for (const pid of [...beams, child.pid]) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));
}

async function waitForAmqp(url: string, server: ChildProcess, directory: string): Promise<string> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`rabbitmq-server exited with ${server.exitCode}:\n${tail(directory)}`);
    try {
      const connection = await AmqpConnection.connect({ uri: url, connectionName: "warren-bench probe" });
      const version = String(connection.serverProperties.version ?? "unknown");
      await connection.close();
      return version;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ did not accept AMQP within ${BOOT_TIMEOUT_MS} ms (${(error as Error).message}):\n${tail(directory)}`);
      await delay(250);
    }
  }
}

function tail(directory: string): string {
  try { return readFileSync(join(directory, "server-output.log"), "utf8").split("\n").slice(-20).join("\n"); } catch { return ""; }
}

function erlangVersion(): string {
  try {
    const releases = "/usr/lib/erlang/releases";
    const release = readdirSync(releases).find((entry) => existsSync(join(releases, entry, "OTP_VERSION")));
    return release === undefined ? "unknown" : readFileSync(join(releases, release, "OTP_VERSION"), "utf8").trim();
  } catch { return "unknown"; }
}

/** Ports the kernel hands out for 127.0.0.1:0, released again; a tiny race we accept. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  })));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await delay(50);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `node --import tsx benchmarks/rabbitmq.ts` runs a private node until Ctrl-C, for trying things by hand. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rabbit = await startRabbitMq();
  console.log(`RabbitMQ ${rabbit.version} (Erlang/OTP ${rabbit.erlangVersion}) at ${rabbit.url}, beam.smp pid ${rabbit.pid}; Ctrl-C stops it`);
  const stop = (): void => void rabbit.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
