/**
 * warrenctl verbs for the node (status, stop_app, ...), for runtime objects (list_queues,
 * purge_queue, close_connection, ...) and for definitions files (export, import).
 */
// node:fs directly: warrenctl is a client process of its own (definitions files it reads and writes), never part of a node.
import { readFileSync, writeFileSync } from "node:fs";
import type { CommandSpec } from "./spec.js";
import { UsageError } from "./spec.js";

const quoted = (text: string) => `"${text}"`;

const simple = (name: string, description: string, info: string, render?: (result: unknown) => string | undefined): CommandSpec => ({
  name, usage: name, description, minArgs: 0, maxArgs: 0, info: () => info, request: () => ({ method: name, params: {} }), render,
});

export const RUNTIME_COMMANDS: CommandSpec[] = [
  simple("status", "Shows the node's status", "Status of node ...", renderStatus),
  simple("cluster_status", "Shows the cluster's members (one node until clustering exists)", "Cluster status of node ...", (result) => renderRecord(result as Record<string, unknown>)),
  simple("ping", "Checks that the node is up and the cookie is right", "Will ping the node ...", () => "Ping succeeded"),
  simple("stop_app", "Stops the listeners and client connections; the node stays up", "Stopping the application on the node ..."),
  simple("start_app", "Starts the listeners again after stop_app", "Starting node ..."),
  simple("reset", "Forgets all definitions and messages (the application must be stopped)", "Resetting node ..."),
  simple("stop", "Stops the node", "Stopping and halting node ..."),
  {
    name: "await_startup", usage: "await_startup [--timeout <seconds>]", description: "Waits until the application is running", minArgs: 0, maxArgs: 0,
    request: ({ flags }) => ({ method: "await_startup", params: { timeout_ms: Number(flags.timeout ?? 300) * 1000 } }),
  },
  simple("environment", "Shows the node's effective configuration", "Application environment of node ...", (result) => renderRecord(result as Record<string, unknown>)),
  {
    name: "set_vm_memory_high_watermark", usage: "set_vm_memory_high_watermark <fraction> | absolute <memory_limit>", description: "Sets the memory alarm threshold", minArgs: 1, maxArgs: 2,
    info: ({ args }) => `Setting memory threshold to ${args.join(" ")} ...`,
    request: ({ args }) => (args[0] === "absolute" ? { method: "set_vm_memory_high_watermark", params: { absolute: true, value: required(args[1], "absolute <memory_limit>") } } : { method: "set_vm_memory_high_watermark", params: { value: args[0] } }),
  },
  {
    name: "set_disk_free_limit", usage: "set_disk_free_limit <disk_limit> | mem_relative <fraction>", description: "Sets the disk alarm threshold", minArgs: 1, maxArgs: 2,
    info: ({ args }) => `Setting disk free limit to ${args.join(" ")} ...`,
    request: ({ args }) => (args[0] === "mem_relative" ? { method: "set_disk_free_limit", params: { mem_relative: true, value: required(args[1], "mem_relative <fraction>") } } : { method: "set_disk_free_limit", params: { value: args[0] } }),
  },
  list("list_queues", "Lists queues and their properties", (vhost) => `Listing queues for vhost ${vhost} ...`,
    ["name", "vhost", "durable", "auto_delete", "exclusive", "arguments", "policy", "operator_policy", "effective_policy_definition", "messages", "messages_ready", "messages_unacknowledged", "consumers", "type", "state"], ["name", "messages"]),
  list("list_exchanges", "Lists exchanges", (vhost) => `Listing exchanges for vhost ${vhost} ...`, ["name", "vhost", "type", "durable", "auto_delete", "internal", "arguments", "policy"], ["name", "type"]),
  list("list_bindings", "Lists bindings", (vhost) => `Listing bindings for vhost ${vhost}...`,
    ["source_name", "source_kind", "destination_name", "destination_kind", "routing_key", "arguments", "vhost"], ["source_name", "source_kind", "destination_name", "destination_kind", "routing_key", "arguments"]),
  list("list_connections", "Lists AMQP connections", () => "Listing connections ...",
    ["name", "pid", "user", "vhost", "peer_host", "peer_port", "host", "port", "state", "channels", "protocol", "recv_oct", "send_oct", "connected_at", "timeout", "frame_max", "channel_max", "client_properties"], ["user", "peer_host", "peer_port", "state"]),
  list("list_channels", "Lists channels", () => "Listing channels ...",
    ["pid", "name", "connection", "number", "user", "vhost", "consumer_count", "messages_unacknowledged", "prefetch_count", "global_prefetch_count", "confirm", "transactional"], ["pid", "user", "consumer_count", "messages_unacknowledged"]),
  list("list_consumers", "Lists consumers", (vhost) => `Listing consumers in vhost ${vhost} ...`,
    ["queue_name", "channel_pid", "consumer_tag", "ack_required", "prefetch_count", "active", "activity_status", "exclusive", "arguments", "vhost"], ["queue_name", "channel_pid", "consumer_tag", "ack_required", "prefetch_count", "active", "arguments"]),
  {
    name: "purge_queue", usage: "purge_queue [-p <vhost>] <queue>", description: "Removes the ready messages of a queue", minArgs: 1, maxArgs: 1,
    info: ({ args, vhost }) => `Purging queue '${args[0]}' in vhost '${vhost}' ...`,
    request: ({ args, vhost }) => ({ method: "purge_queue", params: { vhost, name: args[0] } }),
  },
  {
    name: "delete_queue", usage: "delete_queue [-p <vhost>] <queue> [--if-empty] [--if-unused]", description: "Deletes a queue", minArgs: 1, maxArgs: 1, flags: { "if-empty": "boolean", "if-unused": "boolean" },
    info: ({ args, vhost }) => `Deleting queue '${args[0]}' on vhost '${vhost}' ...`,
    request: ({ args, flags, vhost }) => ({ method: "delete_queue", params: { vhost, name: args[0], if_empty: flags["if-empty"] === true, if_unused: flags["if-unused"] === true } }),
    render: (result) => `Queue was successfully deleted with ${(result as { deleted: number }).deleted} ready messages`,
  },
  {
    // The pid from `list_connections pid`, as rabbitmqctl takes it, or the connection's name.
    name: "close_connection", usage: "close_connection <connection pid | connection name> <explanation>", description: "Closes a client connection", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Closing connection ${args[0]}, reason: ${args[1]}...`,
    request: ({ args }) => ({ method: "close_connection", params: { name: args[0], reason: args[1] } }),
  },
  {
    name: "export_definitions", usage: "export_definitions <file path | \"-\">", description: "Writes the definitions as RabbitMQ's definitions JSON to a file (or stdout with -)", minArgs: 1, maxArgs: 1,
    info: ({ args }) => (args[0] === "-" ? "" : `Exporting definitions in JSON to a file at ${quoted(args[0])} ...`),
    request: () => ({ method: "export_definitions", params: {} }),
    after: (result, { args }) => {
      const json = JSON.stringify(result, null, 2);
      if (args[0] === "-") return json;
      writeFileSync(args[0], json + "\n");
      return undefined;
    },
  },
  {
    name: "import_definitions", usage: "import_definitions <file path | \"-\">", description: "Imports a definitions file exported from RabbitMQ 3.x or Warren", minArgs: 1, maxArgs: 1,
    info: ({ args }) => `Importing definitions in JSON from a file at ${quoted(args[0])} ...`,
    before: ({ args }) => {
      let text: string;
      try {
        text = readFileSync(args[0] === "-" ? 0 : args[0], "utf8");
      } catch (error) {
        throw new UsageError(`cannot read ${args[0]}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      try {
        return { definitions: JSON.parse(text) };
      } catch {
        throw new UsageError(`${args[0]} is not valid JSON`);
      }
    },
    request: () => ({ method: "import_definitions", params: {} }),
    render: () => "Successfully started definition import. This process is asynchronous and can take some time.",
  },
];

function list(name: string, description: string, info: (vhost: string) => string, all: string[], defaults: string[]): CommandSpec {
  return {
    name, usage: `${name} [-p <vhost>] [<column> ...]`, description, minArgs: 0, maxArgs: Infinity,
    info: ({ vhost }) => info(vhost), columns: { all, defaults },
    request: ({ vhost }) => ({ method: name, params: { vhost } }),
  };
}

function required(value: string | undefined, usage: string): string {
  if (value === undefined) throw new UsageError(`missing argument: ${usage}`);
  return value;
}

function renderRecord(record: Record<string, unknown>): string {
  return Object.entries(record).map(([key, value]) => `${key}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)}`).join("\n");
}

function renderStatus(result: unknown): string {
  const status = result as Record<string, unknown> & { listeners: { protocol: string; interface: string; port: number; purpose: string }[]; memory: Record<string, number> };
  const lines = [
    "Runtime", "", `OS PID: ${status.pid}`, `Node name: ${status.node_name}`, `Product name: ${status.product_name}`, `Product version: ${status.product_version}`,
    `Runtime version: ${status.runtime_version}`, `Uptime (seconds): ${status.uptime_seconds}`, `Is running: ${status.is_running}`, "",
    "Config files", "", ...(status.config_files as string[]).map((file) => ` * ${file}`), "",
    "Data directory", "", `Node data directory: ${status.data_directory}`, "",
    "Alarms", "", (status.alarms as unknown[]).length === 0 ? "(none)" : JSON.stringify(status.alarms), "",
    "Memory", "", `Total memory used: ${(status.memory.total_bytes / 1e9).toFixed(4)} gb`, `Calculation strategy: rss`, `Memory high watermark setting: ${(status.memory.limit_bytes / 1e9).toFixed(4)} gb`, "",
    "Free Disk Space", "", `Low free disk space watermark: ${(Number(status.disk_free_limit_bytes) / 1e9).toFixed(4)} gb`, `Free disk space: ${(Number(status.disk_free_bytes) / 1e9).toFixed(4)} gb`, "",
    "Listeners", "", ...status.listeners.map((listener) => `Interface: ${listener.interface}, port: ${listener.port}, protocol: ${listener.protocol}, purpose: ${listener.purpose}`),
  ];
  return lines.join("\n");
}
