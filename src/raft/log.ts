import { assert } from "../lib/assert.js";
import type { LogStorage } from "./storage.js";
import type { Entry, Membership, Snapshot } from "./types.js";

/**
 * A group's log as the core sees it: what storage holds durably, overlaid by what is not yet
 * durable (the unstable part, handed to the host by ready() and dropped here by advance()).
 *
 * The unstable part starts at `offset`. Durable entries at or after `offset` are superseded (a
 * new leader overwrote them) and are never read. A pending snapshot supersedes storage entirely.
 */
export class RaftLog {
  private offset: number;
  private unstableEntries: Entry[] = [];
  private pendingSnapshot: Snapshot | undefined;
  committed: number;
  applied: number;
  /** Every membership entry in the log, oldest first, with the base (snapshot) one at position 0. */
  private memberships: { index: number; membership: Membership }[];

  constructor(readonly storage: LogStorage) {
    const snapshot = storage.snapshot();
    this.offset = storage.lastIndex() + 1;
    this.committed = Math.max(storage.initialHardState().commit, snapshot.index);
    assert(this.committed <= storage.lastIndex(), `commit ${this.committed} beyond the durable log's end ${storage.lastIndex()}`);
    this.applied = snapshot.index;
    this.memberships = [{ index: snapshot.index, membership: snapshot.membership }];
    if (storage.lastIndex() >= storage.firstIndex()) {
      for (const entry of storage.entries(storage.firstIndex(), storage.lastIndex() + 1)) this.noteMembership(entry);
    }
  }

  firstIndex(): number {
    return this.pendingSnapshot !== undefined ? this.pendingSnapshot.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstableEntries.length > 0) return this.offset + this.unstableEntries.length - 1;
    if (this.pendingSnapshot !== undefined) return this.pendingSnapshot.index;
    return this.offset - 1;
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, "the last entry has a term");
    return term;
  }

  /** The term of the entry at index, or undefined where it is compacted or beyond the end. */
  term(index: number): number | undefined {
    if (index >= this.offset) {
      const position = index - this.offset;
      return position < this.unstableEntries.length ? this.unstableEntries[position].term : undefined;
    }
    if (this.pendingSnapshot !== undefined) return index === this.pendingSnapshot.index ? this.pendingSnapshot.term : undefined;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Entries [low, high), at most maxCount of them; undefined when low is compacted away. */
  entries(low: number, high: number, maxCount = Infinity): readonly Entry[] | undefined {
    if (low < this.firstIndex()) return undefined;
    high = Math.min(high, this.lastIndex() + 1, low + maxCount);
    if (low >= high) return [];
    const result: Entry[] = [];
    if (low < this.offset) {
      for (const entry of this.storage.entries(low, Math.min(high, this.offset))) result.push(entry);
    }
    for (let index = Math.max(low, this.offset); index < high; index++) result.push(this.unstableEntries[index - this.offset]);
    return result;
  }

  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Appends entries after prevIndex, truncating only where a term differs (a stale or duplicated append changes nothing). */
  appendAfter(prevIndex: number, entries: readonly Entry[]): void {
    let position = 0;
    while (position < entries.length && this.matchTerm(entries[position].index, entries[position].term)) position++;
    if (position === entries.length) return;
    const first = entries[position];
    assert(first.index === prevIndex + 1 + position, "entries are contiguous");
    assert(first.index > this.committed, `a leader overwrote committed entry ${first.index} (commit ${this.committed})`);
    this.truncateAndAppend(entries.slice(position));
  }

  /** Appends at the end (a leader's own proposals). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    assert(entries[0].index === this.lastIndex() + 1, "a leader appends at its log's end");
    this.truncateAndAppend(entries);
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0].index;
    if (first === this.offset + this.unstableEntries.length) {
      for (const entry of entries) this.unstableEntries.push(entry);
    } else if (first <= this.offset) {
      this.offset = first;
      this.unstableEntries = entries.slice();
    } else {
      this.unstableEntries = this.unstableEntries.slice(0, first - this.offset).concat(entries);
    }
    while (this.memberships.length > 1 && this.memberships[this.memberships.length - 1].index >= first) this.memberships.pop();
    for (const entry of entries) this.noteMembership(entry);
  }

  private noteMembership(entry: Entry): void {
    if (entry.kind === "membership" && entry.membership !== undefined) this.memberships.push({ index: entry.index, membership: entry.membership });
  }

  /** The membership in effect: the newest one appended, committed or not. */
  membership(): Membership {
    return this.memberships[this.memberships.length - 1].membership;
  }

  /** The index of the newest membership entry (the snapshot's index when none follows it). */
  membershipIndex(): number {
    return this.memberships[this.memberships.length - 1].index;
  }

  /** The membership in effect at index (for a snapshot taken there). */
  membershipAt(index: number): Membership {
    for (let position = this.memberships.length - 1; position >= 0; position--) {
      if (this.memberships[position].index <= index) return this.memberships[position].membership;
    }
    throw new Error(`no membership known at ${index}`);
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `commit ${index} beyond the log's end ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    assert(snapshot.index > this.committed, "a snapshot is installed only beyond the commit index");
    this.pendingSnapshot = snapshot;
    this.unstableEntries = [];
    this.offset = snapshot.index + 1;
    this.committed = snapshot.index;
    this.memberships = [{ index: snapshot.index, membership: snapshot.membership }];
  }

  /** The highest index whose entry is durable here and still part of the log. */
  stableIndex(): number {
    if (this.pendingSnapshot !== undefined) return this.applied;
    return Math.min(this.storage.lastIndex(), this.offset - 1);
  }

  unstable(): { entries: readonly Entry[]; snapshot: Snapshot | undefined } {
    return { entries: this.unstableEntries, snapshot: this.pendingSnapshot };
  }

  /** The host made entries up to (index, term) durable; anything truncated meanwhile stays unstable. */
  stableTo(index: number, term: number): void {
    if (index < this.offset || this.pendingSnapshot !== undefined) return;
    const position = index - this.offset;
    if (position >= this.unstableEntries.length || this.unstableEntries[position].term !== term) return;
    this.unstableEntries = this.unstableEntries.slice(position + 1);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.pendingSnapshot?.index !== index) return;
    this.pendingSnapshot = undefined;
    if (this.applied < index) this.applied = index;
  }

  /** Committed entries that are durable here and not yet handed to the state machine. */
  nextCommitted(maxCount: number): readonly Entry[] {
    const high = Math.min(this.committed, this.stableIndex()) + 1;
    if (this.applied + 1 >= high) return [];
    return this.entries(this.applied + 1, high, maxCount) ?? [];
  }

  /** The snapshot to send a lagging follower: a pending one if this node has not made it durable yet. */
  snapshot(): Snapshot {
    return this.pendingSnapshot ?? this.storage.snapshot();
  }
}
