import { MemoryStorage, RawNode, type Entry, type Message, type PlantedFaults } from "../../../src/raft/index.js";

/**
 * A tiny synchronous host for unit tests: every Ready is persisted at once, messages are queued
 * and delivered when the test says, and links can be cut. The simulator is the thorough test;
 * these pin single behaviours down.
 */
export class TestCluster {
  readonly nodes = new Map<string, { raw: RawNode; storage: MemoryStorage; applied: Entry[] }>();
  readonly inFlight: Message[] = [];
  readonly cut = new Set<string>();
  private counter = 0;

  constructor(ids: string[], options: { faults?: PlantedFaults; electionTicks?: number } = {}) {
    for (const id of ids) {
      const storage = new MemoryStorage({ voters: ids, learners: [] });
      this.add(id, storage, options);
    }
  }

  add(id: string, storage: MemoryStorage, options: { faults?: PlantedFaults; electionTicks?: number } = {}): void {
    // Deterministic "randomness": each node gets a different election timeout.
    const offset = this.nodes.size * 3;
    const raw = new RawNode({ id, electionTicks: options.electionTicks ?? 10, heartbeatTicks: 1, randomInt: (bound) => (offset + this.counter++ * 0) % bound, faults: options.faults }, storage);
    this.nodes.set(id, { raw, storage, applied: [] });
  }

  raw(id: string): RawNode {
    return this.nodes.get(id)!.raw;
  }

  /** Processes every node's Ready: persist, queue messages, apply. */
  flush(): void {
    for (const [, node] of this.nodes) {
      while (node.raw.hasReady()) {
        const ready = node.raw.ready();
        if (ready.snapshot) node.storage.applySnapshot(ready.snapshot);
        node.storage.append(ready.entries);
        if (ready.hardState) node.storage.setHardState(ready.hardState);
        for (const message of [...ready.messagesNow, ...ready.messages]) if (!this.cut.has(`${message.from}>${message.to}`)) this.inFlight.push(message);
        node.applied.push(...ready.committedEntries);
        node.raw.advance(ready);
      }
    }
  }

  /** Delivers messages until none are left (bounded, so a livelock fails the test). */
  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      this.flush();
      if (this.inFlight.length === 0) return;
      const batch = this.inFlight.splice(0);
      for (const message of batch) if (!this.cut.has(`${message.from}>${message.to}`)) this.nodes.get(message.to)?.raw.step(message);
    }
    throw new Error("the cluster did not settle");
  }

  tick(id: string, times = 1): void {
    for (let count = 0; count < times; count++) this.raw(id).tick();
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) (this.cut.add(`${id}>${other}`), this.cut.add(`${other}>${id}`));
  }

  heal(): void {
    this.cut.clear();
  }

  /** Ticks a node until it campaigns, then lets the election finish. */
  elect(id: string): void {
    for (let count = 0; count < 100 && this.raw(id).status().role !== "leader"; count++) {
      this.tick(id);
      this.settle();
    }
    if (this.raw(id).status().role !== "leader") throw new Error(`${id} did not become leader`);
  }

  leaders(): string[] {
    return [...this.nodes].filter(([, node]) => node.raw.status().role === "leader").map(([id]) => id);
  }
}
