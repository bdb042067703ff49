/**
 * Prometheus metrics on port 15692, with RabbitMQ's metric names where the meaning is the
 * same. Everything is computed when scraped, by walking the broker's objects and reading
 * the counters the message path increments; nothing is kept for the scraper between scrapes.
 * `/metrics` aggregates over all objects (RabbitMQ's default); `/metrics/per-object` labels
 * each queue with its vhost and name.
 */
import { fastify } from "fastify";
import type { ManagementContext } from "./http.js";
import { listenHttp, type RunningHttpServer } from "./server.js";
import { brokerStats, type CounterName } from "./stats.js";
import { memoryLimitBytes, clusterName } from "./api/overview.js";
import { diskFreeBytes } from "../broker/alarms.js";
import { RABBITMQ_COMPATIBLE_VERSION } from "../broker/definitions-json.js";
import { WARREN_VERSION } from "../version.js";
import { processResources } from "./process-resources.js";

type Labels = Record<string, string>;

class Exposition {
  private readonly lines: string[] = [];

  metric(name: string, type: "gauge" | "counter" | "untyped", help: string, samples: [Labels, number][]): void {
    this.lines.push(`# TYPE ${name} ${type}`, `# HELP ${name} ${help}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : "NaN";
}

const GLOBAL_COUNTERS: [string, string, CounterName[]][] = [
  ["rabbitmq_global_messages_received_total", "Messages received from publishers", ["publish"]],
  ["rabbitmq_global_messages_confirmed_total", "Messages confirmed to publishers", ["confirm"]],
  ["rabbitmq_global_messages_delivered_total", "Messages delivered to consumers and through basic.get", ["deliver", "deliver_no_ack", "get", "get_no_ack"]],
  ["rabbitmq_global_messages_delivered_consume_manual_ack_total", "Messages delivered to consumers that acknowledge", ["deliver"]],
  ["rabbitmq_global_messages_delivered_consume_auto_ack_total", "Messages delivered to consumers without acknowledgements", ["deliver_no_ack"]],
  ["rabbitmq_global_messages_delivered_get_manual_ack_total", "Messages fetched with basic.get to be acknowledged", ["get"]],
  ["rabbitmq_global_messages_delivered_get_auto_ack_total", "Messages fetched with basic.get without acknowledgement", ["get_no_ack"]],
  ["rabbitmq_global_messages_get_empty_total", "basic.get calls that found the queue empty", ["get_empty"]],
  ["rabbitmq_global_messages_redelivered_total", "Messages delivered again after a requeue", ["redeliver"]],
  ["rabbitmq_global_messages_acknowledged_total", "Messages acknowledged by consumers", ["ack"]],
  ["rabbitmq_global_messages_unroutable_dropped_total", "Unroutable messages dropped", ["drop_unroutable"]],
  ["rabbitmq_global_messages_unroutable_returned_total", "Unroutable mandatory messages returned to publishers", ["return_unroutable"]],
];

export function renderMetrics(context: ManagementContext, perObject: boolean): string {
  const broker = context.broker;
  const out = new Exposition();
  out.metric("rabbitmq_build_info", "untyped", "Version information of the broker (Warren, speaking RabbitMQ's protocols)", [
    [{ rabbitmq_version: RABBITMQ_COMPATIBLE_VERSION, product_name: "Warren", product_version: WARREN_VERSION, erlang_version: `node-${process.versions.node}` }, 1],
  ]);
  out.metric("rabbitmq_identity_info", "untyped", "Node and cluster identity", [[{ rabbitmq_node: context.nodeName, rabbitmq_cluster: clusterName(context) }, 1]]);

  const connections = [...broker.connections].map((connection) => connection.info());
  const channels = connections.flatMap((info) => info.channels);
  out.metric("rabbitmq_connections", "gauge", "Connections currently open", [[{}, connections.length]]);
  out.metric("rabbitmq_channels", "gauge", "Channels currently open", [[{}, channels.length]]);
  out.metric("rabbitmq_consumers", "gauge", "Consumers currently connected", [[{}, channels.reduce((sum, channel) => sum + channel.consumerCount, 0)]]);
  out.metric("rabbitmq_connection_incoming_bytes_total", "counter", "Bytes received on open connections", [[{}, connections.reduce((sum, info) => sum + info.receivedBytes, 0)]]);
  out.metric("rabbitmq_connection_outgoing_bytes_total", "counter", "Bytes sent on open connections", [[{}, connections.reduce((sum, info) => sum + info.sentBytes, 0)]]);
  const consumerCount = channels.reduce((sum, channel) => sum + channel.consumerCount, 0);
  out.metric("rabbitmq_channel_consumers", "gauge", "Consumers on a channel", [[{}, consumerCount]]);
  // Closed is what was opened less what is open now: closing needs no hook on any path.
  const events = broker.events;
  out.metric("rabbitmq_connections_opened_total", "counter", "Total number of connections opened", [[{}, events.connectionsOpened]]);
  out.metric("rabbitmq_connections_closed_total", "counter", "Total number of connections closed or terminated", [[{}, Math.max(0, events.connectionsOpened - broker.connections.size)]]);
  out.metric("rabbitmq_channels_opened_total", "counter", "Total number of channels opened", [[{}, events.channelsOpened]]);
  out.metric("rabbitmq_channels_closed_total", "counter", "Total number of channels closed", [[{}, Math.max(0, events.channelsOpened - channels.length)]]);
  out.metric("rabbitmq_channel_messages_unacked", "gauge", "Messages delivered on channels and not yet acknowledged", [[{}, channels.reduce((sum, channel) => sum + channel.unackedCount, 0)]]);

  const queues = [...broker.vhosts.values()].flatMap((vhost) => [...vhost.queues.values()]);
  out.metric("rabbitmq_queues", "gauge", "Queues available", [[{}, queues.length]]);
  out.metric("rabbitmq_queues_declared_total", "counter", "Total number of queues declared", [[{}, events.queuesDeclared]]);
  out.metric("rabbitmq_queues_created_total", "counter", "Total number of queues created", [[{}, events.queuesCreated]]);
  out.metric("rabbitmq_queues_deleted_total", "counter", "Total number of queues deleted", [[{}, events.queuesDeleted]]);
  const queueSamples = (value: (queue: (typeof queues)[number]) => number): [Labels, number][] =>
    perObject ? queues.map((queue) => [{ vhost: queue.vhost, queue: queue.name }, value(queue)]) : [[{}, queues.reduce((sum, queue) => sum + value(queue), 0)]];
  out.metric("rabbitmq_queue_messages_ready", "gauge", "Messages ready to be delivered to consumers", queueSamples((queue) => queue.readyCount));
  out.metric("rabbitmq_queue_messages_unacked", "gauge", "Messages delivered to consumers but not yet acknowledged", queueSamples((queue) => queue.unackedCount));
  out.metric("rabbitmq_queue_messages", "gauge", "Ready and unacknowledged messages: the queue depth", queueSamples((queue) => queue.readyCount + queue.unackedCount));
  out.metric("rabbitmq_queue_consumers", "gauge", "Consumers on a queue", queueSamples((queue) => queue.consumerCount));
  const stats = brokerStats(broker);
  out.metric("rabbitmq_queue_messages_published_total", "counter", "Messages published to queues", queueSamples((queue) => stats.peekQueue(queue)?.total("publish") ?? 0));

  for (const [name, help, counters] of GLOBAL_COUNTERS) {
    out.metric(name, "counter", help, [[{}, counters.reduce((sum, counter) => sum + stats.global.total(counter), 0)]]);
  }

  // RabbitMQ labels these two with the protocol; Warren counts them on AMQP 0-9-1 channels and the HTTP API's publish (which RabbitMQ also serves through an AMQP channel).
  out.metric("rabbitmq_global_messages_received_confirm_total", "counter", "Total number of messages received from publishers expecting confirmations", [[{ protocol: "amqp091" }, events.messagesReceivedConfirm]]);
  out.metric("rabbitmq_global_messages_routed_total", "counter", "Total number of messages routed to queues or streams", [[{ protocol: "amqp091" }, events.messagesRouted]]);

  const resources = processResources(broker);
  out.metric("rabbitmq_process_open_fds", "gauge", "Open file descriptors", [[{}, resources.fileDescriptorsUsed]]);
  out.metric("rabbitmq_process_max_fds", "gauge", "Open file descriptors limit", [[{}, resources.fileDescriptorsTotal]]);
  out.metric("rabbitmq_process_open_tcp_sockets", "gauge", "Open TCP sockets", [[{}, resources.socketsUsed]]);
  out.metric("rabbitmq_process_max_tcp_sockets", "gauge", "Open TCP sockets limit", [[{}, resources.socketsTotal]]);

  const alarms = context.alarms();
  out.metric("rabbitmq_process_resident_memory_bytes", "gauge", "Memory used in bytes (resident set size)", [[{}, process.memoryUsage().rss]]);
  out.metric("rabbitmq_resident_memory_limit_bytes", "gauge", "Memory high watermark in bytes", [[{}, memoryLimitBytes(context)]]);
  out.metric("rabbitmq_disk_space_available_bytes", "gauge", "Disk space available in bytes", [[{}, diskFreeBytes(broker.io.fileSystem, broker.config.dataDir ?? "/")]]);
  out.metric("rabbitmq_disk_space_available_limit_bytes", "gauge", "Free disk space low watermark in bytes", [[{}, broker.config.diskFreeLimitBytes]]);
  out.metric("rabbitmq_alarms_memory_used_watermark", "gauge", "1 while the memory alarm is in effect", [[{}, alarms.memory ? 1 : 0]]);
  out.metric("rabbitmq_alarms_free_disk_space_watermark", "gauge", "1 while the free disk space alarm is in effect", [[{}, alarms.disk ? 1 : 0]]);
  out.metric("rabbitmq_erlang_uptime_seconds", "gauge", "Node uptime", [[{}, (context.broker.io.time.nowMs() - context.startedAtMs) / 1000]]);
  return out.text();
}

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export async function startMetrics(context: ManagementContext, host: string, port: number): Promise<RunningHttpServer> {
  const app = fastify({ logger: false });
  app.get("/metrics", async (_request, reply) => reply.type(CONTENT_TYPE).send(renderMetrics(context, false)));
  app.get("/metrics/per-object", async (_request, reply) => reply.type(CONTENT_TYPE).send(renderMetrics(context, true)));
  return listenHttp(app, host, port);
}
