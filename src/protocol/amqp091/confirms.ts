/**
 * Publisher confirms (RabbitMQ's extension to AMQP 0-9-1) for one channel. Each publish
 * gets the next sequence number; it is confirmed once every queue it went to has it safe
 * (for a persistent message in a durable queue: on disk). Confirms go out in sequence order,
 * as few frames as possible: one basic.ack with `multiple` covers a run of confirmed
 * publishes, and a refused publish gets its own basic.nack after the acks before it.
 *
 * Per publish the tracker keeps one number in a ring: how many queues it still waits for,
 * or NACKED. No object is allocated per message.
 */
import { Deque } from "../../lib/deque.js";

const NACKED = -1;

export interface ConfirmSink {
  ack(upToSequence: number, multiple: boolean): void;
  nack(sequence: number): void;
}

export class ConfirmTracker {
  /** Waiting counts of the publishes not yet confirmed, from `firstSequence` on. */
  private readonly waiting = new Deque<number>(64);
  private firstSequence = 1;
  private lastSent = 0;
  private readonly sink: ConfirmSink;

  constructor(sink: ConfirmSink) {
    this.sink = sink;
  }

  /** A new publish; returns its sequence number. */
  publish(): number {
    this.waiting.push(0);
    return this.firstSequence + this.waiting.length - 1;
  }

  /** The publish waits for one more queue to report it durable. */
  wait(sequence: number): void {
    const index = sequence - this.firstSequence;
    this.waiting.set(index, (this.waiting.at(index) as number) + 1);
  }

  /** One queue reports the publish durable. */
  durable(sequence: number): void {
    const index = sequence - this.firstSequence;
    if (index < 0 || index >= this.waiting.length) return; // already nacked and sent
    const count = this.waiting.at(index) as number;
    if (count > 0) this.waiting.set(index, count - 1);
  }

  /** A queue refused the publish: it will be nacked. */
  refuse(sequence: number): void {
    this.waiting.set(sequence - this.firstSequence, NACKED);
  }

  /** Whether anything is ready to be sent. */
  get hasReady(): boolean {
    const first = this.waiting.peekFirst();
    return first !== undefined && first <= 0;
  }

  /** Sends every confirm that is ready, in order. */
  flush(): void {
    let ackUpTo = 0;
    for (let first = this.waiting.peekFirst(); first !== undefined && first <= 0; first = this.waiting.peekFirst()) {
      const sequence = this.firstSequence++;
      this.waiting.shift();
      if (first === 0) {
        ackUpTo = sequence;
        continue;
      }
      if (ackUpTo !== 0) this.sendAck(ackUpTo);
      ackUpTo = 0;
      this.sink.nack(sequence);
      this.lastSent = sequence;
    }
    if (ackUpTo !== 0) this.sendAck(ackUpTo);
  }

  private sendAck(upTo: number): void {
    this.sink.ack(upTo, upTo - this.lastSent > 1);
    this.lastSent = upTo;
  }
}
