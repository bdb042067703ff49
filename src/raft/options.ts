/**
 * The knobs of one group's core. Warren's limits module is above src/raft in the import order, so the
 * host passes its values in; the defaults here are the values the simulator and tests use.
 */

/**
 * Known bugs the simulator must find (test/sim/planted-bugs.test.ts). Every field defaults to off;
 * nothing outside that test sets one.
 */
export interface PlantedFaults {
  /** Grant a vote without checking that the candidate's log is at least as up to date. */
  readonly voteWithoutLogCheck?: boolean;
  /** Commit an entry of an earlier term by counting replicas (Raft paper, figure 8). */
  readonly commitEarlierTermByCounting?: boolean;
  /** Acknowledge appended entries before they are durable. */
  readonly ackBeforePersist?: boolean;
}

export interface RaftOptions {
  readonly id: string;
  /** Ticks without hearing from a leader before a follower starts a pre-vote; randomized up to twice this. */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be well below electionTicks. */
  readonly heartbeatTicks: number;
  /** Appends in flight to one follower before the leader waits for acknowledgements (flow control). */
  readonly maxInflightAppends: number;
  /** Entries in one append message, so one slow follower's catch-up does not build huge messages. */
  readonly maxEntriesPerAppend: number;
  /** Entries handed to the state machine per ready(), so one group cannot starve the others on a node. */
  readonly maxEntriesPerApply: number;
  /** The host's randomness: an integer in [0, bound). The core owns no random source. */
  readonly randomInt: (bound: number) => number;
  readonly faults?: PlantedFaults;
}

export const DEFAULT_OPTIONS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  maxInflightAppends: 64,
  maxEntriesPerAppend: 256,
  maxEntriesPerApply: 1024,
} as const;

export const NO_FAULTS: PlantedFaults = Object.freeze({});
