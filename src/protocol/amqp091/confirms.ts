/**
 * Publisher confirms (RabbitMQ's extension to AMQP 0-9-1) for one channel: how settled
 * publishes become frames. Each publish is a token of the channel's DurableWaits (the broker's
 * one mechanism for durable waits); tokens settle in sequence order, and this turns a run of
 * them into as few frames as possible: one basic.ack with `multiple` covers a run of confirmed
 * publishes, and a refused or lost publish gets its own basic.nack after the acks before it.
 * Nothing is allocated per message.
 */
import type { SettledTokens } from "../../broker/durable-waits.js";

export interface ConfirmSink {
  ack(upToSequence: number, multiple: boolean): void;
  nack(sequence: number): void;
}

export class ConfirmReplies implements SettledTokens {
  private ackUpTo = 0;
  private lastSent = 0;
  private readonly sink: ConfirmSink;

  constructor(sink: ConfirmSink) {
    this.sink = sink;
  }

  /** One publish settled (called in sequence order by DurableWaits.flush). */
  settled(sequence: number, lost: boolean): void {
    if (!lost) {
      this.ackUpTo = sequence;
      return;
    }
    this.end();
    this.sink.nack(sequence);
    this.lastSent = sequence;
  }

  /** The end of a flush: the run of acks so far goes out as one frame. */
  end(): void {
    const upTo = this.ackUpTo;
    if (upTo === 0) return;
    this.ackUpTo = 0;
    this.sink.ack(upTo, upTo - this.lastSent > 1);
    this.lastSent = upTo;
  }
}
