/**
 * The process's file descriptors and sockets, as RabbitMQ reports them in `/api/nodes`
 * (fd_used, fd_total, sockets_used, sockets_total) and in Prometheus (rabbitmq_process_open_fds,
 * rabbitmq_process_max_fds, rabbitmq_process_open_tcp_sockets, rabbitmq_process_max_tcp_sockets).
 * Monitoring tools alert on these ratios (nagios-plugins-rabbitmq's check_rabbitmq_server).
 * On Linux they come from /proc/self; elsewhere the counts are unknown and reported as 0 used
 * out of the fallback total, so a ratio check stays quiet rather than wrong. This describes
 * the running process itself, not the broker's storage, so it reads /proc directly rather than
 * through io/'s FileSystem (which a simulated node fakes).
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Broker } from "../broker/broker.js";

/** The soft limit assumed when /proc/self/limits cannot be read (Linux's usual default). */
const FILE_DESCRIPTORS_TOTAL_FALLBACK = 1_024;
/**
 * RabbitMQ keeps a tenth of the descriptors for files (segments, logs) and lets client sockets
 * have the rest (rabbit_networking's sockets_limit is about 0.9 of the file limit).
 */
const SOCKETS_SHARE_OF_FILE_DESCRIPTORS = 0.9;

export interface ProcessResources {
  readonly fileDescriptorsUsed: number;
  readonly fileDescriptorsTotal: number;
  readonly socketsUsed: number;
  readonly socketsTotal: number;
}

export function processResources(broker: Broker): ProcessResources {
  let fileDescriptorsUsed = 0;
  try {
    // Listing the directory opens one descriptor of its own, which is not the broker's.
    fileDescriptorsUsed = Math.max(0, readdirSync("/proc/self/fd").length - 1);
  } catch {
    // Not Linux, or /proc is not mounted: unknown, reported as 0.
  }
  const fileDescriptorsTotal = openFilesSoftLimit() ?? FILE_DESCRIPTORS_TOTAL_FALLBACK;
  return {
    fileDescriptorsUsed,
    fileDescriptorsTotal,
    socketsUsed: broker.connections.size,
    socketsTotal: Math.floor(fileDescriptorsTotal * SOCKETS_SHARE_OF_FILE_DESCRIPTORS),
  };
}

/** The soft "Max open files" of /proc/self/limits, or undefined when it cannot be read or is unlimited. */
function openFilesSoftLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((candidate) => candidate.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    const limit = soft === undefined ? Number.NaN : Number(soft);
    return Number.isInteger(limit) && limit > 0 ? limit : undefined;
  } catch {
    return undefined;
  }
}
