/**
 * MQTT messages in Warren's message container, and AMQP messages seen from MQTT.
 *
 * An MQTT PUBLISH becomes an MqttMessage: a Message whose content header is what an AMQP
 * consumer expects (delivery-mode 2 for QoS > 0 and the `x-mqtt-publish-qos` header, as
 * RabbitMQ's plugin writes them, plus content type, correlation id, reply-to, expiration and
 * user properties as headers), and which also keeps the MQTT view (topic, QoS, properties)
 * so that MQTT-to-MQTT delivery never decodes the header. A message published over AMQP is
 * converted once, on its first MQTT delivery, and the result cached.
 */
import { Message } from "../../message/message.js";
import { encodeContentHeader, type BasicProperties } from "../../message/properties.generated.js";
import { fieldToJs, type FieldTable, type FieldValue } from "../../message/field-table.js";
import { decodeUtf8 } from "./packet-reader.js";
import type { Qos } from "./packets.js";
import { propertiesBlock } from "./packet-writer.js";
import type { MqttProperties } from "./properties.js";
import { isValidTopicName, routingKeyToTopic, topicToRoutingKey } from "./topic.js";
import { MQTT_FOUR_BYTE_INTEGER_MAX, MQTT_STRING_BYTES_MAX, SHORT_STRING_BYTES_MAX } from "../../config/limits.js";

/** What a delivery to an MQTT client needs, whichever protocol published the message. */
export interface MqttView {
  readonly topic: string;
  readonly topicBytes: Buffer;
  readonly qos: Qos;
  /** The RETAIN flag it was published with (MQTT 5 Retain As Published). */
  readonly retain: boolean;
  /** The properties forwarded to subscribers [MQTT-3.3.2-4..20], without expiry and subscription ids. */
  readonly mqttProperties: MqttProperties;
  /** When the message expires (MQTT 5 Message Expiry Interval), or 0 for never. */
  readonly expiresAtMs: number;
  /** The session that published it, for No Local; undefined for AMQP publishes and wills of ended sessions. */
  readonly publisher: object | undefined;
  readonly payload: Buffer;
}

/** The header names RabbitMQ's MQTT plugin uses. */
const QOS_HEADER = "x-mqtt-publish-qos";
const CORRELATION_HEADER = "x-correlation-id";
const REPLY_TO_PREFIX = "/exchange/amq.topic/";

export class MqttMessage extends Message implements MqttView {
  readonly topic: string;
  readonly topicBytes: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly mqttProperties: MqttProperties;
  readonly expiresAtMs: number;
  readonly publisher: object | undefined;

  /** `topicBytes` and `routingKey` may come from the publisher's cache of its last topic. */
  constructor(exchange: string, view: Omit<MqttView, "topicBytes"> & { topicBytes?: Buffer; routingKey?: string }) {
    super(exchange, view.routingKey ?? topicToRoutingKey(view.topic), contentHeaderFor(view.qos, view.payload.length, view.mqttProperties), view.payload);
    this.topic = view.topic;
    this.topicBytes = view.topicBytes ?? Buffer.from(view.topic);
    this.qos = view.qos;
    this.retain = view.retain;
    this.mqttProperties = view.mqttProperties;
    this.expiresAtMs = view.expiresAtMs;
    this.publisher = view.publisher;
  }

  get payload(): Buffer {
    return this.body;
  }
}

/** The forwarded properties as an MQTT 5 properties block, encoded once per message. */
const propertyBlocks = new WeakMap<MqttView, Buffer>();
export function forwardedPropertiesBlock(view: MqttView): Buffer {
  let block = propertyBlocks.get(view);
  if (block === undefined) propertyBlocks.set(view, (block = propertiesBlock(view.mqttProperties)));
  return block;
}

// ---- MQTT -> AMQP --------------------------------------------------------------------------

/** Headers of a message without MQTT 5 properties, per QoS and body size: most traffic has none. */
const headerTemplates = new Map<number, Buffer>();
const HEADER_TEMPLATES_MAX = 256;

function contentHeaderFor(qos: Qos, bodySizeBytes: number, properties: MqttProperties): Buffer {
  const plain = properties.contentType === undefined && properties.correlationData === undefined && properties.responseTopic === undefined &&
    properties.messageExpiryIntervalSeconds === undefined && properties.userProperties === undefined;
  if (!plain) return encodeContentHeader(60, bodySizeBytes, amqpProperties(qos, properties));
  const key = bodySizeBytes * 4 + qos;
  let header = headerTemplates.get(key);
  if (header === undefined) {
    if (headerTemplates.size >= HEADER_TEMPLATES_MAX) headerTemplates.clear();
    header = encodeContentHeader(60, bodySizeBytes, amqpProperties(qos, properties));
    headerTemplates.set(key, header);
  }
  return header; // shared: a content header is never written to after it is built
}

function amqpProperties(qos: Qos, properties: MqttProperties): BasicProperties {
  const headers: FieldTable = new Map<string, FieldValue>([[QOS_HEADER, { type: "b", value: qos }]]);
  const result: Mutable<BasicProperties> = { deliveryMode: qos > 0 ? 2 : 1, headers };
  const shortString = (text: string | undefined) => (text !== undefined && Buffer.byteLength(text) <= 255 ? text : undefined);
  if (properties.contentType !== undefined) result.contentType = shortString(properties.contentType);
  if (properties.responseTopic !== undefined) result.replyTo = shortString(topicToRoutingKey(properties.responseTopic));
  if (properties.messageExpiryIntervalSeconds !== undefined) result.expiration = String(properties.messageExpiryIntervalSeconds * 1000);
  const correlation = properties.correlationData;
  if (correlation !== undefined) {
    const text = correlation.length <= 255 ? utf8OrUndefined(correlation) : undefined;
    if (text !== undefined) result.correlationId = text;
    else headers.set(CORRELATION_HEADER, { type: "x", value: correlation });
  }
  // A field table's keys are shortstrs: a longer User Property name has no AMQP spelling (RabbitMQ drops it too).
  for (const [name, value] of properties.userProperties ?? []) if (Buffer.byteLength(name) <= SHORT_STRING_BYTES_MAX) headers.set(name, { type: "S", value: Buffer.from(value) });
  return result;
}

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return decodeUtf8(bytes, "correlation data");
  } catch {
    return undefined;
  }
}

// ---- AMQP -> MQTT --------------------------------------------------------------------------
//
// Every value below comes from an AMQP client and is checked against the MQTT field it goes
// into (DESIGN.md §3): a value that does not fit is clamped (the expiry) or left out (strings
// and binary data over 64 KiB, strings holding U+0000, a Response Topic that is no topic
// name), never thrown. A throw here used to happen inside the delivery loop, where it took
// the whole node down. A routing key that is no MQTT topic name makes the message one no MQTT
// client can be sent: it is skipped for MQTT subscribers (mqttView answers undefined).

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Cached conversions; `null` marks a message that cannot be sent over MQTT. */
const converted = new WeakMap<Message, MqttView | null>();

/**
 * The MQTT view of any message in a queue (MqttMessages are their own), or undefined if MQTT
 * cannot carry it. An AMQP expiration becomes an expiry time counted from `nowMs`, the first time
 * the message is seen over MQTT.
 */
export function mqttView(message: Message, nowMs: number): MqttView | undefined {
  if (message instanceof MqttMessage) return message;
  let view = converted.get(message);
  if (view === undefined) converted.set(message, (view = fromAmqp(message, nowMs) ?? null));
  return view ?? undefined;
}

/** An MQTT UTF-8 string: at most 65,535 bytes [MQTT-1.5.4-1], no U+0000 [MQTT-1.5.4-2]. */
function fitsMqttString(text: string): boolean {
  return !text.includes("\u0000") && (text.length * 3 <= MQTT_STRING_BYTES_MAX || Buffer.byteLength(text) <= MQTT_STRING_BYTES_MAX);
}

function fromAmqp(message: Message, nowMs: number): MqttView | undefined {
  const topic = routingKeyToTopic(message.routingKey);
  if (!isValidTopicName(topic)) return undefined;
  const amqp = message.properties();
  const properties: MqttProperties = {};
  let qos: Qos = message.persistent ? 1 : 0;
  if (amqp.contentType !== undefined && fitsMqttString(amqp.contentType)) properties.contentType = amqp.contentType;
  if (amqp.correlationId !== undefined) properties.correlationData = Buffer.from(amqp.correlationId);
  if (amqp.replyTo !== undefined) {
    const replyTo = amqp.replyTo.startsWith(REPLY_TO_PREFIX) ? amqp.replyTo.slice(REPLY_TO_PREFIX.length) : amqp.replyTo;
    const responseTopic = routingKeyToTopic(replyTo);
    if (isValidTopicName(responseTopic)) properties.responseTopic = responseTopic; // wildcards are not allowed in it [MQTT-3.3.2-14]
  }
  let expiresAtMs = 0;
  const expirationMs = amqp.expiration === undefined ? NaN : Number(amqp.expiration);
  if (Number.isFinite(expirationMs) && expirationMs >= 0) {
    // Beyond MQTT's Four Byte Integer the expiry becomes the longest MQTT can say.
    properties.messageExpiryIntervalSeconds = Math.min(Math.ceil(expirationMs / 1000), MQTT_FOUR_BYTE_INTEGER_MAX);
    expiresAtMs = nowMs + expirationMs;
  }
  for (const [name, field] of amqp.headers ?? []) {
    if (name === QOS_HEADER) {
      const value = fieldToJs(field);
      if (value === 0 || value === 1 || value === 2) qos = value;
    } else if (name === CORRELATION_HEADER && field.type === "x") {
      if (field.value.length <= MQTT_STRING_BYTES_MAX) properties.correlationData = field.value;
    } else if (!name.startsWith("x-mqtt-")) {
      const text = userPropertyText(field);
      if (fitsMqttString(name) && fitsMqttString(text)) (properties.userProperties ??= []).push([name, text]);
    }
  }
  return { topic, topicBytes: Buffer.from(topic), qos, retain: false, mqttProperties: properties, expiresAtMs, publisher: undefined, payload: message.body };
}

function userPropertyText(field: FieldValue): string {
  const value = fieldToJs(field);
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (typeof value === "object" && value !== null) return JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? inner.toString() : inner));
  return String(value);
}
