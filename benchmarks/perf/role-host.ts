/**
 * Runs roles where the generator's options put them: in this thread (inline), in a worker thread,
 * or in a child process. The same small message protocol drives the last two:
 *   parent → { type: "prepare", spec } → child answers { type: "ready" }
 *   parent → { type: "run", window }   → child answers { type: "result", result }
 *   parent → { type: "close" }         → child closes its connection and exits
 * Any failure comes back as { type: "error", message }.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { prepareConsumer } from "./consumer.js";
import { prepareProducer } from "./producer.js";
import type { PreparedRole, RoleResult, RoleSpec, RunWindow } from "./roles.js";

export type RoleMode = "inline" | "threads" | "processes";

export interface RoleHandle {
  run(window: RunWindow): Promise<RoleResult>;
  close(): Promise<void>;
}

type ParentMessage = { type: "prepare"; spec: RoleSpec } | { type: "run"; window: RunWindow } | { type: "close" };
type ChildMessage = { type: "ready" } | { type: "result"; result: RoleResult } | { type: "closed" } | { type: "error"; message: string };

export function prepareRole(spec: RoleSpec): Promise<PreparedRole> {
  return spec.kind === "producer" ? prepareProducer(spec) : prepareConsumer(spec);
}

/** Starts a role and resolves once its connection and channel are set up. */
export async function startRole(spec: RoleSpec, mode: RoleMode): Promise<RoleHandle> {
  if (mode === "inline") return prepareRole(spec);
  const self = new URL(import.meta.url);
  const child: Worker | ChildProcess = mode === "threads"
    // In Node 20 the `--import tsx` a worker inherits does not reach the worker's own modules, so
    // the entry is a one-line script that registers tsx's loader and then imports this file.
    ? new Worker(`import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
      `.then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`, { eval: true })
    // The child inherits `--import tsx` through execArgv.
    : fork(fileURLToPath(self), [], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const send = (message: ParentMessage): void => {
    if (child instanceof Worker) child.postMessage(message); else child.send(message);
  };
  const next = (): Promise<ChildMessage> => new Promise((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`${spec.kind} ${spec.index} exited with code ${code}`));
    child.once("exit", onExit);
    child.once("message", (message: ChildMessage) => {
      child.off("exit", onExit);
      if (message.type === "error") reject(new Error(`${spec.kind} ${spec.index}: ${message.message}`));
      else resolve(message);
    });
  });
  const ready = next();
  send({ type: "prepare", spec });
  await ready;
  return {
    async run(window) {
      const reply = next();
      send({ type: "run", window });
      const message = await reply;
      if (message.type !== "result") throw new Error(`expected a result, got ${message.type}`);
      return message.result;
    },
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      send({ type: "close" });
      await exited;
    },
  };
}

/** The child side: a worker thread has a parentPort, a forked process has process.send. */
function serveParent(): void {
  const post = (message: ChildMessage): void => {
    if (parentPort !== null) parentPort.postMessage(message); else process.send?.(message);
  };
  let role: PreparedRole | null = null;
  const handle = async (message: ParentMessage): Promise<void> => {
    try {
      if (message.type === "prepare") { role = await prepareRole(message.spec); post({ type: "ready" }); }
      else if (message.type === "run") {
        const cpuBefore = process.cpuUsage();
        const result = await role!.run(message.window);
        // A worker thread's CPU already shows in the parent's process.cpuUsage(); a child process's does not.
        if (parentPort === null) { const cpu = process.cpuUsage(cpuBefore); result.processCpuUs = cpu.user + cpu.system; }
        post({ type: "result", result });
      }
      else { await role?.close(); process.exit(0); }
    } catch (error) {
      post({ type: "error", message: (error as Error).message });
    }
  };
  if (parentPort !== null) parentPort.on("message", (message: ParentMessage) => void handle(message));
  else process.on("message", (message: ParentMessage) => void handle(message));
}

if (!isMainThread || process.send !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) serveParent();
