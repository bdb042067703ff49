/**
 * The data of one Raft group, as plain records. The core never serialises anything: the host
 * (the node's WAL and its links to other nodes) decides how these travel and rest.
 */

/** A node's name in the cluster (`warren@host`); a group's members are named by it. */
export type NodeId = string;

/** Who votes and who only follows. Learners never count towards a quorum. */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export type EntryKind = "command" | "membership" | "noop";

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  /** The state machine's command (opaque to the core) for `command` entries. */
  readonly data?: unknown;
  /** The whole new membership for `membership` entries (single-server changes, effective when appended). */
  readonly membership?: Membership;
}

/** What must be durable before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  /** The node this one voted for in `term`, or null. */
  readonly vote: NodeId | null;
  /** A hint only: a restarted node may apply up to here without asking anyone. */
  readonly commit: number;
}

/** A state machine image covering every entry up to and including `index`. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly membership: Membership;
  /** The state machine's own image, opaque to the core. */
  readonly data: unknown;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

export interface VoteRequest extends Envelope {
  readonly type: "preVote" | "vote";
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set by a leadership transfer: the receiver ignores its leader lease. */
  readonly force: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: "preVoteResponse" | "voteResponse";
  readonly granted: boolean;
}

export interface AppendRequest extends Envelope {
  readonly type: "append";
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponse extends Envelope {
  readonly type: "appendResponse";
  readonly success: boolean;
  /** On success the highest index known to match the leader; on rejection the rejected prevIndex. */
  readonly index: number;
  /** On rejection the follower's last index, so the leader skips back in one step. */
  readonly hintIndex: number;
}

/** Heartbeats carry no entries, so a host may coalesce them per node pair. */
export interface Heartbeat extends Envelope {
  readonly type: "heartbeat";
  readonly commit: number;
  /** The leader's newest read round; the response echoes it (ReadIndex). */
  readonly readRound: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "heartbeatResponse";
  readonly readRound: number;
}

export interface InstallSnapshot extends Envelope {
  readonly type: "snapshot";
  readonly snapshot: Snapshot;
}

export interface TimeoutNow extends Envelope {
  readonly type: "timeoutNow";
}

/** A follower asks the leader for a read index on behalf of its client. */
export interface ReadIndexRequest extends Envelope {
  readonly type: "readIndex";
  readonly context: ReadContext;
}

export interface ReadIndexResponse extends Envelope {
  readonly type: "readIndexResponse";
  readonly context: ReadContext;
  readonly index: number;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

/** The host's name for one linearizable read; handed back in a ReadState. */
export type ReadContext = string | number;

/** A read may be served once this node has applied `index`. */
export interface ReadState {
  readonly context: ReadContext;
  readonly index: number;
}

export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
}

export const NO_MEMBERS: Membership = { voters: [], learners: [] };
