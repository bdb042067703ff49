/**
 * The ready messages of a classic queue, in delivery order (by sequence). A FIFO keeps the
 * entries it was given in PackedEntries (typed arrays, no object per message) and requeued
 * entries apart, sorted, so they return to their original position; the head is whichever of
 * the two has the lower sequence. A priority queue (x-max-priority) keeps one FIFO per
 * priority and serves the highest first.
 */
import { Deque } from "../../lib/deque.js";
import type { QueueEntry } from "../queue-type.js";
import { PackedEntries } from "./packed-entries.js";

const sequenceOf = (entry: QueueEntry): number => entry.sequence;

export interface ReadyList {
  readonly length: number;
  /** Sum of the body sizes, for x-max-length-bytes. */
  readonly bytes: number;
  /** Adds a new entry: its sequence is higher than any pushed before (its message may be PAGED_OUT). */
  push(entry: QueueEntry): void;
  /** Puts a requeued entry back at its original position. */
  requeue(entry: QueueEntry): void;
  shift(): QueueEntry | undefined;
  /** Removes and returns every expired entry found at the head(s); stops at the first live one. */
  takeExpired(nowMs: number): QueueEntry[];
  /** Removes everything; returns how many there were. */
  clear(): number;
  /** Every entry (fresh objects for packed ones), in no particular order; the list is not changed. */
  entries(): Iterable<QueueEntry>;
}

export class FifoReadyList implements ReadyList {
  /** Entries as they were pushed (sequence order). */
  private readonly packed: PackedEntries;
  /**
   * Requeued entries, sorted by sequence. They were delivered from the head, so they nearly
   * always sort before every packed entry; the merge in `headIsReturned` does not rely on it.
   */
  private readonly returned = new Deque<QueueEntry>(4);
  bytes = 0;

  constructor(priority = 0) {
    this.packed = new PackedEntries(priority);
  }

  get length(): number {
    return this.packed.length + this.returned.length;
  }

  push(entry: QueueEntry): void {
    this.packed.push(entry);
    this.bytes += entry.bodySizeBytes;
  }

  requeue(entry: QueueEntry): void {
    this.bytes += entry.bodySizeBytes;
    const returned = this.returned;
    const first = returned.peekFirst();
    if (first === undefined || entry.sequence < first.sequence) return returned.unshift(entry);
    const last = returned.peekLast() as QueueEntry;
    if (entry.sequence > last.sequence) return returned.push(entry);
    returned.insertAt(returned.lowerBound(entry.sequence, sequenceOf), entry);
  }

  shift(): QueueEntry | undefined {
    const entry = this.headIsReturned() ? this.returned.shift() : this.packed.shift();
    if (entry !== undefined) this.bytes -= entry.bodySizeBytes;
    return entry;
  }

  takeExpired(nowMs: number): QueueEntry[] {
    const expired: QueueEntry[] = [];
    while (this.length > 0 && this.headExpiresAtMs() <= nowMs) expired.push(this.shift() as QueueEntry);
    return expired;
  }

  clear(): number {
    const count = this.length;
    this.packed.clear();
    this.returned.clear();
    this.bytes = 0;
    return count;
  }

  *entries(): Iterable<QueueEntry> {
    yield* this.returned;
    yield* this.packed.entries();
  }

  /** Whether the next entry is a requeued one. */
  private headIsReturned(): boolean {
    const first = this.returned.peekFirst();
    return first !== undefined && (this.packed.length === 0 || first.sequence < this.packed.headSequence());
  }

  /** Only when length > 0. */
  private headExpiresAtMs(): number {
    return this.headIsReturned() ? (this.returned.peekFirst() as QueueEntry).expiresAtMs : this.packed.headExpiresAtMs();
  }
}

export class PriorityReadyList implements ReadyList {
  /** Index = priority; the highest non-empty level is served first. */
  private readonly levels: FifoReadyList[];
  private count = 0;

  constructor(maxPriority: number) {
    this.levels = Array.from({ length: maxPriority + 1 }, (_, priority) => new FifoReadyList(priority));
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
