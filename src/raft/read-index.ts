import type { RaftNode } from "./raft-node.js";
import type { NodeId, ReadContext, ReadIndexRequest, ReadIndexResponse } from "./types.js";

interface PendingRead {
  readonly context: ReadContext;
  readonly from: NodeId;
  index: number;
  round: number;
}

/**
 * Linearizable reads by ReadIndex (Raft thesis §6.4), not by lease: a lease would trust clocks, and
 * the simulator skews them. The leader notes its commit index, proves it is still leader by a round
 * of heartbeats a majority answers, and the read is served once that index is applied.
 *
 * Rounds make this cheap: every heartbeat carries the newest round, so one heartbeat round confirms
 * every read registered before it, and heartbeats stay coalescable per node pair.
 */
export class ReadIndexTracker {
  /** The newest read round of this leadership (0 when no read was asked). */
  round = 0;
  /** A read round wants heartbeats sent before the next Ready rather than at the next tick. */
  heartbeatWanted = false;
  private pending: PendingRead[] = [];
  /** Reads asked before the leader committed an entry of its term: its commit index may be stale. */
  private beforeFirstCommit: PendingRead[] = [];

  reset(_node: RaftNode): void {
    this.round = 0;
    this.heartbeatWanted = false;
    this.pending = [];
    this.beforeFirstCommit = [];
  }

  /** A read on the leader, for itself or for a follower. */
  request(node: RaftNode, context: ReadContext, from: NodeId): void {
    const read: PendingRead = { context, from, index: 0, round: 0 };
    if (node.log.term(node.log.committed) !== node.term) {
      this.beforeFirstCommit.push(read);
      return;
    }
    this.register(node, read);
  }

  private register(node: RaftNode, read: PendingRead): void {
    read.index = node.log.committed;
    if (node.log.membership().voters.length === 1) {
      this.resolve(node, read);
      return;
    }
    read.round = ++this.round;
    this.pending.push(read);
    this.heartbeatWanted = true;
  }

  onCommit(node: RaftNode): void {
    if (this.beforeFirstCommit.length === 0 || node.log.term(node.log.committed) !== node.term) return;
    const waiting = this.beforeFirstCommit;
    this.beforeFirstCommit = [];
    for (const read of waiting) this.register(node, read);
  }

  /** A heartbeat answer for `round`: every read of that round or before that a majority confirmed is served. */
  acknowledge(node: RaftNode, member: NodeId, round: number): void {
    const progress = node.progress.get(member);
    if (progress === undefined || round <= progress.readRound) return;
    progress.readRound = round;
    const voters = node.log.membership().voters;
    while (this.pending.length > 0) {
      const first = this.pending[0];
      let confirmed = 0;
      for (const voter of voters) {
        if (voter === node.id || (node.progress.get(voter)?.readRound ?? 0) >= first.round) confirmed++;
      }
      if (confirmed < Math.floor(voters.length / 2) + 1) return;
      this.pending.shift();
      this.resolve(node, first);
    }
  }

  private resolve(node: RaftNode, read: PendingRead): void {
    if (read.from === node.id) node.readStates.push({ context: read.context, index: read.index });
    else node.send({ type: "readIndexResponse", to: read.from, context: read.context, index: read.index });
  }
}

export function handleReadIndexRequest(node: RaftNode, request: ReadIndexRequest): void {
  if (node.role === "leader") node.reads.request(node, request.context, request.from);
}

export function handleReadIndexResponse(node: RaftNode, response: ReadIndexResponse): void {
  node.readStates.push({ context: response.context, index: response.index });
}
