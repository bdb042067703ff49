import type { Entry, MemoryStorage, NodeId, RawNode } from "../../src/raft/index.js";

/** A log as an election sees it: how up to date it is, what it holds, whom it counts as voters. */
export interface LogView {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly firstIndex: number;
  termAt(index: number): number | undefined;
  readonly voters: readonly NodeId[];
}

export function rawView(raw: RawNode): LogView {
  const status = raw.status();
  return {
    lastIndex: status.lastIndex, lastTerm: raw.logTerm(status.lastIndex) ?? 0, firstIndex: raw.firstIndex(),
    termAt: (index) => raw.logTerm(index), voters: status.membership.voters,
  };
}

/** What a node would restart with: its durable log, and the newest membership in it. */
export function storageView(storage: MemoryStorage): LogView {
  const lastIndex = storage.lastIndex();
  let voters = storage.snapshot().membership.voters;
  for (let index = lastIndex; index >= storage.firstIndex(); index--) {
    const [entry] = storage.entries(index, index + 1);
    if (entry.kind === "membership") {
      voters = entry.membership!.voters;
      break;
    }
  }
  return { lastIndex, lastTerm: storage.term(lastIndex) ?? 0, firstIndex: storage.firstIndex(), termAt: (index) => storage.term(index), voters };
}

/** A broken safety property: the run stops and the seed is reported. */
export class Violation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Violation";
  }
}

/** What an entry is, for comparing two nodes' copies of it. */
export function entryIdentity(entry: Entry): string {
  if (entry.kind === "command") return `c:${JSON.stringify(entry.data)}`;
  if (entry.kind === "membership") return `m:${entry.membership!.voters.join(",")}/${entry.membership!.learners.join(",")}`;
  return "noop";
}

/**
 * Raft's safety properties for one group, checked as the run goes:
 * - election safety: at most one leader per term;
 * - log matching: an (index, term) names one entry, whose predecessor has one term, on every node,
 *   which by induction makes two logs that share an (index, term) identical up to it;
 * - state machine safety: every node applies the same entry at an index;
 * - no committed entry lost / leader completeness: whatever any node ever saw committed is in the
 *   log of every later leader (entries it compacted are in its snapshot, which holds only committed ones).
 */
export class GroupChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** `${index}:${term}` → [identity, previous entry's term]. */
  private readonly entryAt = new Map<string, [string, number | undefined]>();
  private readonly appliedAt = new Map<number, string>();
  /** index → term of every entry known committed. */
  private readonly committedTerm = new Map<number, number>();
  maxCommitted = 0;
  private readonly wasLeader = new Map<NodeId, number>();

  constructor(readonly groupId: string) {}

  private fail(message: string): never {
    throw new Violation(`group ${this.groupId}: ${message}`);
  }

  /** Entries a node made durable, the first following an entry of term previousTerm. */
  onPersist(node: NodeId, entries: readonly Entry[], previousTerm: number | undefined): void {
    let prior = previousTerm;
    for (const entry of entries) {
      const key = `${entry.index}:${entry.term}`;
      const identity = entryIdentity(entry);
      const known = this.entryAt.get(key);
      if (known === undefined) this.entryAt.set(key, [identity, prior]);
      else if (known[0] !== identity) this.fail(`log matching: ${node} holds ${identity} at ${key}, another node ${known[0]}`);
      else if (known[1] !== undefined && prior !== undefined && known[1] !== prior) {
        this.fail(`log matching: ${node} has term ${prior} before ${key}, another node term ${known[1]}`);
      }
      prior = entry.term;
    }
  }

  onApply(node: NodeId, entry: Entry): void {
    const identity = entryIdentity(entry);
    const known = this.appliedAt.get(entry.index);
    if (known === undefined) this.appliedAt.set(entry.index, identity);
    else if (known !== identity) this.fail(`state machine safety: ${node} applied ${identity} at ${entry.index}, another node ${known}`);
    const committed = this.committedTerm.get(entry.index);
    if (committed !== undefined && committed !== entry.term) this.fail(`${node} applied term ${entry.term} at ${entry.index}, committed was term ${committed}`);
    this.committedTerm.set(entry.index, entry.term);
  }

  /** After anything happened to a node: its role, its commit index and, if it just became leader, its log. */
  observe(node: NodeId, raw: RawNode): void {
    const status = raw.status();
    if (status.role === "leader") {
      const leader = this.leaderOfTerm.get(status.term);
      if (leader === undefined) this.leaderOfTerm.set(status.term, node);
      else if (leader !== node) this.fail(`election safety: ${leader} and ${node} both lead term ${status.term}`);
      if (this.wasLeader.get(node) !== status.term) {
        this.wasLeader.set(node, status.term);
        this.checkLeaderCompleteness(node, raw);
      }
    }
    if (status.commit > this.maxCommitted) {
      const first = raw.firstIndex();
      for (let index = Math.max(this.maxCommitted + 1, first); index <= status.commit; index++) {
        const term = raw.logTerm(index);
        if (term === undefined) this.fail(`${node} committed ${index} but does not hold it`);
        const known = this.committedTerm.get(index);
        if (known !== undefined && known !== term) this.fail(`committed entry ${index} was term ${known}, ${node} commits term ${term}`);
        this.committedTerm.set(index, term);
      }
      this.maxCommitted = status.commit;
    }
  }

  committedTermAt(index: number): number | undefined {
    return this.committedTerm.get(index);
  }

  /** No log lacking the committed (index, term) may be able to gather a majority of its own voters. */
  checkNoElectableNodeLacks(index: number, term: number, candidates: readonly [NodeId, LogView][], durable: ReadonlyMap<NodeId, LogView>): void {
    for (const [node, view] of candidates) {
      if (index < view.firstIndex || view.termAt(index) === term || !view.voters.includes(node)) continue;
      let votes = 0;
      for (const voter of view.voters) {
        const voterLog = voter === node ? view : durable.get(voter);
        if (voterLog === undefined) continue;
        if (view.lastTerm > voterLog.lastTerm || (view.lastTerm === voterLog.lastTerm && view.lastIndex >= voterLog.lastIndex)) votes++;
      }
      if (votes >= Math.floor(view.voters.length / 2) + 1) {
        this.fail(`committed entry ${index} (term ${term}) can be lost: ${node}, whose log lacks it (last ${view.lastIndex}/${view.lastTerm}), can win ${votes} of ${view.voters.length} votes`);
      }
    }
  }

  private checkLeaderCompleteness(node: NodeId, raw: RawNode): void {
    const first = raw.firstIndex();
    for (let index = first; index <= this.maxCommitted; index++) {
      const committed = this.committedTerm.get(index);
      if (committed === undefined) continue;
      const term = raw.logTerm(index);
      if (term !== committed) this.fail(`leader completeness: new leader ${node} of term ${raw.status().term} has term ${term} at committed index ${index} (term ${committed})`);
    }
    if (first - 1 > 0 && first - 1 <= this.maxCommitted) {
      const term = raw.logTerm(first - 1);
      const committed = this.committedTerm.get(first - 1);
      if (committed !== undefined && term !== committed) this.fail(`leader completeness: ${node}'s snapshot ends at ${first - 1} term ${term}, committed term ${committed}`);
    }
  }
}
