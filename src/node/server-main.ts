/**
 * `warren-server [-detached]`: starts a node with warren.conf and the environment
 * (see src/config/warren-conf.ts). `-detached` starts it in the background like
 * `rabbitmq-server -detached`: the first process waits until the node is up (its pid file
 * written), then exits 0, or exits non-zero with the node's error. The node removes its pid
 * file when it stops; `warrenctl stop` stops it.
 */
import { spawn } from "node:child_process";
// node:fs and real time directly: this is the process's entry point (pid file, -detached start-up),
// running before a node and its io exist.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, environmentValue, type BrokerConfig } from "../config/config.js";
import { loadConfig } from "../config/warren-conf.js";
import { CookieError } from "./cookie.js";
import { startNode } from "./index.js";

/** How long `-detached` waits for the node to come up before giving up. */
const DETACHED_START_TIMEOUT_MS = 60_000;

export function pidFilePath(config: BrokerConfig, environment: NodeJS.ProcessEnv): string {
  const named = environmentValue(environment, "PID_FILE");
  if (named !== undefined && named !== "") return named;
  const directory = config.dataDir ?? join(environment.HOME ?? homedir(), ".warren");
  return join(directory, `${config.nodeName}.pid`);
}

export async function runServer(argv: string[], environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: BrokerConfig;
  try {
    config = loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`warren-server: ${error.message}\n`);
    process.exit(2);
  }
  const pidFile = pidFilePath(config, environment);
  if (argv.includes("-detached") || argv.includes("--detached")) return detach(argv, pidFile);
  const unknown = argv.filter((argument) => argument !== "-detached" && argument !== "--detached");
  if (unknown.length > 0) {
    process.stderr.write(`warren-server: unknown argument '${unknown[0]}'\nUsage: warren-server [-detached]\n`);
    process.exit(64);
  }
  let running;
  try {
    running = await startNode({ ...config, useEnvironment: true, onStopRequested: () => exit(0) });
  } catch (error) {
    const reason = error instanceof CookieError || error instanceof ConfigError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    process.stderr.write(`warren-server: cannot start node ${config.nodeName}: ${reason}\n`);
    process.exit(1);
  }
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${process.pid}\n`);
  const exit = (code: number) => {
    if (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(process.pid)) rmSync(pidFile, { force: true });
    running?.node.logger.flush?.();
    process.exit(code);
  };
  const stop = (signal: string) => {
    running?.node.logger.info(`${signal} received, stopping`);
    void running?.stop().then(() => exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** Starts this program again without -detached, in its own session, and waits for its pid file. */
async function detach(argv: string[], pidFile: string): Promise<void> {
  rmSync(pidFile, { force: true });
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv.filter((argument) => argument !== "-detached" && argument !== "--detached")], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString("utf8")));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  const deadlineMs = Date.now() + DETACHED_START_TIMEOUT_MS;
  while (Date.now() < deadlineMs) {
    const early = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]);
    if (early !== undefined) {
      process.stderr.write(errors === "" ? `warren-server: the node exited with code ${early}\n` : errors);
      process.exit(early === 0 ? 1 : early);
    }
    if (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(child.pid)) {
      child.stderr?.destroy();
      child.unref();
      process.stdout.write(`warren-server: node started in the background (pid ${child.pid}, pid file ${pidFile})\n`);
      process.exit(0);
    }
  }
  process.stderr.write(`warren-server: the node did not start within ${DETACHED_START_TIMEOUT_MS / 1000} s\n`);
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void runServer(process.argv.slice(2));
