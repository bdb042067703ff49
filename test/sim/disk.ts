import type { Entry, HardState, Membership, Snapshot } from "../../src/raft/index.js";
import { MemoryStorage } from "../../src/raft/index.js";
import type { Prng } from "./prng.js";

/** One record of a node's simulated write-ahead log (shared by every group on the node, as Warren's WAL is). */
export type DiskRecord =
  | { readonly group: string; readonly kind: "create"; readonly bootstrap: Membership }
  | { readonly group: string; readonly kind: "ready"; readonly hardState: HardState | undefined; readonly entries: readonly Entry[]; readonly snapshot: Snapshot | undefined }
  | { readonly group: string; readonly kind: "compact"; readonly snapshot: Snapshot };

/**
 * A node's disk: records are appended unsynced and become durable only when an fsync that
 * started after them completes. Syncs complete in order, one after another (a slow disk makes
 * everything behind it wait). A crash keeps the synced records and a random prefix of the unsynced
 * ones: the record at the cut may be torn, which the real log detects by checksum and drops, so it
 * is simply not there.
 */
export class SimDisk {
  private records: { record: DiskRecord; synced: boolean; sequence: number }[] = [];
  private nextSequence = 1;
  private busyUntilMs = 0;

  constructor(private readonly prng: Prng, public latencyMs: () => number) {}

  /** Appends a record; returns when its sync will be done and how many records that sync covers. */
  write(record: DiskRecord, nowMs: number): { doneAtMs: number; covers: number } {
    const sequence = this.nextSequence++;
    this.records.push({ record, synced: false, sequence });
    const doneAtMs = Math.max(nowMs, this.busyUntilMs) + this.latencyMs();
    this.busyUntilMs = doneAtMs;
    return { doneAtMs, covers: sequence };
  }

  /** A sync completed: every record written up to `covers` (a write's sequence number) is durable. */
  synced(covers: number): void {
    for (const entry of this.records) {
      if (entry.sequence > covers) break;
      entry.synced = true;
    }
  }

  crash(): { lostRecords: number } {
    let firstUnsynced = this.records.findIndex((entry) => !entry.synced);
    if (firstUnsynced === -1) firstUnsynced = this.records.length;
    const unsynced = this.records.length - firstUnsynced;
    // Usually the page cache dies with the machine; sometimes the kernel had written a prefix already.
    const survivors = unsynced === 0 || this.prng.chance(0.7) ? 0 : this.prng.int(unsynced + 1);
    this.records.length = firstUnsynced + survivors;
    for (const entry of this.records) entry.synced = true;
    this.busyUntilMs = 0;
    return { lostRecords: unsynced - survivors };
  }

  /** The host deleted the group's data (its member here was removed): nothing of it survives. */
  deleteGroup(group: string): void {
    this.records = this.records.filter((entry) => entry.record.group !== group);
  }

  groups(): string[] {
    const names = new Set<string>();
    for (const { record } of this.records) names.add(record.group);
    return [...names];
  }

  /** What a restarted node reads back for one group. */
  recover(group: string): MemoryStorage {
    let storage: MemoryStorage | undefined;
    for (const { record } of this.records) {
      if (record.group !== group) continue;
      if (record.kind === "create") {
        storage = new MemoryStorage(record.bootstrap);
        continue;
      }
      if (storage === undefined) throw new Error(`group ${group}: a record before its create record`);
      if (record.kind === "compact") {
        storage.compact(record.snapshot);
        continue;
      }
      if (record.snapshot !== undefined) storage.applySnapshot(record.snapshot);
      storage.append(record.entries);
      if (record.hardState !== undefined) storage.setHardState(record.hardState);
    }
    if (storage === undefined) throw new Error(`group ${group} has no records`);
    return storage;
  }
}
