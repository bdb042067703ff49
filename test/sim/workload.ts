import { Violation } from "./checker.js";
import type { Prng } from "./prng.js";
import type { Replica, WriteCommand } from "./replica.js";
import type { Simulation } from "./simulation.js";
import type { SimNode } from "./world.js";

interface Client {
  readonly group: string;
  pending: { kind: "write" | "read"; node: string; key: string | number; deadlineMs: number } | null;
}

/** A client gives up on an operation after this long; a write it gave up on may still take effect. */
const CLIENT_TIMEOUT_MS = 1000;
/** After the faults stop, the cluster has this long to elect leaders before every write must commit. */
const SETTLE_MS = 2000;
/** A write issued after settling must be applied within this bound. */
const COMMIT_BOUND_MS = 2000;

/**
 * Clients of each group's register: writes of unique values through the leader's log, and
 * linearizable reads by ReadIndex on any member. Every operation goes into the group's history
 * with its call and return steps; the history is checked for linearizability at the end.
 */
export class Workload {
  private readonly clients: Client[] = [];
  private readonly writes = new Map<string, { client: Client; historyIndex: number }>();
  private readonly reads = new Map<number, { client: Client; callStep: number }>();
  private readonly livenessWrites: { group: string; historyIndex: number; callMs: number }[] = [];
  private nextOpId = 1;
  private nextValue = 1;
  private nextContext = 1;

  constructor(private readonly sim: Simulation, private readonly prng: Prng) {}

  start(): void {
    for (const group of this.sim.groups.keys()) {
      const count = this.prng.between(1, 3);
      for (let index = 0; index < count; index++) {
        const client: Client = { group, pending: null };
        this.clients.push(client);
        this.sim.at(this.prng.between(1, 50), () => this.turn(client));
      }
    }
  }

  private get livenessFromMs(): number {
    return this.sim.faultPhaseMs + SETTLE_MS;
  }

  private turn(client: Client): void {
    if (client.pending !== null && this.sim.nowMs >= client.pending.deadlineMs) this.abandon(client);
    if (client.pending === null) this.issue(client);
    this.sim.at(this.prng.between(5, 60), () => this.turn(client));
  }

  private abandon(client: Client): void {
    const pending = client.pending!;
    if (pending.kind === "write") this.writes.delete(pending.key as string);
    else this.reads.delete(pending.key as number);
    client.pending = null;
  }

  private issue(client: Client): void {
    const sim = this.sim;
    const hosts = sim.nodes.filter((node) => node.up && node.replicas.has(client.group));
    if (hosts.length === 0) return;
    const leader = hosts.find((node) => node.replicas.get(client.group)!.raw.status().role === "leader");
    const node = leader !== undefined && this.prng.chance(0.85) ? leader : this.prng.pick(hosts);
    const replica = node.replicas.get(client.group)!;
    const history = sim.groups.get(client.group)!.history;
    const deadlineMs = sim.nowMs + CLIENT_TIMEOUT_MS;
    if (this.prng.chance(0.6)) {
      const command: WriteCommand = { opId: this.nextOpId++, value: this.nextValue++ };
      if (replica.raw.propose(command) === null) return;
      const key = `${client.group}:${node.id}:${command.opId}`;
      history.push({ kind: "write", value: command.value, callTime: sim.step, returnTime: Infinity });
      this.writes.set(key, { client, historyIndex: history.length - 1 });
      client.pending = { kind: "write", node: node.id, key, deadlineMs };
      if (sim.nowMs >= this.livenessFromMs) this.livenessWrites.push({ group: client.group, historyIndex: history.length - 1, callMs: sim.nowMs });
    } else {
      const context = this.nextContext++;
      if (!replica.raw.readIndex(context)) return;
      this.reads.set(context, { client, callStep: sim.step });
      client.pending = { kind: "read", node: node.id, key: context, deadlineMs };
    }
    sim.drive(node, replica);
  }

  writeApplied(replica: Replica, opId: number): void {
    const key = `${replica.group}:${replica.node}:${opId}`;
    const waiter = this.writes.get(key);
    if (waiter === undefined) return;
    this.writes.delete(key);
    this.sim.groups.get(replica.group)!.history[waiter.historyIndex] = {
      ...this.sim.groups.get(replica.group)!.history[waiter.historyIndex],
      returnTime: this.sim.step,
    };
    waiter.client.pending = null;
  }

  readServed(replica: Replica, context: number): void {
    const waiter = this.reads.get(context);
    if (waiter === undefined || waiter.client.pending?.node !== replica.node) return;
    this.reads.delete(context);
    this.sim.groups.get(replica.group)!.history.push({ kind: "read", value: replica.value, callTime: waiter.callStep, returnTime: this.sim.step });
    waiter.client.pending = null;
  }

  /** A crashed node answers nobody: its clients' writes stay open forever (they may still commit), its reads vanish. */
  nodeCrashed(node: SimNode): void {
    for (const client of this.clients) if (client.pending?.node === node.id) this.abandon(client);
  }

  /** Once faults stop, every group elects a leader and every write issued after settling commits within the bound. */
  checkLiveness(): void {
    const sim = this.sim;
    const endMs = sim.faultPhaseMs + sim.recoveryPhaseMs;
    for (const group of sim.groups.values()) {
      const leaders = sim.nodes.filter((node) => node.replicas.get(group.id)?.raw.status().role === "leader");
      if (leaders.length === 0) throw new Violation(`liveness: group ${group.id} has no leader ${sim.recoveryPhaseMs}ms after the faults stopped`);
      const writes = this.livenessWrites.filter((write) => write.group === group.id);
      if (writes.length === 0) throw new Violation(`liveness: group ${group.id} accepted no write after the faults stopped`);
      for (const write of writes) {
        if (write.callMs + COMMIT_BOUND_MS > endMs) continue;
        if (group.history[write.historyIndex].returnTime === Infinity) {
          throw new Violation(`liveness: group ${group.id}'s write at ${write.callMs}ms (after the faults stopped) did not commit within ${COMMIT_BOUND_MS}ms`);
        }
      }
    }
  }
}
