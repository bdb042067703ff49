/**
 * The brokers a comparison runs against, each in its own process so its memory and CPU can be
 * read from /proc: Warren (node running src/cli/warren-server.ts), the private RabbitMQ
 * (rabbitmq.ts), and the sink (perf/sink.ts), which stands for "a broker that costs nothing" and
 * so gives the load generator's own ceiling.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AmqpConnection } from "./perf/client/connection.js";
import { isAlive } from "./procfs.js";
import { delay, freePorts, startRabbitMq } from "./rabbitmq.js";

export type TargetName = "warren" | "rabbitmq" | "sink";

export interface Target {
  name: TargetName;
  url: string;
  /** The process whose RSS and CPU are the broker's. */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), "..");
const WARREN_BOOT_TIMEOUT_MS = 30_000;

export function startTarget(name: TargetName): Promise<Target> {
  if (name === "rabbitmq") {
    return startRabbitMq().then((rabbit) => ({
      name, url: rabbit.url, pid: rabbit.pid, version: `RabbitMQ ${rabbit.version}, Erlang/OTP ${rabbit.erlangVersion}`, stop: rabbit.stop,
    }));
  }
  return name === "warren" ? startWarren() : startSink();
}

async function startWarren(): Promise<Target> {
  const [port] = await freePorts(1);
  const directory = mkdtempSync(join(tmpdir(), "warren-bench-warren-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WARREN_NODE_IP_ADDRESS: "127.0.0.1",
    WARREN_NODE_PORT: String(port),
    // Port 0: whatever else the node listens on goes to a free port, never a shared default.
    WARREN_DIST_PORT: "0",
    WARREN_MANAGEMENT_PORT: "0",
    WARREN_PROMETHEUS_PORT: "0",
    WARREN_MQTT_PORT: "0",
    WARREN_DATA_DIR: join(directory, "data"),
    WARREN_LOG_DIR: join(directory, "log"),
    WARREN_NODENAME: `bench-${process.pid}@localhost`,
    WARREN_LOG_LEVEL: "warn",
  };
  const child = spawn(process.execPath, ["--import", "tsx", join(REPOSITORY, "src/cli/warren-server.ts")], {
    cwd: REPOSITORY, env, stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    rmSync(directory, { recursive: true, force: true });
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}/`;
  try {
    const version = await waitForAmqp(url, child, () => stderr, WARREN_BOOT_TIMEOUT_MS);
    return { name: "warren", url, pid: child.pid!, version: `Warren ${version}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startSink(): Promise<Target> {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPOSITORY, "benchmarks/perf/sink.ts")], {
    cwd: REPOSITORY, stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`the sink exited with ${code}`)));
  });
  return { name: "sink", url: `amqp://guest:guest@127.0.0.1:${port}/`, pid: child.pid!, version: "warren-perf sink", stop: () => stopProcess(child) };
}

async function waitForAmqp(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the broker exited with ${child.exitCode}: ${output().trim().split("\n").slice(-5).join(" | ")}`);
    try {
      const connection = await AmqpConnection.connect({ uri: url, connectionName: "warren-bench probe" });
      const version = String(connection.serverProperties.version ?? "unknown");
      await connection.close();
      return version;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no AMQP on ${url} after ${timeoutMs} ms: ${(error as Error).message}`);
      await delay(200);
    }
  }
}

/** SIGTERM the child we started, SIGKILL it after 10 s, and wait for it to be gone. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => { if (isAlive(child.pid!)) child.kill("SIGKILL"); }, 10_000);
  await exited;
  clearTimeout(timer);
}
