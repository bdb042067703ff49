import { assert } from "../lib/assert.js";
import type { Entry, HardState, Membership, Snapshot } from "./types.js";
import { NO_MEMBERS } from "./types.js";

/**
 * What the core reads of a group's durable state. Everything here is already durable: the host
 * updates it only after the write that a Ready asked for is synced (the WAL keeps recent entries in
 * memory, so these reads are synchronous). The core never writes through this interface.
 */
export interface LogStorage {
  /** The state at start-up; afterwards the core is the one that knows the hard state. */
  initialHardState(): HardState;
  /** The index after the snapshot: the first entry still held. */
  firstIndex(): number;
  /** The last durable entry's index (the snapshot's index when the log is empty). */
  lastIndex(): number;
  /** The term of the entry at index, for firstIndex-1 (the snapshot) ≤ index ≤ lastIndex; undefined otherwise. */
  term(index: number): number | undefined;
  /** Entries [low, high), low ≥ firstIndex, high ≤ lastIndex + 1. */
  entries(low: number, high: number): readonly Entry[];
  /** The newest snapshot (index 0 with the bootstrap membership before any was taken). */
  snapshot(): Snapshot;
}

/**
 * A LogStorage held in memory: the simulator's node state after recovery, and the tests'. The
 * host calls the mutators only with what a Ready handed out, once it is durable.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot;
  /** log[i] holds index snap.index + 1 + i. */
  private log: Entry[] = [];

  constructor(bootstrap: Membership = NO_MEMBERS) {
    this.snap = { index: 0, term: 0, membership: bootstrap, data: undefined };
  }

  initialHardState(): HardState {
    return this.hardState;
  }

  setHardState(state: HardState): void {
    this.hardState = state;
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return this.snap.index + this.log.length;
  }

  term(index: number): number | undefined {
    if (index === this.snap.index) return this.snap.term;
    if (index < this.snap.index || index > this.lastIndex()) return undefined;
    return this.log[index - this.snap.index - 1].term;
  }

  entries(low: number, high: number): readonly Entry[] {
    assert(low >= this.firstIndex() && high <= this.lastIndex() + 1 && low <= high, `entries [${low}, ${high}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    return this.log.slice(low - this.snap.index - 1, high - this.snap.index - 1);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Appends entries, replacing any held entry at or after the first one's index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    assert(first > this.snap.index, `append at ${first} below the snapshot at ${this.snap.index}`);
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`);
    this.log.length = first - this.snap.index - 1;
    for (const entry of entries) this.log.push(entry);
  }

  /** Installs a snapshot received from a leader: it replaces the whole log. */
  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.index > this.snap.index, `snapshot at ${snapshot.index} not newer than ${this.snap.index}`);
    this.log = [];
    this.snap = snapshot;
  }

  /** Records a snapshot this node's state machine took and drops the entries it covers. */
  compact(snapshot: Snapshot): void {
    if (snapshot.index <= this.snap.index) return;
    assert(snapshot.index <= this.lastIndex(), `snapshot at ${snapshot.index} beyond the log's end ${this.lastIndex()}`);
    assert(this.term(snapshot.index) === snapshot.term, `snapshot term ${snapshot.term} differs from the log's at ${snapshot.index}`);
    this.log = this.log.slice(snapshot.index - this.snap.index);
    this.snap = snapshot;
  }
}
