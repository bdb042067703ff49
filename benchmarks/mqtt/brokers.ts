/**
 * The three brokers the comparison runs, each started as its own process group on loopback
 * ports chosen free at start, and stopped by that process group's id:
 *   - Warren (benchmarks/mqtt/warren-server.ts),
 *   - mosquitto (Debian's `mosquitto`, with a minimal configuration),
 *   - RabbitMQ with its MQTT plugin (Debian's `rabbitmq-server`), with its own epmd on a
 *     private port, node name, data and log directories, so it touches nothing installed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface RunningBroker {
  readonly name: string;
  readonly mqttPort: number;
  stop(): Promise<void>;
}

export interface BrokerDefinition {
  readonly name: string;
  /** Why it cannot run here, or undefined. */
  unavailable(): string | undefined;
  start(): Promise<RunningBroker>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`broker exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts a command in its own process group, so stopping it ends the children it spawned too. */
function startGroup(command: string, args: string[], environment: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: environment });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  const pid = child.pid;
  const force = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 10_000);
  return exited.finally(() => clearTimeout(force));
}

const benchmarkDirectory = fileURLToPath(new URL(".", import.meta.url));

export const warren: BrokerDefinition = {
  name: "warren",
  unavailable: () => undefined,
  async start() {
    const mqttPort = await freePort();
    const child = startGroup(process.execPath, ["--import", "tsx", join(benchmarkDirectory, "warren-server.ts"), String(mqttPort)]);
    await waitForPort(mqttPort, 30_000, child);
    return { name: "warren", mqttPort, stop: () => stopGroup(child) };
  },
};

export const mosquitto: BrokerDefinition = {
  name: "mosquitto",
  unavailable: () => (existsSync("/usr/sbin/mosquitto") ? undefined : "apt-get install mosquitto"),
  async start() {
    const mqttPort = await freePort();
    const directory = mkdtempSync(join(tmpdir(), "bench-mosquitto-"));
    const configuration = join(directory, "mosquitto.conf");
    // max_queued_messages raised from 1000 so that mosquitto, like the others, delivers every QoS 1 message of the run.
    writeFileSync(configuration, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_queued_messages 1000000\n`);
    const child = startGroup("/usr/sbin/mosquitto", ["-c", configuration]);
    await waitForPort(mqttPort, 15_000, child);
    return {
      name: "mosquitto",
      mqttPort,
      stop: async () => {
        await stopGroup(child);
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

const RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

export const rabbitmq: BrokerDefinition = {
  name: "rabbitmq",
  unavailable: () => (existsSync(RABBITMQ_SERVER) ? undefined : "apt-get install rabbitmq-server"),
  async start() {
    const [mqttPort, amqpPort, distributionPort, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const directory = mkdtempSync(join(tmpdir(), "bench-rabbitmq-"));
    writeFileSync(join(directory, "rabbitmq.conf"), [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      "mqtt.allow_anonymous = true",
      "log.console = false",
      "",
    ].join("\n"));
    writeFileSync(join(directory, "enabled_plugins"), "[rabbitmq_mqtt].\n");
    writeFileSync(join(directory, ".erlang.cookie"), "warrenbenchmarkcookie", { mode: 0o600 });
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: directory,
      ERL_EPMD_ADDRESS: "127.0.0.1",
      ERL_EPMD_PORT: String(epmdPort),
      RABBITMQ_NODENAME: `warren-bench-${process.pid}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_DIST_PORT: String(distributionPort),
      RABBITMQ_CONFIG_FILE: join(directory, "rabbitmq.conf"),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(directory, "enabled_plugins"),
      RABBITMQ_MNESIA_BASE: join(directory, "mnesia"),
      RABBITMQ_LOG_BASE: join(directory, "log"),
      RABBITMQ_PID_FILE: join(directory, "rabbitmq.pid"),
    };
    // Our own epmd on a private port, started first so it belongs to a process group we stop.
    const epmd = startGroup("/usr/bin/epmd", ["-address", "127.0.0.1", "-port", String(epmdPort)], environment);
    await waitForPort(epmdPort, 10_000, epmd);
    const child = startGroup(RABBITMQ_SERVER, [], environment);
    try {
      await waitForPort(mqttPort, 90_000, child);
    } catch (error) {
      await stopGroup(child);
      await stopGroup(epmd);
      throw error;
    }
    return {
      name: "rabbitmq",
      mqttPort,
      stop: async () => {
        await stopGroup(child);
        await stopGroup(epmd);
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};
