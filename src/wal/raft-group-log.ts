/**
 * One Raft group's durable state as the node-wide WAL (raft-wal.ts) holds it: hard state,
 * snapshot, and entries, the recent ones in memory and the rest in the group's segment file.
 *
 * Everything here is durable: the WAL applies an update only once the fdatasync that covers it has
 * returned, so a Raft core may read it as its stable storage. An entry lives in memory (with its
 * payload) from then until it has been moved into the segment file and that file is synced; from
 * then on only its term and its position in the segment are kept, and a read fetches the payload.
 *
 * The segment file is a record log (tag RSEG): a GROUP record, then ENTRY, HARDSTATE and SNAPSHOT
 * records appended as the WAL moves them (raft-wal-format.ts). Replaying it rebuilds the state by
 * the same rules as the WAL's updates: an entry at or below the last index replaces the suffix
 * from there (a follower overwriting a conflicting tail); a snapshot keeps the entries after it
 * only when it covers an entry this log holds with the same term (compaction after the state
 * machine's snapshot), and drops them all otherwise (a snapshot installed from a leader). Once the
 * file is mostly dead (a compacted prefix, overwritten tails) the next move rewrites it with the
 * live records.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import type { FileRenamer } from "../io/file-rename.js";
import { decodeRecord } from "../store/format.js";
import { LogError } from "./errors.js";
import { RECORD_HEADER_BYTES } from "./log-format.js";
import { RecordLog } from "./record-log.js";
import {
  ENTRY_PAYLOAD_OFFSET, SEGMENT_TAG, SegmentRecordKind, decodeSegmentRecord, encodeSegmentEntry, encodeSegmentGroup, encodeSegmentHardState,
  encodeSegmentSnapshot, type GroupUpdate, type WalEntry, type WalHardState, type WalSnapshot,
} from "./raft-wal-format.js";

interface HeldEntry {
  readonly term: number;
  /** The payload while it is only in the WAL (or being rewritten into the segment); undefined once the segment holds it. */
  data: Buffer | undefined;
  /** Where the ENTRY record starts in the segment file; -1 while the segment does not hold it. */
  recordOffset: number;
  readonly dataBytes: number;
}

export interface SegmentFiles {
  readonly directory: string;
  readonly fileSystem: FileSystem;
  readonly renamer: FileRenamer;
  readonly compactBytesMin: number;
  readonly log?: (message: string) => void;
  readonly defer?: (run: () => void) => void;
}

const NO_HARD_STATE: WalHardState = Object.freeze({ term: 0, vote: null, commit: 0 });

/** The segment file of a group: named by a hash of its id, which may hold any character. */
export function segmentFileName(group: string): string {
  return `${createHash("sha256").update(group).digest("hex").slice(0, 40)}.seg`;
}

export class RaftGroupLog {
  readonly group: string;
  private readonly files: SegmentFiles;
  private readonly segmentPath: string;
  private hard: WalHardState = NO_HARD_STATE;
  private snap: WalSnapshot | undefined;
  /** held[i] is the entry at index snapshotIndex + 1 + i. */
  private held: HeldEntry[] = [];
  private segment: RecordLog | undefined;
  private readFd: number | undefined;
  /** Bumped by every change, so a move knows whether what it wrote is still the newest. */
  private hardStateVersion = 0;
  private snapshotVersion = 0;
  private hardStateMoved = 0;
  private snapshotMoved = 0;
  /** Bytes of the segment's live records, against which its size decides a rewrite. */
  private segmentLiveBytes = 0;
  /** Rewrites of the segment (tests). */
  segmentRewrites = 0;

  private constructor(group: string, files: SegmentFiles) {
    this.group = group;
    this.files = files;
    this.segmentPath = join(files.directory, segmentFileName(group));
  }

  static create(group: string, files: SegmentFiles): RaftGroupLog {
    return new RaftGroupLog(group, files);
  }

  /** Rebuilds a group from its segment file; undefined when the file names no group (an empty or foreign file). */
  static fromSegment(path: string, files: SegmentFiles): RaftGroupLog | undefined {
    const opened = RecordLog.open({ path, tag: SEGMENT_TAG, fileSystem: files.fileSystem, renamer: files.renamer, log: files.log, defer: files.defer });
    const first = opened.records[0] === undefined ? undefined : decodeSegmentRecord(opened.records[0]);
    if (first?.kind !== SegmentRecordKind.GROUP) {
      void opened.log.close();
      if (opened.records.length > 0) throw new LogError("LOG_CORRUPT", `${path}: a segment file that does not start with its group`);
      return undefined;
    }
    const group = new RaftGroupLog(first.group, files);
    if (join(files.directory, segmentFileName(first.group)) !== path) throw new LogError("LOG_CORRUPT", `${path}: holds group '${first.group}', whose file has another name`);
    group.segment = opened.log;
    for (let at = 1; at < opened.records.length; at++) {
      const record = decodeSegmentRecord(opened.records[at]!);
      if (record === undefined) throw new LogError("LOG_CORRUPT", `${path}: record ${at} is not a segment record`);
      if (record.kind === SegmentRecordKind.ENTRY) {
        group.appendEntries([{ index: record.index, term: record.term, payload: record.payload }], opened.recordOffsets[at]!, path);
      } else if (record.kind === SegmentRecordKind.HARDSTATE) {
        group.hard = record.hardState;
      } else if (record.kind === SegmentRecordKind.SNAPSHOT) {
        group.applySnapshot(record.snapshot);
      }
    }
    group.hardStateMoved = group.hardStateVersion;
    group.snapshotMoved = group.snapshotVersion;
    group.segmentLiveBytes = group.liveSegmentBytes();
    return group;
  }

  // ---- reads: what a Raft core's storage answers --------------------------------------------

  get hardState(): WalHardState {
    return this.hard;
  }

  /** The newest snapshot, or undefined before any. */
  get snapshot(): WalSnapshot | undefined {
    return this.snap;
  }

  /** The index after the snapshot: the first entry still held. */
  firstIndex(): number {
    return this.snapshotIndex() + 1;
  }

  /** The last entry's index (the snapshot's when no entry is held). */
  lastIndex(): number {
    return this.snapshotIndex() + this.held.length;
  }

  /** The term of the entry at `index` (or of the snapshot at its index); undefined outside what is held. */
  term(index: number): number | undefined {
    const snapshotIndex = this.snapshotIndex();
    if (index === snapshotIndex) return this.snap?.term ?? 0;
    if (index < snapshotIndex || index > this.lastIndex()) return undefined;
    return this.held[index - snapshotIndex - 1]!.term;
  }

  /** Entries [low, high), from memory where they are still there, else read from the segment. */
  entries(low: number, high: number): WalEntry[] {
    if (low < this.firstIndex() || high > this.lastIndex() + 1 || low > high) {
      throw new RangeError(`entries [${low}, ${high}) of group '${this.group}' outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    }
    const result: WalEntry[] = [];
    for (let index = low; index < high; index++) {
      const entry = this.held[index - this.firstIndex()]!;
      result.push({ index, term: entry.term, payload: entry.data ?? this.readFromSegment(entry, index) });
    }
    return result;
  }

  /** Entries whose payload is in memory (tests and the benchmark). */
  get entriesInMemory(): number {
    let count = 0;
    for (const entry of this.held) if (entry.data !== undefined) count++;
    return count;
  }

  // ---- changes, applied once durable -------------------------------------------------------

  /** Applies a durable update: snapshot, then entries, then hard state. */
  apply(update: GroupUpdate): void {
    if (update.snapshot !== undefined) this.applySnapshot(update.snapshot);
    if (update.entries !== undefined && update.entries.length > 0) this.appendEntries(update.entries, -1, "the WAL");
    if (update.hardState !== undefined) {
      this.hard = update.hardState;
      this.hardStateVersion++;
    }
  }

  private snapshotIndex(): number {
    return this.snap?.index ?? 0;
  }

  private applySnapshot(snapshot: WalSnapshot): void {
    if (this.term(snapshot.index) === snapshot.term && snapshot.index <= this.lastIndex()) {
      this.held = this.held.slice(snapshot.index - this.snapshotIndex()); // compaction: the entries after it stay
    } else {
      this.held = []; // installed from a leader: this log's entries are not the snapshot's history
    }
    this.snap = snapshot;
    this.snapshotVersion++;
  }

  /** Appends consecutive entries, replacing any held at or after the first one's index. */
  private appendEntries(entries: readonly WalEntry[], recordOffset: number, source: string): void {
    let first = entries[0]!.index;
    let skip = 0;
    while (skip < entries.length && first <= this.snapshotIndex()) {
      skip++; // already in the snapshot
      first++;
    }
    if (skip === entries.length) return;
    if (first > this.lastIndex() + 1) {
      throw new LogError("LOG_CORRUPT", `group '${this.group}': entry ${first} from ${source} after ${this.lastIndex()}, a gap`);
    }
    this.held.length = first - this.firstIndex();
    for (let at = skip; at < entries.length; at++) {
      const entry = entries[at]!;
      this.held.push({ term: entry.term, data: recordOffset < 0 ? entry.payload : undefined, recordOffset, dataBytes: entry.payload.length });
    }
  }

  // ---- moving into the segment -------------------------------------------------------------

  /** Whether anything is only in the WAL. */
  get hasUnmoved(): boolean {
    if (this.hardStateMoved !== this.hardStateVersion || this.snapshotMoved !== this.snapshotVersion) return true;
    return this.held.length > 0 && this.held[this.held.length - 1]!.recordOffset < 0;
  }

  /**
   * Appends what is only in the WAL to the segment file and waits until it is durable there; then
   * the payloads leave memory. Rewrites the segment instead when it is mostly dead.
   */
  async moveToSegment(): Promise<void> {
    if (!this.hasUnmoved) return;
    const segment = (this.segment ??= this.createSegment());
    if (segment.sizeBytes >= Math.max(this.files.compactBytesMin, 2 * this.liveSegmentBytes())) return this.rewriteSegment(segment);
    const snapshotVersion = this.snapshotVersion;
    const hardStateVersion = this.hardStateVersion;
    if (this.snapshotMoved !== snapshotVersion && this.snap !== undefined) void segment.append(encodeSegmentSnapshot(this.snap));
    const moved: Array<{ entry: HeldEntry; offset: number }> = [];
    let index = this.lastIndex() + 1;
    while (index > this.firstIndex() && this.held[index - 1 - this.firstIndex()]!.recordOffset < 0) index--;
    for (; index <= this.lastIndex(); index++) {
      const entry = this.held[index - this.firstIndex()]!;
      moved.push({ entry, offset: segment.sizeBytes });
      void segment.append(encodeSegmentEntry({ index, term: entry.term, payload: entry.data! }));
    }
    if (this.hardStateMoved !== hardStateVersion) void segment.append(encodeSegmentHardState(this.hard));
    await segment.settled();
    for (const { entry, offset } of moved) {
      entry.recordOffset = offset;
      entry.data = undefined;
    }
    this.snapshotMoved = snapshotVersion;
    this.hardStateMoved = hardStateVersion;
  }

  /** The segment file rewritten with the live records only: a compacted prefix and overwritten tails go. */
  private async rewriteSegment(segment: RecordLog): Promise<void> {
    const snapshotVersion = this.snapshotVersion;
    const hardStateVersion = this.hardStateVersion;
    const payloads: Buffer[] = [encodeSegmentGroup(this.group)];
    if (this.snap !== undefined) payloads.push(encodeSegmentSnapshot(this.snap));
    payloads.push(encodeSegmentHardState(this.hard));
    const placed: Array<{ entry: HeldEntry; offset: number }> = [];
    let offset = 12; // the log header
    for (const payload of payloads) offset += RECORD_HEADER_BYTES + payload.length;
    for (let index = this.firstIndex(); index <= this.lastIndex(); index++) {
      const entry = this.held[index - this.firstIndex()]!;
      entry.data ??= this.readFromSegment(entry, index); // held in memory until the new file is in place
      const payload = Buffer.concat(encodeSegmentEntry({ index, term: entry.term, payload: entry.data }));
      placed.push({ entry, offset });
      payloads.push(payload);
      offset += RECORD_HEADER_BYTES + payload.length;
    }
    this.closeReadFd();
    await segment.rewrite(payloads);
    this.closeReadFd(); // the path names the new file now
    for (const { entry, offset: recordOffset } of placed) {
      entry.recordOffset = recordOffset;
      entry.data = undefined;
    }
    this.snapshotMoved = snapshotVersion;
    this.hardStateMoved = hardStateVersion;
    this.segmentRewrites++;
  }

  private createSegment(): RecordLog {
    const segment = RecordLog.create({
      path: this.segmentPath, tag: SEGMENT_TAG, fileSystem: this.files.fileSystem, renamer: this.files.renamer, defer: this.files.defer,
    });
    void segment.rewrite([encodeSegmentGroup(this.group)]);
    return segment;
  }

  private liveSegmentBytes(): number {
    let bytes = RECORD_HEADER_BYTES * 2 + Buffer.byteLength(this.group) + 64; // group and hard state records
    if (this.snap !== undefined) bytes += RECORD_HEADER_BYTES + 17 + this.snap.data.length;
    for (const entry of this.held) bytes += RECORD_HEADER_BYTES + ENTRY_PAYLOAD_OFFSET + entry.dataBytes;
    return bytes;
  }

  private readFromSegment(entry: HeldEntry, index: number): Buffer {
    const fileSystem = this.files.fileSystem;
    this.readFd ??= fileSystem.open(this.segmentPath, "readWrite");
    const payloadBytes = ENTRY_PAYLOAD_OFFSET + entry.dataBytes;
    const bytes = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadBytes);
    let read = 0;
    while (read < bytes.length) {
      const got = fileSystem.read(this.readFd, bytes, read, bytes.length - read, entry.recordOffset + read);
      if (got === 0) break;
      read += got;
    }
    if (read < bytes.length || decodeRecord(bytes, 0) !== payloadBytes || bytes.readUIntLE(RECORD_HEADER_BYTES + 1, 6) !== index) {
      throw new LogError("LOG_CORRUPT", `${this.segmentPath}: entry ${index} of group '${this.group}' does not read back at byte ${entry.recordOffset}`);
    }
    return bytes.subarray(RECORD_HEADER_BYTES + ENTRY_PAYLOAD_OFFSET);
  }

  private closeReadFd(): void {
    if (this.readFd === undefined) return;
    this.files.fileSystem.close(this.readFd);
    this.readFd = undefined;
  }

  /** Waits for the segment's writes and closes its files. */
  async close(): Promise<void> {
    this.closeReadFd();
    await this.segment?.close();
    this.segment = undefined;
  }
}
