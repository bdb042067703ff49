import { MemoryStorage, RawNode, type Entry, type Membership, type Message, type PlantedFaults, type Ready, type Snapshot } from "../../src/raft/index.js";
import { GroupChecker, Violation, rawView, storageView, type LogView } from "./checker.js";
import { EventQueue } from "./event-queue.js";
import { checkRegisterHistory, type RegisterOperation } from "./linearizability.js";
import { Prng } from "./prng.js";
import { Replica, type RegisterImage, type WriteCommand } from "./replica.js";
import { Workload } from "./workload.js";
import { FaultInjector } from "./faults.js";
import { makeNode, SimNetwork, type FaultClass, type SimNode } from "./world.js";

export interface SimulationOptions {
  readonly seed: number;
  /** Fault classes left out (shrinking). */
  readonly disabled?: ReadonlySet<FaultClass>;
  readonly raftFaults?: PlantedFaults;
  /** Simulated time with faults, then time with none in which the cluster must recover. */
  readonly faultPhaseMs?: number;
  readonly recoveryPhaseMs?: number;
  readonly trace?: (line: string) => void;
}

export interface SimulationResult {
  readonly seed: number;
  readonly nodes: number;
  readonly groups: number;
  readonly events: number;
  readonly simulatedMs: number;
  readonly operations: number;
  readonly committed: number;
  readonly violation: string | null;
}

type SimEvent =
  | { kind: "tick"; node: SimNode }
  | { kind: "deliver"; group: string; message: Message }
  | { kind: "synced"; node: SimNode; epoch: number; covers: number; replica: Replica; ready: Ready }
  | { kind: "compacted"; node: SimNode; epoch: number; covers: number; replica: Replica; snapshot: Snapshot }
  | { kind: "call"; run: () => void };

const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 2;
const BASE_TICK_MS = 10;

export interface GroupState {
  readonly id: string;
  readonly checker: GroupChecker;
  readonly history: RegisterOperation[];
}

/**
 * A whole cluster in one process: 3 to 7 nodes, several Raft groups, one simulated disk per node
 * shared by its groups, one network, per-node clocks. Everything random comes from the seed.
 */
export class Simulation {
  readonly prng: Prng;
  readonly events = new EventQueue<SimEvent>();
  readonly nodes: SimNode[] = [];
  readonly groups = new Map<string, GroupState>();
  readonly network: SimNetwork;
  readonly workload: Workload;
  readonly faults: FaultInjector;
  nowMs = 0;
  /** The logical clock of histories: one step per event. */
  step = 0;
  readonly faultPhaseMs: number;
  readonly recoveryPhaseMs: number;
  readonly disabled: ReadonlySet<FaultClass>;
  readonly compactEvery: number;
  /** Small limits, so a follower catches up in many small steps and edge cases are hit. */
  readonly maxEntriesPerAppend: number;
  readonly maxInflightAppends: number;

  constructor(readonly options: SimulationOptions) {
    this.prng = new Prng(options.seed, 1);
    this.disabled = options.disabled ?? new Set();
    this.faultPhaseMs = options.faultPhaseMs ?? 3000;
    this.recoveryPhaseMs = options.recoveryPhaseMs ?? 6000;
    this.compactEvery = this.prng.between(4, 60);
    this.maxEntriesPerAppend = this.prng.pick([1, 2, 4, 16, 64]);
    this.maxInflightAppends = this.prng.pick([1, 2, 8, 64]);
    // Networks are usually faster than fsync (the case where an early acknowledgement does harm).
    this.network = new SimNetwork(new Prng(options.seed, 2), this.prng.pick([1, 2, 4, 8, 25]));
    const nodeCount = this.prng.between(3, 7);
    for (let index = 1; index <= nodeCount; index++) {
      const skewed = this.enabled("skew") ? this.prng.between(70, 140) / 100 : 1;
      this.nodes.push(makeNode(`n${index}`, options.seed, 100 + index, Math.round(BASE_TICK_MS * skewed)));
    }
    const groupCount = this.prng.between(1, 4);
    for (let index = 1; index <= groupCount; index++) {
      const voterCount = nodeCount >= 5 && this.prng.chance(0.4) ? 5 : 3;
      const voters = this.prng.shuffle(this.nodes.map((node) => node.id)).slice(0, voterCount).sort();
      const id = `g${index}`;
      this.groups.set(id, { id, checker: new GroupChecker(id), history: [] });
      for (const voter of voters) this.createReplica(this.node(voter), id, { voters, learners: [] });
    }
    this.workload = new Workload(this, new Prng(options.seed, 3));
    this.faults = new FaultInjector(this, new Prng(options.seed, 4));
  }

  enabled(fault: FaultClass): boolean {
    return !this.disabled.has(fault);
  }

  node(id: string): SimNode {
    return this.nodes.find((node) => node.id === id)!;
  }

  trace(line: string): void {
    this.options.trace?.(`${String(this.nowMs).padStart(6)}ms #${this.step} ${line}`);
  }

  createReplica(node: SimNode, group: string, bootstrap: { voters: readonly string[]; learners: readonly string[] }): Replica {
    const write = node.disk.write({ group, kind: "create", bootstrap }, this.nowMs);
    node.disk.synced(write.covers);
    const replica = this.startReplica(node, group, new MemoryStorage(bootstrap));
    return replica;
  }

  private startReplica(node: SimNode, group: string, storage: MemoryStorage): Replica {
    const prng = new Prng(this.options.seed, 1000 + this.nodes.indexOf(node) * 31 + Number(group.slice(1)) + node.epoch * 7919);
    const raw = new RawNode(
      { id: node.id, electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS, maxInflightAppends: this.maxInflightAppends, maxEntriesPerAppend: this.maxEntriesPerAppend,
        randomInt: (bound) => prng.int(bound), faults: this.options.raftFaults },
      storage,
    );
    const replica = new Replica(group, node.id, raw, storage);
    node.replicas.set(group, replica);
    return replica;
  }

  run(): SimulationResult {
    let violation: string | null = null;
    let events = 0;
    try {
      for (const node of this.nodes) this.events.push(this.prng.int(node.tickMs), { kind: "tick", node });
      this.workload.start();
      this.faults.start();
      const endMs = this.faultPhaseMs + this.recoveryPhaseMs;
      while (this.events.peekTime() <= endMs) {
        const { time, item } = this.events.pop()!;
        this.nowMs = time;
        this.step++;
        events++;
        this.handle(item);
      }
      this.workload.checkLiveness();
      for (const group of this.groups.values()) {
        const result = checkRegisterHistory(group.history, null);
        if (result === "not linearizable") throw new Violation(`group ${group.id}: the register's history is not linearizable`);
      }
    } catch (error) {
      violation = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (!(error instanceof Violation) && error instanceof Error && error.name !== "InvariantError") violation += `\n${error.stack}`;
    }
    let committed = 0;
    for (const group of this.groups.values()) committed += group.checker.maxCommitted;
    return {
      seed: this.options.seed, nodes: this.nodes.length, groups: this.groups.size, events, simulatedMs: this.nowMs,
      operations: [...this.groups.values()].reduce((sum, group) => sum + group.history.length, 0), committed, violation,
    };
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case "tick": {
        const node = event.node;
        this.events.push(this.nowMs + node.tickMs, event);
        if (!node.up) return;
        for (const replica of node.replicas.values()) {
          replica.raw.tick();
          this.drive(node, replica);
        }
        return;
      }
      case "deliver": {
        const node = this.node(event.message.to);
        const replica = node.up ? node.replicas.get(event.group) : undefined;
        if (replica === undefined) return;
        if (this.options.trace) this.trace(`${event.group} ${describe(event.message)}`);
        replica.raw.step(event.message);
        this.drive(node, replica);
        return;
      }
      case "synced": {
        const node = event.node;
        if (node.epoch !== event.epoch) return;
        node.disk.synced(event.covers);
        const replica = event.replica;
        // A member removed meanwhile is gone with its data.
        if (node.replicas.get(replica.group) !== replica) return;
        replica.syncing = null;
        this.finishReady(node, replica, event.ready);
        this.drive(node, replica);
        return;
      }
      case "compacted": {
        const node = event.node;
        if (node.epoch !== event.epoch) return;
        node.disk.synced(event.covers);
        const replica = event.replica;
        if (node.replicas.get(replica.group) !== replica) return;
        replica.storage.compact(event.snapshot);
        replica.compacting = false;
        return;
      }
      case "call":
        event.run();
        return;
    }
  }

  /** The host's loop for one group: take a Ready, write it, and finish it once the disk synced. */
  drive(node: SimNode, replica: Replica): void {
    while (replica.syncing === null && replica.raw.hasReady()) {
      const ready = replica.raw.ready();
      if (ready.softState !== undefined && this.options.trace) this.trace(`${replica.group} ${node.id} is ${ready.softState.role} (leader ${ready.softState.leader}) term ${replica.raw.status().term}`);
      if (ready.softState?.role === "leader") this.faults.leaderElected(node);
      for (const message of ready.messagesNow) this.send(replica.group, message);
      if (ready.hardState !== undefined || ready.entries.length > 0 || ready.snapshot !== undefined) {
        replica.syncing = ready;
        const record = { group: replica.group, kind: "ready" as const, hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot };
        const { doneAtMs, covers } = node.disk.write(record, this.nowMs);
        this.events.push(doneAtMs, { kind: "synced", node, epoch: node.epoch, covers, replica, ready });
        if (node.crashArmed !== null && ready.entries.length > 0) this.faults.crashMidWrite(node, doneAtMs - this.nowMs);
        break;
      }
      this.finishReady(node, replica, ready);
    }
    const checker = this.groups.get(replica.group)!.checker;
    const before = checker.maxCommitted;
    checker.observe(node.id, replica.raw);
    if (checker.maxCommitted > before) this.checkCommittedDurable(replica.group);
  }

  private finishReady(node: SimNode, replica: Replica, ready: Ready): void {
    const checker = this.groups.get(replica.group)!.checker;
    const storage = replica.storage;
    if (ready.snapshot !== undefined) {
      storage.applySnapshot(ready.snapshot);
      replica.value = (ready.snapshot.data as RegisterImage).value;
      replica.lastCompactedIndex = ready.snapshot.index;
    }
    if (ready.entries.length > 0) {
      const previousTerm = storage.term(ready.entries[0].index - 1);
      storage.append(ready.entries);
      checker.onPersist(node.id, ready.entries, previousTerm);
    }
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    for (const message of ready.messages) this.send(replica.group, message);
    for (const entry of ready.committedEntries) this.applyEntry(node, replica, entry);
    for (const read of ready.readStates) replica.waitingReads.push({ context: read.context as number, index: read.index });
    replica.raw.advance(ready);
    const applied = replica.raw.status().applied;
    if (replica.waitingReads.length > 0) {
      const stillWaiting = [];
      for (const read of replica.waitingReads) {
        if (read.index <= applied) this.workload.readServed(replica, read.context);
        else stillWaiting.push(read);
      }
      replica.waitingReads = stillWaiting;
    }
    this.maybeCompact(node, replica, applied);
  }

  private applyEntry(node: SimNode, replica: Replica, entry: Entry): void {
    this.groups.get(replica.group)!.checker.onApply(node.id, entry);
    replica.apply(entry);
    if (entry.kind === "membership" && replica.raw.status().role === "leader") this.removeDeparted(replica.group, entry.membership!);
    if (entry.kind === "command") this.workload.writeApplied(replica, (entry.data as WriteCommand).opId);
  }

  /** The state machine snapshots itself every so often and the log before it is dropped. */
  private maybeCompact(node: SimNode, replica: Replica, applied: number): void {
    if (!this.enabled("compaction") || replica.compacting || applied - replica.lastCompactedIndex < this.compactEvery) return;
    const metadata = replica.raw.snapshotMetadata(applied);
    if (metadata === null) return;
    const snapshot = { ...metadata, data: { value: replica.value } satisfies RegisterImage };
    replica.compacting = true;
    replica.lastCompactedIndex = applied;
    const { doneAtMs, covers } = node.disk.write({ group: replica.group, kind: "compact", snapshot }, this.nowMs);
    this.events.push(doneAtMs, { kind: "compacted", node, epoch: node.epoch, covers, replica, snapshot });
  }

  send(group: string, message: Message): void {
    for (const delayMs of this.network.deliveries(message)) this.events.push(this.nowMs + delayMs, { kind: "deliver", group, message });
  }

  at(delayMs: number, run: () => void): void {
    this.events.push(this.nowMs + delayMs, { kind: "call", run });
  }

  crash(node: SimNode): void {
    if (!node.up) return;
    const { lostRecords } = node.disk.crash();
    this.trace(`crash ${node.id} (${lostRecords} unsynced records lost)`);
    node.up = false;
    node.epoch++;
    this.workload.nodeCrashed(node);
    node.replicas = new Map();
    for (const group of node.disk.groups()) node.durableWhileDown.set(group, node.disk.recover(group));
    for (const group of this.groups.values()) this.checkCommittedDurable(group.id);
  }

  restart(node: SimNode): void {
    if (node.up) return;
    this.trace(`restart ${node.id}`);
    node.up = true;
    const durable = node.durableWhileDown;
    node.durableWhileDown = new Map();
    for (const [group, storage] of durable) {
      const replica = this.startReplica(node, group, storage);
      this.drive(node, replica);
    }
  }

  /** The host's side of a removal: once it is committed, the removed member's replica and its data are deleted. */
  private removeDeparted(group: string, membership: Membership): void {
    for (const node of this.nodes) {
      if (membership.voters.includes(node.id) || membership.learners.includes(node.id)) continue;
      if (!node.replicas.has(group) && !node.durableWhileDown.has(group)) continue;
      this.trace(`${group}: ${node.id} was removed; its replica is deleted`);
      node.replicas.delete(group);
      node.durableWhileDown.delete(group);
      node.disk.deleteGroup(group);
    }
  }

  /**
   * The durability invariant, checked whenever a leader's commit index moves and after crashes: no
   * node that lacks the newest committed entry (in memory, or on its disk after a crash) could win
   * an election, counting the votes of every voter's durable log. Raft's Leader Completeness
   * argument says this always holds; an acknowledgement before the write was durable, or a commit
   * of an earlier term's entry by counting, breaks it at the moment of the commit, before any loss.
   */
  checkCommittedDurable(groupId: string): void {
    const checker = this.groups.get(groupId)!.checker;
    const index = checker.maxCommitted;
    const term = checker.committedTermAt(index);
    if (index === 0 || term === undefined) return;
    const durable = new Map<string, LogView>();
    const candidates: [string, LogView][] = [];
    for (const node of this.nodes) {
      const replica = node.replicas.get(groupId);
      const storage = replica?.storage ?? node.durableWhileDown.get(groupId);
      if (storage === undefined) continue;
      const durableView = storageView(storage);
      durable.set(node.id, durableView);
      candidates.push([node.id, durableView]);
      if (replica !== undefined) candidates.push([node.id, rawView(replica.raw)]);
    }
    checker.checkNoElectableNodeLacks(index, term, candidates, durable);
  }
}

function describe(message: Message): string {
  const base = `${message.type} ${message.from}->${message.to} t${message.term}`;
  switch (message.type) {
    case "append":
      return `${base} prev ${message.prevIndex}/${message.prevTerm} n=${message.entries.length} commit ${message.commit}`;
    case "appendResponse":
      return `${base} ${message.success ? "ok" : "reject"} ${message.index} hint ${message.hintIndex}`;
    case "preVoteResponse":
    case "voteResponse":
      return `${base} ${message.granted ? "granted" : "refused"}`;
    default:
      return base;
  }
}
