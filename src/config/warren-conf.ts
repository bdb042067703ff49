/**
 * `warren.conf`: rabbitmq.conf's `key = value` format (the "sysctl" format of cuttlefish)
 * with RabbitMQ's keys where the meaning is the same, so an operator's file carries over.
 * Every key is known: a typo or a bad value stops start-up with the file, the line and
 * what was expected, because a silently ignored setting is found only in production.
 *
 * Format: one setting per line; `#` starts a comment at the start of a line or after
 * whitespace; blank lines are ignored; surrounding whitespace is trimmed.
 */
// node:fs directly: warren.conf is read once at start-up, to decide how the node (and its io) is built.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { MESSAGE_SIZE_BYTES_LIMIT, FRAME_SIZE_BYTES_MIN, CHANNEL_MAX_LIMIT } from "./limits.js";
import { ConfigError, WILDCARD_HOST, applyEnvironment, configFilePath, defaultConfig, type BrokerConfig, type ListenerAddress, type LogLevel, type PartitionHandling } from "./config.js";

/** A setting's handler: stores the value or returns what was expected (a phrase after "expected"). */
type Setter = (config: BrokerConfig, value: string, keyParts: string[], state: ParseState) => string | undefined;

interface ParseState {
  /** listeners.tcp.* replace the default listener as a whole, as in RabbitMQ. */
  listeners: ListenerAddress[];
  loopbackUsersSeen: boolean;
  defaultUserTagsSeen: boolean;
}

interface Rule {
  readonly pattern: RegExp;
  readonly set: Setter;
}

const MQTT_KEYS = new Set([
  "mqtt.allow_anonymous", "mqtt.default_user", "mqtt.default_pass", "mqtt.vhost", "mqtt.exchange", "mqtt.prefetch",
  "mqtt.subscription_ttl", "mqtt.max_session_expiry_interval_seconds", "mqtt.retained_message_store",
  "mqtt.retained_message_store_dets_sync_interval", "mqtt.proxy_protocol", "mqtt.max_packet_size_unauthenticated",
  "mqtt.max_packet_size_authenticated", "mqtt.topic_alias_maximum", "mqtt.ssl_cert_login", "mqtt.mailbox_soft_limit",
]);

const RULES: readonly Rule[] = [
  { pattern: /^listeners\.tcp\.([A-Za-z0-9_-]+)$/, set: (_config, value, _parts, state) => withListener(value, state) },
  { pattern: /^management\.tcp\.port$/, set: (config, value) => withPort(value, (port) => (config.managementPort = port)) },
  { pattern: /^management\.listener\.port$/, set: (config, value) => withPort(value, (port) => (config.managementPort = port)) },
  { pattern: /^management\.tcp\.ip$/, set: (config, value) => withAddress(value, (host) => (config.managementHost = host)) },
  { pattern: /^prometheus\.tcp\.port$/, set: (config, value) => withPort(value, (port) => (config.metricsPort = port)) },
  { pattern: /^prometheus\.tcp\.ip$/, set: (config, value) => withAddress(value, (host) => (config.metricsHost = host)) },
  { pattern: /^default_user$/, set: (config, value) => withText(value, (text) => (config.defaultUser = text)) },
  { pattern: /^default_pass$/, set: (config, value) => withText(value, (text) => (config.defaultPass = text)) },
  { pattern: /^default_vhost$/, set: (config, value) => withText(value, (text) => (config.defaultVhost = text)) },
  { pattern: /^default_user_tags\.([a-z_-]+)$/, set: setDefaultUserTag },
  { pattern: /^default_permissions\.(configure|write|read)$/, set: setDefaultPermission },
  { pattern: /^loopback_users$/, set: setLoopbackUsersNone },
  { pattern: /^loopback_users\.(.+)$/, set: setLoopbackUser },
  { pattern: /^vm_memory_high_watermark\.relative$/, set: (config, value) => withFraction(value, (fraction) => (config.memoryHighWatermarkRelative = fraction)) },
  { pattern: /^vm_memory_high_watermark\.absolute$/, set: (config, value) => withSize(value, (bytes) => (config.memoryHighWatermarkAbsoluteBytes = bytes)) },
  { pattern: /^disk_free_limit\.absolute$/, set: (config, value) => withSize(value, (bytes) => (config.diskFreeLimitBytes = bytes)) },
  { pattern: /^disk_free_limit\.relative$/, set: (config, value) => withFraction(value, (fraction) => (config.diskFreeLimitRelative = fraction)) },
  { pattern: /^heartbeat$/, set: (config, value) => withInteger(value, 0, 65_535, (seconds) => (config.heartbeatSeconds = seconds)) },
  { pattern: /^frame_max$/, set: setFrameMax },
  { pattern: /^channel_max$/, set: (config, value) => withInteger(value, 0, CHANNEL_MAX_LIMIT, (count) => (config.channelMax = count === 0 ? CHANNEL_MAX_LIMIT : count)) },
  { pattern: /^max_message_size$/, set: (config, value) => withInteger(value, 1, MESSAGE_SIZE_BYTES_LIMIT, (bytes) => (config.maxMessageSizeBytes = bytes)) },
  { pattern: /^consumer_timeout$/, set: (config, value) => withInteger(value, 1, Number.MAX_SAFE_INTEGER, (milliseconds) => (config.consumerTimeoutMs = milliseconds)) },
  { pattern: /^log\.(file|console|default)\.level$/, set: setLogLevel },
  { pattern: /^log\.dir$/, set: (config, value) => withText(value, (path) => (config.logDir = path)) },
  { pattern: /^log\.file$/, set: setLogFile },
  { pattern: /^log\.console$/, set: (_config, value) => (isBoolean(value) ? undefined : "true or false") },
  { pattern: /^cluster_partition_handling$/, set: setPartitionHandling },
  { pattern: /^cluster_formation\.[A-Za-z0-9_.-]+$/, set: (config, value, parts) => withText(value, (text) => (config.clusterFormation[parts.join(".")] = text)) },
  { pattern: /^mqtt\.listeners\.tcp\.default$/, set: setMqttListener },
  { pattern: /^mqtt\.listeners\.tcp\.[A-Za-z0-9_-]+$/, set: (config, value, parts) => withMqtt(config, parts, value) },
  { pattern: /^mqtt\.[a-z_]+$/, set: (config, value, parts) => (MQTT_KEYS.has(parts.join(".")) ? withMqtt(config, parts, value) : UNKNOWN) },
];

/** Returned by a setter whose pattern matched only loosely: the key is unknown after all. */
const UNKNOWN = "\u0000unknown";

/** Parses warren.conf text over `base`; throws ConfigError naming `fileName` and the line. */
export function parseConfigText(text: string, fileName: string, base: BrokerConfig = defaultConfig()): BrokerConfig {
  const config: BrokerConfig = { ...base, clusterFormation: { ...base.clusterFormation }, mqtt: { ...base.mqtt } };
  const state: ParseState = { listeners: [], loopbackUsersSeen: false, defaultUserTagsSeen: false };
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const where = `${fileName}:${index + 1}`;
    const line = stripComment(lines[index]).trim();
    if (line === "") continue;
    const equals = line.indexOf("=");
    if (equals < 0) throw new ConfigError(`${where}: expected 'key = value', got '${line}'`);
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    const rule = RULES.find((candidate) => candidate.pattern.test(key));
    const problem = rule === undefined ? UNKNOWN : rule.set(config, value, key.split("."), state);
    if (problem === UNKNOWN) throw new ConfigError(`${where}: unknown key '${key}'${suggestion(key)}`);
    if (problem !== undefined) throw new ConfigError(`${where}: ${key}: expected ${problem}, got '${value}'`);
  }
  if (state.listeners.length > 0) {
    config.host = state.listeners[0].host;
    config.port = state.listeners[0].port;
    config.additionalListeners = state.listeners.slice(1);
  }
  return config;
}

export function readConfigFile(path: string, base: BrokerConfig = defaultConfig()): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { ...parseConfigText(text, path, base), configFile: path };
}

/**
 * The configuration a node starts with: defaults, then the file (WARREN_CONFIG_FILE or
 * /etc/warren/warren.conf), then environment variables, which win as in RabbitMQ's docs.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, base: BrokerConfig = defaultConfig()): BrokerConfig {
  const path = configFilePath(environment);
  const fromFile = path === undefined ? base : readConfigFile(path, base);
  return applyEnvironment(fromFile, environment);
}

// ---- values ----------------------------------------------------------------------------------

function stripComment(line: string): string {
  if (line.trimStart().startsWith("#")) return "";
  const match = /\s#/.exec(line);
  return match === null ? line : line.slice(0, match.index);
}

function withPort(value: string, store: (port: number) => unknown): string | undefined {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) return "a port number (0-65535)";
  store(port);
  return undefined;
}

function withAddress(value: string, store: (host: string) => unknown): string | undefined {
  if (!/^[0-9A-Za-z.:_-]+$/.test(value)) return "an IP address or host name";
  store(value);
  return undefined;
}

function withText(value: string, store: (text: string) => unknown): string | undefined {
  if (value === "") return "a value";
  store(value);
  return undefined;
}

function withInteger(value: string, minimum: number, maximum: number, store: (integer: number) => unknown): string | undefined {
  const integer = Number(value);
  if (!/^-?\d+$/.test(value) || integer < minimum || integer > maximum) return `an integer from ${minimum} to ${maximum}`;
  store(integer);
  return undefined;
}

function withFraction(value: string, store: (fraction: number) => unknown): string | undefined {
  const fraction = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(fraction > 0)) return "a positive number such as 0.4";
  store(fraction);
  return undefined;
}

/** RabbitMQ's information units: k/K/KiB = 2^10, kB/KB = 10^3, M/MiB = 2^20, MB = 10^6, G/GiB = 2^30, GB = 10^9. */
const SIZE_UNITS: Record<string, number> = {
  "": 1, k: 1024, K: 1024, kiB: 1024, KiB: 1024, kB: 1000, KB: 1000,
  M: 1024 ** 2, MiB: 1024 ** 2, MB: 1000 ** 2, G: 1024 ** 3, GiB: 1024 ** 3, GB: 1000 ** 3,
};

export function parseSizeBytes(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value);
  if (match === null || !(match[2] in SIZE_UNITS)) return undefined;
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2]]);
}

function withSize(value: string, store: (bytes: number) => unknown): string | undefined {
  const bytes = parseSizeBytes(value);
  if (bytes === undefined) return "a size in bytes, optionally with a unit (kB, MB, GB, KiB, MiB, GiB)";
  store(bytes);
  return undefined;
}

function isBoolean(value: string): boolean {
  return value === "true" || value === "false";
}

function withListener(value: string, state: ParseState): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:]+)\]:|([0-9A-Za-z._-]+):)?(\d+)$/.exec(value);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65_535) return "a port (5672) or an address and port (127.0.0.1:5672, [::1]:5672)";
  state.listeners.push({ host: match[1] ?? match[2] ?? WILDCARD_HOST, port });
  return undefined;
}

function setDefaultUserTag(config: BrokerConfig, value: string, parts: string[], state: ParseState): string | undefined {
  if (!isBoolean(value)) return "true or false";
  if (!state.defaultUserTagsSeen) config.defaultUserTags = []; // the file's tags replace the default ones
  state.defaultUserTagsSeen = true;
  const tag = parts[1];
  config.defaultUserTags = config.defaultUserTags.filter((existing) => existing !== tag);
  if (value === "true") config.defaultUserTags.push(tag);
  return undefined;
}

function setDefaultPermission(config: BrokerConfig, value: string, parts: string[]): string | undefined {
  try {
    new RegExp(value);
  } catch {
    return "a regular expression";
  }
  config.defaultPermissions = { ...config.defaultPermissions, [parts[1]]: value };
  return undefined;
}

function setLoopbackUsersNone(config: BrokerConfig, value: string, _parts: string[], state: ParseState): string | undefined {
  if (value !== "none") return "'none' (or use loopback_users.USER = true|false)";
  config.loopbackUsers = [];
  state.loopbackUsersSeen = true;
  return undefined;
}

function setLoopbackUser(config: BrokerConfig, value: string, parts: string[], state: ParseState): string | undefined {
  if (!isBoolean(value)) return "true or false";
  const user = parts.slice(1).join(".");
  if (!state.loopbackUsersSeen) config.loopbackUsers = [...config.loopbackUsers];
  state.loopbackUsersSeen = true;
  config.loopbackUsers = config.loopbackUsers.filter((existing) => existing !== user);
  if (value === "true") config.loopbackUsers.push(user);
  return undefined;
}

function setFrameMax(config: BrokerConfig, value: string): string | undefined {
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || (bytes !== 0 && bytes < FRAME_SIZE_BYTES_MIN)) return `0 or an integer of at least ${FRAME_SIZE_BYTES_MIN}`;
  config.frameMaxBytes = bytes;
  return undefined;
}

/** RabbitMQ's levels mapped onto Warren's logger: warning → warn, critical → error, none → silent. */
const LOG_LEVEL_NAMES: Record<string, LogLevel> = {
  debug: "debug", info: "info", notice: "info", warning: "warn", warn: "warn", error: "error", critical: "error", none: "silent",
};

function setLogLevel(config: BrokerConfig, value: string): string | undefined {
  const level = LOG_LEVEL_NAMES[value];
  if (level === undefined) return "debug, info, warning, error, critical or none";
  config.logLevel = level;
  return undefined;
}

function setLogFile(config: BrokerConfig, value: string): string | undefined {
  if (value === "false") {
    config.logDir = undefined;
    return undefined;
  }
  if (!isAbsolute(value)) return "false or an absolute file path";
  config.logDir = dirname(value);
  return undefined;
}

function setPartitionHandling(config: BrokerConfig, value: string): string | undefined {
  if (value !== "ignore" && value !== "pause_minority" && value !== "autoheal") return "ignore, pause_minority or autoheal";
  config.clusterPartitionHandling = value as PartitionHandling;
  return undefined;
}

/** `mqtt.listeners.tcp.default = 1883` or `= 127.0.0.1:1883`, as rabbitmq.conf writes listeners. */
function setMqttListener(config: BrokerConfig, value: string): string | undefined {
  const match = /^(?:(.+):)?([0-9]{1,5})$/.exec(value);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65_535) return "a port (1883) or an address and port (127.0.0.1:1883)";
  config.mqttPort = port;
  if (match[1] !== undefined) config.mqttHost = match[1].replace(/^\[(.*)\]$/, "$1");
  return undefined;
}

function withMqtt(config: BrokerConfig, parts: string[], value: string): string | undefined {
  if (value === "") return "a value";
  config.mqtt[parts.join(".")] = value;
  return undefined;
}

function suggestion(key: string): string {
  const known = ["listeners.tcp.default", "management.tcp.port", "prometheus.tcp.port", "default_user", "default_pass", "default_vhost",
    "loopback_users", "vm_memory_high_watermark.relative", "disk_free_limit.absolute", "heartbeat", "frame_max", "channel_max",
    "max_message_size", "consumer_timeout", "log.file.level", "log.console.level", "cluster_partition_handling"];
  const close = known.find((candidate) => editDistance(candidate, key) <= 2);
  return close === undefined ? "" : ` (did you mean '${close}'?)`;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      current[column] = Math.min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + cost);
    }
    previous = current;
  }
  return previous[right.length];
}
