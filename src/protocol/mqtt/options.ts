/**
 * The MQTT listener's settings, named after RabbitMQ's `mqtt.*` keys in rabbitmq.conf, with
 * RabbitMQ's defaults where the meaning is the same.
 */
import type { Broker } from "../../broker/broker.js";
import {
  MQTT_PACKET_SIZE_BYTES_DEFAULT,
  MQTT_PACKET_SIZE_BYTES_LIMIT,
  MQTT_SESSION_EXPIRY_SECONDS_MAX,
} from "../../config/limits.js";

export interface MqttOptions {
  /** `mqtt.vhost`: the vhost for user names without a `vhost:` prefix (default: the broker's default vhost). */
  vhost?: string;
  /** `mqtt.exchange`: the topic exchange publishes go to and subscriptions bind to. */
  exchange?: string;
  /** `mqtt.allow_anonymous`: clients without credentials log in as the default user (RabbitMQ: true). */
  allowAnonymous?: boolean;
  /**
   * `mqtt.default_user` / `mqtt.default_pass`: guest / guest, as in RabbitMQ, and not the broker's
   * default user: with WARREN_DEFAULT_USER set that is an administrator that may log in from
   * anywhere, which no client without credentials should become. guest stays loopback-only.
   */
  defaultUser?: string;
  defaultPass?: string;
  /** `mqtt.max_packet_size_authenticated`: the largest packet accepted after CONNECT, fixed header included. */
  maxPacketSizeBytes?: number;
  /** `mqtt.max_session_expiry_interval_seconds`: the longest a disconnected session is kept. */
  maxSessionExpirySeconds?: number;
}

export type ResolvedMqttOptions = Required<MqttOptions>;

export function resolveMqttOptions(broker: Broker, options: MqttOptions = {}): ResolvedMqttOptions {
  const maxPacketSizeBytes = options.maxPacketSizeBytes ?? MQTT_PACKET_SIZE_BYTES_DEFAULT;
  if (!Number.isInteger(maxPacketSizeBytes) || maxPacketSizeBytes < 64 || maxPacketSizeBytes > MQTT_PACKET_SIZE_BYTES_LIMIT) {
    throw new RangeError(`mqtt max packet size must be an integer from 64 to ${MQTT_PACKET_SIZE_BYTES_LIMIT} bytes`);
  }
  return {
    vhost: options.vhost ?? broker.config.defaultVhost,
    exchange: options.exchange ?? "amq.topic",
    allowAnonymous: options.allowAnonymous ?? true,
    defaultUser: options.defaultUser ?? "guest",
    defaultPass: options.defaultPass ?? "guest",
    maxPacketSizeBytes,
    maxSessionExpirySeconds: options.maxSessionExpirySeconds ?? MQTT_SESSION_EXPIRY_SECONDS_MAX,
  };
}

/**
 * MqttOptions from the `mqtt.*` keys of warren.conf (kept as written by the config parser).
 * A bad value is reported with its key, as every config error is.
 */
export function mqttOptionsFromConfig(keys: Readonly<Record<string, string>>): MqttOptions {
  const options: MqttOptions = {};
  const integer = (key: string): number | undefined => {
    const text = keys[key];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${key}: expected a non-negative integer, got '${text}'`);
    return value;
  };
  if (keys["mqtt.vhost"] !== undefined) options.vhost = keys["mqtt.vhost"];
  if (keys["mqtt.exchange"] !== undefined) options.exchange = keys["mqtt.exchange"];
  if (keys["mqtt.default_user"] !== undefined) options.defaultUser = keys["mqtt.default_user"];
  if (keys["mqtt.default_pass"] !== undefined) options.defaultPass = keys["mqtt.default_pass"];
  const anonymous = keys["mqtt.allow_anonymous"];
  if (anonymous !== undefined) {
    if (anonymous !== "true" && anonymous !== "false") throw new RangeError(`mqtt.allow_anonymous: expected true or false, got '${anonymous}'`);
    options.allowAnonymous = anonymous === "true";
  }
  options.maxPacketSizeBytes = integer("mqtt.max_packet_size_authenticated");
  options.maxSessionExpirySeconds = integer("mqtt.max_session_expiry_interval_seconds");
  return options;
}
