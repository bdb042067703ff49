/**
 * The ready messages of a classic queue, in delivery order. A FIFO keeps entries by
 * sequence so requeued entries return to their place; a priority queue
 * (x-max-priority) keeps one FIFO per priority and serves the highest first.
 */
import { Deque } from "../../lib/deque.js";
import type { QueueEntry } from "../queue-type.js";

const sequenceOf = (entry: QueueEntry): number => entry.sequence;

export interface ReadyList {
  readonly length: number;
  /** Sum of the body sizes, for x-max-length-bytes. */
  readonly bytes: number;
  push(entry: QueueEntry): void;
  /** Puts a requeued entry back at its original position. */
  requeue(entry: QueueEntry): void;
  shift(): QueueEntry | undefined;
  peekFirst(): QueueEntry | undefined;
  /** Removes and returns every expired entry found at the head(s); stops at the first live one. */
  takeExpired(nowMs: number): QueueEntry[];
  /** Removes everything; returns how many there were. */
  clear(): number;
  entries(): Iterable<QueueEntry>;
}

export class FifoReadyList implements ReadyList {
  private readonly items = new Deque<QueueEntry>();
  bytes = 0;

  get length(): number {
    return this.items.length;
  }

  push(entry: QueueEntry): void {
    this.items.push(entry);
    this.bytes += entry.bodySizeBytes;
  }

  requeue(entry: QueueEntry): void {
    this.bytes += entry.bodySizeBytes;
    const first = this.items.peekFirst();
    if (first === undefined || entry.sequence < first.sequence) return this.items.unshift(entry);
    const last = this.items.peekLast() as QueueEntry;
    if (entry.sequence > last.sequence) return this.items.push(entry);
    this.items.insertAt(this.items.lowerBound(entry.sequence, sequenceOf), entry);
  }

  shift(): QueueEntry | undefined {
    const entry = this.items.shift();
    if (entry !== undefined) this.bytes -= entry.bodySizeBytes;
    return entry;
  }

  peekFirst(): QueueEntry | undefined {
    return this.items.peekFirst();
  }

  takeExpired(nowMs: number): QueueEntry[] {
    const expired: QueueEntry[] = [];
    for (let head = this.items.peekFirst(); head !== undefined && head.expiresAtMs <= nowMs; head = this.items.peekFirst()) {
      expired.push(this.shift() as QueueEntry);
    }
    return expired;
  }

  clear(): number {
    const count = this.items.length;
    this.items.clear();
    this.bytes = 0;
    return count;
  }

  entries(): Iterable<QueueEntry> {
    return this.items;
  }
}

export class PriorityReadyList implements ReadyList {
  /** Index = priority; the highest non-empty level is served first. */
  private readonly levels: FifoReadyList[];
  private count = 0;

  constructor(maxPriority: number) {
    this.levels = Array.from({ length: maxPriority + 1 }, () => new FifoReadyList());
  }

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    let total = 0;
    for (const level of this.levels) total += level.bytes;
    return total;
  }

  push(entry: QueueEntry): void {
    this.levels[entry.priority].push(entry);
    this.count++;
  }

  requeue(entry: QueueEntry): void {
    this.levels[entry.priority].requeue(entry);
    this.count++;
  }

  shift(): QueueEntry | undefined {
    const level = this.highest();
    if (level === undefined) return undefined;
    this.count--;
    return level.shift();
  }

  peekFirst(): QueueEntry | undefined {
    return this.highest()?.peekFirst();
  }

  takeExpired(nowMs: number): QueueEntry[] {
    const expired: QueueEntry[] = [];
    for (const level of this.levels) for (const entry of level.takeExpired(nowMs)) expired.push(entry);
    this.count -= expired.length;
    return expired;
  }

  clear(): number {
    for (const level of this.levels) level.clear();
    const count = this.count;
    this.count = 0;
    return count;
  }

  *entries(): Iterable<QueueEntry> {
    for (let priority = this.levels.length - 1; priority >= 0; priority--) yield* this.levels[priority].entries();
  }

  private highest(): FifoReadyList | undefined {
    for (let priority = this.levels.length - 1; priority >= 0; priority--) if (this.levels[priority].length > 0) return this.levels[priority];
    return undefined;
  }
}
