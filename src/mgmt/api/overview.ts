/**
 * /api/overview, /api/nodes, /api/whoami, /api/extensions and /api/cluster-name: what
 * tools read first (rabbitmqadmin's `show overview`, monitoring plugins' node checks).
 */
import type { FastifyInstance } from "fastify";
import { cpus, freemem, totalmem } from "node:os";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, notFound, requireAdministrator, requireMonitor, visibleVhosts } from "../http.js";
import { brokerStats } from "../stats.js";
import { processResources } from "../process-resources.js";
import { diskFreeBytes } from "../../broker/alarms.js";
import { applyDefinitionCommand, operationsState } from "../../broker/definitions.js";
import { RABBITMQ_COMPATIBLE_VERSION } from "../../broker/definitions-json.js";
import { WARREN_VERSION } from "../../version.js";
import { isMonitor } from "../../auth/tags.js";

const EXCHANGE_TYPES = [
  ["direct", "AMQP direct exchange, as per the AMQP specification"],
  ["fanout", "AMQP fanout exchange, as per the AMQP specification"],
  ["headers", "AMQP headers exchange, as per the AMQP specification"],
  ["topic", "AMQP topic exchange, as per the AMQP specification"],
].map(([name, description]) => ({ name, description, enabled: true }));

/** RabbitMQ's default Erlang process limit (+P 1048576), reported as proc_total. */
const ERLANG_PROCESS_LIMIT_DEFAULT = 1_048_576;

export function clusterName(context: ManagementContext): string {
  const value = operationsState(context.broker).globalParameters.get("cluster_name");
  return typeof value === "string" ? value : context.nodeName;
}

export function memoryLimitBytes(context: ManagementContext): number {
  const config = context.broker.config;
  return config.memoryHighWatermarkAbsoluteBytes ?? Math.floor(totalmem() * config.memoryHighWatermarkRelative);
}

export function nodeJson(context: ManagementContext): Record<string, unknown> {
  const broker = context.broker;
  const alarms = context.alarms();
  const memory = process.memoryUsage();
  const resources = processResources(broker);
  return {
    name: context.nodeName,
    type: "disc",
    running: true,
    os_pid: String(process.pid),
    uptime: context.broker.io.time.nowMs() - context.startedAtMs,
    mem_used: memory.rss,
    mem_used_details: { rate: 0 },
    mem_limit: memoryLimitBytes(context),
    mem_alarm: alarms.memory,
    mem_calculation_strategy: "rss",
    disk_free: diskFreeBytes(broker.io.fileSystem, broker.config.dataDir ?? "/"),
    disk_free_details: { rate: 0 },
    disk_free_limit: broker.config.diskFreeLimitBytes,
    disk_free_alarm: alarms.disk,
    fd_used: resources.fileDescriptorsUsed,
    fd_used_details: { rate: 0 },
    fd_total: resources.fileDescriptorsTotal,
    sockets_used: resources.socketsUsed,
    sockets_used_details: { rate: 0 },
    sockets_total: resources.socketsTotal,
    // Erlang processes have no counterpart: one event loop, against RabbitMQ's default process limit.
    proc_used: 1,
    proc_used_details: { rate: 0 },
    proc_total: ERLANG_PROCESS_LIMIT_DEFAULT,
    processors: cpus().length,
    run_queue: 0,
    partitions: [],
    rates_mode: "basic",
    net_ticktime: 60,
    enabled_plugins: ["rabbitmq_management", "rabbitmq_prometheus"],
    exchange_types: EXCHANGE_TYPES,
    auth_mechanisms: [{ name: "PLAIN", description: "SASL PLAIN authentication mechanism", enabled: true }, { name: "AMQPLAIN", description: "QPid AMQPLAIN mechanism", enabled: true }],
    config_files: broker.config.configFile === undefined ? [] : [broker.config.configFile],
    db_dir: broker.config.dataDir ?? "",
    log_files: broker.config.logDir === undefined ? ["<stdout>"] : [`${broker.config.logDir}/${context.nodeName}.log`],
    cluster_links: [],
    os_free_memory: freemem(),
  };
}

/**
 * The node's own name, or `rabbit@` with its host: tools written for RabbitMQ address a node as
 * `rabbit@HOST` (nagios-plugins-rabbitmq's check_rabbitmq_server builds `nodes/rabbit@HOST`).
 */
function namesThisNode(context: ManagementContext, name: string): boolean {
  const host = context.nodeName.slice(context.nodeName.indexOf("@") + 1);
  return name === context.nodeName || name === `rabbit@${host}`;
}

export function registerOverview(app: FastifyInstance, context: ManagementContext): void {
  app.get("/api/overview", async (request) => {
    const broker = context.broker;
    const vhosts = visibleVhosts(request, broker);
    let ready = 0;
    let unacked = 0;
    let queues = 0;
    let exchanges = 0;
    for (const vhost of vhosts) {
      exchanges += vhost.exchanges.size;
      for (const queue of vhost.queues.values()) {
        queues++;
        ready += queue.readyCount;
        unacked += queue.unackedCount;
      }
    }
    const names = new Set(vhosts.map((vhost) => vhost.name));
    const connections = [...broker.connections].map((connection) => connection.info()).filter((info) => info.vhost === undefined || names.has(info.vhost));
    const channels = connections.reduce((sum, info) => sum + info.channels.length, 0);
    const consumers = connections.reduce((sum, info) => sum + info.channels.reduce((inner, channel) => inner + channel.consumerCount, 0), 0);
    const overview: Record<string, unknown> = {
      management_version: RABBITMQ_COMPATIBLE_VERSION,
      rates_mode: "basic",
      exchange_types: EXCHANGE_TYPES,
      product_version: WARREN_VERSION,
      product_name: "Warren",
      rabbitmq_version: RABBITMQ_COMPATIBLE_VERSION,
      cluster_name: clusterName(context),
      erlang_version: `Node.js ${process.versions.node}`,
      erlang_full_version: `Node.js ${process.version}`,
      disable_stats: false,
      enable_queue_totals: true,
      message_stats: brokerStats(broker).global.messageStats(context.broker.io.time.nowMs()),
      queue_totals: {
        messages: ready + unacked, messages_details: { rate: 0 },
        messages_ready: ready, messages_ready_details: { rate: 0 },
        messages_unacknowledged: unacked, messages_unacknowledged_details: { rate: 0 },
      },
      object_totals: { channels, connections: connections.length, consumers, exchanges, queues },
      statistics_db_event_queue: 0,
      node: context.nodeName,
      listeners: context.listeners().map((listener) => ({ node: context.nodeName, protocol: listener.protocol, ip_address: listener.interface, port: listener.port, socket_opts: {} })),
      contexts: [{ ssl_opts: [], node: context.nodeName, description: "RabbitMQ Management", path: "/", port: String(context.listeners().find((listener) => listener.protocol === "http")?.port ?? "") }],
    };
    if (!isMonitor(request.user)) {
      delete overview.listeners;
      delete overview.contexts;
    }
    return overview;
  });

  app.get("/api/nodes", async (request) => {
    requireMonitor(request);
    return [nodeJson(context)];
  });

  app.get<{ Params: Params }>("/api/nodes/:name", async (request) => {
    requireMonitor(request);
    if (!namesThisNode(context, request.params.name)) throw notFound();
    return nodeJson(context);
  });

  app.get("/api/whoami", async (request) => ({ name: request.user.name, tags: request.user.tags }));
  app.get("/api/extensions", async () => []);
  // Public, as in RabbitMQ: the UI asks how to sign in before it has credentials.
  app.get("/api/auth", { config: { public: true } }, async () => ({ oauth_enabled: false }));
  app.get("/api/cluster-name", async () => ({ name: clusterName(context) }));
  app.put("/api/cluster-name", async (request, reply) => {
    requireAdministrator(request);
    const name = bodyOf(request).name;
    if (typeof name !== "string" || name === "") throw badRequest("name is required");
    applyDefinitionCommand(context.broker, { type: "global_parameter.set", name: "cluster_name", value: name });
    return reply.code(204).send();
  });
}
