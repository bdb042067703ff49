import { assert } from "../lib/assert.js";
import { proposeMembershipChange, type MembershipChange } from "./membership.js";
import type { RaftOptions } from "./options.js";
import { RaftNode } from "./raft-node.js";
import { sendAppend } from "./replication.js";
import type { LogStorage } from "./storage.js";
import type { Entry, HardState, Membership, Message, NodeId, ReadContext, ReadState, Role, Snapshot, SoftState } from "./types.js";

/**
 * Everything one group needs done, handed out by ready(). The host:
 * 1. may send `messagesNow` at once (a leader's appends and heartbeats: they depend on nothing unwritten);
 * 2. writes `hardState`, `entries` (replacing any held entry at or after the first one's index) and
 *    `snapshot` durably, in that order, as one atomic record or with the hard state written last;
 * 3. then sends `messages` (votes and acknowledgements that promise what was just written),
 *    applies `committedEntries` in order, serves `readStates` once applied reaches their index;
 * 4. and calls advance(ready). ready() is not called again before that, but step() and tick() may be:
 *    that is how a node keeps working while its disk syncs.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | undefined;
  readonly messagesNow: readonly Message[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly membership: Membership;
}

/** One Raft group's core, as its host drives it: inputs in, a Ready out, advance() when done. */
export class RawNode {
  private readonly node: RaftNode;
  private persistedHardState: HardState;
  private reportedSoftState: SoftState = { role: "follower", leader: null };
  private outstanding: Ready | null = null;

  constructor(options: Partial<RaftOptions> & Pick<RaftOptions, "id" | "randomInt">, storage: LogStorage) {
    this.node = new RaftNode(options, storage);
    this.persistedHardState = storage.initialHardState();
  }

  /** The host's clock: one call per tick interval. A group nobody ticks has no timers at all. */
  tick(): void {
    this.node.tick();
  }

  /** A message from another member of this group (the host routes by group and checks `to`). */
  step(message: Message): void {
    assert(message.to === this.node.id, `message for ${message.to} stepped into ${this.node.id}`);
    this.node.step(message);
  }

  /** Appends a command on the leader; returns its index, or null when this node cannot take it. */
  propose(data: unknown): number | null {
    if (this.node.role !== "leader" || this.node.leadTransferee !== null) return null;
    return this.node.appendEntries([{ kind: "command", data }]);
  }

  /** Why the change was refused, or null when it was appended (see membership.ts for the rules). */
  changeMembership(change: MembershipChange): string | null {
    return proposeMembershipChange(this.node, change);
  }

  /** Hands leadership to an up-to-date voter: it is caught up first, then told to stand at once. */
  transferLeadership(target: NodeId): boolean {
    const node = this.node;
    if (node.role !== "leader" || target === node.id || !node.log.membership().voters.includes(target)) return false;
    if (node.leadTransferee === target) return true;
    node.leadTransferee = target;
    node.electionElapsed = 0;
    const progress = node.progress.get(target)!;
    if (progress.match === node.log.lastIndex()) node.send({ type: "timeoutNow", to: target });
    else sendAppend(node, target, true);
    return true;
  }

  /** Asks for a linearizable read; false when no leader is known (the host retries or fails the read). */
  readIndex(context: ReadContext): boolean {
    const node = this.node;
    if (node.role === "leader") {
      node.reads.request(node, context, node.id);
      return true;
    }
    if (node.leader === null) return false;
    node.send({ type: "readIndex", to: node.leader, context });
    return true;
  }

  /** A snapshot sent to `member` did not arrive (the host's chunked transfer failed): send it again. */
  reportSnapshotFailed(member: NodeId): void {
    const progress = this.node.progress.get(member);
    if (progress?.state === "snapshot") progress.becomeProbe();
  }

  /**
   * The index, term and membership of a snapshot the state machine takes at `index` (≤ applied),
   * or null while a snapshot from the leader is being installed (the log there is being replaced).
   */
  snapshotMetadata(index: number): Omit<Snapshot, "data"> | null {
    const log = this.node.log;
    assert(index <= log.applied, `a snapshot at ${index} beyond applied ${log.applied}`);
    const term = log.term(index);
    if (term === undefined || log.unstable().snapshot !== undefined) return null;
    return { index, term, membership: log.membershipAt(index) };
  }

  status(): Status {
    const node = this.node;
    return {
      id: node.id, role: node.role, term: node.term, leader: node.leader,
      commit: node.log.committed, applied: node.log.applied, lastIndex: node.log.lastIndex(), membership: node.log.membership(),
    };
  }

  /** The term of the entry at index in this node's log (durable or not), undefined if compacted or absent. */
  logTerm(index: number): number | undefined {
    return this.node.log.term(index);
  }

  /** The first index still in the log (entries before it are in the snapshot). */
  firstIndex(): number {
    return this.node.log.firstIndex();
  }

  /** The leader's view of each member's replicated index (for the host's metrics and the simulator). */
  matchIndexes(): ReadonlyMap<NodeId, number> {
    return new Map([...this.node.progress].map(([member, progress]) => [member, progress.match]));
  }

  /** True on a leader whose every member holds and knows everything: the host may stop ticking it. */
  isQuiescent(): boolean {
    const node = this.node;
    if (node.role !== "leader" || this.hasReady()) return false;
    for (const [member, progress] of node.progress) {
      if (progress.match !== node.log.lastIndex()) return false;
      if (member !== node.id && progress.sentCommit !== node.log.committed) return false;
    }
    return node.log.committed === node.log.lastIndex();
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const node = this.node;
    node.flushAppends();
    const unstable = node.log.unstable();
    return (
      node.messagesNow.length > 0 || node.messagesAfterPersist.length > 0 || node.readStates.length > 0 ||
      unstable.entries.length > 0 || unstable.snapshot !== undefined || this.hardStateChanged() ||
      node.role !== this.reportedSoftState.role || node.leader !== this.reportedSoftState.leader ||
      node.log.nextCommitted(1).length > 0
    );
  }

  ready(): Ready {
    assert(this.outstanding === null, "ready() called again before advance()");
    const node = this.node;
    node.flushAppends();
    const unstable = node.log.unstable();
    const hardStateChanged = this.hardStateChanged();
    let messagesNow = node.messagesNow;
    let messages = node.messagesAfterPersist;
    // Until a new term or vote is durable, nothing this node says in that term may leave it.
    const termOrVoteChanged = node.term !== this.persistedHardState.term || node.vote !== this.persistedHardState.vote;
    if (termOrVoteChanged) {
      messages = messagesNow.concat(messages);
      messagesNow = [];
    }
    const softState = { role: node.role, leader: node.leader };
    const softChanged = softState.role !== this.reportedSoftState.role || softState.leader !== this.reportedSoftState.leader;
    const ready: Ready = {
      softState: softChanged ? softState : undefined,
      hardState: hardStateChanged ? node.hardState() : undefined,
      entries: unstable.entries,
      snapshot: unstable.snapshot,
      messagesNow,
      messages,
      committedEntries: node.log.nextCommitted(node.options.maxEntriesPerApply),
      readStates: node.readStates,
    };
    node.messagesNow = [];
    node.messagesAfterPersist = [];
    node.readStates = [];
    if (softChanged) this.reportedSoftState = softState;
    this.outstanding = ready;
    return ready;
  }

  /** The host did what `ready` asked: its writes are durable, its messages sent, its entries applied. */
  advance(ready: Ready): void {
    assert(this.outstanding === ready, "advance() with a Ready that is not the outstanding one");
    this.outstanding = null;
    const log = this.node.log;
    if (ready.hardState !== undefined) this.persistedHardState = ready.hardState;
    if (ready.snapshot !== undefined) log.stableSnapshotTo(ready.snapshot.index);
    if (ready.entries.length > 0) {
      const last = ready.entries[ready.entries.length - 1];
      log.stableTo(last.index, last.term);
    }
    if (ready.committedEntries.length > 0) {
      const first = ready.committedEntries[0].index;
      const last = ready.committedEntries[ready.committedEntries.length - 1].index;
      if (first === log.applied + 1) log.applied = last;
    }
    this.node.noteOwnStable();
  }

  private hardStateChanged(): boolean {
    const persisted = this.persistedHardState;
    const node = this.node;
    return node.term !== persisted.term || node.vote !== persisted.vote || node.log.committed !== persisted.commit;
  }
}
