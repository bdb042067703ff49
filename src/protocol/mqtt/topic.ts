/**
 * Topic names, topic filters and their AMQP spelling, as RabbitMQ's MQTT plugin maps them
 * (rabbit_mqtt_util to_amqp/to_mqtt): the level separator `/` is `.` in AMQP and the
 * single-level wildcard `+` is `*`; `#` is the same in both.
 */
import { MQTT_TOPIC_BYTES_MAX } from "../../config/limits.js";
import { MqttProtocolError, ReasonCode } from "./reason-codes.js";

export function topicToRoutingKey(topic: string): string {
  return topic.includes("/") ? topic.replaceAll("/", ".") : topic;
}

export function filterToBindingKey(filter: string): string {
  return topicToRoutingKey(filter).replaceAll("+", "*");
}

export function routingKeyToTopic(routingKey: string): string {
  const topic = routingKey.includes(".") ? routingKey.replaceAll(".", "/") : routingKey;
  return topic.includes("*") ? topic.replaceAll("*", "+") : topic;
}

function byteLength(text: string): number {
  // Most topics are ASCII: their length in UTF-16 units is their length in bytes.
  return text.length * 3 <= MQTT_TOPIC_BYTES_MAX ? text.length : Buffer.byteLength(text);
}

/**
 * A topic name in PUBLISH or a will: not empty [MQTT-4.7.3-1], no wildcards [MQTT-3.3.2-2],
 * and short enough to be an AMQP routing key.
 */
export function checkTopicName(topic: string): void {
  if (topic.length === 0) throw new MqttProtocolError(ReasonCode.TOPIC_NAME_INVALID, "empty topic name");
  if (topic.includes("+") || topic.includes("#")) throw new MqttProtocolError(ReasonCode.TOPIC_NAME_INVALID, `wildcard in topic name '${topic}'`);
  if (byteLength(topic) > MQTT_TOPIC_BYTES_MAX) {
    throw new MqttProtocolError(ReasonCode.TOPIC_NAME_INVALID, `topic name longer than ${MQTT_TOPIC_BYTES_MAX} bytes`);
  }
}

/**
 * Whether a topic that did not come from an MQTT client (an AMQP routing key or reply-to) may be
 * sent to one: checkTopicName's rules, and no U+0000, which MQTT strings must not hold [MQTT-1.5.4-2].
 */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes("+") && !topic.includes("#") && !topic.includes("\u0000") && byteLength(topic) <= MQTT_TOPIC_BYTES_MAX;
}

/** A filter's wildcards are valid: `#` alone and last [MQTT-4.7.1-2], `+` alone in its level [MQTT-4.7.1-3]. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || byteLength(filter) > MQTT_TOPIC_BYTES_MAX) return false;
  const levels = filter.split("/");
  for (let index = 0; index < levels.length; index++) {
    const level = levels[index];
    if (level.includes("#") && (level !== "#" || index !== levels.length - 1)) return false;
    if (level.includes("+") && level !== "+") return false;
  }
  return true;
}

export interface ParsedFilter {
  /** The filter without the `$share/<group>/` prefix. */
  readonly filter: string;
  /** The share name of a shared subscription (MQTT 5 §4.8.2), or undefined. */
  readonly shareName: string | undefined;
}

/** Splits `$share/<group>/<filter>`; undefined when the filter is not valid. */
export function parseFilter(text: string): ParsedFilter | undefined {
  if (!text.startsWith("$share/")) return isValidTopicFilter(text) ? { filter: text, shareName: undefined } : undefined;
  const slash = text.indexOf("/", 7);
  if (slash < 0) return undefined;
  const shareName = text.slice(7, slash);
  const filter = text.slice(slash + 1);
  // The share name is at least one character without `/`, `+` or `#` [MQTT-4.8.2-1, -2].
  if (shareName.length === 0 || shareName.includes("+") || shareName.includes("#")) return undefined;
  return isValidTopicFilter(filter) ? { filter, shareName } : undefined;
}

/**
 * Does `topic` match `filter`? Wildcards at the first level do not match topics that start
 * with `$` [MQTT-4.7.2-1].
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  for (let index = 0; index < filterLevels.length; index++) {
    const level = filterLevels[index];
    if (level === "#") return true;
    if (index >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[index]) return false;
  }
  return filterLevels.length === topicLevels.length;
}
