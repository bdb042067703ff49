/**
 * What a queue offers the channel, and what a consumer offers the queue
 * (after RabbitMQ's `rabbit_queue_type.erl`). Queues know nothing of sockets
 * or protocols: a consumer is an object the protocol adapter implements, and
 * the queue only asks it whether it can take a message and hands it one.
 */
import type { Message } from "../message/message.js";
import type { FieldTable } from "../message/field-table.js";
import type { Counters } from "../lib/counters.js";
import type { SegmentPosition } from "../store/position.js";

/**
 * Told when a message it published is durable (publisher confirms, transactions, MQTT QoS 1/2),
 * or never will be. `token` is the publisher's own number for what it will answer, passed back
 * as given. A queue reports each token it answered "pending" for exactly once.
 */
export interface DurabilityWaiter {
  messageDurable(token: number): void;
  /**
   * The queue's store failed (a write or fsync error, e.g. ENOSPC) before the message reached
   * the disk: it is not safe and must not be confirmed (AMQP: basic.nack; MQTT: no PUBACK).
   */
  messageLost(token: number): void;
}

/** A message in a queue, with what the queue knows about its deliveries. */
export interface QueueEntry {
  /** Position in the queue, increasing; requeued entries go back to their position. */
  readonly sequence: number;
  /**
   * The message. Entries handed out by a queue always carry it; inside a long queue an entry
   * may be paged out (its body on disk) until it comes near the head.
   */
  message: Message;
  /** The body's size, known even while the entry is paged out (x-max-length-bytes). */
  readonly bodySizeBytes: number;
  /** Set once the message was delivered and came back (requeue, channel closed, recover). */
  redelivered: boolean;
  /** When the message expires (x-message-ttl or its expiration property); Infinity if never. */
  readonly expiresAtMs: number;
  /** Its priority level in a priority queue (0 otherwise). */
  readonly priority: number;
  /** Where a persistent message of a durable queue lies in the queue's store. */
  readonly position: SegmentPosition | undefined;
  /** Where a transient message paged out of memory lies in the queue's scratch store. */
  pagedAt: SegmentPosition | undefined;
}

/**
 * enqueue's answer: refused (x-overflow reject-publish), accepted, or accepted with the
 * durability waiter registered (it is told when the message is on disk).
 */
export type EnqueueOutcome = "rejected" | "accepted" | "pending";

/** Why a message is dead-lettered, as the x-death header's `reason` names it. */
export type DeadLetterReason = "rejected" | "expired" | "maxlen";

/** A publisher the queue can hold back while it catches up with its consumers (flow control). */
export interface FlowControlled {
  /** The queue has caught up (or has no consumers any more): the publisher may go on. */
  flowRelieved(queue: QueueHandle): void;
}

export interface QueueConsumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** x-priority: consumers with a higher priority are served first while they can take messages. */
  readonly priority: number;
  /** The channel (or session) the consumer belongs to, compared by identity. */
  readonly owner: object;
  /** Whether the consumer can take one more message now (prefetch, channel.flow, socket back-pressure). */
  canTake(): boolean;
  /** Hands a message over; unless noAck, the queue counts it unacked until settled. */
  deliver(queue: QueueHandle, entry: QueueEntry): void;
  /** The queue went away (deleted): the consumer is cancelled by the server. */
  cancelledByServer(queue: QueueHandle): void;
}

export interface QueueDeclaration {
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  /** The connection that owns an exclusive queue, or undefined. */
  readonly exclusiveOwner: object | undefined;
  readonly arguments: FieldTable;
}

/** What a queue needs from the vhost it lives in: the runtime around it, never the protocol. */
export interface QueueContext {
  /** The last consumer went away from an auto-delete queue that had one: the vhost deletes it. */
  onUnused(queue: QueueHandle): void;
  /** The queue was unused for its x-expires period: the vhost deletes it. */
  onExpired(queue: QueueHandle): void;
  /** Messages to re-publish to `exchange` (the broker's publish path); `routingKey` replaces theirs if given. */
  deadLetter(queue: QueueHandle, messages: readonly Message[], reason: DeadLetterReason, exchange: string, routingKey: string | undefined): void;
  /** The wall clock, for TTLs (milliseconds). */
  nowMs(): number;
  /** Something went wrong that is not the client's doing (the store failed to delete files). */
  log(message: string): void;
  /** tick() has something to do from now on (see needsTicks): the clock should visit this queue. */
  onNeedsTicks(queue: QueueHandle): void;
  /** The policy in force for the queue (operator policy merged in). */
  policy(): Readonly<Record<string, unknown>>;
  /** Where a durable queue keeps persistent messages, if the node has a data directory. */
  readonly storage: QueueStorage | undefined;
  /** Where a long queue pages transient messages out to, if the node has one. */
  readonly spill: { create(log: (message: string) => void): unknown } | undefined;
}

/** Gives durable queues their message store (set when the node has a data directory). */
export interface QueueStorage {
  create(vhost: string, queue: string): unknown;
  /** Writes this turn's pending store writes to the OS now (before a connection sends its replies). */
  flushPendingWrites(): void;
}

/** What a queue type can do, for the broker and the management API (rabbit_queue_type's capabilities/0). */
export interface QueueCapabilities {
  /** Queue arguments the type accepts (others are refused at declare). */
  readonly queueArguments: readonly string[];
  /** Consumer arguments it honours. */
  readonly consumerArguments: readonly string[];
  /** Whether a queue of the type may be exclusive, server-named, or non-durable. */
  readonly exclusive: boolean;
  readonly serverNamed: boolean;
  readonly nonDurable: boolean;
  /** Whether its messages outlive a restart of the node that holds them. */
  readonly durableMessages: boolean;
}

/**
 * A queue type (RabbitMQ's `rabbit_queue_type` behaviour, the module side): how queues of the
 * type are made and what they can do. Registered in `queue/registry.ts` by name.
 */
export interface QueueType {
  readonly name: string;
  readonly capabilities: QueueCapabilities;
  /** declare: the queue's runtime, from its (already validated) declaration. */
  declare(declaration: QueueDeclaration, context: QueueContext): QueueHandle;
  /** Whether a queue comes back after a restart (durable and not exclusive, for a classic queue). */
  isRecoverable(queue: QueueHandle): boolean;
}

/** A queue's state for listing (list_queues, the management API). */
export interface QueueStatus {
  readonly state: "running" | "deleted";
  readonly readyCount: number;
  readonly unackedCount: number;
  readonly consumerCount: number;
}

/** The operations every queue type offers the broker. */
export interface QueueHandle extends QueueDeclaration {
  readonly kind: "queue";
  readonly typeName: string;
  readonly readyCount: number;
  readonly unackedCount: number;
  readonly consumerCount: number;
  readonly deleted: boolean;
  /** Message counters (publish, deliver, ack...) read by the management API and /metrics. */
  readonly stats: Counters;
  /**
   * Adds a routed message. With a waiter, a persistent message of a durable queue answers
   * "pending" and `waiter.messageDurable(token)` follows once it is on disk.
   */
  enqueue(message: Message, waiter?: DurabilityWaiter, token?: number): EnqueueOutcome;
  addConsumer(consumer: QueueConsumer): void;
  /** Removes the consumer; its unacked messages stay with its channel until settled. */
  removeConsumer(consumer: QueueConsumer): void;
  consumers(): readonly QueueConsumer[];
  /** basic.get: the next ready entry, counted unacked unless noAck. */
  dequeue(noAck: boolean): QueueEntry | undefined;
  /** The entries were acknowledged (or rejected without requeue): they are gone. */
  settle(entries: readonly QueueEntry[]): void;
  /** The entries go back to their original positions, marked redelivered. */
  requeue(entries: readonly QueueEntry[]): void;
  /** Rejected without requeue (basic.reject/nack): gone, dead-lettered if the queue has a DLX. */
  reject(entries: readonly QueueEntry[]): void;
  /** The queue was used (declared, consumed from, polled): resets x-expires. */
  touch(nowMs: number): void;
  /** Expires messages at the head and the queue itself (x-expires). Called on the broker's clock. */
  tick(nowMs: number): void;
  /** Whether tick() has anything to do; the clock visits only queues for which it does. */
  readonly needsTicks: boolean;
  /** Consumers are waiting and the queue is far behind: publishers into it should be held. */
  readonly overloaded: boolean;
  /** Holds a publisher until the queue catches up; it is told through flowRelieved. */
  holdPublisher(publisher: FlowControlled): void;
  /** Delivers ready messages to consumers that can take them. Called when a consumer regains credit. */
  dispatch(): void;
  /** Removes ready messages; returns how many. */
  purge(): number;
  /** Deletes the queue: consumers are cancelled, messages dropped. Returns the ready count it had. */
  delete(): number;
  /** The policy for the queue changed (or a policy was added or removed): limits take effect at once. */
  policyChanged(policy: Readonly<Record<string, unknown>>): void;
  /** Its state for listing. */
  status(): QueueStatus;
}
