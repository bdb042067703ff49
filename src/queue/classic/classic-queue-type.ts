/**
 * The classic queue as a queue type (registered in queue/registry.ts): a queue on this node, in
 * memory, with persistent messages of a durable queue in its own segment store.
 */
import type { QueueContext, QueueDeclaration, QueueHandle, QueueType } from "../queue-type.js";
import { parseQueueArguments, resolveQueueSettings } from "../queue-arguments.js";
import { ClassicQueue } from "./classic-queue.js";
import type { QueueBacking } from "./queue-backing.js";

/** Durable queues come back after a restart, except exclusive ones, which die with their connection. */
function isRecoverable(queue: QueueDeclaration): boolean {
  return queue.durable && queue.exclusiveOwner === undefined;
}

export const classicQueueType: QueueType = {
  name: "classic",
  capabilities: {
    queueArguments: [
      "x-expires", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-max-length", "x-max-length-bytes",
      "x-max-priority", "x-overflow", "x-queue-mode", "x-queue-version", "x-single-active-consumer", "x-queue-type",
    ],
    consumerArguments: ["x-priority"],
    exclusive: true,
    serverNamed: true,
    nonDurable: true,
    durableMessages: true,
  },

  declare(declaration: QueueDeclaration, context: QueueContext): QueueHandle {
    // The vhost validated the arguments before declaring; parsing them again cannot throw.
    const argumentSettings = parseQueueArguments(declaration.name, declaration.vhost, declaration.arguments);
    const queue = new ClassicQueue(
      declaration,
      {
        onUnused: (unused) => context.onUnused(unused),
        onExpired: (expired) => context.onExpired(expired),
        deadLetter: (source, messages, reason) => {
          const { deadLetterExchange, deadLetterRoutingKey } = source.settings;
          if (deadLetterExchange !== undefined) context.deadLetter(source, messages, reason, deadLetterExchange, deadLetterRoutingKey);
        },
        nowMs: () => context.nowMs(),
        log: (message) => context.log(message),
        createSpill: (spilling) => context.spill?.create((message) => context.log(`queue '${spilling.name}' scratch store: ${message}`)) as QueueBacking | undefined,
        onNeedsTicks: (ticking) => context.onNeedsTicks(ticking),
      },
      resolveQueueSettings(argumentSettings, context.policy()),
      argumentSettings,
    );
    if (isRecoverable(declaration)) queue.backing = context.storage?.create(declaration.vhost, declaration.name) as QueueBacking | undefined;
    return queue;
  },

  isRecoverable,
};
