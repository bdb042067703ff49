/**
 * `apply(state, command, meta) → {state, reply, effects}`: the metadata state machine. It is
 * deterministic and never throws: a command that `validate` refuses gives that error as the
 * reply, no effects, and leaves the state exactly as it was; an accepted one changes the
 * state and lists what the runtime must do. No clock, no files, no live objects: time comes
 * in with `meta`, and replaying one log on any node gives one state.
 *
 * The state is updated in place (see state.ts) and returned for the caller's convenience.
 */
import type { BrokerError } from "../errors/registry.js";
import type { CommandMeta, DefinitionCommand } from "./commands.js";
import type { Effect } from "./effects.js";
import { bindingKey, newVhostRecord, type BindingRecord, type MetadataState, type UserRecord, type VhostRecord } from "./state.js";
import { validate } from "./validate.js";

export type Reply = { ok: true } | { ok: false; error: BrokerError };

export interface ApplyResult {
  readonly state: MetadataState;
  readonly reply: Reply;
  readonly effects: readonly Effect[];
}

const OK: Reply = Object.freeze({ ok: true });

export function apply(state: MetadataState, command: DefinitionCommand, _meta: CommandMeta): ApplyResult {
  const error = validate(state, command);
  if (error !== undefined) return { state, reply: { ok: false, error }, effects: [] };
  const effects: Effect[] = [];
  change(state, command, effects);
  return { state, reply: OK, effects };
}

function change(state: MetadataState, command: DefinitionCommand, effects: Effect[]): void {
  switch (command.type) {
    case "vhost.add": {
      let vhost = state.vhosts.get(command.name);
      if (vhost === undefined) {
        state.vhosts.set(command.name, (vhost = newVhostRecord(command.name)));
        effects.push({ type: "vhost.created", vhost: command.name });
      }
      if (command.description !== undefined) vhost.description = command.description;
      if (command.tags !== undefined) vhost.tags = [...command.tags];
      if (command.defaultQueueType !== undefined) vhost.defaultQueueType = command.defaultQueueType;
      if (command.tracing !== undefined) vhost.tracing = command.tracing;
      return;
    }
    case "vhost.delete":
      state.vhosts.delete(command.name);
      for (const user of state.users.values()) {
        const had = user.permissions.delete(command.name);
        if (user.topicPermissions.delete(command.name) || had) effects.push({ type: "user.changed", user: user.name });
      }
      effects.push({ type: "vhost.deleted", vhost: command.name });
      return;
    case "vhost.set_limits": {
      const vhost = state.vhosts.get(command.vhost) as VhostRecord;
      vhost.limits = { ...vhost.limits, ...command.limits };
      return;
    }
    case "vhost.clear_limits": {
      const vhost = state.vhosts.get(command.vhost);
      if (vhost === undefined) return;
      if (command.name === undefined || command.name === "all") vhost.limits = {};
      else vhost.limits = omit(vhost.limits, command.name);
      return;
    }
    case "user.add": {
      const existing = state.users.get(command.name);
      if (existing === undefined) {
        state.users.set(command.name, {
          name: command.name, passwordHash: command.passwordHash, hashingAlgorithm: command.hashingAlgorithm,
          tags: [...command.tags], limits: {}, permissions: new Map(), topicPermissions: new Map(),
        });
      } else {
        // Adding a user that exists replaces password and tags and keeps permissions, as an import does.
        existing.passwordHash = command.passwordHash;
        existing.hashingAlgorithm = command.hashingAlgorithm;
        existing.tags = [...command.tags];
      }
      effects.push({ type: "user.changed", user: command.name });
      return;
    }
    case "user.delete":
      state.users.delete(command.name);
      effects.push({ type: "user.deleted", user: command.name });
      return;
    default:
      return changeUserOrVhostObjects(state, command, effects);
  }
}

function changeUserOrVhostObjects(state: MetadataState, command: DefinitionCommand, effects: Effect[]): void {
  const userName = "user" in command ? command.user : command.type.startsWith("user.") ? ((command as { name?: string }).name ?? "") : "";
  const user = state.users.get(userName);
  switch (command.type) {
    case "user.set_password_hash":
      (user as UserRecord).passwordHash = command.passwordHash;
      (user as UserRecord).hashingAlgorithm = command.hashingAlgorithm;
      break;
    case "user.set_tags":
      (user as UserRecord).tags = [...command.tags];
      break;
    case "user.set_limits":
      (user as UserRecord).limits = { ...(user as UserRecord).limits, ...command.limits };
      break;
    case "user.clear_limits":
      (user as UserRecord).limits = command.limit === undefined || command.limit === "all" ? {} : omit((user as UserRecord).limits, command.limit);
      break;
    case "permission.set":
      (user as UserRecord).permissions.set(command.vhost, { configure: command.configure, write: command.write, read: command.read });
      break;
    case "permission.clear":
      (user as UserRecord).permissions.delete(command.vhost);
      break;
    case "topic_permission.set": {
      const byVhost = (user as UserRecord).topicPermissions;
      let byExchange = byVhost.get(command.vhost);
      if (byExchange === undefined) byVhost.set(command.vhost, (byExchange = new Map()));
      byExchange.set(command.exchange, { exchange: command.exchange, write: command.write, read: command.read });
      break;
    }
    case "topic_permission.clear":
      if (command.exchange === undefined) (user as UserRecord).topicPermissions.delete(command.vhost);
      else (user as UserRecord).topicPermissions.get(command.vhost)?.delete(command.exchange);
      break;
    default:
      return changeVhostObjects(state, command, effects);
  }
  effects.push({ type: "user.changed", user: (user as UserRecord).name });
}

function changeVhostObjects(state: MetadataState, command: DefinitionCommand, effects: Effect[]): void {
  switch (command.type) {
    case "global_parameter.set":
      state.globalParameters.set(command.name, command.value);
      return;
    case "global_parameter.clear":
      state.globalParameters.delete(command.name);
      return;
    default:
  }
  if (!("vhost" in command)) return;
  const vhost = state.vhosts.get(command.vhost) as VhostRecord;
  switch (command.type) {
    case "policy.set": {
      const { name, pattern, definition, priority, applyTo } = command;
      (command.operator ? vhost.operatorPolicies : vhost.policies).set(name, { vhost: vhost.name, name, pattern, definition: { ...definition }, priority, applyTo });
      effects.push({ type: "policies.changed", vhost: vhost.name });
      return;
    }
    case "policy.clear":
      (command.operator ? vhost.operatorPolicies : vhost.policies).delete(command.name);
      effects.push({ type: "policies.changed", vhost: vhost.name });
      return;
    case "parameter.set": {
      let names = vhost.parameters.get(command.component);
      if (names === undefined) vhost.parameters.set(command.component, (names = new Map()));
      names.set(command.name, command.value);
      return;
    }
    case "parameter.clear": {
      const names = vhost.parameters.get(command.component);
      names?.delete(command.name);
      if (names?.size === 0) vhost.parameters.delete(command.component);
      return;
    }
    case "exchange.declare": {
      if (vhost.exchanges.has(command.name)) return;
      const exchange = { name: command.name, exchangeType: command.exchangeType, durable: command.durable, autoDelete: command.autoDelete, internal: command.internal, arguments: { ...command.arguments } };
      vhost.exchanges.set(command.name, exchange);
      effects.push({ type: "exchange.created", vhost: vhost.name, exchange });
      return;
    }
    case "exchange.delete":
      if (vhost.exchanges.has(command.name)) deleteExchange(vhost, command.name, effects);
      return;
    case "queue.declare": {
      if (vhost.queues.has(command.name)) return;
      const queue = { name: command.name, durable: command.durable, autoDelete: command.autoDelete, exclusiveOwner: command.exclusiveOwner, arguments: { ...command.arguments } };
      vhost.queues.set(command.name, queue);
      effects.push({ type: "queue.created", vhost: vhost.name, queue });
      return;
    }
    case "queue.delete":
      vhost.queues.delete(command.name);
      removeBindingsTo(vhost, "queue", command.name, effects);
      effects.push({ type: "queue.deleted", vhost: vhost.name, name: command.name });
      return;
    case "binding.add": {
      const binding: BindingRecord = { source: command.source, destination: command.destination, destinationType: command.destinationType, routingKey: command.routingKey, arguments: { ...command.arguments } };
      const key = bindingKey(binding);
      if (vhost.bindings.has(key)) return;
      vhost.bindings.set(key, binding);
      effects.push({ type: "binding.created", vhost: vhost.name, binding });
      return;
    }
    case "binding.remove": {
      const key = bindingKey({ source: command.source, destination: command.destination, destinationType: command.destinationType, routingKey: command.routingKey, arguments: command.arguments });
      const binding = vhost.bindings.get(key);
      if (binding === undefined) return;
      vhost.bindings.delete(key);
      effects.push({ type: "binding.deleted", vhost: vhost.name, binding });
      autoDeleteIfUnused(vhost, binding.source, effects);
      return;
    }
    default:
  }
}

/** An exchange goes with every binding from and to it. */
function deleteExchange(vhost: VhostRecord, name: string, effects: Effect[]): void {
  vhost.exchanges.delete(name);
  for (const [key, binding] of vhost.bindings) {
    if (binding.source !== name) continue;
    vhost.bindings.delete(key);
    effects.push({ type: "binding.deleted", vhost: vhost.name, binding });
  }
  removeBindingsTo(vhost, "exchange", name, effects);
  effects.push({ type: "exchange.deleted", vhost: vhost.name, name });
}

/** Removes the bindings to a destination; a source left without bindings goes if it is auto-delete. */
function removeBindingsTo(vhost: VhostRecord, destinationType: "queue" | "exchange", name: string, effects: Effect[]): void {
  const sources = new Set<string>();
  for (const [key, binding] of vhost.bindings) {
    if (binding.destinationType !== destinationType || binding.destination !== name) continue;
    vhost.bindings.delete(key);
    effects.push({ type: "binding.deleted", vhost: vhost.name, binding });
    sources.add(binding.source);
  }
  for (const source of sources) autoDeleteIfUnused(vhost, source, effects);
}

/** An auto-delete exchange goes when its last binding as a source is removed (RabbitMQ 3.x). */
function autoDeleteIfUnused(vhost: VhostRecord, name: string, effects: Effect[]): void {
  const exchange = vhost.exchanges.get(name);
  if (exchange === undefined || !exchange.autoDelete) return;
  for (const binding of vhost.bindings.values()) if (binding.source === name) return;
  deleteExchange(vhost, name, effects);
}

function omit<T extends object>(limits: T, name: string): T {
  const copy = { ...limits } as Record<string, unknown>;
  delete copy[name];
  return copy as T;
}
