/**
 * The ready entries of one FIFO, packed column-wise into typed arrays instead of one JS object
 * per message (docs/internals/queue.md). A queue of a million paged-out messages then costs
 * about 25 bytes a message here instead of ~160 in objects, and, as important, holds no
 * long-lived per-message objects: an old-generation entry that points at a freshly read message
 * keeps it alive through every young collection (V8 treats old-to-new pointers as roots until
 * the next full collection), so draining a long queue of objects promoted every delivered message.
 *
 * Entries are appended with increasing sequence numbers and taken from the head. A QueueEntry
 * object exists only outside: `push` copies one in, `shift` makes a fresh one. Requeued entries
 * never come back here (FifoReadyList keeps them apart), so nothing is ever inserted in the middle.
 *
 * Storage is a deque of chunks. A chunk holds up to CHUNK_MAX entries in parallel columns; the
 * columns most entries do not need are allocated on first use: expiry (only with a TTL),
 * location (only once an entry has a record in a store) and bodies (only while some entry of the
 * chunk is kept in memory). A new chunk is sized to the list's length (at least CHUNK_MIN), so a
 * short queue does not pay for a large chunk, and a list that empties lets its large chunks go.
 */
import { Message } from "../../message/message.js";
import { assert } from "../../lib/assert.js";
import { Deque } from "../../lib/deque.js";
import type { SegmentPosition } from "../../store/position.js";
import type { QueueEntry } from "../queue-type.js";

/** Stands in for the message of an entry whose body is on disk; never leaves the queue. */
export const PAGED_OUT = new Message("", "", Buffer.alloc(0), Buffer.alloc(0));

/** Every QueueEntry the classic queue makes comes from here, so all share one shape (one hidden class). */
export function queueEntry(
  sequence: number,
  message: Message,
  bodySizeBytes: number,
  redelivered: boolean,
  expiresAtMs: number,
  priority: number,
  position: SegmentPosition | undefined,
  pagedAt: SegmentPosition | undefined,
): QueueEntry {
  return { sequence, message, bodySizeBytes, redelivered, expiresAtMs, priority, position, pagedAt };
}

/** Flag bits per entry: where its record lies (none, the queue's store, the scratch store), redelivered. */
const LOCATION_MASK = 3;
const IN_STORE = 1;
const IN_SPILL = 2;
const REDELIVERED = 4;

export const CHUNK_MIN = 16;
export const CHUNK_MAX = 1024;

class Chunk {
  readonly sequence: Float64Array;
  readonly bodySizeBytes: Uint32Array;
  readonly flags: Uint8Array;
  /** Absent while every entry written here never expires. */
  expiresAtMs: Float64Array | undefined;
  /** The record's position (queue store or scratch store); absent until an entry has one. */
  segmentId: Uint32Array | undefined;
  offsetBytes: Uint32Array | undefined;
  payloadBytes: Uint32Array | undefined;
  /** Bodies kept in memory (undefined slot: paged out); absent until an entry keeps one. */
  messages: (Message | undefined)[] | undefined;

  constructor(readonly capacity: number) {
    this.sequence = new Float64Array(capacity);
    this.bodySizeBytes = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }
}

export class PackedEntries {
  private readonly chunks = new Deque<Chunk>(4);
  /** Index of the first entry in the first chunk. */
  private head = 0;
  /** Entries written in the last chunk. */
  private tail = 0;
  private count = 0;
  /** One emptied chunk kept for the next one needed: a queue around a chunk boundary does not allocate per message. */
  private spare: Chunk | undefined;
  private lastSequence = -Infinity;

  /** The priority level the entries belong to (given to the entries `shift` makes). */
  constructor(readonly priority = 0) {}

  get length(): number {
    return this.count;
  }

  /** Copies the entry in; `entry.message === PAGED_OUT` means its body is only in the store named by its position. */
  push(entry: QueueEntry): void {
    assert(entry.sequence > this.lastSequence, "packed entries are pushed in sequence order");
    assert(entry.position === undefined || entry.pagedAt === undefined, "an entry lies in one store at most");
    this.lastSequence = entry.sequence;
    let chunk = this.chunks.peekLast();
    if (chunk === undefined || this.tail === chunk.capacity) chunk = this.addChunk();
    const index = this.tail++;
    chunk.sequence[index] = entry.sequence;
    chunk.bodySizeBytes[index] = entry.bodySizeBytes;
    const expiresAtMs = entry.expiresAtMs;
    if (chunk.expiresAtMs !== undefined) chunk.expiresAtMs[index] = expiresAtMs;
    else if (expiresAtMs !== Infinity) (chunk.expiresAtMs = new Float64Array(chunk.capacity).fill(Infinity))[index] = expiresAtMs;
    let flags = entry.redelivered ? REDELIVERED : 0;
    const location = entry.position ?? entry.pagedAt;
    if (location !== undefined) {
      flags |= entry.position !== undefined ? IN_STORE : IN_SPILL;
      if (chunk.segmentId === undefined) {
        chunk.segmentId = new Uint32Array(chunk.capacity);
        chunk.offsetBytes = new Uint32Array(chunk.capacity);
        chunk.payloadBytes = new Uint32Array(chunk.capacity);
      }
      chunk.segmentId[index] = location.segmentId;
      (chunk.offsetBytes as Uint32Array)[index] = location.offsetBytes;
      (chunk.payloadBytes as Uint32Array)[index] = location.payloadBytes;
    }
    chunk.flags[index] = flags;
    const message = entry.message === PAGED_OUT ? undefined : entry.message;
    if (chunk.messages !== undefined) chunk.messages[index] = message;
    else if (message !== undefined) (chunk.messages = new Array<Message | undefined>(chunk.capacity))[index] = message;
    this.count++;
  }

  /** The sequence of the first entry; only when length > 0. */
  headSequence(): number {
    return (this.chunks.peekFirst() as Chunk).sequence[this.head];
  }

  /** When the first entry expires; only when length > 0. */
  headExpiresAtMs(): number {
    const chunk = this.chunks.peekFirst() as Chunk;
    return chunk.expiresAtMs === undefined ? Infinity : chunk.expiresAtMs[this.head];
  }

  /** Removes the first entry and returns it as a fresh QueueEntry (message PAGED_OUT if its body is on disk). */
  shift(): QueueEntry | undefined {
    if (this.count === 0) return undefined;
    const chunk = this.chunks.peekFirst() as Chunk;
    const index = this.head;
    const entry = this.entryAt(chunk, index);
    if (chunk.messages !== undefined) chunk.messages[index] = undefined;
    this.count--;
    if (this.count === 0) {
      // Empty: this (the only) chunk starts again from its beginning, unless it is a long
      // queue's large chunk: an idle queue keeps no more than CHUNK_MIN entries' worth.
      this.head = 0;
      this.tail = 0;
      this.spare = undefined;
      if (chunk.capacity > CHUNK_MIN) this.chunks.shift();
    } else if (++this.head === chunk.capacity) {
      this.chunks.shift();
      this.head = 0;
      if (this.spare === undefined || this.spare.capacity < chunk.capacity) this.spare = chunk;
    }
    return entry;
  }

  /** Drops everything, chunks included. */
  clear(): void {
    this.chunks.clear();
    this.spare = undefined;
    this.head = 0;
    this.tail = 0;
    this.count = 0;
  }

  /** Every entry, in order, as fresh QueueEntry objects (the list is not changed). */
  *entries(): IterableIterator<QueueEntry> {
    let remaining = this.count;
    let index = this.head;
    for (const chunk of this.chunks) {
      for (; index < chunk.capacity && remaining > 0; index++, remaining--) yield this.entryAt(chunk, index);
      index = 0;
    }
  }

  private entryAt(chunk: Chunk, index: number): QueueEntry {
    const flags = chunk.flags[index];
    const location = flags & LOCATION_MASK;
    let position: SegmentPosition | undefined;
    let pagedAt: SegmentPosition | undefined;
    if (location !== 0) {
      const at: SegmentPosition = {
        segmentId: (chunk.segmentId as Uint32Array)[index],
        offsetBytes: (chunk.offsetBytes as Uint32Array)[index],
        payloadBytes: (chunk.payloadBytes as Uint32Array)[index],
      };
      if (location === IN_STORE) position = at;
      else pagedAt = at;
    }
    return queueEntry(
      chunk.sequence[index],
      chunk.messages?.[index] ?? PAGED_OUT,
      chunk.bodySizeBytes[index],
      (flags & REDELIVERED) !== 0,
      chunk.expiresAtMs === undefined ? Infinity : chunk.expiresAtMs[index],
      this.priority,
      position,
      pagedAt,
    );
  }

  private addChunk(): Chunk {
    let chunk = this.spare;
    if (chunk !== undefined) {
      // Reused as it is: push writes every column the chunk has, and reads follow the flags.
      this.spare = undefined;
    } else {
      let capacity = CHUNK_MIN;
      while (capacity < this.count && capacity < CHUNK_MAX) capacity <<= 1;
      chunk = new Chunk(capacity);
    }
    this.chunks.push(chunk);
    this.tail = 0;
    return chunk;
  }
}
