/**
 * Logging through pino: structured, asynchronous, cheap when a level is off.
 * A node logs to stdout, or to `<logDir>/<node>.log` when a log directory is set.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(options: { level: string; logDir?: string; nodeName?: string }): Logger {
  if (options.level === "silent") return pino({ level: "silent" });
  // Synchronous writes: the log is never on the message path, and an asynchronous destination
  // loses its last lines (or throws) when the process exits right after writing them.
  let destination = pino.destination({ fd: 1, sync: true });
  if (options.logDir !== undefined) {
    mkdirSync(options.logDir, { recursive: true });
    destination = pino.destination({ dest: join(options.logDir, `${options.nodeName ?? "warren"}.log`), sync: true, mkdir: true });
  }
  return pino({ level: options.level, base: options.nodeName ? { node: options.nodeName } : undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
