import type { RaftNode } from "./raft-node.js";
import { tallyVotes } from "./quorum.js";
import type { VoteRequest, VoteResponse } from "./types.js";

export type CampaignKind = "preVote" | "election" | "transfer";

/**
 * Starts an election. A pre-vote first asks whether a majority would vote without anyone changing
 * term, so a node returning from a partition cannot depose a healthy leader. A transfer skips the
 * pre-vote and tells voters to ignore their leader lease: the leader itself asked for it.
 */
export function campaign(node: RaftNode, kind: CampaignKind): void {
  if (kind === "preVote") node.becomePreCandidate();
  else node.becomeCandidate();
  const voteTerm = kind === "preVote" ? node.term + 1 : node.term;
  node.votes.set(node.id, true);
  if (tallyVotes(node.log.membership(), node.votes) === true) {
    // A single voter wins outright.
    if (kind === "preVote") campaign(node, "election");
    else node.becomeLeader();
    return;
  }
  const lastIndex = node.log.lastIndex();
  const lastTerm = node.log.lastTerm();
  for (const voter of node.log.membership().voters) {
    if (voter === node.id) continue;
    node.send({
      type: kind === "preVote" ? "preVote" : "vote",
      to: voter,
      term: voteTerm,
      lastIndex,
      lastTerm,
      force: kind === "transfer",
    });
  }
}

export function handleVoteRequest(node: RaftNode, request: VoteRequest): void {
  const isPreVote = request.type === "preVote";
  // A repeated request from the node we voted for gets the same answer; a pre-vote for a later term
  // binds nothing, so it may be granted whatever our vote in this term.
  const canVote =
    node.vote === request.from ||
    (node.vote === null && node.leader === null) ||
    (isPreVote && request.term > node.term);
  const logOk = node.options.faults.voteWithoutLogCheck || node.log.isUpToDate(request.lastIndex, request.lastTerm);
  const granted = canVote && logOk;
  node.send({
    type: isPreVote ? "preVoteResponse" : "voteResponse",
    to: request.from,
    // A granted pre-vote echoes the term it was asked for, so the asker does not mistake it for a newer term.
    term: granted && isPreVote ? request.term : node.term,
    granted,
  });
  if (granted && !isPreVote) {
    node.electionElapsed = 0;
    node.vote = request.from;
  }
}

export function handleVoteResponse(node: RaftNode, response: VoteResponse): void {
  const expected = node.role === "preCandidate" ? "preVoteResponse" : node.role === "candidate" ? "voteResponse" : undefined;
  if (response.type !== expected) return;
  if (response.type === "preVoteResponse" && response.term !== node.term + 1 && response.granted) return;
  node.votes.set(response.from, response.granted);
  const outcome = tallyVotes(node.log.membership(), node.votes);
  if (outcome === true) {
    if (node.role === "preCandidate") campaign(node, "election");
    else node.becomeLeader();
  } else if (outcome === false) {
    node.becomeFollower(node.term, null);
  }
}
