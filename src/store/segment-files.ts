/**
 * The file-level half of a store: creating and removing segment and ack files, writing ack
 * entries, reading records back, and the descriptors all that needs. The bookkeeping (which
 * records are live, what is durable) stays in MessageStore.
 */
import { join } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import { STORE_ACK_FILES_OPEN_MAX } from "../config/limits.js";
import { SyncedFile } from "./committer.js";
import { StoreError } from "./errors.js";
import { readFully, writeFully } from "./file-io.js";
import * as format from "./format.js";
import { HandleCache } from "./handle-cache.js";
import type { SegmentPosition } from "./position.js";
import { SegmentIndex } from "./segment-index.js";

export interface Segment {
  readonly segmentId: number;
  readonly index: SegmentIndex;
  sizeBytes: number;
  /** Where the next ack entry goes. */
  ackFileBytes: number;
}

/** Reading a record usually hits the segment read just before (FIFO); two descriptors cover a consumer switching back and forth. */
const READ_HANDLES_OPEN_MAX = 2;

export class SegmentFiles {
  private readonly readHandles: HandleCache;
  private readonly ackHandles: HandleCache;

  constructor(
    private readonly fileSystem: FileSystem,
    readonly directory: string,
    private readonly log: (message: string) => void,
    private nextSegmentId: number,
  ) {
    this.readHandles = new HandleCache(fileSystem, READ_HANDLES_OPEN_MAX, "readWrite", (segmentId) => this.segmentPath(segmentId));
    this.ackHandles = new HandleCache(fileSystem, STORE_ACK_FILES_OPEN_MAX, "readWriteCreate", (segmentId) => this.ackPath(segmentId));
  }

  /** Creates the next segment, header written; its descriptor is returned dirty, for the committer. */
  create(): { segment: Segment; file: SyncedFile } {
    const segmentId = this.nextSegmentId;
    this.nextSegmentId += 1; // even on failure: a half-created file must not block the next attempt
    const path = this.segmentPath(segmentId);
    let fd: number;
    try {
      fd = this.fileSystem.open(path, "createExclusive");
    } catch (error) {
      throw new StoreError("STORE_WRITE_FAILED", `create segment ${segmentId}`, error);
    }
    try {
      writeFully(this.fileSystem, fd, [format.encodeSegmentHeader()], 0);
    } catch (error) {
      this.fileSystem.close(fd);
      this.removeQuietly(path);
      throw new StoreError("STORE_WRITE_FAILED", `create segment ${segmentId}`, error);
    }
    const segment: Segment = { segmentId, index: new SegmentIndex(), sizeBytes: format.SEGMENT_HEADER_BYTES, ackFileBytes: 0 };
    const file = new SyncedFile(this.fileSystem, fd);
    file.markDirty();
    return { segment, file };
  }

  /** Removes a segment's files. Segment first: if that fails, the ack file keeps its records acked after a restart. */
  remove(segment: Segment): void {
    const segmentPath = this.segmentPath(segment.segmentId);
    const ackPath = this.ackPath(segment.segmentId);
    this.readHandles.forget(segment.segmentId);
    this.ackHandles.forget(segment.segmentId);
    if (this.removeQuietly(segmentPath)) this.removeQuietly(ackPath);
  }

  /** Appends ack entries for these record offsets with one write; false (logged) when they could not be written. */
  writeAckEntries(segment: Segment, offsets: readonly number[]): boolean {
    try {
      const fd = this.ackHandles.get(segment.segmentId);
      // At an explicit offset, so the next write overwrites whatever a failed one left.
      writeFully(this.fileSystem, fd, [format.encodeAckEntries(offsets)], segment.ackFileBytes);
      segment.ackFileBytes += offsets.length * format.ACK_ENTRY_BYTES;
      return true;
    } catch (error) {
      const what = offsets.length === 1 ? `ack of ${segment.segmentId}:${offsets[0]}` : `acks of ${offsets.length} records of segment ${segment.segmentId}`;
      this.log(`${what} kept in memory only: ${String(error)}`);
      return false;
    }
  }

  /** Flushes the ack files of `segmentIds` (at close); failures are logged: a lost ack only redelivers. */
  async syncAckFiles(segmentIds: Iterable<number>): Promise<void> {
    for (const segmentId of segmentIds) {
      try {
        await this.fileSystem.syncData(this.ackHandles.get(segmentId));
      } catch (error) {
        this.log(`could not sync acks of segment ${segmentId}: ${String(error)}`);
      }
    }
  }

  /**
   * Reads and verifies the record at `position`. `fd` is the writer's descriptor when the
   * segment is the one being written; otherwise a cached one is used.
   */
  readRecord(segment: Segment, position: SegmentPosition, fd: number | undefined): Buffer {
    // Checked before allocating: the caller's length must fit in what the segment holds.
    if (format.recordBytes(position.payloadBytes) > segment.sizeBytes - position.offsetBytes) {
      throw new StoreError("STORE_POSITION_UNKNOWN", `record ${position.segmentId}:${position.offsetBytes} runs past its segment`);
    }
    const descriptor = fd ?? this.readHandles.get(segment.segmentId);
    const bytes = Buffer.allocUnsafe(format.recordBytes(position.payloadBytes));
    readFully(this.fileSystem, descriptor, bytes, position.offsetBytes);
    if (format.decodeRecord(bytes, 0) !== position.payloadBytes) {
      throw new StoreError("STORE_CORRUPT", `record ${position.segmentId}:${position.offsetBytes} fails its checksum`);
    }
    return bytes.subarray(format.RECORD_HEADER_BYTES);
  }

  /** A directory opened to be fsynced once, so a new entry in it is durable; closed after that sync. */
  directoryForSync(path: string): SyncedFile {
    const directory = new SyncedFile(this.fileSystem, this.fileSystem.open(path, "directory"), true);
    directory.markDirty();
    directory.closeWhenSynced();
    return directory;
  }

  closeAll(): void {
    this.readHandles.closeAll();
    this.ackHandles.closeAll();
  }

  removeDirectory(): void {
    this.fileSystem.removeDirectory(this.directory);
  }

  private segmentPath(segmentId: number): string {
    return join(this.directory, format.segmentFileName(segmentId));
  }

  private ackPath(segmentId: number): string {
    return join(this.directory, format.ackFileName(segmentId));
  }

  private removeQuietly(path: string): boolean {
    try {
      this.fileSystem.removeFile(path);
      return true;
    } catch (error) {
      this.log(`could not remove ${path}: ${String(error)}`);
      return false;
    }
  }
}
