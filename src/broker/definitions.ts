/**
 * The broker's definitions API: every change an operator or a protocol makes is a command
 * proposed to the metadata state machine (src/metadata/, DESIGN.md §4), through
 * `broker.metadata` (metadata-runtime.ts). This file keeps the entry points the management
 * API, warrenctl and import use, and read-only views of the state in the shapes they read.
 *
 * Queue, exchange and binding commands go through the vhost's methods, which check what needs
 * live objects (x-argument types, if-unused, if-empty) before proposing; the rest is proposed
 * as it is. A refused command throws RabbitMQ's error and changes nothing.
 */
import type { Broker } from "./broker.js";
import type { Vhost } from "./vhost.js";
import { fail } from "../errors/registry.js";
import { tableFromJs, type FieldTable } from "../message/field-table.js";
import type { DefinitionCommand, JsonObject, VhostLimits } from "../metadata/commands.js";
import type { EffectivePolicy, Policy } from "../metadata/policies.js";
import type { BindingDestination } from "./exchange/exchange-type.js";

export type { DefinitionCommand, VhostLimits } from "../metadata/commands.js";
export { VHOST_LIMIT_NAMES } from "../metadata/commands.js";

export interface VhostMetadata {
  description: string;
  tags: string[];
  defaultQueueType: string | undefined;
  tracing: boolean;
}

/** Read-only views of the metadata state, in the shapes the management API and warrenctl read. */
export interface OperationsState {
  readonly vhostMetadata: ReadonlyMap<string, VhostMetadata>;
  readonly vhostLimits: ReadonlyMap<string, VhostLimits>;
  readonly policies: ReadonlyMap<string, { readonly policies: ReadonlyMap<string, Policy>; readonly operatorPolicies: ReadonlyMap<string, Policy> }>;
  /** vhost → component → name → value (federation upstreams, shovels, ... are stored and listed). */
  readonly parameters: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, unknown>>>;
  readonly globalParameters: ReadonlyMap<string, unknown>;
}

export function operationsState(broker: Broker): OperationsState {
  const state = broker.metadata.state;
  return {
    vhostMetadata: state.vhosts,
    get vhostLimits() {
      return new Map([...state.vhosts].filter(([, vhost]) => Object.keys(vhost.limits).length > 0).map(([name, vhost]) => [name, vhost.limits]));
    },
    policies: state.vhosts,
    get parameters() {
      return new Map([...state.vhosts].filter(([, vhost]) => vhost.parameters.size > 0).map(([name, vhost]) => [name, vhost.parameters]));
    },
    globalParameters: state.globalParameters,
  };
}

export function vhostMetadata(broker: Broker, vhost: string): VhostMetadata {
  return broker.metadata.state.vhosts.get(vhost) ?? { description: "", tags: [], defaultQueueType: undefined, tracing: false };
}

/** Subscribes to every committed command. Returns an unsubscribe function. */
export function onDefinitionCommand(broker: Broker, listener: (command: DefinitionCommand) => void): () => void {
  const listeners = broker.metadata.commandListeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Subscribes to policy changes of a vhost (its queues and exchanges have already taken them). */
export function onPolicyChange(broker: Broker, listener: (vhost: string) => void): () => void {
  const listeners = broker.metadata.policyListeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The policy in force for a queue or exchange, with an operator policy merged over it. */
export function effectivePolicy(broker: Broker, vhost: string, kind: "queue" | "exchange", name: string, queueType?: string): EffectivePolicy {
  return broker.effectivePolicy(vhost, kind, name, queueType);
}

/** An exclusive-owner stand-in for queues an operator declares: they belong to no connection. */
const OPERATOR = Object.freeze({ operator: true });

/** Proposes a command an operator made (management API, warrenctl, import); throws RabbitMQ's error when refused. */
export function applyDefinitionCommand(broker: Broker, command: DefinitionCommand): void {
  switch (command.type) {
    case "exchange.declare":
      requireVhost(broker, command.vhost).declareExchange(
        { name: command.name, typeName: command.exchangeType, durable: command.durable, autoDelete: command.autoDelete, internal: command.internal, arguments: table(command.arguments) },
        false,
      );
      return;
    case "exchange.delete": {
      const vhost = requireVhost(broker, command.vhost);
      vhost.exchange(command.name);
      vhost.deleteExchange(command.name, command.ifUnused);
      return;
    }
    case "queue.declare": {
      const vhost = requireVhost(broker, command.vhost);
      // Only the broker names queues amq.* (amq.gen-...): an operator may not (RabbitMQ's 403 for queue.declare).
      if (command.name.startsWith("amq.") && !vhost.queues.has(command.name)) {
        throw fail.accessRefused(`queue name '${command.name}' contains reserved prefix 'amq.*'`);
      }
      if (command.name === "") throw fail.preconditionFailed("a queue name must be a non-empty string");
      vhost.declareQueue(command.name, { durable: command.durable, autoDelete: command.autoDelete, exclusiveOwner: undefined, arguments: table(command.arguments) }, OPERATOR);
      return;
    }
    case "queue.delete": {
      const vhost = requireVhost(broker, command.vhost);
      const queue = vhost.queue(command.name);
      if (command.ifUnused && queue.consumerCount > 0) throw fail.preconditionFailed(`queue '${command.name}' in vhost '${vhost.name}' in use`);
      if (command.ifEmpty && queue.readyCount + queue.unackedCount > 0) throw fail.preconditionFailed(`queue '${command.name}' in vhost '${vhost.name}' is not empty`);
      vhost.deleteQueue(queue);
      return;
    }
    case "binding.add":
    case "binding.remove": {
      const vhost = requireVhost(broker, command.vhost);
      const source = vhost.exchange(command.source);
      const destination: BindingDestination = command.destinationType === "queue" ? vhost.queue(command.destination) : vhost.exchange(command.destination);
      const args = table(command.arguments);
      if (command.type === "binding.add") vhost.bind(source, destination, command.routingKey, args);
      else vhost.unbind(source, destination, command.routingKey, args);
      return;
    }
    default:
      broker.metadata.propose(command);
  }
}

function requireVhost(broker: Broker, name: string): Vhost {
  const vhost = broker.vhosts.get(name);
  if (vhost === undefined) throw fail.notFound(`vhost '${name}' does not exist`);
  return vhost;
}

/** Arguments from JSON; one that cannot be a field table (nested too deep, say) is the caller's error, not ours. */
function table(args: JsonObject): FieldTable {
  try {
    return tableFromJs(args);
  } catch (error) {
    throw fail.preconditionFailed(`invalid arguments: ${(error as Error).message}`);
  }
}
