/**
 * What the log crash tests' parents and children share: the seeded random source, each record's
 * bytes, a child's line protocol, and running a child until a SIGKILL at a seeded moment.
 */
import { spawn } from "node:child_process";
import { writeSync } from "node:fs";
import { seededRandom } from "../helpers/random.js";
import { nodeFileSystem } from "../../src/io/file-system.js";
import { nodeFileRenamer } from "../../src/io/file-rename.js";

export { seededRandom };

/** The real files, as the composition root hands them to a log. */
export const realFiles = { fileSystem: nodeFileSystem, renamer: nodeFileRenamer };

/** The payload of record `index`: its index, then bytes derived from (seed, index) alone. About 2% are large. */
export function crashPayload(seed: number, index: number): Buffer {
  const random = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  const bytes = random() < 0.02 ? 20_000 + Math.floor(random() * 20_000) : 8 + Math.floor(random() * 600);
  const payload = Buffer.allocUnsafe(bytes);
  payload.writeUInt32LE(index, 0);
  for (let at = 4; at < bytes; at++) payload[at] = Math.floor(random() * 256);
  return payload;
}

// Synchronous writes to the pipe: a line printed is a line the parent gets, even if the child dies
// next. The pipe is non-blocking, so a full pipe answers EAGAIN: wait a little and retry.
const pause = new Int32Array(new SharedArrayBuffer(4));
export function writeLine(fd: number, line: string): void {
  let bytes = Buffer.from(`${line}\n`);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

export interface ChildReport {
  /** Every line the child printed on stdout, split into words, in order. */
  readonly lines: string[][];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `kill.fromReady` counts from the child's "ready" line; otherwise from the spawn, so the kill may land during recovery. */
export function runUntilKilled(script: string, args: string[], kill: { afterMs: number; fromReady: boolean }): Promise<ChildReport> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const killChild = (): void => void child.kill("SIGKILL");
  if (!kill.fromReady) setTimeout(killChild, kill.afterMs);
  const report: ChildReport = { lines: [], signal: null, stderr: "" };
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const words = line.split(" ");
      if (words[0] === "ready" && kill.fromReady) setTimeout(killChild, kill.afterMs);
      report.lines.push(words);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (report.stderr += chunk));
  // A child that never gets ready (it crashed on its own) is killed too, and the round fails.
  const watchdog = setTimeout(killChild, 30_000);
  return new Promise((resolve) =>
    child.on("close", (_code, signal) => {
      clearTimeout(watchdog);
      report.signal = signal;
      resolve(report);
    }),
  );
}

/** Rounds to run: a fixed number from the environment, else as many as fit in the budget, at least `minRounds`. */
export function roundsPlan(variable: string, budgetMs: number, minRounds: number): (round: number) => boolean {
  const fixed = process.env[variable] ? Number(process.env[variable]) : undefined;
  const started = Date.now();
  return (round) => (fixed !== undefined ? round < fixed : round < minRounds || Date.now() - started < budgetMs);
}
