import type { Prng } from "./prng.js";
import type { Simulation } from "./simulation.js";
import type { SimNode } from "./world.js";

/**
 * The fault phase: every so often one fault from the enabled classes. Loss and duplication rates
 * hold for the whole phase; partitions, crashes and slow disks come and go. At the end of the
 * phase everything heals and every node restarts, and the cluster must recover on its own.
 */
export class FaultInjector {
  /** How often faults come: some seeds are calm, some are storms. */
  private readonly gapMs: number;

  constructor(private readonly sim: Simulation, private readonly prng: Prng) {
    this.gapMs = prng.pick([40, 100, 200, 400]);
  }

  start(): void {
    const sim = this.sim;
    if (sim.enabled("loss")) sim.network.lossProbability = this.prng.between(0, 15) / 100;
    if (sim.enabled("duplication")) sim.network.duplicationProbability = this.prng.between(0, 5) / 100;
    sim.at(this.prng.between(50, 300), () => this.next());
    sim.at(sim.faultPhaseMs, () => this.healEverything());
  }

  private next(): void {
    const sim = this.sim;
    if (sim.nowMs >= sim.faultPhaseMs) return;
    const choices: (() => void)[] = [];
    if (sim.enabled("partition")) choices.push(() => this.partition(), () => this.partition());
    if (sim.enabled("crash")) choices.push(() => this.crash(), () => this.crash());
    if (sim.enabled("slowDisk")) choices.push(() => this.slowDisk());
    if (sim.enabled("membership")) choices.push(() => this.changeMembership());
    if (sim.enabled("transfer")) choices.push(() => this.transfer());
    if (choices.length > 0) this.prng.pick(choices)();
    sim.at(this.prng.between(this.gapMs / 4, this.gapMs), () => this.next());
  }

  /** Armed: the next node to win an election is cut off before its first append leaves. */
  private isolateNextLeader = false;

  /** Called by the host when a Ready reports a new leader, before its messages are sent. */
  leaderElected(node: SimNode): void {
    if (!this.isolateNextLeader || this.sim.nowMs >= this.sim.faultPhaseMs) return;
    this.isolateNextLeader = false;
    this.sim.trace(`partition: isolate ${node.id}, just elected`);
    for (const other of this.sim.nodes) if (other !== node) (this.sim.network.block(other.id, node.id), this.sim.network.block(node.id, other.id));
    this.healLater();
  }

  private healEverything(): void {
    const sim = this.sim;
    sim.trace("heal: the network is perfect and every node is up from now on");
    sim.network.healAll();
    sim.network.lossProbability = 0;
    sim.network.duplicationProbability = 0;
    for (const node of sim.nodes) {
      node.diskSlow = false;
      sim.restart(node);
    }
  }

  private healLater(): void {
    this.sim.at(this.prng.between(100, 1500), () => {
      if (this.sim.nowMs < this.sim.faultPhaseMs) this.sim.network.healAll();
    });
  }

  private partition(): void {
    const sim = this.sim;
    const ids = sim.nodes.map((node) => node.id);
    const kind = this.prng.pick(["symmetric", "oneWay", "isolateLeader", "isolateNextLeader", "flapping"] as const);
    if (kind === "isolateNextLeader") {
      this.isolateNextLeader = true;
      return;
    }
    if (kind === "isolateLeader") {
      const leader = this.someLeader();
      if (leader === undefined) return;
      sim.trace(`partition: isolate leader ${leader.node.id}`);
      for (const other of ids) if (other !== leader.node.id) (sim.network.block(other, leader.node.id), sim.network.block(leader.node.id, other));
      this.healLater();
      return;
    }
    if (kind === "oneWay") {
      const from = this.prng.pick(ids);
      const to = this.prng.pick(ids.filter((id) => id !== from));
      sim.trace(`partition: ${from} cannot reach ${to}`);
      sim.network.block(from, to);
      this.healLater();
      return;
    }
    const side = new Set(this.prng.shuffle([...ids]).slice(0, this.prng.between(1, ids.length - 1)));
    const cut = () => {
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) sim.network.block(a, b);
    };
    sim.trace(`partition: ${kind} ${[...side].join(",")} | rest`);
    cut();
    if (kind === "symmetric") {
      this.healLater();
      return;
    }
    let toggles = this.prng.between(4, 14);
    const flap = () => {
      if (sim.nowMs >= sim.faultPhaseMs || --toggles <= 0) return;
      if (sim.network.partitioned) sim.network.healAll();
      else cut();
      sim.at(this.prng.between(20, 150), flap);
    };
    sim.at(this.prng.between(20, 150), flap);
  }

  /**
   * A node crashes (a leader more often than its share), or, now and then, every node at once (a
   * power cut), which loses every node's unsynced writes together: the case that finds an
   * acknowledgement sent before its write was durable.
   */
  private crash(): void {
    const sim = this.sim;
    const up = sim.nodes.filter((node) => node.up);
    if (up.length === 0) return;
    const powerCut = this.prng.chance(0.3);
    if (!powerCut && sim.nodes.length - up.length >= Math.ceil(sim.nodes.length / 2)) return;
    const node = this.prng.chance(0.4) ? this.someLeader()?.node ?? this.prng.pick(up) : this.prng.pick(up);
    if (this.prng.chance(0.5)) {
      // Half the crashes wait for the node's next write, so they land while something is unsynced.
      node.crashArmed = powerCut ? "everyNode" : "node";
      return;
    }
    if (powerCut) this.powerCut();
    else this.crashAndRestart(node);
  }

  /** Called by the host right after an armed node wrote: the crash comes before that write syncs. */
  crashMidWrite(node: SimNode, untilSyncedMs: number): void {
    const scope = node.crashArmed;
    node.crashArmed = null;
    this.sim.at(this.prng.int(Math.max(1, untilSyncedMs)), () => {
      if (this.sim.nowMs >= this.sim.faultPhaseMs) return;
      if (scope === "everyNode") this.powerCut();
      else this.crashAndRestart(node);
    });
  }

  private powerCut(): void {
    this.sim.trace("power cut: every node crashes");
    for (const node of this.sim.nodes) if (node.up) this.crashAndRestart(node);
  }

  private crashAndRestart(node: SimNode): void {
    const sim = this.sim;
    if (!node.up) return;
    node.crashArmed = null;
    sim.crash(node);
    sim.at(this.prng.between(30, 1500), () => {
      if (sim.nowMs < sim.faultPhaseMs) sim.restart(node);
    });
  }

  /** One node's disk turns slow for a while, or (a shared storage hiccup) every node's at once. */
  private slowDisk(): void {
    const sim = this.sim;
    const everyNode = this.prng.chance(0.3);
    const node = this.prng.chance(0.5) ? this.someLeader()?.node ?? this.prng.pick(sim.nodes) : this.prng.pick(sim.nodes);
    const slowed = everyNode ? sim.nodes : [node];
    sim.trace(`slow disk on ${slowed.map((each) => each.id).join(",")}`);
    for (const each of slowed) each.diskSlow = true;
    sim.at(this.prng.between(100, 1000), () => {
      for (const each of slowed) each.diskSlow = false;
    });
  }

  private someLeader(): { node: SimNode; group: string } | undefined {
    const leaders: { node: SimNode; group: string }[] = [];
    for (const node of this.sim.nodes) {
      if (!node.up) continue;
      for (const [group, replica] of node.replicas) if (replica.raw.status().role === "leader") leaders.push({ node, group });
    }
    return leaders.length > 0 ? this.prng.pick(leaders) : undefined;
  }

  /** One single-server change on some group's leader: add a learner, promote one, or remove a member. */
  private changeMembership(): void {
    const sim = this.sim;
    const leader = this.someLeader();
    if (leader === undefined) return;
    const replica = leader.node.replicas.get(leader.group)!;
    const membership = replica.raw.status().membership;
    const members = [...membership.voters, ...membership.learners];
    const outsiders = sim.nodes.filter((node) => node.up && !members.includes(node.id));
    const options: (() => string | null)[] = [];
    if (membership.learners.length > 0) {
      options.push(() => replica.raw.changeMembership({ kind: "promote", member: this.prng.pick(membership.learners) }));
    }
    if (outsiders.length > 0 && membership.voters.length + membership.learners.length < 6) {
      options.push(() => {
        const joining = this.prng.pick(outsiders);
        const refusal = replica.raw.changeMembership({ kind: "addLearner", member: joining.id });
        if (refusal === null && !joining.replicas.has(leader.group)) sim.createReplica(joining, leader.group, { voters: [], learners: [] });
        return refusal;
      });
    }
    // Voters never drop below three, so a run keeps its fault tolerance; learners come and go freely.
    const removable = [...membership.learners, ...(membership.voters.length > 3 ? membership.voters.filter((voter) => voter !== leader.node.id) : [])];
    if (removable.length > 0) {
      options.push(() => replica.raw.changeMembership({ kind: "remove", member: this.prng.pick(removable) }));
    }
    if (options.length === 0) return;
    const refusal = this.prng.pick(options)();
    sim.trace(`membership change on ${leader.group} by ${leader.node.id}: ${refusal ?? "appended"}`);
    sim.drive(leader.node, replica);
  }

  private transfer(): void {
    const leader = this.someLeader();
    if (leader === undefined) return;
    const replica = leader.node.replicas.get(leader.group)!;
    const voters = replica.raw.status().membership.voters.filter((voter) => voter !== leader.node.id);
    if (voters.length === 0) return;
    const target = this.prng.pick(voters);
    this.sim.trace(`transfer ${leader.group} from ${leader.node.id} to ${target}`);
    replica.raw.transferLeadership(target);
    this.sim.drive(leader.node, replica);
  }
}
