/**
 * The queue types a node knows, by the name `x-queue-type` gives (RabbitMQ's
 * `rabbit_queue_type:discover/1`). The broker creates every queue through this registry, so it
 * never names a concrete queue: a replicated type or a remote one (a queue that lives on
 * another node) registers here and the broker, the publish path and the channels use it
 * unchanged. The classic queue is registered from the start; it is also the default type.
 */
import type { QueueType } from "./queue-type.js";
import { classicQueueType } from "./classic/classic-queue-type.js";

const types = new Map<string, QueueType>([[classicQueueType.name, classicQueueType]]);

/** The type every queue gets unless `x-queue-type` names another. */
export const DEFAULT_QUEUE_TYPE = classicQueueType.name;

/** Adds a queue type (a replicated or remote one); a name registers once. */
export function registerQueueType(type: QueueType): void {
  if (types.has(type.name)) throw new Error(`queue type '${type.name}' is registered already`);
  types.set(type.name, type);
}

/** The queue type of that name, or undefined if the node has none. */
export function findQueueType(name: string): QueueType | undefined {
  return types.get(name);
}

/** The type a declaration's arguments ask for (`x-queue-type`), or the default. */
export function queueTypeFor(queueTypeArgument: string | undefined): QueueType {
  const type = types.get(queueTypeArgument ?? DEFAULT_QUEUE_TYPE);
  if (type === undefined) throw new Error(`unknown queue type '${queueTypeArgument}'`);
  return type;
}
