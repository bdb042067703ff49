/**
 * One durable queue's message store: append-only segment files, acks in ack files, a segment
 * deleted once every record in it is acked (LavinMQ's message_store.cr, with checksums and
 * group commit added). Formats, commit protocol and recovery rules: docs/internals/store.md.
 *
 * The store does not keep messages: the caller keeps a SegmentPosition per message and gives it
 * back to `read` and `ack`. Durability is reported as "every append up to sequence N is on disk"
 * (`onDurable`, `durableSequence`, `waitDurable`), because a channel that confirms with
 * `multiple` only needs the highest durable tag, not one event per message.
 *
 * Writes are batched per turn, like a socket's output buffer: the records appended during one
 * event-loop turn (one socket read holding many publishes) go to the OS with one write at its end,
 * and the acks of a turn with one write per ack file. A failed batched write is never reported
 * durable: its bytes are cut off, its records forgotten, and the store fails (see `append`).
 *
 * Each open starts a fresh segment: a segment is written only by the session that created it,
 * so recovery never has to append after bytes it repaired, and (segment, offset) pairs are never
 * reused, so a stale ack can never name a newer record.
 */
import { dirname } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import { assert } from "../lib/assert.js";
import {
  STORE_RECORD_PAYLOAD_BYTES_MAX,
  STORE_SEGMENT_SIZE_BYTES_DEFAULT,
  STORE_SEGMENT_SIZE_BYTES_MAX,
  STORE_SEGMENT_SIZE_BYTES_MIN,
} from "../config/limits.js";
import type { CommitParticipant, Committer, SyncedFile } from "./committer.js";
import { DurableWaiters } from "./durable-waiters.js";
import { StoreError } from "./errors.js";
import { writeFully } from "./file-io.js";
import * as format from "./format.js";
import type { SegmentPosition } from "./position.js";
import { recoverDirectory } from "./recovery.js";
import { type Segment, SegmentFiles } from "./segment-files.js";

export interface MessageStoreOptions {
  /** The queue's own directory; created if missing. */
  directory: string;
  /** Shared by every store of the node, so one round fsyncs all of them. */
  committer: Committer;
  segmentSizeBytes?: number;
  /** Recovery repairs and I/O trouble are reported here. Default: console.warn. */
  log?: (message: string) => void;
  /** Called after each commit round that made more appends durable. */
  onDurable?: (durableSequence: number) => void;
  /** Called once if the store fails (an fsync error): appends are refused from then on. */
  onFailure?: (error: StoreError) => void;
  /**
   * false for a scratch store that only moves bytes out of memory (transient messages paged
   * out of a long queue): appends are never fsynced and the files are discarded at start.
   */
  sync?: boolean;
  /** Recovery hands each live record's payload here (a view, valid during the call), in order. */
  onLiveRecord?: (position: SegmentPosition, payload: Buffer) => void;
  /** Called once when the store lets go of its files (closed, or deleted with its queue). */
  onReleased?: () => void;
}

/**
 * A turn's records are written early when they reach this many bytes or buffers, so a burst of
 * appends holds a bounded amount in memory and one write never needs more than IOV_MAX buffers.
 */
const PENDING_RECORD_BYTES_MAX = 1024 * 1024;
const PENDING_BUFFERS_MAX = 1024;

export interface AppendResult {
  readonly position: SegmentPosition;
  /** 1 for the first append of this session; durable once `durableSequence` reaches it. */
  readonly sequence: number;
}

/** Stores whose appends or acks of this turn are not written yet. */
const storesAwaitingFlush = new Set<MessageStore>();

/**
 * Writes every store's pending appends and acks now. A connection calls it before it sends
 * replies: whatever the broker says after an ack or a publish was handled then follows that
 * ack's write to the OS (a reply must not overtake it: a client that saw the reply to a later
 * method and then saw the broker killed would find its ack forgotten).
 */
export function flushPendingWrites(): void {
  if (storesAwaitingFlush.size === 0) return;
  for (const store of storesAwaitingFlush) store.flushAtEndOfTurn();
}

export class MessageStore implements CommitParticipant {
  private readonly segments = new Map<number, Segment>(); // insertion order is id order
  private current!: { segment: Segment; file: SyncedFile };
  private readonly dirtyFiles = new Set<SyncedFile>();
  private directoryDirty = false;
  /** The queue directory itself may have just been created: its entry in the parent must be durable too. */
  private parentDirectoryDirty = true;
  private readonly ackedSegments = new Set<number>(); // ack files written since open, synced on close
  private readonly waiters = new DurableWaiters();
  private readonly files: SegmentFiles;
  private readonly fileSystem: FileSystem;
  private state: "open" | "closing" | "closed" = "open";
  /** Set when the store fails: appends are refused from then on. */
  private failure: StoreError | undefined;
  /** An fsync (or the cut of a failed write) failed: nothing more is ever reported durable. */
  private durabilityLost = false;
  /** After a failed batched write: the records from this offset of this segment were never written. */
  private lost: { segmentId: number; fromOffsetBytes: number } | undefined;
  private closing: Promise<void> | undefined;
  /** The records appended this turn and not written yet, as buffers for one writev: header, parts, header, ... */
  private readonly pendingRecords: Buffer[] = [];
  private pendingRecordBytes = 0;
  /** Where the first pending record starts in the current segment, and its ordinal in the segment's index. */
  private pendingFromOffset = 0;
  private pendingFromOrdinal = 0;
  /** Ack entries made this turn and not written yet, per segment. */
  private readonly pendingAcks = new Map<Segment, number[]>();
  private flushScheduled = false;
  private appended = 0;
  private written = 0;
  private durable = 0;
  private live = 0;
  private disk = 0;

  /**
   * Opens (recovering) the store in `options.directory`. `livePositions` are its un-acked records
   * in append order, unless `onLiveRecord` took them one by one (then it is empty); `liveCount`
   * counts them either way.
   */
  static async open(options: MessageStoreOptions): Promise<{ store: MessageStore; livePositions: SegmentPosition[]; liveCount: number }> {
    const segmentSizeBytes = options.segmentSizeBytes ?? STORE_SEGMENT_SIZE_BYTES_DEFAULT;
    assert(
      Number.isInteger(segmentSizeBytes) &&
        segmentSizeBytes >= STORE_SEGMENT_SIZE_BYTES_MIN &&
        segmentSizeBytes <= STORE_SEGMENT_SIZE_BYTES_MAX,
      "segmentSizeBytes within the STORE_SEGMENT_SIZE_BYTES limits",
    );
    const log = options.log ?? ((message: string) => console.warn(`store ${options.directory}: ${message}`));
    const recovered = await recoverDirectory(options.committer.fileSystem, options.directory, log, options.onLiveRecord);
    const files = new SegmentFiles(options.committer.fileSystem, options.directory, log, recovered.nextSegmentId);
    const store = new MessageStore(options, segmentSizeBytes, files, log);
    for (const segment of recovered.segments) {
      store.segments.set(segment.segmentId, { ...segment });
      store.live += segment.index.liveCount;
      store.disk += segment.sizeBytes + segment.ackFileBytes;
    }
    store.current = store.startSegment();
    return { store, livePositions: recovered.livePositions, liveCount: recovered.liveCount };
  }

  /**
   * Creates the store of a queue that is new: synchronous, because queue.declare answers at once.
   * Whatever an earlier queue of the same name left in `directory` (it was deleted, and a crash
   * came before its files were removed) is removed first: a new queue starts empty.
   */
  static create(options: MessageStoreOptions): MessageStore {
    const segmentSizeBytes = options.segmentSizeBytes ?? STORE_SEGMENT_SIZE_BYTES_DEFAULT;
    assert(
      Number.isInteger(segmentSizeBytes) &&
        segmentSizeBytes >= STORE_SEGMENT_SIZE_BYTES_MIN &&
        segmentSizeBytes <= STORE_SEGMENT_SIZE_BYTES_MAX,
      "segmentSizeBytes within the STORE_SEGMENT_SIZE_BYTES limits",
    );
    const fileSystem = options.committer.fileSystem;
    fileSystem.removeDirectory(options.directory);
    fileSystem.makeDirectory(options.directory);
    const log = options.log ?? ((message: string) => console.warn(`store ${options.directory}: ${message}`));
    const store = new MessageStore(options, segmentSizeBytes, new SegmentFiles(fileSystem, options.directory, log, 1), log);
    store.current = store.startSegment();
    return store;
  }

  private constructor(
    private readonly options: MessageStoreOptions,
    private readonly segmentSizeBytes: number,
    files: SegmentFiles,
    private readonly log: (message: string) => void,
  ) {
    this.files = files;
    this.fileSystem = options.committer.fileSystem;
  }

  /** The sequence of the last append: what `append` returned last. */
  get appendedSequence(): number {
    return this.appended;
  }
  /** The sequence of the last append written to the OS (appends of this turn are written at its end). */
  get writtenSequence(): number {
    return this.written;
  }
  /** Every append up to this sequence is on stable storage. */
  get durableSequence(): number {
    return this.durable;
  }
  /**
   * Undefined while the store is healthy. Once it failed: the first sequence that will never be
   * durable. Every append from it on was (or will be) refused durability; the appends before
   * it are reported durable by `onDurable` as usual. A caller tracking publishers should answer
   * those waiting for a sequence at or above this one with a negative acknowledgement.
   */
  get failedSequence(): number | undefined {
    if (!this.failure) return undefined;
    return (this.durabilityLost ? this.durable : this.written) + 1;
  }
  /** Records appended (or recovered) and not acked. */
  get liveCount(): number {
    return this.live;
  }
  get segmentCount(): number {
    return this.segments.size;
  }
  /** Bytes of segment and ack files this store holds on disk. */
  get diskBytes(): number {
    return this.disk;
  }

  /**
   * Appends one record whose payload is `parts` laid end to end (never concatenated: the parts
   * are checksummed where they lie and handed to writev). The parts must not change afterwards:
   * the record is written at the end of the turn, with the turn's other appends, in one write
   * (or earlier: before a read of it, a rollover, a commit round, `flush` or `close`).
   *
   * If that write fails (ENOSPC, EIO), whatever it left is cut off, its records are forgotten
   * (reading one throws STORE_FAILED, acking one does nothing) and the store fails: `onFailure`
   * is called, `waitDurable` rejects for every sequence from `failedSequence` on, and `append`
   * throws STORE_FAILED from then on. The appends written before that batch are still made
   * durable and reported. Reopen the store to go on.
   *
   * Throws STORE_WRITE_FAILED (e.g. ENOSPC) when a new segment cannot be created for this
   * record (nothing is written and the store carries on), STORE_FAILED after a failure, or
   * STORE_CLOSED.
   */
  append(parts: readonly Buffer[]): AppendResult {
    this.assertWritable();
    const payloadBytes = format.payloadBytesOf(parts);
    assert(payloadBytes <= STORE_RECORD_PAYLOAD_BYTES_MAX, "payload within STORE_RECORD_PAYLOAD_BYTES_MAX");
    const recordBytes = format.recordBytes(payloadBytes);
    // A record larger than a segment gets a segment of its own: roll over unless this one is empty.
    if (this.current.segment.index.count > 0 && this.current.segment.sizeBytes + recordBytes > this.segmentSizeBytes) {
      this.writePendingRecordsOrThrow(); // they belong to the segment being sealed
      this.rollOver();
    } else if (
      this.pendingRecords.length > 0 &&
      (this.pendingRecordBytes + recordBytes > PENDING_RECORD_BYTES_MAX || this.pendingRecords.length + parts.length >= PENDING_BUFFERS_MAX)
    ) {
      this.writePendingRecordsOrThrow();
    }
    const { segment, file } = this.current;
    const offsetBytes = segment.sizeBytes;
    const header = format.encodeRecordHeader(parts, payloadBytes);
    if (this.options.sync === false) {
      // A scratch store's caller drops the message from memory once this returns: write now.
      try {
        writeFully(this.fileSystem, file.fd, [header, ...parts], offsetBytes);
      } catch (error) {
        this.removePartialRecord(file.fd, offsetBytes);
        throw new StoreError("STORE_WRITE_FAILED", `append to segment ${segment.segmentId}`, error);
      }
    } else {
      if (this.pendingRecords.length === 0) {
        this.pendingFromOffset = offsetBytes;
        this.pendingFromOrdinal = segment.index.count;
        this.scheduleFlush();
      }
      this.pendingRecords.push(header);
      for (let at = 0; at < parts.length; at++) this.pendingRecords.push(parts[at]!);
      this.pendingRecordBytes += recordBytes;
    }
    segment.sizeBytes += recordBytes;
    segment.index.add(offsetBytes);
    this.disk += recordBytes;
    this.live += 1;
    this.appended += 1;
    if (this.options.sync === false) {
      this.written = this.appended;
    } else {
      this.dirtyFiles.add(file);
      file.markDirty();
      this.options.committer.requestCommit(this);
    }
    return { position: { segmentId: segment.segmentId, offsetBytes, payloadBytes }, sequence: this.appended };
  }

  /**
   * Writes this turn's pending records and acks to the OS now instead of at the end of the turn.
   * Never throws: a failed write of records fails the store (see `append`); a failed write of
   * acks is logged and the acks are kept in memory (see `ack`).
   */
  flush(): void {
    this.writePendingRecords();
    this.writePendingAcks();
  }

  /**
   * The payload at `position`, checksum verified (a record appended this turn is written out
   * first). Throws STORE_POSITION_UNKNOWN, STORE_CORRUPT, or STORE_FAILED for a record whose
   * write failed.
   */
  read(position: SegmentPosition): Buffer {
    this.assertNotClosed();
    if (this.pendingRecords.length > 0 && position.segmentId === this.current.segment.segmentId && position.offsetBytes >= this.pendingFromOffset) {
      this.writePendingRecords();
    }
    if (this.isLost(position)) throw this.failure as StoreError;
    const segment = this.segmentOf(position);
    const writerFd = segment === this.current.segment ? this.current.file.fd : undefined;
    return this.files.readRecord(segment, position, writerFd);
  }

  /**
   * Records that the message at `position` is gone for good. The ack reaches the OS at the end
   * of the turn (one write per ack file for all of the turn's acks) and stable storage lazily
   * (on close, or when the OS writes back): an ack lost in a crash brings the message back,
   * redelivered, which AMQP allows. If the ack file cannot be written the ack still holds in
   * memory and the failure is logged, with the same consequence. Acking a record whose write
   * failed does nothing: it is not in the file.
   */
  ack(position: SegmentPosition): void {
    // Not while closing either: close is flushing the ack files, which an ack could delete.
    if (this.state !== "open") throw new StoreError("STORE_CLOSED", "store closed");
    if (this.isLost(position)) return;
    const segment = this.segmentOf(position);
    const ordinal = segment.index.find(position.offsetBytes);
    if (!segment.index.markAcked(ordinal)) {
      throw new StoreError("STORE_ALREADY_ACKED", `record ${position.segmentId}:${position.offsetBytes}`);
    }
    this.live -= 1;
    // A scratch store's files are thrown away at the next start, so its acks are never read back:
    // the index marks them, which is all that freeing a segment needs.
    if (this.options.sync !== false) {
      const pending = this.pendingAcks.get(segment);
      if (pending === undefined) {
        this.pendingAcks.set(segment, [position.offsetBytes]);
        this.scheduleFlush();
      } else {
        pending.push(position.offsetBytes);
      }
    }
    if (segment.index.liveCount === 0 && segment !== this.current.segment) this.deleteSegment(segment);
  }

  /** Removes every record, acked or not (queue.purge and queue.delete); returns how many were live. */
  purge(): number {
    this.assertWritable();
    const purged = this.live;
    const emptied = this.current;
    this.current = this.startSegment();
    // The records of this turn not written yet are deleted with their segment: no need to write them.
    this.discardPendingRecords();
    emptied.file.closeWhenSynced();
    for (const segment of [...this.segments.values()]) if (segment !== this.current.segment) this.deleteSegment(segment);
    this.live = 0;
    return purged;
  }

  /** Resolves once `sequence` is durable; rejects with STORE_FAILED or STORE_CLOSED if it never will be. */
  waitDurable(sequence: number): Promise<void> {
    assert(sequence <= this.appended, "wait only for a sequence already appended");
    if (sequence <= this.durable) return Promise.resolve();
    if (this.failure && (this.durabilityLost || sequence > this.written)) return Promise.reject(this.failure);
    if (this.state === "closed") return Promise.reject(new StoreError("STORE_CLOSED", "store closed"));
    return this.waiters.add(sequence);
  }

  /** Writes out and waits for pending appends to be durable, syncs the ack files written this session, releases every descriptor. */
  close(): Promise<void> {
    // After deleteAll there is nothing left to wait for.
    this.closing ??= this.state === "closed" ? Promise.resolve() : this.closeNow();
    return this.closing;
  }

  /** Closes without waiting and removes the directory with everything in it. */
  async deleteAll(): Promise<void> {
    this.releaseAll();
    this.files.removeDirectory();
  }

  // ---- CommitParticipant: called by the committer -------------------------------------------

  takeFilesToSync(): SyncedFile[] {
    if (this.state === "closed") return [];
    // The round's fsync must cover every append made so far: write out what this turn holds.
    this.flush();
    const files = [...this.dirtyFiles];
    this.dirtyFiles.clear();
    if (this.directoryDirty) {
      // A new segment's directory entry must be durable before any record in it is.
      this.directoryDirty = false;
      files.push(this.files.directoryForSync(this.options.directory));
    }
    if (this.parentDirectoryDirty) {
      this.parentDirectoryDirty = false;
      files.push(this.files.directoryForSync(dirname(this.options.directory)));
    }
    return files;
  }

  commitSucceeded(sequence: number): void {
    // After a failed write (not a failed fsync) the appends written before it still become durable.
    if (sequence <= this.durable || this.durabilityLost || this.state === "closed") return;
    this.durable = sequence;
    this.waiters.resolveUpTo(sequence);
    this.options.onDurable?.(sequence);
  }

  commitFailed(error: Error): void {
    // After a failed fsync the kernel may have dropped the dirty pages and the next fsync may
    // succeed without them (PostgreSQL's "fsyncgate"): nothing written so far can be claimed
    // durable, so the store refuses appends until it is reopened and recovered.
    this.fail("fsync failed; reopen the store to recover", error, true);
  }

  // ---- internals ---------------------------------------------------------------------------

  private async closeNow(): Promise<void> {
    this.state = "closing";
    this.flush();
    // A scratch store (sync: false) never makes anything durable, so there is nothing to wait for.
    if (this.options.sync !== false && this.written > this.durable && !this.durabilityLost) await this.waitDurable(this.written).catch(() => {});
    await this.files.syncAckFiles([...this.ackedSegments]);
    this.releaseAll();
  }

  /**
   * Closes every descriptor. Whatever is still dirty here is not owed to anyone (close has
   * waited for every append; deleteAll throws the data away): a fresh segment's header, or the
   * writes of a failed store. Files with an fsync in flight close when it returns.
   */
  private releaseAll(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.discardPendingRecords();
    this.pendingAcks.clear();
    this.files.closeAll();
    for (const file of [this.current.file, ...this.dirtyFiles]) file.abandon();
    this.dirtyFiles.clear();
    this.waiters.rejectAll(new StoreError("STORE_CLOSED", "store closed before the append was durable"));
    this.options.onReleased?.();
  }

  /** Creates the next segment and registers it; the committer will sync it and its directory entry. */
  private startSegment(): { segment: Segment; file: SyncedFile } {
    const started = this.files.create();
    this.dirtyFiles.add(started.file);
    this.directoryDirty = true;
    this.segments.set(started.segment.segmentId, started.segment);
    this.disk += started.segment.sizeBytes;
    return started;
  }

  /** Seals the current segment and starts the next; the new one is created first so a failure changes nothing. */
  private rollOver(): void {
    const next = this.startSegment();
    const sealed = this.current;
    sealed.file.closeWhenSynced();
    this.current = next;
    if (sealed.segment.index.liveCount === 0) this.deleteSegment(sealed.segment);
  }

  private deleteSegment(segment: Segment): void {
    assert(segment !== this.current.segment, "never delete the segment being written");
    // Its acks of this turn go out first: if the segment file cannot be removed, its ack file
    // must still mark every record acked after a restart.
    this.writePendingAcksOf(segment);
    this.segments.delete(segment.segmentId);
    this.ackedSegments.delete(segment.segmentId);
    this.disk -= segment.sizeBytes + segment.ackFileBytes;
    this.files.remove(segment);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    storesAwaitingFlush.add(this);
    // A microtask runs when the current turn's work is done (after the socket read that made
    // these appends), before any timer, I/O callback or commit round. A protocol connection
    // calls flushPendingWrites() before it writes its replies, which may come sooner.
    queueMicrotask(this.flushAtEndOfTurn);
  }

  /** @internal flushPendingWrites() and the end-of-turn microtask. */
  readonly flushAtEndOfTurn = (): void => {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    storesAwaitingFlush.delete(this);
    if (this.state !== "closed") this.flush();
  };

  /** Writes the pending records; false when the write failed (the store has failed then). */
  private writePendingRecords(): boolean {
    if (this.pendingRecords.length === 0) return true;
    const { segment, file } = this.current;
    const fromOffset = this.pendingFromOffset;
    const count = this.appended - this.written;
    try {
      writeFully(this.fileSystem, file.fd, this.pendingRecords, fromOffset);
    } catch (error) {
      this.pendingRecords.length = 0;
      this.pendingRecordBytes = 0;
      this.loseFailedBatch(segment, file.fd, fromOffset, count, error);
      return false;
    }
    this.pendingRecords.length = 0;
    this.pendingRecordBytes = 0;
    this.written = this.appended;
    return true;
  }

  private writePendingRecordsOrThrow(): void {
    if (!this.writePendingRecords()) throw this.failure as StoreError;
  }

  /**
   * A batched write failed: none of its records may ever be reported durable, and nothing may
   * point at bytes that are not in the file. The partial bytes are cut off, the records are
   * dropped from the index (and their pending acks with them), and the store fails; the
   * records written before the batch stay and are still made durable.
   */
  private loseFailedBatch(segment: Segment, fd: number, fromOffset: number, count: number, cause: unknown): void {
    let cutFailed: unknown;
    try {
      this.fileSystem.truncate(fd, fromOffset);
    } catch (error) {
      cutFailed = error;
    }
    this.live -= segment.index.truncate(this.pendingFromOrdinal);
    this.disk -= segment.sizeBytes - fromOffset;
    segment.sizeBytes = fromOffset;
    this.lost = { segmentId: segment.segmentId, fromOffsetBytes: fromOffset };
    const acks = this.pendingAcks.get(segment);
    if (acks !== undefined) {
      const kept = acks.filter((offset) => offset < fromOffset);
      if (kept.length > 0) this.pendingAcks.set(segment, kept);
      else this.pendingAcks.delete(segment);
    }
    const writeError = new StoreError("STORE_WRITE_FAILED", `write of ${count} record(s) to segment ${segment.segmentId} at ${fromOffset}`, cause);
    if (cutFailed === undefined) {
      this.fail("a write failed; its records were dropped and are never reported durable; reopen the store to go on", writeError, false);
    } else {
      // Partial bytes may stay in the file; recovery cuts a torn tail, and keeps whole records
      // the write did finish, as it may keep any record appended but never reported durable.
      this.fail(`a write failed and its partial bytes could not be cut off (${String(cutFailed)}); reopen the store to recover`, writeError, true);
    }
  }

  /** The records of this turn are being deleted (purge, deleteAll): they need not be written. */
  private discardPendingRecords(): void {
    if (this.pendingRecords.length === 0) return;
    this.pendingRecords.length = 0;
    this.pendingRecordBytes = 0;
    this.written = this.appended;
  }

  private writePendingAcks(): void {
    for (const [segment, offsets] of this.pendingAcks) this.writeAcks(segment, offsets);
    this.pendingAcks.clear();
  }

  private writePendingAcksOf(segment: Segment): void {
    const offsets = this.pendingAcks.get(segment);
    if (offsets === undefined) return;
    this.pendingAcks.delete(segment);
    this.writeAcks(segment, offsets);
  }

  private writeAcks(segment: Segment, offsets: readonly number[]): void {
    if (this.files.writeAckEntries(segment, offsets)) {
      this.disk += offsets.length * format.ACK_ENTRY_BYTES;
      this.ackedSegments.add(segment.segmentId);
    }
  }

  private isLost(position: SegmentPosition): boolean {
    const lost = this.lost;
    return lost !== undefined && position.segmentId === lost.segmentId && position.offsetBytes >= lost.fromOffsetBytes;
  }

  private removePartialRecord(fd: number, offsetBytes: number): void {
    try {
      this.fileSystem.truncate(fd, offsetBytes);
    } catch (error) {
      this.fail("could not remove a partially written record; reopen the store to recover", error, true);
    }
  }

  /**
   * Fails the store: appends are refused from now on. With `durabilityLost` (a failed fsync)
   * nothing more is reported durable; otherwise (a failed write) the appends written before it
   * still are, and only the waiters for later sequences are rejected.
   */
  private fail(detail: string, cause: unknown, durabilityLost: boolean): void {
    const first = this.failure === undefined;
    if (!first && (this.durabilityLost || !durabilityLost)) return;
    if (durabilityLost) this.durabilityLost = true;
    if (first) this.failure = new StoreError("STORE_FAILED", detail, cause);
    const failure = this.failure as StoreError;
    this.log(first ? `${failure.message}: ${String(cause)}` : `then also: ${detail}: ${String(cause)}`);
    if (this.durabilityLost) this.waiters.rejectAll(failure);
    else this.waiters.rejectAbove(this.written, failure);
    if (first) this.options.onFailure?.(failure);
  }

  private segmentOf(position: SegmentPosition): Segment {
    const segment = this.segments.get(position.segmentId);
    if (!segment || segment.index.find(position.offsetBytes) < 0) {
      throw new StoreError("STORE_POSITION_UNKNOWN", `no record at ${position.segmentId}:${position.offsetBytes}`);
    }
    return segment;
  }

  private assertNotClosed(): void {
    if (this.state === "closed") throw new StoreError("STORE_CLOSED", "store closed");
  }

  private assertWritable(): void {
    if (this.state !== "open") throw new StoreError("STORE_CLOSED", "store closed");
    if (this.failure) throw this.failure;
  }
}
