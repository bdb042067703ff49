import type { Entry, Message, RawNode, Ready } from "../../src/raft/index.js";
import type { MemoryStorage } from "../../src/raft/index.js";

/** The register every group replicates: writes carry unique values, so a read names the write it saw. */
export interface WriteCommand {
  readonly opId: number;
  readonly value: number;
}

/** The register's snapshot image. */
export interface RegisterImage {
  readonly value: number | null;
}

/**
 * One group's member on one simulated node: the core, its durable storage as the node's disk last
 * synced it, and the register state machine. The host duties of ready()/advance() are in simulation.ts.
 */
export class Replica {
  value: number | null = null;
  /** The Ready whose writes the disk is syncing; no other is taken until it is done. */
  syncing: Ready | null = null;
  /** Reads whose index is known, waiting for applied to reach it. */
  waitingReads: { context: number; index: number }[] = [];
  /** Applied index of the last snapshot this replica took (compaction). */
  lastCompactedIndex: number;
  /** Snapshot taken and being synced. */
  compacting = false;

  constructor(readonly group: string, readonly node: string, public raw: RawNode, readonly storage: MemoryStorage) {
    const image = storage.snapshot().data as RegisterImage | undefined;
    this.value = image?.value ?? null;
    this.lastCompactedIndex = storage.snapshot().index;
  }

  apply(entry: Entry): void {
    if (entry.kind === "command") this.value = (entry.data as WriteCommand).value;
  }
}

export type SendFunction = (message: Message, group: string) => void;
