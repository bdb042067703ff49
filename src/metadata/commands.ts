/**
 * The commands of the metadata state machine (DESIGN.md §4). A command is a plain JSON value:
 * it is what the metadata log stores, what a Raft entry will carry, and what `apply` consumes.
 * Commands carry password hashes, never passwords, and every nondeterministic input (the time,
 * a generated name, a salt) is decided by the proposer and carried in the command or its
 * meta, so every replay of one log gives one state.
 *
 * Versioning: `v` is the command format's version. Commands written before versions existed
 * have none and are version 1; `upgradeCommand` turns any stored version into the current one,
 * so an old log replays after an upgrade.
 */
import type { HashingAlgorithm } from "../auth/password.js";
import type { ApplyTo } from "./policies.js";

export const COMMAND_VERSION = 1;

/** RabbitMQ's user limits; a negative value (or none) means no limit. */
export interface UserLimits {
  "max-connections"?: number;
  "max-channels"?: number;
}
export const USER_LIMIT_NAMES = ["max-connections", "max-channels"] as const;

/** RabbitMQ's vhost limits; a negative value means no limit. */
export interface VhostLimits {
  "max-connections"?: number;
  "max-queues"?: number;
}
export const VHOST_LIMIT_NAMES = ["max-connections", "max-queues"] as const;

export type JsonObject = Record<string, unknown>;

export type DefinitionCommand =
  | { type: "vhost.add"; name: string; description?: string; tags?: string[]; defaultQueueType?: string; tracing?: boolean }
  | { type: "vhost.delete"; name: string }
  | { type: "vhost.set_limits"; vhost: string; limits: VhostLimits }
  | { type: "vhost.clear_limits"; vhost: string; name?: string }
  | { type: "user.add"; name: string; passwordHash: string; hashingAlgorithm: HashingAlgorithm; tags: string[] }
  | { type: "user.delete"; name: string }
  | { type: "user.set_password_hash"; name: string; passwordHash: string; hashingAlgorithm: HashingAlgorithm }
  | { type: "user.set_tags"; name: string; tags: string[] }
  | { type: "user.set_limits"; name: string; limits: UserLimits }
  | { type: "user.clear_limits"; name: string; limit?: string }
  | { type: "permission.set"; user: string; vhost: string; configure: string; write: string; read: string }
  | { type: "permission.clear"; user: string; vhost: string }
  | { type: "topic_permission.set"; user: string; vhost: string; exchange: string; write: string; read: string }
  | { type: "topic_permission.clear"; user: string; vhost: string; exchange?: string }
  | { type: "policy.set"; vhost: string; name: string; pattern: string; definition: JsonObject; priority: number; applyTo: ApplyTo; operator: boolean }
  | { type: "policy.clear"; vhost: string; name: string; operator: boolean }
  | { type: "parameter.set"; vhost: string; component: string; name: string; value: unknown }
  | { type: "parameter.clear"; vhost: string; component: string; name: string }
  | { type: "global_parameter.set"; name: string; value: unknown }
  | { type: "global_parameter.clear"; name: string }
  | { type: "exchange.declare"; vhost: string; name: string; exchangeType: string; durable: boolean; autoDelete: boolean; internal: boolean; arguments: JsonObject }
  /** `ifUnused` is checked against the state's bindings; a missing exchange is no error (RabbitMQ 3.x). */
  | { type: "exchange.delete"; vhost: string; name: string; ifUnused: boolean }
  /** `exclusiveOwner` names the owning connection (see `ownerId`); exclusive queues never survive a restart. */
  | { type: "queue.declare"; vhost: string; name: string; durable: boolean; autoDelete: boolean; arguments: JsonObject; exclusiveOwner?: string }
  /**
   * `ifUnused` and `ifEmpty` depend on consumers and messages, which are not metadata: the
   * proposer checks them against the running queue before it proposes, and `apply` ignores them.
   */
  | { type: "queue.delete"; vhost: string; name: string; ifUnused: boolean; ifEmpty: boolean }
  | { type: "binding.add"; vhost: string; source: string; destination: string; destinationType: "queue" | "exchange"; routingKey: string; arguments: JsonObject }
  | { type: "binding.remove"; vhost: string; source: string; destination: string; destinationType: "queue" | "exchange"; routingKey: string; arguments: JsonObject };

/** A command as stored: the definition command with its format version. */
export type VersionedCommand = DefinitionCommand & { v?: number };

export type CommandType = DefinitionCommand["type"];

/** What the proposer decides for the whole command: the time it was proposed at. */
export interface CommandMeta {
  readonly nowMs: number;
}

export const COMMAND_TYPES: ReadonlySet<string> = new Set<CommandType>([
  "vhost.add", "vhost.delete", "vhost.set_limits", "vhost.clear_limits",
  "user.add", "user.delete", "user.set_password_hash", "user.set_tags", "user.set_limits", "user.clear_limits",
  "permission.set", "permission.clear", "topic_permission.set", "topic_permission.clear",
  "policy.set", "policy.clear", "parameter.set", "parameter.clear", "global_parameter.set", "global_parameter.clear",
  "exchange.declare", "exchange.delete", "queue.declare", "queue.delete", "binding.add", "binding.remove",
]);

/**
 * A stored command in the current version, or undefined when it is not a command this node
 * understands (a log from a newer version): the caller refuses to start rather than skip it.
 */
export function upgradeCommand(stored: unknown): DefinitionCommand | undefined {
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return undefined;
  const { v, ...command } = stored as { v?: unknown; type?: unknown };
  if (v !== undefined && v !== COMMAND_VERSION) return undefined;
  if (typeof command.type !== "string" || !COMMAND_TYPES.has(command.type)) return undefined;
  return command as DefinitionCommand;
}

/** The command as the log stores it. */
export function versioned(command: DefinitionCommand): VersionedCommand {
  return { ...command, v: COMMAND_VERSION };
}
