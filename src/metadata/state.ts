/**
 * The metadata state: plain records keyed by name, never live objects (a queue is its name,
 * flags and arguments, not its process). `apply` is the only writer. The state is owned by
 * whoever runs the state machine and is updated in place, so one command costs what it
 * changes and not a copy of everything; `cloneState` gives a detached copy when one is needed
 * (a snapshot, a test comparing before and after).
 */
import type { HashingAlgorithm } from "../auth/password.js";
import type { JsonObject, UserLimits, VhostLimits } from "./commands.js";
import type { Policy } from "./policies.js";

export interface PermissionRecord {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

export interface TopicPermissionRecord {
  readonly exchange: string;
  readonly write: string;
  readonly read: string;
}

export interface UserRecord {
  readonly name: string;
  passwordHash: string;
  hashingAlgorithm: HashingAlgorithm;
  tags: string[];
  limits: UserLimits;
  /** vhost → permission */
  readonly permissions: Map<string, PermissionRecord>;
  /** vhost → exchange → topic permission */
  readonly topicPermissions: Map<string, Map<string, TopicPermissionRecord>>;
}

export interface ExchangeRecord {
  readonly name: string;
  readonly exchangeType: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: JsonObject;
}

export interface QueueRecord {
  readonly name: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  /** The owning connection's id for an exclusive queue. */
  readonly exclusiveOwner: string | undefined;
  readonly arguments: JsonObject;
}

export interface BindingRecord {
  readonly source: string;
  readonly destination: string;
  readonly destinationType: "queue" | "exchange";
  readonly routingKey: string;
  readonly arguments: JsonObject;
}

export interface VhostRecord {
  readonly name: string;
  description: string;
  tags: string[];
  defaultQueueType: string | undefined;
  tracing: boolean;
  limits: VhostLimits;
  readonly policies: Map<string, Policy>;
  readonly operatorPolicies: Map<string, Policy>;
  /** component → name → value (federation upstreams, shovels, ... are stored and listed). */
  readonly parameters: Map<string, Map<string, unknown>>;
  readonly exchanges: Map<string, ExchangeRecord>;
  readonly queues: Map<string, QueueRecord>;
  /** By `bindingKey`. */
  readonly bindings: Map<string, BindingRecord>;
}

export interface MetadataState {
  readonly vhosts: Map<string, VhostRecord>;
  readonly users: Map<string, UserRecord>;
  readonly globalParameters: Map<string, unknown>;
}

export function emptyState(): MetadataState {
  return { vhosts: new Map(), users: new Map(), globalParameters: new Map() };
}

/** The exchanges every vhost has, as RabbitMQ predeclares them; "" is the default exchange. */
export const PREDECLARED_EXCHANGES: readonly (readonly [string, string])[] = [
  ["", "direct"],
  ["amq.direct", "direct"],
  ["amq.fanout", "fanout"],
  ["amq.topic", "topic"],
  ["amq.headers", "headers"],
  ["amq.match", "headers"],
];

export function isPredeclaredExchange(name: string): boolean {
  return name === "" || PREDECLARED_EXCHANGES.some(([predeclared]) => predeclared === name);
}

export function newVhostRecord(name: string): VhostRecord {
  const exchanges = new Map<string, ExchangeRecord>();
  for (const [exchange, exchangeType] of PREDECLARED_EXCHANGES) {
    exchanges.set(exchange, { name: exchange, exchangeType, durable: true, autoDelete: false, internal: false, arguments: {} });
  }
  return {
    name, description: "", tags: [], defaultQueueType: undefined, tracing: false, limits: {},
    policies: new Map(), operatorPolicies: new Map(), parameters: new Map(), exchanges, queues: new Map(), bindings: new Map(),
  };
}

/** JSON with sorted keys: equal values give equal text (binding identity, state comparison). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Map) return sortKeys(Object.fromEntries([...value].map(([key, item]) => [String(key), item])));
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      // Defined, not assigned: a "__proto__" key (legal in AMQP arguments) must stay a key, not become the prototype.
      if (item !== undefined) Object.defineProperty(sorted, key, { value: sortKeys(item), enumerable: true, writable: true, configurable: true });
    }
    return sorted;
  }
  return value;
}

export function bindingKey(binding: BindingRecord): string {
  return [binding.source, binding.destinationType, binding.destination, binding.routingKey, canonicalJson(binding.arguments)].join("\u0000");
}

/** A detached deep copy (records are JSON-like, so a structured clone keeps Maps and values). */
export function cloneState(state: MetadataState): MetadataState {
  return structuredClone(state);
}

/** Durable objects survive a restart; exclusive queues die with their connection even when durable. */
export function isRecoverableQueue(queue: QueueRecord): boolean {
  return queue.durable && queue.exclusiveOwner === undefined;
}

/** A binding survives a restart when both its ends do. */
export function isRecoverableBinding(vhost: VhostRecord, binding: BindingRecord): boolean {
  const source = vhost.exchanges.get(binding.source);
  if (source === undefined || !source.durable) return false;
  if (binding.destinationType === "exchange") return vhost.exchanges.get(binding.destination)?.durable === true;
  const queue = vhost.queues.get(binding.destination);
  return queue !== undefined && isRecoverableQueue(queue);
}

/**
 * The part of the state a restart keeps: everything but transient exchanges, transient and
 * exclusive queues, and bindings with a transient end. Replaying the log gives exactly this.
 */
export function durableState(state: MetadataState): MetadataState {
  const copy = cloneState(state);
  for (const vhost of copy.vhosts.values()) {
    for (const [key, binding] of vhost.bindings) if (!isRecoverableBinding(vhost, binding)) vhost.bindings.delete(key);
    for (const [name, exchange] of vhost.exchanges) if (!exchange.durable) vhost.exchanges.delete(name);
    for (const [name, queue] of vhost.queues) if (!isRecoverableQueue(queue)) vhost.queues.delete(name);
  }
  return copy;
}
