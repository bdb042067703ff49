/**
 * RabbitMQ's definitions JSON as metadata commands, and the state as definitions JSON: both
 * pure. Imports accept the quirks of real exports: Erlang proplists (`[["max-queues", 50]]`)
 * where objects are meant, vhost limits and operator policies kept as parameters, and users
 * without a hashing algorithm (RabbitMQ's pre-3.6 exports, whose hashes are MD5). A password
 * given in clear is hashed here, before the command exists, so the command is deterministic.
 */
import type { HashingAlgorithm } from "../auth/password.js";
import { hashPassword } from "../auth/password.js";
import { parseTags } from "../auth/tags.js";
import type { DefinitionCommand } from "./commands.js";
import type { ApplyTo, Policy } from "./policies.js";
import { isPredeclaredExchange, type MetadataState, type VhostRecord } from "./state.js";

type Json = Record<string, unknown>;

/** An Erlang proplist exported as `[[key, value], ...]`, or an object: always an object. */
export function objectFrom(value: unknown): Json {
  if (Array.isArray(value)) return Object.fromEntries(value.filter((pair) => Array.isArray(pair) && pair.length === 2).map((pair) => [String(pair[0]), pair[1]]));
  if (value !== null && typeof value === "object") return value as Json;
  return {};
}

function list(definitions: Json, key: string): Json[] {
  const value = definitions[key];
  return Array.isArray(value) ? value.filter((item): item is Json => item !== null && typeof item === "object") : [];
}

const text = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const flag = (value: unknown, fallback: boolean): boolean => (typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : fallback);

/**
 * The commands a definitions document stands for, in RabbitMQ's import order. With
 * `vhost` set, the document is one vhost's (`POST /api/definitions/{vhost}`).
 */
export function definitionCommands(definitions: Json, vhost?: string): DefinitionCommand[] {
  const commands: DefinitionCommand[] = [];
  const vhostOf = (item: Json) => vhost ?? text(item.vhost, "/");
  for (const user of list(definitions, "users")) commands.push(...userCommands(user));
  for (const item of list(definitions, "vhosts")) {
    const metadata = objectFrom(item.metadata);
    const description = text(item.description, text(metadata.description));
    commands.push({ type: "vhost.add", name: text(item.name), description, tags: parseTags(item.tags ?? metadata.tags), defaultQueueType: optionalText(item.default_queue_type ?? metadata.default_queue_type) });
    const limits = objectFrom(item.limits);
    if (Object.keys(limits).length > 0) commands.push({ type: "vhost.set_limits", vhost: text(item.name), limits });
  }
  for (const item of list(definitions, "permissions")) {
    commands.push({ type: "permission.set", user: text(item.user), vhost: vhostOf(item), configure: text(item.configure), write: text(item.write), read: text(item.read) });
  }
  for (const item of list(definitions, "topic_permissions")) {
    commands.push({ type: "topic_permission.set", user: text(item.user), vhost: vhostOf(item), exchange: text(item.exchange), write: text(item.write), read: text(item.read) });
  }
  for (const item of list(definitions, "parameters")) commands.push(parameterCommand(item, vhostOf(item)));
  for (const item of list(definitions, "global_parameters")) {
    // The cluster id is the source cluster's identity; importing it would make two clusters one.
    if (item.name !== "internal_cluster_id") commands.push({ type: "global_parameter.set", name: text(item.name), value: item.value });
  }
  for (const item of list(definitions, "policies")) commands.push(policyCommand(item, vhostOf(item), false));
  for (const item of list(definitions, "queues")) {
    commands.push({ type: "queue.declare", vhost: vhostOf(item), name: text(item.name), durable: flag(item.durable, true), autoDelete: flag(item.auto_delete, false), arguments: objectFrom(item.arguments) });
  }
  for (const item of list(definitions, "exchanges")) {
    commands.push({
      type: "exchange.declare", vhost: vhostOf(item), name: text(item.name), exchangeType: text(item.type, "direct"),
      durable: flag(item.durable, true), autoDelete: flag(item.auto_delete, false), internal: flag(item.internal, false), arguments: objectFrom(item.arguments),
    });
  }
  for (const item of list(definitions, "bindings")) {
    commands.push({
      type: "binding.add", vhost: vhostOf(item), source: text(item.source), destination: text(item.destination),
      destinationType: item.destination_type === "exchange" ? "exchange" : "queue", routingKey: text(item.routing_key), arguments: objectFrom(item.arguments),
    });
  }
  return commands;
}

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value !== "undefined" ? value : undefined;
}

function userCommands(user: Json): DefinitionCommand[] {
  const name = text(user.name);
  const tags = parseTags(user.tags);
  let passwordHash = text(user.password_hash);
  let hashingAlgorithm = (optionalText(user.hashing_algorithm) ?? "rabbit_password_hashing_md5") as HashingAlgorithm;
  if (typeof user.password === "string") {
    passwordHash = hashPassword(user.password);
    hashingAlgorithm = "rabbit_password_hashing_sha256";
  }
  const commands: DefinitionCommand[] = [{ type: "user.add", name, passwordHash, hashingAlgorithm, tags }];
  const limits = objectFrom(user.limits);
  if (Object.keys(limits).length > 0) commands.push({ type: "user.set_limits", name, limits });
  return commands;
}

function parameterCommand(item: Json, vhost: string): DefinitionCommand {
  const component = text(item.component);
  if (component === "vhost-limits") return { type: "vhost.set_limits", vhost, limits: objectFrom(item.value) };
  if (component === "operator_policy" || component === "policy") {
    return policyCommand({ ...objectFrom(item.value), name: item.name }, vhost, component === "operator_policy");
  }
  return { type: "parameter.set", vhost, component, name: text(item.name), value: item.value };
}

function policyCommand(item: Json, vhost: string, operator: boolean): DefinitionCommand {
  return {
    type: "policy.set", vhost, name: text(item.name), pattern: text(item.pattern), definition: objectFrom(item.definition),
    priority: typeof item.priority === "number" ? item.priority : Number(item.priority ?? 0), applyTo: text(item["apply-to"], "all") as ApplyTo, operator,
  };
}


export function policyJson(policy: Policy): Json {
  return { vhost: policy.vhost, name: policy.name, pattern: policy.pattern, "apply-to": policy.applyTo, definition: policy.definition, priority: policy.priority };
}

/** Users, vhosts, permissions and global parameters of the state, in the definitions JSON's shape. */
export function nodeDefinitions(state: MetadataState): Json {
  const users = [...state.users.values()].map((user) => ({
    name: user.name, password_hash: user.passwordHash, hashing_algorithm: user.hashingAlgorithm, tags: user.tags, limits: { ...user.limits },
  }));
  const vhosts = [...state.vhosts.values()].map((vhost) => ({ name: vhost.name, description: vhost.description, tags: vhost.tags, metadata: { description: vhost.description, tags: vhost.tags } }));
  const permissions: Json[] = [];
  const topicPermissions: Json[] = [];
  for (const user of state.users.values()) {
    for (const [vhost, permission] of user.permissions) permissions.push({ user: user.name, vhost, configure: permission.configure, write: permission.write, read: permission.read });
    for (const [vhost, byExchange] of user.topicPermissions) {
      for (const permission of byExchange.values()) topicPermissions.push({ user: user.name, vhost, exchange: permission.exchange, write: permission.write, read: permission.read });
    }
  }
  const globalParameters = [...state.globalParameters].map(([name, value]) => ({ name, value }));
  return { users, vhosts, permissions, topic_permissions: topicPermissions, global_parameters: globalParameters };
}

/** One vhost's parameters (limits and operator policies among them), policies, queues, exchanges and bindings. */
export function vhostDefinitions(vhost: VhostRecord): { parameters: Json[]; policies: Json[]; queues: Json[]; exchanges: Json[]; bindings: Json[] } {
  const parameters: Json[] = [];
  for (const [component, names] of vhost.parameters) {
    for (const [name, value] of names) parameters.push({ value, vhost: vhost.name, component, name });
  }
  if (Object.keys(vhost.limits).length > 0) parameters.push({ value: vhost.limits, vhost: vhost.name, component: "vhost-limits", name: "limits" });
  for (const policy of vhost.operatorPolicies.values()) {
    parameters.push({ value: { pattern: policy.pattern, definition: policy.definition, priority: policy.priority, "apply-to": policy.applyTo }, vhost: vhost.name, component: "operator_policy", name: policy.name });
  }
  const policies = [...vhost.policies.values()].map(policyJson);
  const queues = [...vhost.queues.values()]
    .filter((queue) => queue.exclusiveOwner === undefined)
    .map((queue) => ({ name: queue.name, vhost: vhost.name, durable: queue.durable, auto_delete: queue.autoDelete, arguments: queue.arguments }));
  const exchanges = [...vhost.exchanges.values()]
    .filter((exchange) => !isPredeclaredExchange(exchange.name) && !exchange.name.startsWith("amq."))
    .map((exchange) => ({ name: exchange.name, vhost: vhost.name, type: exchange.exchangeType, durable: exchange.durable, auto_delete: exchange.autoDelete, internal: exchange.internal, arguments: exchange.arguments }));
  const bindings = [...vhost.bindings.values()].map((binding) => ({
    source: binding.source, vhost: vhost.name, destination: binding.destination, destination_type: binding.destinationType, routing_key: binding.routingKey, arguments: binding.arguments,
  }));
  return { parameters, policies, queues, exchanges, bindings };
}
