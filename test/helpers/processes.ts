/**
 * Running the real client programs the integration tests use (pika scripts, amqp-tools):
 * bounded in time, output captured, and a clear skip (or, in CI, a failure) when the Debian
 * package is missing. scripts/install-test-deps.sh installs them.
 */
import { execFile, spawnSync } from "node:child_process";

export interface ProcessResult { exitCode: number; stdout: string; stderr: string }

/** Runs a program to completion; it is killed after `timeoutMs`. Never rejects: look at exitCode. */
export function runProcess(file: string, args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 20_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1;
        resolve({ exitCode: code, stdout, stderr: error !== null && code === -1 ? `${stderr}\n${error.message}` : stderr });
      });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Debian's python3: a pyenv shim earlier in PATH would not see python3-pika. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/**
 * Returns a skip message when `check` fails outside CI; in CI (CI=true) a missing tool is a
 * failure, because .ci/run installs it.
 */
export function requireTool(description: string, check: () => boolean): string | undefined {
  if (check()) return undefined;
  const message = `${description} is not installed: run scripts/install-test-deps.sh`;
  if (process.env.CI === "true") throw new Error(message);
  return message;
}

export function commandWorks(file: string, args: string[]): boolean {
  const result = spawnSync(file, args, { stdio: "ignore", timeout: 10_000 });
  return result.status === 0;
}
