/**
 * The broker's settings, their defaults (RabbitMQ's, where the meaning is the same),
 * and how environment variables override them. `WARREN_*` names come first; the
 * `RABBITMQ_*` spellings are accepted as aliases so container setups carry over.
 */
import {
  CHANNEL_MAX_DEFAULT,
  FRAME_SIZE_BYTES_DEFAULT,
  HEARTBEAT_SECONDS_DEFAULT,
  MESSAGE_SIZE_BYTES_DEFAULT,
} from "./limits.js";

export interface BrokerConfig {
  /** Address the AMQP listener binds to. */
  host: string;
  /** AMQP port; 0 picks a free one (tests, embedding). */
  port: number;
  nodeName: string;
  dataDir: string | undefined;
  logDir: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  defaultUser: string;
  defaultPass: string;
  defaultVhost: string;
  /** Users that may connect only from loopback addresses (RabbitMQ's loopback_users). */
  loopbackUsers: string[];
  heartbeatSeconds: number;
  frameMaxBytes: number;
  channelMax: number;
  maxMessageSizeBytes: number;
}

export function defaultConfig(): BrokerConfig {
  return {
    host: "0.0.0.0",
    port: 5672,
    nodeName: `warren@${hostnameShort()}`,
    dataDir: undefined,
    logDir: undefined,
    logLevel: "info",
    defaultUser: "guest",
    defaultPass: "guest",
    defaultVhost: "/",
    loopbackUsers: ["guest"],
    heartbeatSeconds: HEARTBEAT_SECONDS_DEFAULT,
    frameMaxBytes: FRAME_SIZE_BYTES_DEFAULT,
    channelMax: CHANNEL_MAX_DEFAULT,
    maxMessageSizeBytes: MESSAGE_SIZE_BYTES_DEFAULT,
  };
}

function hostnameShort(): string {
  return (process.env.HOSTNAME ?? "localhost").split(".")[0] || "localhost";
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
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`${name}: expected a port number (0-65535), got '${text}'`);
  return port;
}

/** Applies the environment variables over a configuration. */
export function applyEnvironment(config: BrokerConfig, environment: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const result = { ...config };
  const read = (name: string) => environmentValue(environment, name);
  const port = read("NODE_PORT");
  if (port !== undefined) result.port = portFrom("WARREN_NODE_PORT", port);
  result.host = read("NODE_IP_ADDRESS") ?? result.host;
  const nodeName = read("NODENAME");
  if (nodeName !== undefined) result.nodeName = nodeName.includes("@") ? nodeName : `${nodeName}@${hostnameShort()}`;
  result.dataDir = read("DATA_DIR") ?? read("MNESIA_BASE") ?? result.dataDir;
  result.logDir = read("LOG_DIR") ?? read("LOG_BASE") ?? result.logDir;
  result.defaultUser = read("DEFAULT_USER") ?? result.defaultUser;
  result.defaultPass = read("DEFAULT_PASS") ?? result.defaultPass;
  result.defaultVhost = read("DEFAULT_VHOST") ?? result.defaultVhost;
  const level = read("LOG_LEVEL");
  if (level !== undefined) {
    if (!["debug", "info", "warn", "error", "silent"].includes(level)) throw new ConfigError(`WARREN_LOG_LEVEL: expected debug, info, warn, error or silent, got '${level}'`);
    result.logLevel = level as BrokerConfig["logLevel"];
  }
  return result;
}
