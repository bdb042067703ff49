/**
 * Broker objects in the JSON shapes of RabbitMQ's management API (field names as in
 * rabbit_mgmt_format and the 3.10 answers kept in test/fixtures/ops/rabbitmq-api/).
 * Fields that describe Erlang internals (reductions, garbage_collection) are left out;
 * fields tools read (messages*, consumers, policy, state, node, message_stats) are kept.
 */
import { createHash } from "node:crypto";
import type { Broker, ChannelInfo, ConnectionInfo, ConsumerInfo } from "../broker/broker.js";
import type { QueueHandle } from "../queue/queue-type.js";
import type { Exchange } from "../broker/exchange.js";
import type { Binding } from "../broker/exchange/exchange-type.js";
import type { FieldTable } from "../message/field-table.js";
import { tableToJs } from "../message/field-table.js";
import { effectivePolicy } from "../broker/definitions.js";
import { brokerStats } from "./stats.js";
import { channelName } from "../broker/channel-name.js";

type Json = Record<string, unknown>;

const rate = (value = 0) => ({ rate: value });

export function isoTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace("Z", "+00:00");
}

function queueType(queue: QueueHandle): string {
  return queue.typeName;
}

function messageBytes(queue: QueueHandle): number | undefined {
  const withBytes = queue as { readyBytes?: number; messageBytes?: number };
  return withBytes.messageBytes ?? withBytes.readyBytes;
}

export function queueJson(broker: Broker, node: string, queue: QueueHandle, nowMs: number): Json {
  const effective = effectivePolicy(broker, queue.vhost, "queue", queue.name, queueType(queue));
  const messages = queue.readyCount + queue.unackedCount;
  const counters = brokerStats(broker).peekQueue(queue);
  const json: Json = {
    arguments: tableToJs(queue.arguments),
    auto_delete: queue.autoDelete,
    consumer_capacity: queue.consumerCount > 0 ? 1 : 0,
    consumer_utilisation: queue.consumerCount > 0 ? 1 : 0,
    consumers: queue.consumerCount,
    durable: queue.durable,
    effective_policy_definition: effective.definition,
    exclusive: queue.exclusiveOwner !== undefined,
    exclusive_consumer_tag: queue.consumers().find((consumer) => consumer.exclusive)?.tag ?? null,
    head_message_timestamp: null,
    messages,
    messages_details: rate(),
    messages_ready: queue.readyCount,
    messages_ready_details: rate(),
    messages_unacknowledged: queue.unackedCount,
    messages_unacknowledged_details: rate(),
    name: queue.name,
    node,
    operator_policy: effective.operatorPolicy?.name ?? null,
    policy: effective.policy?.name ?? null,
    state: "running",
    type: queueType(queue),
    vhost: queue.vhost,
  };
  const bytes = messageBytes(queue);
  if (bytes !== undefined) json.message_bytes = bytes;
  if (counters !== undefined) json.message_stats = counters.messageStats(nowMs);
  return json;
}

export function exchangeJson(broker: Broker, vhost: string, exchange: Exchange, nowMs: number): Json {
  const json: Json = {
    arguments: tableToJs(exchange.arguments),
    auto_delete: exchange.autoDelete,
    durable: exchange.durable,
    internal: exchange.internal,
    name: exchange.name,
    type: exchange.typeName,
    user_who_performed_action: "",
    vhost,
  };
  const effective = effectivePolicy(broker, vhost, "exchange", exchange.name);
  if (effective.policy !== undefined) json.policy = effective.policy.name;
  const counters = brokerStats(broker).peekExchange(vhost, exchange.name);
  if (counters !== undefined) json.message_stats = counters.messageStats(nowMs);
  return json;
}

/** RabbitMQ's properties_key: the routing key, quoted, and a digest of the arguments when there are any. */
export function propertiesKey(routingKey: string, args: FieldTable): string {
  const quoted = encodeURIComponent(routingKey).replaceAll("~", "%7E");
  if (args.size === 0) return routingKey === "" ? "~" : quoted;
  const digest = createHash("sha256").update(JSON.stringify(tableToJs(args), jsonReplacer)).digest("base64url").slice(0, 22);
  return `${quoted}~${digest}`;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Buffer.isBuffer(value)) return value.toString("base64");
  return value;
}

export function bindingJson(vhost: string, binding: Binding): Json {
  return {
    source: binding.source,
    vhost,
    destination: binding.destination.name,
    destination_type: binding.destination.kind,
    routing_key: binding.routingKey,
    arguments: tableToJs(binding.arguments),
    properties_key: propertiesKey(binding.routingKey, binding.arguments),
  };
}

export function connectionJson(node: string, info: ConnectionInfo): Json {
  const clientProperties = info.clientProperties;
  const providedName = typeof clientProperties.connection_name === "string" ? clientProperties.connection_name : undefined;
  const json: Json = {
    auth_mechanism: "PLAIN",
    channel_max: info.channelMax,
    channels: info.channels.length,
    client_properties: clientProperties,
    connected_at: info.connectedAtMs,
    frame_max: info.frameMaxBytes,
    host: info.host,
    name: info.name,
    node,
    peer_host: info.peerHost,
    peer_port: info.peerPort,
    port: info.port,
    protocol: info.protocol,
    recv_oct: info.receivedBytes,
    recv_oct_details: rate(),
    send_oct: info.sentBytes,
    send_oct_details: rate(),
    ssl: false,
    state: info.state,
    timeout: info.heartbeatSeconds,
    type: "network",
    user: info.user ?? "",
    user_who_performed_action: info.user ?? "",
    vhost: info.vhost ?? "",
  };
  if (providedName !== undefined) json.user_provided_name = providedName;
  return json;
}

export function channelJson(node: string, connection: ConnectionInfo, channel: ChannelInfo): Json {
  return {
    acks_uncommitted: 0,
    confirm: channel.confirm,
    connection_details: { name: connection.name, peer_host: connection.peerHost, peer_port: connection.peerPort },
    consumer_count: channel.consumerCount,
    global_prefetch_count: channel.globalPrefetchCount,
    messages_unacknowledged: channel.unackedCount,
    messages_uncommitted: 0,
    messages_unconfirmed: 0,
    name: channelName(connection, channel),
    node,
    number: channel.number,
    prefetch_count: channel.prefetchCount,
    state: "running",
    transactional: channel.transactional,
    user: connection.user ?? "",
    user_who_performed_action: connection.user ?? "",
    vhost: connection.vhost ?? "",
  };
}

export function consumerJson(node: string, connection: ConnectionInfo, channel: ChannelInfo, consumer: ConsumerInfo): Json {
  return {
    arguments: consumer.priority !== 0 ? { "x-priority": consumer.priority } : {},
    ack_required: !consumer.noAck,
    active: true,
    activity_status: "up",
    channel_details: {
      connection_name: connection.name,
      name: channelName(connection, channel),
      node,
      number: channel.number,
      peer_host: connection.peerHost,
      peer_port: connection.peerPort,
      user: connection.user ?? "",
    },
    consumer_tag: consumer.tag,
    exclusive: consumer.exclusive,
    prefetch_count: consumer.prefetchCount,
    queue: { name: consumer.queue, vhost: connection.vhost ?? "" },
  };
}
