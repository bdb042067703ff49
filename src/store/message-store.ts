/**
 * One durable queue's message store: append-only segment files, acks in ack files, a segment
 * deleted once every record in it is acked (LavinMQ's message_store.cr, with checksums and
 * group commit added). Formats, commit protocol and recovery rules: docs/internals/store.md.
 *
 * The store does not keep messages: the caller keeps a SegmentPosition per message and gives it
 * back to `read` and `ack`. Writes go to the OS at once; durability is reported as "every append
 * up to sequence N is on disk" (`onDurable`, `durableSequence`, `waitDurable`), because a
 * channel that confirms with `multiple` only needs the highest durable tag, not one event per
 * message.
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
}

export interface AppendResult {
  readonly position: SegmentPosition;
  /** 1 for the first append of this session; durable once `durableSequence` reaches it. */
  readonly sequence: number;
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
  private failure: StoreError | undefined;
  private closing: Promise<void> | undefined;
  private written = 0;
  private durable = 0;
  private live = 0;
  private disk = 0;

  /** Opens (recovering) the store in `options.directory`; `livePositions` are its un-acked records in append order. */
  static async open(options: MessageStoreOptions): Promise<{ store: MessageStore; livePositions: SegmentPosition[] }> {
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
    return { store, livePositions: recovered.livePositions };
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

  /** The sequence of the last append written to the OS. */
  get writtenSequence(): number {
    return this.written;
  }
  /** Every append up to this sequence is on stable storage. */
  get durableSequence(): number {
    return this.durable;
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
   * Writes one record whose payload is `parts` laid end to end (written with writev, never
   * concatenated). Throws a StoreError STORE_WRITE_FAILED (e.g. ENOSPC) with nothing of the
   * record left behind, or STORE_FAILED / STORE_CLOSED.
   */
  append(parts: readonly Buffer[]): AppendResult {
    this.assertWritable();
    const payloadBytes = format.payloadBytesOf(parts);
    assert(payloadBytes <= STORE_RECORD_PAYLOAD_BYTES_MAX, "payload within STORE_RECORD_PAYLOAD_BYTES_MAX");
    const recordBytes = format.recordBytes(payloadBytes);
    // A record larger than a segment gets a segment of its own: roll over unless this one is empty.
    if (this.current.segment.index.count > 0 && this.current.segment.sizeBytes + recordBytes > this.segmentSizeBytes) {
      this.rollOver();
    }
    const { segment, file } = this.current;
    const offsetBytes = segment.sizeBytes;
    const header = format.encodeRecordHeader(parts, payloadBytes);
    try {
      writeFully(this.fileSystem, file.fd, [header, ...parts], offsetBytes);
    } catch (error) {
      this.removePartialRecord(file.fd, offsetBytes);
      throw new StoreError("STORE_WRITE_FAILED", `append to segment ${segment.segmentId}`, error);
    }
    segment.sizeBytes += recordBytes;
    segment.index.add(offsetBytes);
    this.disk += recordBytes;
    this.live += 1;
    this.written += 1;
    if (this.options.sync !== false) {
      this.dirtyFiles.add(file);
      file.markDirty();
      this.options.committer.requestCommit(this);
    }
    return { position: { segmentId: segment.segmentId, offsetBytes, payloadBytes }, sequence: this.written };
  }

  /** The payload at `position`, checksum verified. Throws STORE_POSITION_UNKNOWN or STORE_CORRUPT. */
  read(position: SegmentPosition): Buffer {
    this.assertNotClosed();
    const segment = this.segmentOf(position);
    const writerFd = segment === this.current.segment ? this.current.file.fd : undefined;
    return this.files.readRecord(segment, position, writerFd);
  }

  /**
   * Records that the message at `position` is gone for good. The ack reaches the OS at once and
   * stable storage lazily (on close, or when the OS writes back): an ack lost in a power cut
   * brings the message back, redelivered, which AMQP allows. If the ack file cannot be written
   * the ack still holds in memory and the failure is logged, with the same consequence.
   */
  ack(position: SegmentPosition): void {
    // Not while closing either: close is flushing the ack files, which an ack could delete.
    if (this.state !== "open") throw new StoreError("STORE_CLOSED", "store closed");
    const segment = this.segmentOf(position);
    const ordinal = segment.index.find(position.offsetBytes);
    if (!segment.index.markAcked(ordinal)) {
      throw new StoreError("STORE_ALREADY_ACKED", `record ${position.segmentId}:${position.offsetBytes}`);
    }
    this.live -= 1;
    if (this.files.writeAckEntry(segment, position.offsetBytes)) {
      this.disk += format.ACK_ENTRY_BYTES;
      this.ackedSegments.add(segment.segmentId);
    }
    if (segment.index.liveCount === 0 && segment !== this.current.segment) this.deleteSegment(segment);
  }

  /** Removes every record, acked or not (queue.purge and queue.delete); returns how many were live. */
  purge(): number {
    this.assertWritable();
    const purged = this.live;
    const emptied = this.current;
    this.current = this.startSegment();
    emptied.file.closeWhenSynced();
    for (const segment of [...this.segments.values()]) if (segment !== this.current.segment) this.deleteSegment(segment);
    this.live = 0;
    return purged;
  }

  /** Resolves once `sequence` is durable; rejects with STORE_FAILED or STORE_CLOSED if it never will be. */
  waitDurable(sequence: number): Promise<void> {
    assert(sequence <= this.written, "wait only for a sequence already appended");
    if (sequence <= this.durable) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (this.state === "closed") return Promise.reject(new StoreError("STORE_CLOSED", "store closed"));
    return this.waiters.add(sequence);
  }

  /** Waits for pending appends to be durable, syncs the ack files written this session, releases every descriptor. */
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
    if (sequence <= this.durable || this.failure || this.state === "closed") return;
    this.durable = sequence;
    this.waiters.resolveUpTo(sequence);
    this.options.onDurable?.(sequence);
  }

  commitFailed(error: Error): void {
    // After a failed fsync the kernel may have dropped the dirty pages and the next fsync may
    // succeed without them (PostgreSQL's "fsyncgate"): nothing written so far can be claimed
    // durable, so the store refuses appends until it is reopened and recovered.
    this.fail("fsync failed; reopen the store to recover", error);
  }

  // ---- internals ---------------------------------------------------------------------------

  private async closeNow(): Promise<void> {
    this.state = "closing";
    if (this.written > this.durable && !this.failure) await this.waitDurable(this.written).catch(() => {});
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
    this.files.closeAll();
    for (const file of [this.current.file, ...this.dirtyFiles]) file.abandon();
    this.dirtyFiles.clear();
    this.waiters.rejectAll(new StoreError("STORE_CLOSED", "store closed before the append was durable"));
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
    this.segments.delete(segment.segmentId);
    this.ackedSegments.delete(segment.segmentId);
    this.disk -= segment.sizeBytes + segment.ackFileBytes;
    this.files.remove(segment);
  }

  private removePartialRecord(fd: number, offsetBytes: number): void {
    try {
      this.fileSystem.truncate(fd, offsetBytes);
    } catch (error) {
      this.fail("could not remove a partially written record; reopen the store to recover", error);
    }
  }

  private fail(detail: string, cause: unknown): void {
    if (this.failure) return;
    this.failure = new StoreError("STORE_FAILED", detail, cause);
    this.log(`${this.failure.message}: ${String(cause)}`);
    this.waiters.rejectAll(this.failure);
    this.options.onFailure?.(this.failure);
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
