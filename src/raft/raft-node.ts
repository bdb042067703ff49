import { assert } from "../lib/assert.js";
import { RaftLog } from "./log.js";
import { DEFAULT_OPTIONS, NO_FAULTS, type PlantedFaults, type RaftOptions } from "./options.js";
import { Progress } from "./progress.js";
import { isMember, isVoter } from "./quorum.js";
import { ReadIndexTracker } from "./read-index.js";
import type { LogStorage } from "./storage.js";
import type { Entry, HardState, Message, NodeId, ReadState, Role } from "./types.js";
import { campaign, handleVoteRequest, handleVoteResponse } from "./election.js";
import { broadcastHeartbeat, maybeCommitAndBroadcast, handleAppend, handleAppendResponse, handleHeartbeat, handleHeartbeatResponse, handleSnapshot, sendAppend } from "./replication.js";
import { handleReadIndexRequest, handleReadIndexResponse } from "./read-index.js";

/** A message minus the envelope the node fills in (from, term). */
export type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, "from" | "term"> & { term?: number } : never) : never;

/**
 * One group's Raft state machine: roles, terms, votes, the log and (on a leader) each follower's
 * progress. It only reacts to tick() and step(); everything it wants done leaves through the two
 * outboxes that RawNode hands to the host. The protocol itself lives in election.ts,
 * replication.ts, membership.ts and read-index.ts; this file keeps the state and role changes.
 */
export class RaftNode {
  readonly id: NodeId;
  readonly options: Required<Omit<RaftOptions, "faults">> & { faults: PlantedFaults };
  readonly log: RaftLog;
  term: number;
  vote: NodeId | null;
  role: Role = "follower";
  leader: NodeId | null = null;
  /** Ticks since the last election timeout reset (or, on a leader, since the last check-quorum). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTicks = 0;
  /** The leader's view of every member, itself included. */
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  /** The member leadership is being handed to; proposals are refused meanwhile. */
  leadTransferee: NodeId | null = null;
  readonly reads = new ReadIndexTracker();
  /** Messages that depend on this Ready's writes: sent only once they are durable. */
  messagesAfterPersist: Message[] = [];
  /** Messages that depend on nothing unwritten (a leader's appends and heartbeats): sent at once. */
  messagesNow: Message[] = [];
  readStates: ReadState[] = [];

  constructor(options: Partial<RaftOptions> & Pick<RaftOptions, "id" | "randomInt">, storage: LogStorage) {
    this.options = { ...DEFAULT_OPTIONS, ...options, faults: options.faults ?? NO_FAULTS };
    assert(this.options.heartbeatTicks < this.options.electionTicks, "heartbeats come more often than elections");
    this.id = options.id;
    this.log = new RaftLog(storage);
    const hardState = storage.initialHardState();
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(this.term, null);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** A voter in its own newest membership with no snapshot half-installed: it may stand for election. */
  isPromotable(): boolean {
    return isVoter(this.log.membership(), this.id) && this.log.unstable().snapshot === undefined;
  }

  /** A follower that heard from its leader within the minimum election timeout ignores elections. */
  inLease(): boolean {
    return this.leader !== null && this.electionElapsed < this.options.electionTicks;
  }

  tick(): void {
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTicks && this.isPromotable()) {
      this.electionElapsed = 0;
      campaign(this, "preVote");
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.options.electionTicks) {
      this.electionElapsed = 0;
      if (!this.checkQuorum()) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.leadTransferee = null;
    }
    if (this.heartbeatElapsed >= this.options.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      broadcastHeartbeat(this);
    }
  }

  /** Check-quorum: a leader that has not heard from a majority within an election timeout steps down. */
  private checkQuorum(): boolean {
    let active = 0;
    const voters = this.log.membership().voters;
    for (const voter of voters) {
      const progress = this.progress.get(voter);
      if (voter === this.id || progress?.recentActive) active++;
    }
    for (const progress of this.progress.values()) progress.recentActive = false;
    return active >= Math.floor(voters.length / 2) + 1;
  }

  step(message: Message): void {
    if (message.term > this.term) {
      const isVoteRequest = message.type === "preVote" || message.type === "vote";
      if (isVoteRequest && !message.force && this.inLease()) return;
      const keepsTerm = message.type === "preVote" || (message.type === "preVoteResponse" && message.granted);
      if (!keepsTerm) {
        const fromLeader = message.type === "append" || message.type === "heartbeat" || message.type === "snapshot";
        this.becomeFollower(message.term, fromLeader ? message.from : null);
      }
    } else if (message.term < this.term) {
      // A stale leader (or a node back from a partition) learns the newer term and steps down.
      if (message.type === "append" || message.type === "heartbeat" || message.type === "snapshot") {
        this.send({ type: "heartbeatResponse", to: message.from, readRound: 0 });
      } else if (message.type === "preVote") {
        this.send({ type: "preVoteResponse", to: message.from, granted: false });
      }
      return;
    }
    this.dispatch(message);
  }

  private dispatch(message: Message): void {
    switch (message.type) {
      case "preVote":
      case "vote":
        return handleVoteRequest(this, message);
      case "preVoteResponse":
      case "voteResponse":
        return handleVoteResponse(this, message);
      case "append":
        this.followLeader(message.from);
        return handleAppend(this, message);
      case "heartbeat":
        this.followLeader(message.from);
        return handleHeartbeat(this, message);
      case "snapshot":
        this.followLeader(message.from);
        return handleSnapshot(this, message);
      case "appendResponse":
        return handleAppendResponse(this, message);
      case "heartbeatResponse":
        return handleHeartbeatResponse(this, message);
      case "timeoutNow":
        if (this.role !== "leader" && this.isPromotable()) campaign(this, "transfer");
        return;
      case "readIndex":
        return handleReadIndexRequest(this, message);
      case "readIndexResponse":
        return handleReadIndexResponse(this, message);
    }
  }

  /** A message from this term's leader: a candidate gives up, and the election timer restarts. */
  private followLeader(leader: NodeId): void {
    assert(this.role !== "leader", `two leaders in term ${this.term}: ${this.id} and ${leader}`);
    if (this.role !== "follower") this.becomeFollower(this.term, leader);
    this.leader = leader;
    this.electionElapsed = 0;
  }

  private resetForTerm(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTicks = this.options.electionTicks + this.options.randomInt(this.options.electionTicks);
    this.votes.clear();
    this.progress.clear();
    this.leadTransferee = null;
    this.reads.reset(this);
  }

  becomeFollower(term: number, leader: NodeId | null): void {
    this.resetForTerm(term);
    this.role = "follower";
    this.leader = leader;
  }

  becomePreCandidate(): void {
    assert(this.role !== "leader", "a leader does not pre-vote");
    // A pre-vote changes neither term nor vote: a node cut off cannot inflate terms while away.
    this.votes.clear();
    this.leader = null;
    this.role = "preCandidate";
  }

  becomeCandidate(): void {
    assert(this.role !== "leader", "a leader does not stand again");
    this.resetForTerm(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  becomeLeader(): void {
    assert(this.role === "candidate", "only a candidate becomes leader");
    this.resetForTerm(this.term);
    this.role = "leader";
    this.leader = this.id;
    const membership = this.log.membership();
    for (const member of [...membership.voters, ...membership.learners]) this.addProgress(member);
    // An entry of the new term: the only way to commit earlier terms' entries (Raft §5.4.2), and ReadIndex's start.
    this.appendEntries([{ kind: "noop" }]);
  }

  addProgress(member: NodeId): void {
    if (this.progress.has(member)) return;
    const progress = new Progress(this.log.lastIndex() + 1, this.options.maxInflightAppends);
    if (member === this.id) {
      progress.match = this.log.stableIndex();
      progress.becomeReplicate();
    }
    this.progress.set(member, progress);
  }

  /** Appends new entries of this term at the end of a leader's log. */
  appendEntries(entries: readonly Pick<Entry, "kind" | "data" | "membership">[]): number {
    let index = this.log.lastIndex();
    const stamped = entries.map((entry) => ({ ...entry, index: ++index, term: this.term }));
    this.log.append(stamped);
    return index;
  }

  /** The leader's own durable index counts like a follower's acknowledgement. */
  noteOwnStable(): void {
    const own = this.progress.get(this.id);
    if (this.role === "leader" && own !== undefined && own.acknowledge(this.log.stableIndex())) {
      maybeCommitAndBroadcast(this);
    }
  }

  /** Queues a message; the node's term goes on unless the caller set one (a vote grant's echo). */
  send(message: Outgoing): void {
    const full = { term: this.term, ...message, from: this.id } as Message;
    const dependsOnNothingUnwritten =
      full.type === "append" || full.type === "heartbeat" || full.type === "snapshot" || full.type === "timeoutNow" ||
      (full.type === "appendResponse" && this.options.faults.ackBeforePersist === true);
    if (dependsOnNothingUnwritten) this.messagesNow.push(full);
    else this.messagesAfterPersist.push(full);
  }

  /** Appends pending for members that can take them; called before each Ready, so appends batch. */
  flushAppends(): void {
    if (this.role !== "leader") return;
    if (this.reads.heartbeatWanted) {
      this.reads.heartbeatWanted = false;
      broadcastHeartbeat(this);
    }
    for (const [member, progress] of this.progress) {
      if (member === this.id || !isMember(this.log.membership(), member)) continue;
      sendAppend(this, member, progress.sentCommit < this.log.committed);
    }
  }
}
