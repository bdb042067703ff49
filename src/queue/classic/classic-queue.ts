/**
 * The classic queue, in memory: a FIFO of ready entries, round-robin delivery
 * to consumers that can take messages (highest x-priority first), and
 * requeue to the original position as RabbitMQ does.
 */
import { Deque } from "../../lib/deque.js";
import { assert } from "../../lib/assert.js";
import type { Message } from "../../broker/message/message.js";
import type { FieldTable } from "../../broker/message/field-table.js";
import type { QueueConsumer, QueueDeclaration, QueueEntry, QueueHandle } from "../queue-type.js";

const sequenceOf = (entry: QueueEntry): number => entry.sequence;

export interface ClassicQueueEvents {
  /** The last consumer went away from a queue that had one (auto-delete). */
  onUnused(queue: ClassicQueue): void;
}

export class ClassicQueue implements QueueHandle {
  readonly kind = "queue" as const;
  readonly typeName = "classic";
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly exclusiveOwner: object | undefined;
  readonly arguments: FieldTable;

  private readonly ready = new Deque<QueueEntry>();
  private readonly consumerList: QueueConsumer[] = [];
  private readonly events: ClassicQueueEvents;
  private nextSequence = 1;
  private consumerCursor = 0;
  private hadConsumer = false;
  private dispatching = false;
  private unacked = 0;
  private isDeleted = false;

  constructor(declaration: QueueDeclaration, events: ClassicQueueEvents) {
    this.name = declaration.name;
    this.vhost = declaration.vhost;
    this.durable = declaration.durable;
    this.autoDelete = declaration.autoDelete;
    this.exclusiveOwner = declaration.exclusiveOwner;
    this.arguments = declaration.arguments;
    this.events = events;
  }

  get readyCount(): number {
    return this.ready.length;
  }

  get unackedCount(): number {
    return this.unacked;
  }

  get consumerCount(): number {
    return this.consumerList.length;
  }

  get deleted(): boolean {
    return this.isDeleted;
  }

  consumers(): readonly QueueConsumer[] {
    return this.consumerList;
  }

  enqueue(message: Message): boolean {
    assert(!this.isDeleted, "enqueue on a deleted queue");
    this.ready.push({ sequence: this.nextSequence++, message, redelivered: false });
    this.dispatch();
    return true;
  }

  addConsumer(consumer: QueueConsumer): void {
    this.consumerList.push(consumer);
    this.hadConsumer = true;
    this.dispatch();
  }

  removeConsumer(consumer: QueueConsumer): void {
    const index = this.consumerList.indexOf(consumer);
    if (index < 0) return;
    this.consumerList.splice(index, 1);
    if (this.consumerCursor > index) this.consumerCursor--;
    if (this.consumerList.length === 0 && this.autoDelete && this.hadConsumer && !this.isDeleted) {
      this.events.onUnused(this);
    }
  }

  dequeue(noAck: boolean): QueueEntry | undefined {
    const entry = this.ready.shift();
    if (entry !== undefined && !noAck) this.unacked++;
    return entry;
  }

  settle(entries: readonly QueueEntry[]): void {
    this.unacked -= entries.length;
    assert(this.unacked >= 0, `queue '${this.name}' settled more than it delivered`);
  }

  requeue(entries: readonly QueueEntry[]): void {
    this.unacked -= entries.length;
    assert(this.unacked >= 0, `queue '${this.name}' requeued more than it delivered`);
    if (this.isDeleted) return;
    for (const entry of entries) {
      entry.redelivered = true;
      this.insertInOrder(entry);
    }
    this.dispatch();
  }

  dispatch(): void {
    // A consumer's deliver() never calls back into the queue, but a channel that regains
    // credit while we are here might; one loop at a time keeps the order of deliveries.
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.ready.length > 0) {
        const consumer = this.nextConsumer();
        if (consumer === undefined) break;
        const entry = this.ready.shift() as QueueEntry;
        if (!consumer.noAck) this.unacked++;
        consumer.deliver(this, entry);
      }
    } finally {
      this.dispatching = false;
    }
  }

  purge(): number {
    const count = this.ready.length;
    this.ready.clear();
    return count;
  }

  delete(): number {
    if (this.isDeleted) return 0;
    this.isDeleted = true;
    const count = this.ready.length;
    this.ready.clear();
    const consumers = this.consumerList.splice(0);
    for (const consumer of consumers) consumer.cancelledByServer(this);
    return count;
  }

  /** Requeued entries usually belong at the front; otherwise find their place by sequence. */
  private insertInOrder(entry: QueueEntry): void {
    const first = this.ready.peekFirst();
    if (first === undefined || entry.sequence < first.sequence) return this.ready.unshift(entry);
    const last = this.ready.peekLast() as QueueEntry;
    if (entry.sequence > last.sequence) return this.ready.push(entry);
    this.ready.insertAt(this.ready.lowerBound(entry.sequence, sequenceOf), entry);
  }

  /** Round robin over the consumers that can take a message, highest priority first. */
  private nextConsumer(): QueueConsumer | undefined {
    const count = this.consumerList.length;
    if (count === 0) return undefined;
    if (count === 1) {
      const only = this.consumerList[0];
      return only.canTake() ? only : undefined;
    }
    let chosen: QueueConsumer | undefined;
    let chosenIndex = 0;
    for (let step = 0; step < count; step++) {
      const index = (this.consumerCursor + step) % count;
      const candidate = this.consumerList[index];
      if ((chosen === undefined || candidate.priority > chosen.priority) && candidate.canTake()) {
        chosen = candidate;
        chosenIndex = index;
      }
    }
    if (chosen !== undefined) this.consumerCursor = (chosenIndex + 1) % count;
    return chosen;
  }
}
