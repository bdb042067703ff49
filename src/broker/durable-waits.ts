/**
 * The one way a publisher waits for its messages to be safe before it is told (an AMQP confirm,
 * a tx.commit-ok, an MQTT PUBACK/PUBREC). A publisher opens a token per thing it will answer
 * (one per confirmed publish, one per transaction, one per QoS 1/2 PUBLISH); the publish path
 * adds one wait to the token for every queue that answers "pending"; each queue reports the
 * token durable (or lost, when its store failed) once. Tokens settle strictly in the order
 * they were opened, which is the order every one of those protocols answers in, so a publisher
 * never answers a later publish before an earlier one.
 *
 * Per token the ring keeps one number: how many queues it still waits for, or LOST. No object
 * is allocated per message (the AMQP confirm path runs this for every publish).
 *
 * A remote or replicated queue reports through the same DurabilityWaiter (a replicated queue
 * once a majority of its members have the message on disk); the publisher cannot tell them apart.
 */
import { Deque } from "../lib/deque.js";
import type { DurabilityWaiter } from "../queue/queue-type.js";

const LOST = -1;

/** Told of each token as it settles, in the order the tokens were opened. */
export interface SettledTokens {
  /** `lost`: a queue refused the message or its store failed before the message was on disk. */
  settled(token: number, lost: boolean): void;
}

export class DurableWaits implements DurabilityWaiter {
  /** Waiting counts of the open tokens, from `firstToken` on. */
  private readonly waiting = new Deque<number>(64);
  private firstToken = 1;
  private readonly sink: SettledTokens;
  /** Called after every report from a queue: the owner schedules a flush (coalescing reports). */
  private readonly onReport: () => void;
  /** Whether a queue refusing a message settles its token as lost (confirms: yes; a transaction: no). */
  private readonly refusalLoses: boolean;
  /**
   * Whom the queues report to: this object, or the owner when it wants to fence the reports
   * (an AMQP channel: a report comes from the store's commit loop, which serves every queue, so
   * a failure while handling it must stay that channel's) and pass them on here.
   */
  readonly waiter: DurabilityWaiter;

  constructor(sink: SettledTokens, onReport: () => void, options: { refusalLoses?: boolean; waiter?: DurabilityWaiter } = {}) {
    this.sink = sink;
    this.onReport = onReport;
    this.refusalLoses = options.refusalLoses ?? true;
    this.waiter = options.waiter ?? this;
  }

  /** A new token, after every token opened before. */
  open(): number {
    this.waiting.push(0);
    return this.firstToken + this.waiting.length - 1;
  }

  /** The token waits for one more queue to report its message durable. */
  wait(token: number): void {
    const index = token - this.firstToken;
    const count = this.waiting.at(index) as number;
    if (count !== LOST) this.waiting.set(index, count + 1);
  }

  /** A queue refused the token's message (x-overflow reject-publish). */
  refused(token: number): void {
    if (this.refusalLoses) this.markLost(token);
  }

  private markLost(token: number): void {
    const index = token - this.firstToken;
    if (index >= 0 && index < this.waiting.length) this.waiting.set(index, LOST);
  }

  /** The number of queues the token still waits for (0 once settled, or LOST). */
  waitingFor(token: number): number {
    const index = token - this.firstToken;
    return index >= 0 && index < this.waiting.length ? (this.waiting.at(index) as number) : 0;
  }

  /** DurabilityWaiter: one queue has the token's message on disk. */
  messageDurable(token: number): void {
    const index = token - this.firstToken;
    if (index < 0 || index >= this.waiting.length) return; // settled (as lost) and reported already
    const count = this.waiting.at(index) as number;
    if (count > 0) this.waiting.set(index, count - 1);
    this.onReport();
  }

  /** DurabilityWaiter: a queue's store failed before the token's message reached the disk. */
  messageLost(token: number): void {
    this.markLost(token);
    this.onReport();
  }

  /** Whether the oldest open token has settled, so flush() has something to report. */
  get hasSettled(): boolean {
    const first = this.waiting.peekFirst();
    return first !== undefined && first <= 0;
  }

  /** Reports every settled token at the head, in order; stops at the first one still waiting. */
  flush(): void {
    for (let first = this.waiting.peekFirst(); first !== undefined && first <= 0; first = this.waiting.peekFirst()) {
      const token = this.firstToken++;
      this.waiting.shift();
      this.sink.settled(token, first === LOST);
    }
  }
}
