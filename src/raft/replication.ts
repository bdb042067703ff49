import type { RaftNode } from "./raft-node.js";
import { quorumValue } from "./quorum.js";
import type { AppendRequest, AppendResponse, Heartbeat, HeartbeatResponse, InstallSnapshot, NodeId } from "./types.js";

/**
 * Sends a member what it lacks, within its flow-control window: entries from its next index, or
 * the snapshot when those are compacted away. In replicate state appends are pipelined (next moves
 * on before the answer); in probe state one append at a time finds where the logs match.
 */
export function sendAppend(node: RaftNode, to: NodeId, sendIfEmpty: boolean): void {
  const progress = node.progress.get(to);
  if (progress === undefined || progress.isPaused()) return;
  const prevIndex = progress.next - 1;
  const prevTerm = node.log.term(prevIndex);
  const entries = node.log.entries(progress.next, node.log.lastIndex() + 1, node.options.maxEntriesPerAppend);
  if (prevTerm === undefined || entries === undefined) {
    sendSnapshot(node, to);
    return;
  }
  if (entries.length === 0 && !sendIfEmpty) return;
  const commit = node.log.committed;
  node.send({ type: "append", to, prevIndex, prevTerm, entries, commit });
  progress.sentCommit = commit;
  if (entries.length > 0) progress.sentEntries(entries[entries.length - 1].index);
  else if (progress.state === "probe") progress.probeSent = true;
}

function sendSnapshot(node: RaftNode, to: NodeId): void {
  const progress = node.progress.get(to)!;
  const snapshot = node.log.snapshot();
  progress.becomeSnapshot(snapshot.index);
  node.send({ type: "snapshot", to, snapshot });
}

export function broadcastHeartbeat(node: RaftNode): void {
  for (const [member, progress] of node.progress) {
    if (member === node.id) continue;
    // Never tell a follower of a commit beyond what it is known to hold: its log there may differ.
    const commit = Math.min(progress.match, node.log.committed);
    node.send({ type: "heartbeat", to: member, commit, readRound: node.reads.round });
  }
}

export function handleAppend(node: RaftNode, request: AppendRequest): void {
  const log = node.log;
  const respond = (success: boolean, index: number, hintIndex: number) =>
    node.send({ type: "appendResponse", to: request.from, success, index, hintIndex });
  if (request.prevIndex < log.committed) {
    // Everything up to our commit matches the leader's log; say so, and the leader skips ahead.
    respond(true, log.committed, 0);
    return;
  }
  if (!log.matchTerm(request.prevIndex, request.prevTerm)) {
    respond(false, request.prevIndex, Math.min(request.prevIndex, log.lastIndex()));
    return;
  }
  log.appendAfter(request.prevIndex, request.entries);
  const lastNew = request.prevIndex + request.entries.length;
  log.commitTo(Math.min(request.commit, lastNew));
  respond(true, lastNew, 0);
}

export function handleHeartbeat(node: RaftNode, heartbeat: Heartbeat): void {
  node.log.commitTo(Math.min(heartbeat.commit, node.log.lastIndex()));
  node.send({ type: "heartbeatResponse", to: heartbeat.from, readRound: heartbeat.readRound });
}

export function handleSnapshot(node: RaftNode, message: InstallSnapshot): void {
  const snapshot = message.snapshot;
  const log = node.log;
  if (snapshot.index <= log.committed) {
    node.send({ type: "appendResponse", to: message.from, success: true, index: log.committed, hintIndex: 0 });
    return;
  }
  if (log.matchTerm(snapshot.index, snapshot.term)) {
    // We hold the entry the snapshot ends with, so we hold everything before it: just commit.
    log.commitTo(snapshot.index);
  } else {
    log.restore(snapshot);
  }
  node.send({ type: "appendResponse", to: message.from, success: true, index: snapshot.index, hintIndex: 0 });
}

export function handleAppendResponse(node: RaftNode, response: AppendResponse): void {
  if (node.role !== "leader") return;
  const progress = node.progress.get(response.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  if (!response.success) {
    if (progress.reject(response.index, response.hintIndex)) sendAppend(node, response.from, true);
    return;
  }
  if (!progress.acknowledge(response.index)) return;
  if (progress.state === "probe") progress.becomeReplicate();
  else if (progress.state === "snapshot" && progress.match >= progress.pendingSnapshot) progress.becomeProbe();
  maybeCommitAndBroadcast(node);
  if (node.leadTransferee === response.from && progress.match === node.log.lastIndex()) {
    node.send({ type: "timeoutNow", to: response.from });
  }
}

export function handleHeartbeatResponse(node: RaftNode, response: HeartbeatResponse): void {
  if (node.role !== "leader") return;
  const progress = node.progress.get(response.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  progress.heartbeatAnswered();
  if (progress.match < node.log.lastIndex() || progress.sentCommit < node.log.committed) sendAppend(node, response.from, true);
  node.reads.acknowledge(node, response.from, response.readRound);
}

/**
 * Commit: the highest index a majority of voters holds durably, but only if that entry is of the
 * current term. Earlier terms' entries are committed indirectly by it (Raft §5.4.2, figure 8).
 */
export function maybeCommitAndBroadcast(node: RaftNode): void {
  const membership = node.log.membership();
  const matches: number[] = [];
  for (const voter of membership.voters) matches.push(node.progress.get(voter)?.match ?? 0);
  const candidate = quorumValue(matches);
  if (candidate <= node.log.committed) return;
  if (node.log.term(candidate) !== node.term && !node.options.faults.commitEarlierTermByCounting) return;
  // Followers hear of the new commit from the appends flushAppends() builds before the next Ready.
  node.log.commitTo(candidate);
  node.reads.onCommit(node);
}
