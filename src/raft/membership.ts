import type { RaftNode } from "./raft-node.js";
import { isMember } from "./quorum.js";
import { maybeCommitAndBroadcast } from "./replication.js";
import type { Membership, NodeId } from "./types.js";

/**
 * Single-server membership changes (Raft thesis §4.1): one member added or removed at a time, in
 * effect on every node as soon as the entry is appended to its log. Two rules keep it safe:
 * - one change at a time: the previous membership entry must be committed;
 * - the leader must have committed an entry of its own term first (the fix to the single-server
 *   algorithm published by Ongaro in 2015), so a change from a deposed leader cannot overlap one
 *   made by its successor.
 * Voters join as learners, catch up, and are promoted; the leader is never removed (transfer first).
 */
export type MembershipChange =
  | { readonly kind: "addLearner"; readonly member: NodeId }
  | { readonly kind: "promote"; readonly member: NodeId }
  | { readonly kind: "remove"; readonly member: NodeId };

/** Why a change was refused, or null when it was appended. */
export function proposeMembershipChange(node: RaftNode, change: MembershipChange): string | null {
  if (node.role !== "leader") return "not the leader";
  if (node.leadTransferee !== null) return "leadership is being transferred";
  if (node.log.term(node.log.committed) !== node.term) return "the leader has not committed an entry of its term yet";
  if (node.log.membershipIndex() > node.log.committed) return "another membership change is not committed yet";
  const current = node.log.membership();
  const next = changedMembership(node, current, change);
  if (typeof next === "string") return next;
  node.appendEntries([{ kind: "membership", membership: next }]);
  if (change.kind === "addLearner") node.addProgress(change.member);
  if (change.kind === "remove") node.progress.delete(change.member);
  // Removing a voter may leave a smaller majority that already holds more.
  maybeCommitAndBroadcast(node);
  return null;
}

function changedMembership(node: RaftNode, current: Membership, change: MembershipChange): Membership | string {
  const { member } = change;
  switch (change.kind) {
    case "addLearner":
      if (isMember(current, member)) return `${member} is already a member`;
      return { voters: current.voters, learners: [...current.learners, member] };
    case "promote": {
      if (!current.learners.includes(member)) return `${member} is not a learner`;
      // A learner votes only once it holds everything committed, so its promotion cannot stall commits.
      const match = node.progress.get(member)?.match ?? 0;
      if (match < node.log.committed) return `${member} has not caught up (${match} of ${node.log.committed})`;
      return { voters: [...current.voters, member], learners: current.learners.filter((learner) => learner !== member) };
    }
    case "remove":
      if (!isMember(current, member)) return `${member} is not a member`;
      if (member === node.id) return "the leader cannot remove itself: transfer leadership first";
      return { voters: current.voters.filter((voter) => voter !== member), learners: current.learners.filter((learner) => learner !== member) };
  }
}
