/**
 * The deliveries a channel has handed out and not yet had settled, ordered by
 * delivery tag. Tags only grow, so the list stays sorted: single acks find their
 * delivery by binary search, multiple acks take a prefix, and settled deliveries
 * in the middle are dropped lazily when they reach the front.
 */
import { Deque } from "../../lib/deque.js";
import type { QueueEntry, QueueHandle } from "../../queue/queue-type.js";

export interface Delivery {
  readonly tag: number;
  readonly queue: QueueHandle;
  readonly entry: QueueEntry;
  /** The consumer it went to, or undefined for basic.get. */
  readonly consumer: { unackedCount: number } | undefined;
  settled: boolean;
  /** When it was handed out, on the broker's coarse clock (consumer_timeout). */
  readonly deliveredAtMs: number;
}

const tagOf = (delivery: Delivery): number => delivery.tag;

export class UnackedDeliveries {
  private readonly list = new Deque<Delivery>();
  private live = 0;

  get count(): number {
    return this.live;
  }

  add(delivery: Delivery): void {
    this.list.push(delivery);
    this.live++;
  }

  /**
   * Takes the deliveries an ack/nack/reject names: `multiple` takes every unsettled one up to
   * and including `tag` (tag 0 with multiple means all). As in RabbitMQ's `collect_acks`, the
   * named tag itself must be outstanding, else it is an unknown tag: returns undefined.
   */
  take(tag: number, multiple: boolean): Delivery[] | undefined {
    if (multiple && tag === 0) return this.takeAll();
    const index = this.list.lowerBound(tag, tagOf);
    const named = this.list.at(index);
    if (named === undefined || named.tag !== tag || named.settled) return undefined;
    if (!multiple) {
      this.settle(named);
      this.compact();
      return [named];
    }
    const taken: Delivery[] = [];
    for (let position = 0; position <= index; position++) {
      const delivery = this.list.at(position) as Delivery;
      if (!delivery.settled) taken.push(this.settle(delivery));
    }
    this.compact();
    return taken;
  }

  /** When the oldest outstanding delivery went out; settled ones at the front are already gone. */
  oldestDeliveredAtMs(): number | undefined {
    return this.list.peekFirst()?.deliveredAtMs;
  }

  /** Every unsettled delivery, in tag order, now settled (channel close, recover). */
  takeAll(): Delivery[] {
    const taken: Delivery[] = [];
    for (const delivery of this.list) if (!delivery.settled) taken.push(this.settle(delivery));
    this.list.clear();
    return taken;
  }

  /** Puts settled deliveries back as unacked (a rolled-back transaction's acks), each at its tag's place. */
  restore(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) {
      delivery.settled = false;
      this.live++;
      if (delivery.consumer !== undefined) delivery.consumer.unackedCount++;
      this.list.insertAt(this.list.lowerBound(delivery.tag, tagOf), delivery);
    }
  }

  private settle(delivery: Delivery): Delivery {
    delivery.settled = true;
    this.live--;
    if (delivery.consumer !== undefined) delivery.consumer.unackedCount--;
    return delivery;
  }

  private compact(): void {
    while (this.list.length > 0 && (this.list.peekFirst() as Delivery).settled) this.list.shift();
  }
}
