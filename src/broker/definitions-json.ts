/**
 * RabbitMQ's definitions JSON, both ways: export what the broker holds in the shape
 * `GET /api/definitions` and `rabbitmqctl export_definitions` produce, and import a file
 * made by RabbitMQ 3.x (or by Warren) as definition commands. Imports accept the quirks of
 * real exports: Erlang proplists (`[["max-queues", 50]]`) where objects are meant, vhost
 * limits and operator policies kept as parameters, and users without a hashing algorithm
 * (RabbitMQ's pre-3.6 exports, whose hashes are MD5).
 */
import type { Broker } from "./broker.js";
import type { Vhost } from "./vhost.js";
import type { HashingAlgorithm } from "../auth/password.js";
import { hashPassword } from "../auth/password.js";
import { tableToJs } from "../message/field-table.js";
import { applyDefinitionCommand, operationsState, vhostMetadata, type DefinitionCommand } from "./definitions.js";
import { parseTags } from "../auth/tags.js";
import type { ApplyTo, Policy } from "./policies.js";
import { WARREN_VERSION } from "../version.js";

/** The RabbitMQ version Warren's API speaks; tools such as rabbitmqadmin read it. */
export const RABBITMQ_COMPATIBLE_VERSION = "3.10.8";

type Json = Record<string, unknown>;

function versionHeader(): Json {
  return { rabbit_version: RABBITMQ_COMPATIBLE_VERSION, rabbitmq_version: RABBITMQ_COMPATIBLE_VERSION, product_name: "Warren", product_version: WARREN_VERSION };
}

export function exportDefinitions(broker: Broker): Json {
  const state = operationsState(broker);
  const users = [...broker.users.all()].map((user) => ({
    name: user.name, password_hash: user.passwordHash, hashing_algorithm: user.hashingAlgorithm, tags: user.tags, limits: { ...user.limits },
  }));
  const vhosts = [...broker.vhosts.keys()].map((name) => {
    const metadata = vhostMetadata(broker, name);
    return { name, description: metadata.description, tags: metadata.tags, metadata: { description: metadata.description, tags: metadata.tags } };
  });
  const permissions: Json[] = [];
  const topicPermissions: Json[] = [];
  for (const user of broker.users.all()) {
    for (const [vhost, permission] of user.permissions) permissions.push({ user: user.name, vhost, configure: permission.configure, write: permission.write, read: permission.read });
    for (const [vhost, byExchange] of user.topicPermissions) {
      for (const permission of byExchange.values()) topicPermissions.push({ user: user.name, vhost, exchange: permission.exchange, write: permission.write, read: permission.read });
    }
  }
  const globalParameters = [...state.globalParameters].map(([name, value]) => ({ name, value }));
  const perVhost = [...broker.vhosts.values()].map((vhost) => exportVhostObjects(broker, vhost));
  return {
    ...versionHeader(),
    users,
    vhosts,
    permissions,
    topic_permissions: topicPermissions,
    parameters: perVhost.flatMap((part) => part.parameters),
    global_parameters: globalParameters,
    policies: perVhost.flatMap((part) => part.policies),
    queues: perVhost.flatMap((part) => part.queues),
    exchanges: perVhost.flatMap((part) => part.exchanges),
    bindings: perVhost.flatMap((part) => part.bindings),
  };
}

/** `GET /api/definitions/{vhost}`: the vhost's objects, without the vhost field on each. */
export function exportVhostDefinitions(broker: Broker, vhost: Vhost): Json {
  const part = exportVhostObjects(broker, vhost);
  const strip = (items: Json[]) => items.map(({ vhost: _vhost, ...rest }) => rest);
  return { ...versionHeader(), parameters: strip(part.parameters), policies: strip(part.policies), queues: strip(part.queues), exchanges: strip(part.exchanges), bindings: strip(part.bindings) };
}

export function policyJson(policy: Policy): Json {
  return { vhost: policy.vhost, name: policy.name, pattern: policy.pattern, "apply-to": policy.applyTo, definition: policy.definition, priority: policy.priority };
}

function exportVhostObjects(broker: Broker, vhost: Vhost): { parameters: Json[]; policies: Json[]; queues: Json[]; exchanges: Json[]; bindings: Json[] } {
  const state = operationsState(broker);
  const parameters: Json[] = [];
  for (const [component, names] of state.parameters.get(vhost.name) ?? []) {
    for (const [name, value] of names) parameters.push({ value, vhost: vhost.name, component, name });
  }
  const limits = state.vhostLimits.get(vhost.name);
  if (limits !== undefined && Object.keys(limits).length > 0) parameters.push({ value: limits, vhost: vhost.name, component: "vhost-limits", name: "limits" });
  const store = state.policies.get(vhost.name);
  for (const policy of store?.operatorPolicies.values() ?? []) {
    parameters.push({ value: { pattern: policy.pattern, definition: policy.definition, priority: policy.priority, "apply-to": policy.applyTo }, vhost: vhost.name, component: "operator_policy", name: policy.name });
  }
  const policies = [...(store?.policies.values() ?? [])].map(policyJson);
  const queues = [...vhost.queues.values()]
    .filter((queue) => queue.exclusiveOwner === undefined)
    .map((queue) => ({ name: queue.name, vhost: vhost.name, durable: queue.durable, auto_delete: queue.autoDelete, arguments: tableToJs(queue.arguments) }));
  const exchanges = [...vhost.exchanges.values()]
    .filter((exchange) => exchange.name !== "" && !exchange.name.startsWith("amq."))
    .map((exchange) => ({ name: exchange.name, vhost: vhost.name, type: exchange.typeName, durable: exchange.durable, auto_delete: exchange.autoDelete, internal: exchange.internal, arguments: tableToJs(exchange.arguments) }));
  const bindings: Json[] = [];
  for (const binding of vhost.bindings()) {
    if (binding.source === "") continue;
    bindings.push({ source: binding.source, vhost: vhost.name, destination: binding.destination.name, destination_type: binding.destination.kind, routing_key: binding.routingKey, arguments: tableToJs(binding.arguments) });
  }
  return { parameters, policies, queues, exchanges, bindings };
}

// ---- import ------------------------------------------------------------------------------------

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

export interface ImportResult {
  readonly applied: number;
  /** One sentence per command that failed; the others were applied, as in RabbitMQ. */
  readonly errors: string[];
}

export function importDefinitions(broker: Broker, definitions: Json, vhost?: string): ImportResult {
  let applied = 0;
  const errors: string[] = [];
  for (const command of definitionCommands(definitions, vhost)) {
    try {
      applyDefinitionCommand(broker, command);
      applied++;
    } catch (error) {
      errors.push(`${describe(command)}: ${(error as Error).message}`);
    }
  }
  return { applied, errors };
}

function describe(command: DefinitionCommand): string {
  const subject = "name" in command ? command.name : "user" in command ? command.user : "";
  const where = "vhost" in command ? ` in vhost '${command.vhost}'` : "";
  return `${command.type} '${subject}'${where}`;
}
