import type { Membership, NodeId } from "./types.js";

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

export function isVoter(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id);
}

export function isMember(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}

/** The highest value that a majority of voters has reached (the voters' values, in any order). */
export function quorumValue(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((left, right) => right - left);
  return values[quorumSize(values.length) - 1];
}

/** Whether the granted votes win (true), the refusals lose (false), or it is still open (undefined). */
export function tallyVotes(membership: Membership, votes: ReadonlyMap<NodeId, boolean>): boolean | undefined {
  let granted = 0;
  let refused = 0;
  for (const voter of membership.voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) refused++;
  }
  const needed = quorumSize(membership.voters.length);
  if (granted >= needed) return true;
  if (refused > membership.voters.length - needed) return false;
  return undefined;
}
