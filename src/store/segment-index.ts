/**
 * What the store remembers about one segment's records: their offsets, in append order, and
 * which of them are acked. 4 bytes and 1 bit per record, so a backlog of ten million messages
 * costs the store about 45 MB; the (segment, offset, length) positions themselves are the
 * queue's. The index lets `ack` refuse an offset that is not a record, or a record acked twice,
 * before either could delete a segment that still holds live messages.
 */
import { assert } from "../lib/assert.js";

const INITIAL_CAPACITY = 64;

export class SegmentIndex {
  private offsets: Uint32Array;
  private ackedBits: Uint8Array;
  private recordCount = 0;
  private ackedCount = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.offsets = new Uint32Array(Math.max(1, capacity));
    this.ackedBits = new Uint8Array(Math.ceil(this.offsets.length / 8));
  }

  /** How many records the segment holds, acked or not. */
  get count(): number {
    return this.recordCount;
  }

  /** How many records are not acked yet. */
  get liveCount(): number {
    return this.recordCount - this.ackedCount;
  }

  /** Records the offset of a new record; offsets only grow, which `find` relies on. */
  add(offsetBytes: number): void {
    assert(
      this.recordCount === 0 || offsetBytes > this.offsets[this.recordCount - 1]!,
      "record offsets grow within a segment",
    );
    if (this.recordCount === this.offsets.length) this.grow();
    this.offsets[this.recordCount] = offsetBytes;
    this.recordCount += 1;
  }

  offsetAt(ordinal: number): number {
    assert(ordinal >= 0 && ordinal < this.recordCount, "ordinal within the segment");
    return this.offsets[ordinal]!;
  }

  /** The ordinal of the record starting at `offsetBytes`, or -1 when no record starts there. */
  find(offsetBytes: number): number {
    let low = 0;
    let high = this.recordCount - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.offsets[middle]!;
      if (value === offsetBytes) return middle;
      if (value < offsetBytes) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  isAcked(ordinal: number): boolean {
    assert(ordinal >= 0 && ordinal < this.recordCount, "ordinal within the segment");
    return (this.ackedBits[ordinal >>> 3]! & (1 << (ordinal & 7))) !== 0;
  }

  /** Marks the record acked; false when it already was. */
  markAcked(ordinal: number): boolean {
    if (this.isAcked(ordinal)) return false;
    this.ackedBits[ordinal >>> 3]! |= 1 << (ordinal & 7);
    this.ackedCount += 1;
    assert(this.ackedCount <= this.recordCount, "no more acks than records");
    return true;
  }

  /**
   * Forgets the records from `ordinal` on (a batched write that held them failed, so they are
   * not in the file); returns how many of them were live.
   */
  truncate(ordinal: number): number {
    assert(Number.isInteger(ordinal) && ordinal >= 0 && ordinal <= this.recordCount, "truncate within the segment");
    let liveDropped = 0;
    for (let at = ordinal; at < this.recordCount; at++) {
      if (this.isAcked(at)) {
        this.ackedBits[at >>> 3]! &= ~(1 << (at & 7));
        this.ackedCount -= 1;
      } else {
        liveDropped += 1;
      }
    }
    this.recordCount = ordinal;
    return liveDropped;
  }

  private grow(): void {
    const offsets = new Uint32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    const ackedBits = new Uint8Array(Math.ceil(offsets.length / 8));
    ackedBits.set(this.ackedBits);
    this.offsets = offsets;
    this.ackedBits = ackedBits;
  }
}
