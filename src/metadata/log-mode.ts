/**
 * How an accepted command goes into the local log, decided from the state before it is applied:
 *  - "skip": it changes nothing (a binding that exists, an exchange already gone): no record.
 *  - "write": it changes only transient objects (non-durable or exclusive queues, non-durable
 *    exchanges, bindings with a transient end): written, not waited for. It cannot outlive a
 *    restart, and the next synced record covers it, since the file is written in order.
 *  - "sync": it changes what survives a restart: written and fdatasynced before anyone is told.
 * A transient change that would auto-delete a durable exchange (its last binding goes) is synced.
 */
import type { DefinitionCommand } from "./commands.js";
import { bindingKey, isRecoverableBinding, isRecoverableQueue, type BindingRecord, type MetadataState, type VhostRecord } from "./state.js";

export type LogMode = "skip" | "write" | "sync";

export function logMode(state: MetadataState, command: DefinitionCommand): LogMode {
  if (!("vhost" in command) || !command.type.match(/^(exchange|queue|binding)\./)) return "sync";
  const vhost = state.vhosts.get(command.vhost);
  if (vhost === undefined) return "sync";
  switch (command.type) {
    case "exchange.declare":
      if (vhost.exchanges.has(command.name)) return "skip";
      return command.durable ? "sync" : "write";
    case "exchange.delete": {
      const exchange = vhost.exchanges.get(command.name);
      if (exchange === undefined) return "skip";
      return exchange.durable || dropsDurableAutoDelete(vhost, "exchange", command.name) ? "sync" : "write";
    }
    case "queue.declare":
      if (vhost.queues.has(command.name)) return "skip";
      return command.durable && command.exclusiveOwner === undefined ? "sync" : "write";
    case "queue.delete": {
      const queue = vhost.queues.get(command.name);
      if (queue === undefined) return "skip";
      return isRecoverableQueue(queue) || dropsDurableAutoDelete(vhost, "queue", command.name) ? "sync" : "write";
    }
    case "binding.add":
    case "binding.remove": {
      const binding: BindingRecord = { source: command.source, destination: command.destination, destinationType: command.destinationType, routingKey: command.routingKey, arguments: command.arguments };
      const exists = vhost.bindings.has(bindingKey(binding));
      if (exists === (command.type === "binding.add")) return "skip";
      if (isRecoverableBinding(vhost, binding)) return "sync";
      const source = vhost.exchanges.get(command.source);
      return command.type === "binding.remove" && source?.durable === true && source.autoDelete ? "sync" : "write";
    }
    default:
      return "sync";
  }
}

/** Whether removing the bindings to a destination could leave a durable auto-delete exchange unused. */
function dropsDurableAutoDelete(vhost: VhostRecord, destinationType: "queue" | "exchange", name: string): boolean {
  for (const binding of vhost.bindings.values()) {
    if (binding.destinationType !== destinationType || binding.destination !== name) continue;
    const source = vhost.exchanges.get(binding.source);
    if (source?.durable === true && source.autoDelete) return true;
  }
  return false;
}
