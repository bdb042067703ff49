/**
 * A basic.consume subscription: the QueueConsumer a queue delivers to. It asks its
 * channel whether a delivery may go out (prefetch, channel.flow, socket back-pressure)
 * and writes basic.deliver through it.
 */
import type { QueueConsumer, QueueEntry, QueueHandle } from "../../queue/queue-type.js";

/** What a consumer needs from its channel. */
export interface ConsumerChannel {
  /** channel.flow active, socket not backed up, channel-wide (global) prefetch not reached. */
  channelCanDeliver(): boolean;
  deliver(consumer: AmqpConsumer, queue: QueueHandle, entry: QueueEntry): void;
  consumerCancelledByServer(consumer: AmqpConsumer): void;
}

export class AmqpConsumer implements QueueConsumer {
  readonly tag: string;
  /** The tag in UTF-8, written into every basic.deliver. */
  readonly tagEncoded: Buffer;
  readonly queue: QueueHandle;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly priority: number;
  readonly owner: ConsumerChannel;
  /** Per-consumer prefetch (basic.qos global=false at the time of consume); 0 = unlimited. */
  readonly prefetchCount: number;
  unackedCount = 0;

  constructor(options: { tag: string; queue: QueueHandle; noAck: boolean; exclusive: boolean; priority: number; prefetchCount: number; channel: ConsumerChannel }) {
    this.tag = options.tag;
    this.tagEncoded = Buffer.from(options.tag, "utf8");
    this.queue = options.queue;
    this.noAck = options.noAck;
    this.exclusive = options.exclusive;
    this.priority = options.priority;
    this.prefetchCount = options.prefetchCount;
    this.owner = options.channel;
  }

  canTake(): boolean {
    if (!this.owner.channelCanDeliver()) return false;
    // Prefetch limits unacked deliveries; a no-ack consumer has none (RabbitMQ ignores qos for it).
    return this.noAck || this.prefetchCount === 0 || this.unackedCount < this.prefetchCount;
  }

  deliver(queue: QueueHandle, entry: QueueEntry): void {
    this.owner.deliver(this, queue, entry);
  }

  cancelledByServer(): void {
    this.owner.consumerCancelledByServer(this);
  }
}
