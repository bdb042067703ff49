/**
 * The QueueConsumer an MQTT session registers on each queue it reads: the queue asks it
 * whether the session can take a message (connected, socket not backed up, Receive Maximum
 * not reached) and hands messages over to the session.
 */
import type { QueueConsumer, QueueEntry, QueueHandle } from "../../queue/queue-type.js";
import type { Qos } from "./packets.js";

/** What a consumer needs from its session. */
export interface ConsumerOwner {
  canTake(grantedQos: Qos): boolean;
  deliverEntry(consumer: MqttConsumer, queue: QueueHandle, entry: QueueEntry): void;
  deliveryFailed(queue: QueueHandle, entry: QueueEntry, noAck: boolean, error: unknown): void;
  queueDeleted(queue: QueueHandle): void;
}

export class MqttConsumer implements QueueConsumer {
  readonly tag: string;
  readonly exclusive = false;
  readonly priority = 0;
  readonly owner: ConsumerOwner;
  readonly noAck: boolean;
  grantedQos: Qos;

  constructor(owner: ConsumerOwner, tag: string, grantedQos: Qos, noAck: boolean) {
    this.owner = owner;
    this.tag = tag;
    this.grantedQos = grantedQos;
    this.noAck = noAck;
  }

  canTake(): boolean {
    return this.owner.canTake(this.grantedQos);
  }

  /** Fenced: the queue calls this on behalf of whichever client made it deliver (a publisher, an ack). */
  deliver(queue: QueueHandle, entry: QueueEntry): void {
    try {
      this.owner.deliverEntry(this, queue, entry);
    } catch (error) {
      this.owner.deliveryFailed(queue, entry, this.noAck, error);
    }
  }

  cancelledByServer(queue: QueueHandle): void {
    this.owner.queueDeleted(queue);
  }
}
