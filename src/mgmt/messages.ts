/**
 * Publishing and getting messages through the management API
 * (`POST /api/exchanges/{vhost}/{name}/publish`, `POST /api/queues/{vhost}/{name}/get`),
 * with RabbitMQ's JSON for message properties. These are operator and test tools, not a
 * message path: RabbitMQ itself warns against using them for production traffic.
 */
import type { Broker } from "../broker/broker.js";
import type { Vhost } from "../broker/vhost.js";
import type { User } from "../auth/users.js";
import type { QueueEntry, QueueHandle } from "../queue/queue-type.js";
import { Message } from "../message/message.js";
import { BASIC_CLASS_ID, encodeContentHeader, type BasicProperties } from "../message/properties.generated.js";
import { tableFromJs, tableToJs } from "../message/field-table.js";
import { checkPermitted } from "../auth/permissions.js";
import { badRequest, boundedIntegerField, fieldTableField, integerField, objectField, shortStringField } from "./http.js";
import { checkTopicPermitted } from "../auth/topic-permissions.js";
import { recordDelivery, recordGetEmpty } from "./stats.js";
import { Publisher } from "../broker/publish.js";

type Json = Record<string, unknown>;

const STRING_PROPERTIES: readonly [keyof BasicProperties, string][] = [
  ["contentType", "content_type"], ["contentEncoding", "content_encoding"], ["correlationId", "correlation_id"], ["replyTo", "reply_to"],
  ["expiration", "expiration"], ["messageId", "message_id"], ["type", "type"], ["userId", "user_id"], ["appId", "app_id"], ["clusterId", "cluster_id"],
];

export function propertiesFromJson(json: Json): BasicProperties {
  const properties: BasicProperties = {};
  const writable = properties as Record<string, unknown>;
  for (const [field, name] of STRING_PROPERTIES) {
    const value = json[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw badRequest(`property ${name} must be a string`);
    writable[field] = shortStringField(value, `property ${name}`);
  }
  // Every value is checked against its wire type here, so encoding the header cannot fail later.
  if (json.delivery_mode !== undefined) properties.deliveryMode = boundedIntegerField(json.delivery_mode, 1, "delivery_mode", 0, 255);
  if (json.priority !== undefined) properties.priority = boundedIntegerField(json.priority, 0, "priority", 0, 255);
  if (json.timestamp !== undefined) properties.timestamp = boundedIntegerField(json.timestamp, 0, "timestamp", 0, Number.MAX_SAFE_INTEGER);
  if (json.headers !== undefined) properties.headers = tableFromJs(fieldTableField(json.headers, "headers"));
  return properties;
}

export function propertiesToJson(properties: BasicProperties): Json {
  const json: Json = {};
  const readable = properties as Record<string, unknown>;
  for (const [field, name] of STRING_PROPERTIES) if (readable[field] !== undefined) json[name] = readable[field];
  if (properties.deliveryMode !== undefined) json.delivery_mode = properties.deliveryMode;
  if (properties.priority !== undefined) json.priority = properties.priority;
  if (properties.timestamp !== undefined) json.timestamp = properties.timestamp;
  if (properties.headers !== undefined) json.headers = tableToJs(properties.headers);
  return json;
}

/** Publishes as `user` would over AMQP: write permission on the exchange, user_id checked. Returns whether it was routed. */
export function publishFromApi(broker: Broker, user: User, vhost: Vhost, exchangeName: string, body: Json): boolean {
  const exchange = vhost.exchange(exchangeName);
  checkPermitted(user, vhost.name, "write", "exchange", exchange.name);
  if (typeof body.routing_key !== "string") throw badRequest("routing_key is required and must be a string");
  // A routing key travels as a short string: a longer one would wrap its length byte on delivery.
  shortStringField(body.routing_key, "routing_key");
  // As basic.publish over AMQP: a topic exchange's topic permissions apply to the routing key.
  if (exchange.typeName === "topic") checkTopicPermitted(user, vhost.name, exchange.name, "write", body.routing_key);
  if (typeof body.payload !== "string") throw badRequest("payload is required and must be a string");
  const encoding = body.payload_encoding ?? "string";
  if (encoding !== "string" && encoding !== "base64") throw badRequest("payload_encoding must be string or base64");
  const payload = Buffer.from(body.payload, encoding === "base64" ? "base64" : "utf8");
  if (payload.length > broker.config.maxMessageSizeBytes) throw badRequest(`message size ${payload.length} is larger than configured max size ${broker.config.maxMessageSizeBytes}`);
  const properties = propertiesFromJson(objectField(body.properties, "properties"));
  if (properties.userId !== undefined && properties.userId !== user.name) {
    throw badRequest(`user_id property set to '${properties.userId}' but authenticated user was '${user.name}'`);
  }
  const header = encodeContentHeader(BASIC_CLASS_ID, payload.length, properties);
  const message = new Message(exchange.name, body.routing_key, header, payload);
  // The broker's publish path, counted as a client's publish (no confirm: the API answers at once).
  const routed = new Publisher({ nodeStats: broker.stats }).publish(vhost, message);
  broker.events.messagesRouted += routed;
  return routed > 0;
}

type AckMode = "ack_requeue_true" | "ack_requeue_false" | "reject_requeue_true" | "reject_requeue_false";
const ACK_MODES: readonly AckMode[] = ["ack_requeue_true", "ack_requeue_false", "reject_requeue_true", "reject_requeue_false"];

/** basic.get `count` times; requeued messages go back only at the end, so the same one is not fetched twice. */
export function getFromApi(broker: Broker, user: User, vhost: Vhost, queue: QueueHandle, body: Json): Json[] {
  checkPermitted(user, vhost.name, "read", "queue", queue.name);
  const count = integerField(body.count, 1, "count");
  if (count < 1) throw badRequest("count must be at least 1");
  const ackMode = (body.ackmode ?? "ack_requeue_true") as AckMode;
  if (!ACK_MODES.includes(ackMode)) throw badRequest(`ackmode must be one of ${ACK_MODES.join(", ")}`);
  const encoding = body.encoding ?? "auto";
  if (encoding !== "auto" && encoding !== "base64") throw badRequest("encoding must be auto or base64");
  const truncateBytes = body.truncate === undefined || body.truncate === null || body.truncate === "" ? undefined : boundedIntegerField(body.truncate, 0, "truncate", 0, Number.MAX_SAFE_INTEGER);
  const requeue = ackMode.endsWith("_true");
  const taken: QueueEntry[] = [];
  const results: Json[] = [];
  for (let index = 0; index < count; index++) {
    const entry = queue.dequeue(false);
    if (entry === undefined) break;
    taken.push(entry);
    recordDelivery(broker, vhost.name, queue, "get", entry.redelivered);
    results.push(messageJson(entry, queue.readyCount, encoding, truncateBytes));
  }
  if (taken.length === 0) recordGetEmpty(broker, vhost.name);
  if (requeue) queue.requeue(taken);
  else if (ackMode.startsWith("reject")) queue.reject(taken);
  else queue.settle(taken);
  return results;
}

function messageJson(entry: QueueEntry, remaining: number, encoding: string, truncateBytes: number | undefined): Json {
  const message = entry.message;
  const body = truncateBytes === undefined ? message.body : message.body.subarray(0, truncateBytes);
  const text = body.toString("utf8");
  const asString = encoding === "auto" && Buffer.from(text, "utf8").equals(body);
  return {
    payload_bytes: message.body.length,
    redelivered: entry.redelivered,
    exchange: message.exchange,
    routing_key: message.routingKey,
    message_count: remaining,
    properties: propertiesToJson(message.properties()),
    payload: asString ? text : body.toString("base64"),
    payload_encoding: asString ? "string" : "base64",
  };
}
