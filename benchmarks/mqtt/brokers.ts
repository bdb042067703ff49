/**
 * The three brokers the comparison runs, on loopback ports chosen free at start (Warren and
 * mosquitto as their own process group, stopped by that group's id):
 *   - Warren (benchmarks/mqtt/warren-server.ts),
 *   - mosquitto (Debian's `mosquitto`, with a minimal configuration),
 *   - RabbitMQ with its MQTT plugin: the private node of benchmarks/rabbitmq.ts (own epmd,
 *     ports, node name, data and log directories), so it touches nothing installed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePorts, INSTALL_COMMAND, rabbitMqInstalled, startRabbitMq, waitForPort } from "../rabbitmq.js";

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

/** Waits for `port` to accept connections, failing early if `child` exits first. */
async function waitForChildPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`broker exited with code ${code}`))));
  exited.catch(() => undefined);
  await Promise.race([waitForPort(port, timeoutMs), exited]);
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
    const [mqttPort] = await freePorts(1);
    const child = startGroup(process.execPath, ["--import", "tsx", join(benchmarkDirectory, "warren-server.ts"), String(mqttPort)]);
    await waitForChildPort(mqttPort, 30_000, child);
    return { name: "warren", mqttPort, stop: () => stopGroup(child) };
  },
};

export const mosquitto: BrokerDefinition = {
  name: "mosquitto",
  unavailable: () => (existsSync("/usr/sbin/mosquitto") ? undefined : "apt-get install mosquitto"),
  async start() {
    const [mqttPort] = await freePorts(1);
    const directory = mkdtempSync(join(tmpdir(), "bench-mosquitto-"));
    const configuration = join(directory, "mosquitto.conf");
    // max_queued_messages raised from 1000 so that mosquitto, like the others, delivers every QoS 1 message of the run.
    writeFileSync(configuration, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_queued_messages 1000000\n`);
    const child = startGroup("/usr/sbin/mosquitto", ["-c", configuration]);
    await waitForChildPort(mqttPort, 15_000, child);
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

export const rabbitmq: BrokerDefinition = {
  name: "rabbitmq",
  unavailable: () => (rabbitMqInstalled() ? undefined : INSTALL_COMMAND),
  async start() {
    // The same private node as the AMQP comparison (own directories, ports and epmd), with the MQTT plugin on.
    const node = await startRabbitMq({ mqtt: true });
    return { name: "rabbitmq", mqttPort: node.mqttPort!, stop: () => node.stop() };
  },
};
