import type { MemoryStorage, Message } from "../../src/raft/index.js";
import { SimDisk } from "./disk.js";
import { Prng } from "./prng.js";
import type { Replica } from "./replica.js";

/** The fault classes a run draws from; shrinking turns them off one at a time. */
export const FAULT_CLASSES = ["loss", "duplication", "partition", "crash", "slowDisk", "skew", "membership", "transfer", "compaction"] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

export interface SimNode {
  readonly id: string;
  up: boolean;
  /** Bumped by a crash, so syncs and timers of the previous life are ignored. */
  epoch: number;
  tickMs: number;
  readonly disk: SimDisk;
  diskSlow: boolean;
  /** Crash this node (or every node) just after its next write of entries, while that write is unsynced. */
  crashArmed: "node" | "everyNode" | null;
  replicas: Map<string, Replica>;
  /** While the node is down: what its disk would give back, per group (the durable state checks read it). */
  durableWhileDown: Map<string, MemoryStorage>;
}

/**
 * The simulated network: per-message loss, delay (which reorders), duplication, and partitions
 * as a set of blocked directed links, so symmetric, one-way and leader-isolating partitions are
 * all the same mechanism.
 */
export class SimNetwork {
  lossProbability = 0;
  duplicationProbability = 0;
  maxDelayMs: number;
  private readonly blocked = new Set<string>();

  constructor(private readonly prng: Prng, maxDelayMs: number) {
    this.maxDelayMs = maxDelayMs;
  }

  block(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  isBlocked(from: string, to: string): boolean {
    return this.blocked.size > 0 && this.blocked.has(`${from}>${to}`);
  }

  healAll(): void {
    this.blocked.clear();
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  /** The delays at which copies of a message arrive: none when it is lost, two when duplicated. */
  deliveries(message: Message): number[] {
    if (this.isBlocked(message.from, message.to) || this.prng.chance(this.lossProbability)) return [];
    const first = this.prng.between(1, this.maxDelayMs);
    if (!this.prng.chance(this.duplicationProbability)) return [first];
    return [first, this.prng.between(1, this.maxDelayMs * 3)];
  }
}

export function makeNode(id: string, seed: number, stream: number, tickMs: number): SimNode {
  const prng = new Prng(seed, stream);
  const diskMaxMs = prng.pick([2, 6, 15]);
  const node: SimNode = {
    id, up: true, epoch: 0, tickMs, diskSlow: false, crashArmed: null, replicas: new Map(), durableWhileDown: new Map(),
    disk: new SimDisk(prng, () => (node.diskSlow ? prng.between(20, 150) : prng.between(1, diskMaxMs))),
  };
  return node;
}
