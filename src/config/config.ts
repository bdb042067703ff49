/**
 * The broker's settings, their defaults (RabbitMQ's, where the meaning is the same),
 * and where they come from: defaults, then `warren.conf` (rabbitmq.conf's format, see
 * warren-conf.ts), then environment variables. `WARREN_*` names come first; the
 * `RABBITMQ_*` spellings are accepted as aliases so container setups carry over.
 */
// node:fs directly: the configuration is resolved at start-up, before the node (and its io) is built.
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import {
  CHANNEL_MAX_DEFAULT,
  FRAME_SIZE_BYTES_DEFAULT,
  HEARTBEAT_SECONDS_DEFAULT,
  MESSAGE_SIZE_BYTES_DEFAULT,
} from "./limits.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type PartitionHandling = "ignore" | "pause_minority" | "autoheal";

export interface ListenerAddress {
  readonly host: string;
  readonly port: number;
}

export interface BrokerConfig {
  /** Address the AMQP listener binds to. */
  host: string;
  /** AMQP port; 0 picks a free one (tests, embedding). */
  port: number;
  /** More AMQP listeners (listeners.tcp.N beyond the first). */
  additionalListeners: ListenerAddress[];
  nodeName: string;
  dataDir: string | undefined;
  logDir: string | undefined;
  logLevel: LogLevel;
  defaultUser: string;
  defaultPass: string;
  defaultVhost: string;
  /** Tags of the default user (default_user_tags.administrator = true). */
  defaultUserTags: string[];
  /** The default user's permissions on the default vhost (default_permissions.*). */
  defaultPermissions: { configure: string; write: string; read: string };
  /** Users that may connect only from loopback addresses (RabbitMQ's loopback_users). */
  loopbackUsers: string[];
  heartbeatSeconds: number;
  frameMaxBytes: number;
  channelMax: number;
  maxMessageSizeBytes: number;
  /** Size of a durable queue's segment files (tests use small ones so rollover and deletion happen). */
  segmentSizeBytes: number | undefined;
  /** How long a delivery may stay unacknowledged before its channel is closed (RabbitMQ: 30 minutes). */
  consumerTimeoutMs: number;
  /** Memory alarm threshold as a fraction of the machine's memory, unless an absolute one is set. */
  memoryHighWatermarkRelative: number;
  memoryHighWatermarkAbsoluteBytes: number | undefined;
  /** Disk alarm threshold: free space below this blocks publishers. */
  diskFreeLimitBytes: number;
  /** Disk alarm threshold relative to the machine's memory (disk_free_limit.relative), when set. */
  diskFreeLimitRelative: number | undefined;
  /** Management HTTP API and web UI. */
  managementHost: string;
  managementPort: number;
  /** Prometheus exporter. */
  metricsHost: string;
  metricsPort: number;
  /** Node control port (warrenctl, later node-to-node), RabbitMQ's distribution port. */
  controlHost: string;
  controlPort: number;
  clusterPartitionHandling: PartitionHandling;
  /** cluster_formation.* keys as written, kept for the cluster work. */
  clusterFormation: Record<string, string>;
  /** mqtt.* keys as written, kept for the MQTT adapter. */
  mqtt: Record<string, string>;
  /** The MQTT listener (mqtt.listeners.tcp.default, WARREN_MQTT_PORT); undefined turns it off. */
  mqttHost: string;
  mqttPort: number | undefined;
  /** The configuration file that was read, if any (status and environment show it). */
  configFile: string | undefined;
}

export const MANAGEMENT_PORT_DEFAULT = 15_672;
export const METRICS_PORT_DEFAULT = 15_692;
/** Every address, IPv6 and IPv4 (dual stack): where listeners bind unless told otherwise. */
export const WILDCARD_HOST = "::";
/** RabbitMQ's distribution port is the AMQP port + 20000, so 25672 by default. */
export const CONTROL_PORT_OFFSET = 20_000;
/** The configuration file read when WARREN_CONFIG_FILE is not set, if it exists. */
export const CONFIG_FILE_DEFAULT = "/etc/warren/warren.conf";

export function defaultConfig(): BrokerConfig {
  return {
    // Every listener binds "::", dual stack (IPv4 clients arrive as ::ffff:a.b.c.d), as RabbitMQ's do;
    // a host without IPv6 falls back to 0.0.0.0 (src/node/listen-host.ts).
    host: WILDCARD_HOST,
    port: 5672,
    additionalListeners: [],
    nodeName: `warren@${hostnameShort()}`,
    dataDir: undefined,
    logDir: undefined,
    logLevel: "info",
    defaultUser: "guest",
    defaultPass: "guest",
    defaultVhost: "/",
    defaultUserTags: ["administrator"],
    defaultPermissions: { configure: ".*", write: ".*", read: ".*" },
    loopbackUsers: ["guest"],
    heartbeatSeconds: HEARTBEAT_SECONDS_DEFAULT,
    frameMaxBytes: FRAME_SIZE_BYTES_DEFAULT,
    channelMax: CHANNEL_MAX_DEFAULT,
    maxMessageSizeBytes: MESSAGE_SIZE_BYTES_DEFAULT,
    consumerTimeoutMs: 30 * 60 * 1000,
    segmentSizeBytes: undefined,
    memoryHighWatermarkRelative: 0.4,
    memoryHighWatermarkAbsoluteBytes: undefined,
    diskFreeLimitBytes: 50_000_000,
    diskFreeLimitRelative: undefined,
    managementHost: WILDCARD_HOST,
    managementPort: MANAGEMENT_PORT_DEFAULT,
    metricsHost: WILDCARD_HOST,
    metricsPort: METRICS_PORT_DEFAULT,
    controlHost: WILDCARD_HOST,
    controlPort: 5672 + CONTROL_PORT_OFFSET,
    clusterPartitionHandling: "ignore",
    clusterFormation: {},
    mqtt: {},
    mqttHost: WILDCARD_HOST,
    mqttPort: 1_883,
    configFile: undefined,
  };
}

/**
 * The host part of the default node name: the host name up to its first dot, as RabbitMQ's
 * `rabbit@host` (short names). From the system, not $HOSTNAME, which bash sets but does not
 * export: the node and warrenctl must agree whatever started them.
 */
export function hostnameShort(): string {
  return hostname().split(".")[0] || "localhost";
}

/** Reads `WARREN_<name>`, else `RABBITMQ_<name>`. */
export function environmentValue(environment: NodeJS.ProcessEnv, name: string): string | undefined {
  return environment[`WARREN_${name}`] ?? environment[`RABBITMQ_${name}`];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function portFrom(name: string, text: string): number {
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`${name}: expected a port number (0-65535), got '${text}'`);
  return port;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** Applies the environment variables over a configuration. */
export function applyEnvironment(config: BrokerConfig, environment: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const result = { ...config };
  const read = (name: string) => environmentValue(environment, name);
  const port = read("NODE_PORT");
  if (port !== undefined) {
    result.port = portFrom("WARREN_NODE_PORT", port);
    // RabbitMQ derives the distribution port from the AMQP port unless it is set on its own.
    if (result.port !== 0) result.controlPort = result.port + CONTROL_PORT_OFFSET;
  }
  const distributionPort = read("DIST_PORT");
  if (distributionPort !== undefined) result.controlPort = portFrom("WARREN_DIST_PORT", distributionPort);
  const managementPort = read("MANAGEMENT_PORT");
  if (managementPort !== undefined) result.managementPort = portFrom("WARREN_MANAGEMENT_PORT", managementPort);
  const metricsPort = read("PROMETHEUS_PORT");
  if (metricsPort !== undefined) result.metricsPort = portFrom("WARREN_PROMETHEUS_PORT", metricsPort);
  const segmentSize = read("SEGMENT_SIZE_BYTES");
  if (segmentSize !== undefined) {
    const bytes = Number(segmentSize);
    if (!Number.isInteger(bytes) || bytes < 4_096) throw new ConfigError(`WARREN_SEGMENT_SIZE_BYTES: expected a whole number of bytes, at least 4096, got '${segmentSize}'`);
    result.segmentSizeBytes = bytes;
  }
  const mqttPort = read("MQTT_PORT");
  if (mqttPort !== undefined) result.mqttPort = portFrom("WARREN_MQTT_PORT", mqttPort);
  const address = read("NODE_IP_ADDRESS");
  if (address !== undefined) {
    // Every listener binds where AMQP does: a node bound to one loopback address (several nodes on
    // one machine) stays there. The management and metrics listeners only when warren.conf did not
    // name their own address.
    result.host = address;
    result.controlHost = address;
    result.mqttHost = address;
    if (result.managementHost === WILDCARD_HOST) result.managementHost = address;
    if (result.metricsHost === WILDCARD_HOST) result.metricsHost = address;
  }
  const nodeName = read("NODENAME");
  if (nodeName !== undefined) result.nodeName = nodeName.includes("@") ? nodeName : `${nodeName}@${hostnameShort()}`;
  result.dataDir = read("DATA_DIR") ?? read("MNESIA_BASE") ?? result.dataDir;
  result.logDir = read("LOG_DIR") ?? read("LOG_BASE") ?? result.logDir;
  result.defaultUser = read("DEFAULT_USER") ?? result.defaultUser;
  result.defaultPass = read("DEFAULT_PASS") ?? result.defaultPass;
  result.defaultVhost = read("DEFAULT_VHOST") ?? result.defaultVhost;
  const level = read("LOG_LEVEL");
  if (level !== undefined) {
    if (!LOG_LEVELS.includes(level as LogLevel)) throw new ConfigError(`WARREN_LOG_LEVEL: expected debug, info, warn, error or silent, got '${level}'`);
    result.logLevel = level as LogLevel;
  }
  return result;
}

/** The configuration file to read: WARREN_CONFIG_FILE (or RABBITMQ_CONFIG_FILE), else the default path if it exists. */
export function configFilePath(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = environmentValue(environment, "CONFIG_FILE");
  if (named !== undefined && named !== "") return named;
  return existsSync(CONFIG_FILE_DEFAULT) ? CONFIG_FILE_DEFAULT : undefined;
}
