/**
 * A Warren node as a real child process (`warren-server`), for tests that kill it with
 * SIGKILL and restart it on the same data directory. Only this test's own processes are
 * ever signalled, by their PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { join } from "node:path";

export interface NodeProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the node wrote to stdout and stderr. */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

export async function startNodeProcess(options: { dataDir: string; port: number; environment?: Record<string, string> }): Promise<NodeProcess> {
  const environment = {
    PATH: process.env.PATH ?? "",
    HOME: options.dataDir,
    WARREN_NODENAME: `warren-test-${options.port}@localhost`,
    WARREN_NODE_IP_ADDRESS: "127.0.0.1",
    WARREN_NODE_PORT: String(options.port),
    WARREN_DIST_PORT: String(await freePort()),
    WARREN_MANAGEMENT_PORT: String(await freePort()),
    WARREN_PROMETHEUS_PORT: String(await freePort()),
    WARREN_MQTT_PORT: String(await freePort()),
    WARREN_DATA_DIR: options.dataDir,
    WARREN_LOG_LEVEL: "info",
    ...options.environment,
  };
  const child = spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "src/cli/warren-server.ts")], { env: environment, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitForPort(options.port, 30_000, () => child.exitCode !== null, () => output);
  return {
    port: options.port,
    url: `amqp://guest:guest@127.0.0.1:${options.port}`,
    child,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`the node exited before listening:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the node did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
}
