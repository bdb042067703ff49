/**
 * Every method the control port offers: node lifecycle and status here, definitions and
 * runtime objects in rpc-definitions.ts and rpc-lists.ts.
 */
import { totalmem } from "node:os";
import type { WarrenNode } from "./node.js";
import type { MethodTable } from "./control-server.js";
import { definitionMethods, text } from "./rpc-definitions.js";
import { listMethods } from "./rpc-lists.js";
import { exportDefinitions, importDefinitions } from "../broker/definitions-json.js";
import { parseSizeBytes } from "../config/warren-conf.js";
import { WARREN_VERSION } from "../version.js";
import { diskFreeBytes } from "../broker/alarms.js";
import { pause } from "../io/time.js";

export function nodeMethods(node: WarrenNode, requestStop: () => void): MethodTable {
  return {
    ping: () => "pong",
    status: () => status(node),
    cluster_status: () => ({
      cluster_name: node.config.nodeName,
      disk_nodes: [node.config.nodeName],
      ram_nodes: [],
      running_nodes: node.isRunning ? [node.config.nodeName] : [],
      partitions: [],
      alarms: [],
    }),
    await_startup: async (params) => {
      const time = node.broker.io.time;
      const deadlineMs = time.nowMs() + Number(params.timeout_ms ?? 60_000);
      while (!node.isRunning) {
        if (time.nowMs() > deadlineMs) throw new Error("timed out waiting for the application to start");
        await pause(time, 100);
      }
    },
    stop_app: () => node.stopApp(),
    start_app: () => node.startApp(),
    reset: () => node.reset(),
    stop: () => {
      // Answer first, then stop: the caller should hear that the stop was accepted.
      setImmediate(requestStop);
    },
    environment: () => ({ ...node.config }),
    export_definitions: () => exportDefinitions(node.broker),
    import_definitions: (params) => {
      const result = importDefinitions(node.broker, params.definitions as Record<string, unknown>);
      if (result.errors.length > 0) throw new Error(`${result.errors.length} definition(s) failed to import:\n${result.errors.join("\n")}`);
      return { applied: result.applied };
    },
    set_vm_memory_high_watermark: (params) => {
      const value = text(params, "value");
      if (params.absolute === true) {
        const bytes = parseSizeBytes(value);
        if (bytes === undefined) throw new Error(`'${value}' is not a memory size (e.g. 2GB, 512MiB)`);
        node.config.memoryHighWatermarkAbsoluteBytes = bytes;
        node.broker.resources.checkNow();
        return;
      }
      const fraction = Number(value);
      if (!(fraction >= 0) || Number.isNaN(fraction)) throw new Error(`'${value}' is not a fraction such as 0.4`);
      node.config.memoryHighWatermarkRelative = fraction;
      node.config.memoryHighWatermarkAbsoluteBytes = undefined;
      node.broker.resources.checkNow();
    },
    set_disk_free_limit: (params) => {
      const value = text(params, "value");
      if (params.mem_relative === true) {
        const fraction = Number(value);
        if (!(fraction > 0)) throw new Error(`'${value}' is not a fraction such as 1.5`);
        node.config.diskFreeLimitRelative = fraction;
        node.config.diskFreeLimitBytes = Math.floor(totalmem() * fraction);
        node.broker.resources.checkNow();
        return;
      }
      const bytes = parseSizeBytes(value);
      if (bytes === undefined) throw new Error(`'${value}' is not a disk size (e.g. 50MB, 2GB)`);
      node.config.diskFreeLimitBytes = bytes;
      node.config.diskFreeLimitRelative = undefined;
      node.broker.resources.checkNow();
    },
    ...definitionMethods(node),
    ...listMethods(node),
  };
}

function status(node: WarrenNode): Record<string, unknown> {
  const memory = process.memoryUsage();
  return {
    node_name: node.config.nodeName,
    pid: process.pid,
    product_name: "Warren",
    product_version: WARREN_VERSION,
    runtime_version: `Node.js ${process.version}`,
    is_running: node.isRunning,
    uptime_seconds: Math.floor((node.broker.io.time.nowMs() - node.startedAtMs) / 1000),
    config_files: node.config.configFile === undefined ? [] : [node.config.configFile],
    data_directory: node.config.dataDir ?? "",
    log_directory: node.config.logDir ?? "",
    listeners: node.listeners(),
    alarms: [],
    memory: { total_bytes: memory.rss, limit_bytes: node.broker.resources.memoryLimitBytes, heap_used_bytes: memory.heapUsed },
    disk_free_bytes: diskFreeBytes(node.broker.io.fileSystem, node.config.dataDir ?? "/"),
    disk_free_limit_bytes: node.config.diskFreeLimitBytes,
    connections: node.broker.connections.size,
    vhosts: node.broker.vhosts.size,
  };
}
