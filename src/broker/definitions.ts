/**
 * Every definition change an operator makes (users, vhosts, permissions, policies,
 * parameters, limits, and exchanges, queues and bindings declared by an operator) is a
 * command object applied by one function, `applyDefinitionCommand`, as DESIGN.md §4 asks:
 * the durability work logs the commands it is told about (`onDefinitionCommand`) and
 * replays them through the same function. Commands carry password hashes, never
 * passwords, so the log holds no secret and a replay gives the same state.
 *
 * The state the Broker class does not hold yet (vhost metadata and limits, policies,
 * parameters) lives in `operationsState(broker)`, beside it.
 */
import type { Broker } from "./broker.js";
import type { Vhost } from "./vhost.js";
import { VHOST_LIMIT_NAMES, type DefinitionCommand, type VhostLimits } from "../metadata/commands.js";
import { USER_LIMIT_NAMES, type UserLimits } from "../auth/users.js";
import { fail } from "../errors/registry.js";
import { userPatternProblem } from "../lib/user-pattern.js";
import { tableFromJs } from "../message/field-table.js";
import { PolicyStore, validatePolicy, type ApplyTo, type EffectivePolicy, type PolicyTarget } from "./policies.js";
import type { BindingDestination } from "./exchange/exchange-type.js";

export interface VhostMetadata {
  description: string;
  tags: string[];
  defaultQueueType: string | undefined;
  tracing: boolean;
}

export type { DefinitionCommand, VhostLimits } from "../metadata/commands.js";
export { VHOST_LIMIT_NAMES } from "../metadata/commands.js";

export interface OperationsState {
  readonly vhostMetadata: Map<string, VhostMetadata>;
  readonly vhostLimits: Map<string, VhostLimits>;
  readonly policies: Map<string, PolicyStore>;
  /** vhost → component → name → value (federation upstreams, shovels, ... are stored and listed). */
  readonly parameters: Map<string, Map<string, Map<string, unknown>>>;
  readonly globalParameters: Map<string, unknown>;
  readonly commandListeners: Set<(command: DefinitionCommand) => void>;
  readonly policyListeners: Set<(vhost: string) => void>;
}

const states = new WeakMap<Broker, OperationsState>();

export function operationsState(broker: Broker): OperationsState {
  let state = states.get(broker);
  if (state === undefined) {
    state = {
      vhostMetadata: new Map(),
      vhostLimits: new Map(),
      policies: new Map(),
      parameters: new Map(),
      globalParameters: new Map([["cluster_name", broker.config.nodeName]]),
      commandListeners: new Set(),
      policyListeners: new Set(),
    };
    states.set(broker, state);
  }
  return state;
}

export function vhostMetadata(broker: Broker, vhost: string): VhostMetadata {
  const state = operationsState(broker);
  let metadata = state.vhostMetadata.get(vhost);
  if (metadata === undefined) {
    const description = vhost === broker.config.defaultVhost ? "Default virtual host" : "";
    metadata = { description, tags: [], defaultQueueType: undefined, tracing: false };
    state.vhostMetadata.set(vhost, metadata);
  }
  return metadata;
}

/** Subscribes to every applied command (the durability work logs them). Returns an unsubscribe function. */
export function onDefinitionCommand(broker: Broker, listener: (command: DefinitionCommand) => void): () => void {
  const listeners = operationsState(broker).commandListeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Subscribes to policy changes of a vhost, so queues and exchanges apply them at once. */
export function onPolicyChange(broker: Broker, listener: (vhost: string) => void): () => void {
  const listeners = operationsState(broker).policyListeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The policy in force for a queue or exchange, with an operator policy merged over it. */
export function effectivePolicy(broker: Broker, vhost: string, kind: "queue" | "exchange", name: string, queueType?: string): EffectivePolicy {
  const store = operationsState(broker).policies.get(vhost);
  const target: PolicyTarget = { kind, name, queueType };
  return store === undefined ? { policy: undefined, operatorPolicy: undefined, definition: {} } : store.effective(target);
}

/** An exclusive-owner stand-in for queues an operator declares: they belong to no connection. */
const OPERATOR = Object.freeze({ operator: true });

export function applyDefinitionCommand(broker: Broker, command: DefinitionCommand): void {
  applyCommand(broker, command);
  for (const listener of operationsState(broker).commandListeners) listener(command);
}

function applyCommand(broker: Broker, command: DefinitionCommand): void {
  const state = operationsState(broker);
  switch (command.type) {
    case "vhost.add": {
      broker.addVhost(command.name);
      const metadata = vhostMetadata(broker, command.name);
      if (command.description !== undefined) metadata.description = command.description;
      if (command.tags !== undefined) metadata.tags = [...command.tags];
      if (command.defaultQueueType !== undefined) metadata.defaultQueueType = command.defaultQueueType;
      if (command.tracing !== undefined) metadata.tracing = command.tracing;
      return;
    }
    case "vhost.delete":
      return deleteVhost(broker, command.name);
    case "vhost.set_limits":
      requireVhost(broker, command.vhost);
      state.vhostLimits.set(command.vhost, { ...state.vhostLimits.get(command.vhost), ...checkLimits(command.limits, VHOST_LIMIT_NAMES) });
      return;
    case "vhost.clear_limits":
      return clearLimit(state.vhostLimits, command.vhost, command.name);
    case "user.add":
      broker.users.addWithHash(command.name, command.passwordHash, command.hashingAlgorithm, command.tags);
      return;
    case "user.delete":
      if (!broker.users.delete(command.name)) throw fail.notFound(`user '${command.name}' does not exist`);
      return closeConnectionsOfUser(broker, command.name);
    case "user.set_password_hash": {
      const user = requireUser(broker, command.name);
      user.passwordHash = command.passwordHash;
      user.hashingAlgorithm = command.hashingAlgorithm;
      return;
    }
    case "user.set_tags":
      requireUser(broker, command.name).tags = [...command.tags];
      return;
    case "user.set_limits": {
      const user = requireUser(broker, command.name);
      user.limits = { ...user.limits, ...checkLimits(command.limits, USER_LIMIT_NAMES) };
      return;
    }
    case "user.clear_limits": {
      const user = requireUser(broker, command.name);
      if (command.limit === undefined || command.limit === "all") user.limits = {};
      else delete user.limits[command.limit as keyof UserLimits];
      return;
    }
    case "permission.set":
      requireUser(broker, command.user);
      requireVhost(broker, command.vhost);
      checkPatterns([command.configure, command.write, command.read]);
      broker.users.setPermissions(command.user, command.vhost, command);
      return;
    case "permission.clear":
      requireUser(broker, command.user);
      broker.users.clearPermissions(command.user, command.vhost);
      return;
    case "topic_permission.set":
      requireUser(broker, command.user);
      requireVhost(broker, command.vhost);
      checkPatterns([command.write, command.read]);
      broker.users.setTopicPermission(command.user, command.vhost, command);
      return;
    case "topic_permission.clear":
      requireUser(broker, command.user);
      broker.users.clearTopicPermissions(command.user, command.vhost, command.exchange);
      return;
    case "policy.set":
      return setPolicy(broker, command);
    case "policy.clear": {
      const removed = state.policies.get(command.vhost)?.clear(command.name, command.operator) ?? false;
      if (!removed) throw fail.notFound(`${command.operator ? "operator policy" : "policy"} '${command.name}' not found in vhost '${command.vhost}'`);
      return notifyPolicyChange(broker, command.vhost);
    }
    case "parameter.set": {
      requireVhost(broker, command.vhost);
      let components = state.parameters.get(command.vhost);
      if (components === undefined) state.parameters.set(command.vhost, (components = new Map()));
      let names = components.get(command.component);
      if (names === undefined) components.set(command.component, (names = new Map()));
      names.set(command.name, command.value);
      return;
    }
    case "parameter.clear":
      if (!(state.parameters.get(command.vhost)?.get(command.component)?.delete(command.name) ?? false)) {
        throw fail.notFound(`parameter '${command.name}' of component '${command.component}' not found in vhost '${command.vhost}'`);
      }
      return;
    case "global_parameter.set":
      state.globalParameters.set(command.name, command.value);
      return;
    case "global_parameter.clear":
      if (!state.globalParameters.delete(command.name)) throw fail.notFound(`global parameter '${command.name}' not found`);
      return;
    case "exchange.declare":
      requireVhost(broker, command.vhost).declareExchange(
        { name: command.name, typeName: command.exchangeType, durable: command.durable, autoDelete: command.autoDelete, internal: command.internal, arguments: tableFromJs(command.arguments) },
        false,
      );
      return;
    case "exchange.delete":
      requireVhost(broker, command.vhost).exchange(command.name);
      requireVhost(broker, command.vhost).deleteExchange(command.name, command.ifUnused);
      return;
    case "queue.declare":
      requireVhost(broker, command.vhost).declareQueue(command.name, { durable: command.durable, autoDelete: command.autoDelete, exclusiveOwner: undefined, arguments: tableFromJs(command.arguments) }, OPERATOR);
      return;
    case "queue.delete":
      return deleteQueue(requireVhost(broker, command.vhost), command.name, command.ifUnused, command.ifEmpty);
    case "binding.add":
    case "binding.remove": {
      const vhost = requireVhost(broker, command.vhost);
      const source = vhost.exchange(command.source);
      const destination: BindingDestination = command.destinationType === "queue" ? vhost.queue(command.destination) : vhost.exchange(command.destination);
      const args = tableFromJs(command.arguments);
      if (command.type === "binding.add") vhost.bind(source, destination, command.routingKey, args);
      else vhost.unbind(source, destination, command.routingKey, args);
      return;
    }
  }
}

function requireVhost(broker: Broker, name: string): Vhost {
  const vhost = broker.vhosts.get(name);
  if (vhost === undefined) throw fail.notFound(`vhost '${name}' does not exist`);
  return vhost;
}

function requireUser(broker: Broker, name: string) {
  const user = broker.users.get(name);
  if (user === undefined) throw fail.notFound(`user '${name}' does not exist`);
  return user;
}

/** Permission patterns are matched by the linear-time engine (src/lib/user-pattern.ts): its syntax decides. */
function checkPatterns(patterns: string[]): void {
  for (const pattern of patterns) {
    const problem = userPatternProblem(pattern);
    if (problem !== undefined) throw fail.preconditionFailed(problem);
  }
}

function checkLimits<Limits extends object>(limits: Limits, names: readonly string[]): Limits {
  for (const [name, value] of Object.entries(limits)) {
    if (!names.includes(name)) throw fail.preconditionFailed(`unknown limit '${name}': expected one of ${names.join(", ")}`);
    if (!Number.isInteger(value)) throw fail.preconditionFailed(`limit '${name}' must be an integer, got ${JSON.stringify(value)}`);
  }
  return limits;
}

function clearLimit(limits: Map<string, VhostLimits>, vhost: string, name: string | undefined): void {
  if (name === undefined || name === "all") {
    limits.delete(vhost);
    return;
  }
  const current = limits.get(vhost);
  if (current !== undefined) delete current[name as keyof VhostLimits];
}

function setPolicy(broker: Broker, command: Extract<DefinitionCommand, { type: "policy.set" }>): void {
  requireVhost(broker, command.vhost);
  const problems = validatePolicy(command, command.operator);
  if (problems.length > 0) throw fail.preconditionFailed(`Validation failed: ${problems.join("; ")}`);
  const state = operationsState(broker);
  let store = state.policies.get(command.vhost);
  if (store === undefined) state.policies.set(command.vhost, (store = new PolicyStore()));
  const { vhost, name, pattern, definition, priority, applyTo } = command;
  store.set({ vhost, name, pattern, definition: { ...definition }, priority, applyTo }, command.operator);
  notifyPolicyChange(broker, command.vhost);
}

function notifyPolicyChange(broker: Broker, vhost: string): void {
  for (const listener of operationsState(broker).policyListeners) listener(vhost);
}

function deleteQueue(vhost: Vhost, name: string, ifUnused: boolean, ifEmpty: boolean): void {
  const queue = vhost.queue(name);
  if (ifUnused && queue.consumerCount > 0) throw fail.preconditionFailed(`queue '${name}' in vhost '${vhost.name}' in use`);
  if (ifEmpty && queue.readyCount + queue.unackedCount > 0) throw fail.preconditionFailed(`queue '${name}' in vhost '${vhost.name}' is not empty`);
  vhost.deleteQueue(queue);
}

/**
 * A deleted user's open connections are closed (320 CONNECTION_FORCED "user 'u' is deleted"), as
 * RabbitMQ 3.10.8 does (checked); a changed password or permission leaves them open, and a changed
 * permission applies from their next operation.
 */
function closeConnectionsOfUser(broker: Broker, name: string): void {
  for (const connection of [...broker.connections]) {
    if (connection.info().user !== name) continue;
    const closable = connection as { closeByOperator?: (reason: string) => void };
    if (closable.closeByOperator !== undefined) closable.closeByOperator(`user '${name}' is deleted`);
    else connection.shutdown(`user '${name}' is deleted`);
  }
}

/**
 * Deleting a vhost closes its connections, deletes its queues and exchanges, and drops every
 * permission, policy, parameter and limit on it, as RabbitMQ does.
 */
function deleteVhost(broker: Broker, name: string): void {
  const vhost = requireVhost(broker, name);
  for (const connection of [...broker.connections]) {
    if (connection.info().vhost !== name) continue;
    const closable = connection as { closeByOperator?: (reason: string) => void };
    if (closable.closeByOperator !== undefined) closable.closeByOperator(`vhost '${name}' is deleted`);
    else connection.shutdown(`vhost '${name}' is deleted`);
  }
  for (const queue of [...vhost.queues.values()]) vhost.deleteQueue(queue);
  broker.vhosts.delete(name);
  broker.users.forgetVhost(name);
  const state = operationsState(broker);
  state.vhostMetadata.delete(name);
  state.vhostLimits.delete(name);
  state.policies.delete(name);
  state.parameters.delete(name);
}
