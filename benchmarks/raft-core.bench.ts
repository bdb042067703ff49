/**
 * The Raft core's own cost: entries per second through one group of three members in one process,
 * with in-memory storage and messages handed over directly (no disk, no network, no serialisation).
 * Each "turn" the leader takes a batch of proposals of 1 KB payloads; then every member's Ready is
 * processed until the batch is committed and applied everywhere. The batch size shows what batching
 * per Ready buys. Run: node --import tsx benchmarks/raft-core.bench.ts [--quick]
 *
 * Prints, never asserts: absolute figures on shared machines are not stable.
 */
import { MemoryStorage, RawNode, type Message } from "../src/raft/index.js";

const quick = process.argv.includes("--quick");
const durationMs = quick ? 500 : 2_000;
const PAYLOAD = Buffer.alloc(1024, 7);

function makeGroup(): Map<string, { raw: RawNode; storage: MemoryStorage; applied: number }> {
  const ids = ["a", "b", "c"];
  const members = new Map<string, { raw: RawNode; storage: MemoryStorage; applied: number }>();
  for (const [position, id] of ids.entries()) {
    const storage = new MemoryStorage({ voters: ids, learners: [] });
    // Fixed timeouts: "a" times out first and becomes leader.
    members.set(id, { raw: new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, randomInt: () => position * 5, maxEntriesPerAppend: 4096, maxInflightAppends: 256 }, storage), storage, applied: 0 });
  }
  return members;
}

function pump(members: ReturnType<typeof makeGroup>): number {
  let appliedCommands = 0;
  let pending: Message[] = [];
  for (;;) {
    for (const member of members.values()) {
      while (member.raw.hasReady()) {
        const ready = member.raw.ready();
        if (ready.snapshot) member.storage.applySnapshot(ready.snapshot);
        member.storage.append(ready.entries);
        if (ready.hardState) member.storage.setHardState(ready.hardState);
        pending.push(...ready.messagesNow, ...ready.messages);
        for (const entry of ready.committedEntries) if (entry.kind === "command") appliedCommands++;
        member.raw.advance(ready);
      }
    }
    if (pending.length === 0) return appliedCommands;
    const batch = pending;
    pending = [];
    for (const message of batch) members.get(message.to)!.raw.step(message);
  }
}

function measure(batchSize: number): { entriesPerSecond: number; microsPerEntry: number } {
  const members = makeGroup();
  const leader = members.get("a")!.raw;
  for (let tick = 0; tick < 20 && leader.status().role !== "leader"; tick++) {
    leader.tick();
    pump(members);
  }
  if (leader.status().role !== "leader") throw new Error("no leader");
  const started = performance.now();
  let entries = 0;
  let compactedTo = 0;
  while (performance.now() - started < durationMs) {
    for (let count = 0; count < batchSize; count++) leader.propose(PAYLOAD);
    const applied = pump(members);
    entries += batchSize;
    if (applied < batchSize) throw new Error("a batch was not applied everywhere");
    // Compact now and then so memory stays flat, as a state machine taking snapshots would.
    const status = leader.status();
    if (status.applied - compactedTo > 10_000) {
      for (const member of members.values()) {
        const metadata = member.raw.snapshotMetadata(member.raw.status().applied);
        if (metadata) member.storage.compact({ ...metadata, data: null });
      }
      compactedTo = status.applied;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { entriesPerSecond: entries / seconds, microsPerEntry: (seconds * 1e6) / entries };
}

console.log("Raft core, one group of 3 in one process (applied on all 3 members)");
console.log("batch per turn | entries/s | µs/entry (all 3 members)");
for (const batchSize of [1, 16, 256]) {
  const { entriesPerSecond, microsPerEntry } = measure(batchSize);
  console.log(`${String(batchSize).padStart(14)} | ${Math.round(entriesPerSecond).toLocaleString("en-US").padStart(9)} | ${microsPerEntry.toFixed(2)}`);
}
