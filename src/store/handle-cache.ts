/**
 * A few open descriptors per store, least recently used closed first. A queue with a deep
 * backlog has thousands of segments; holding a descriptor for each would exhaust the process's
 * file limit across many queues, while FIFO consumption reads and acks one or two segments at a
 * time, so a handful of cached descriptors serves nearly every call without an open().
 */
import type { FileSystem, OpenMode } from "../io/file-system.js";
import { assert } from "../lib/assert.js";

export class HandleCache {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly handles = new Map<number, number>();
  /** The last segment asked for and its descriptor: consecutive reads of a backlog hit it without touching the map. */
  private lastSegmentId = -1;
  private lastFd = -1;

  constructor(
    private readonly fileSystem: FileSystem,
    private readonly capacity: number,
    private readonly mode: OpenMode,
    /** The file of a segment; made only when it must be opened (a path string per read was garbage). */
    private readonly pathOf: (segmentId: number) => string,
  ) {
    assert(capacity >= 1, "a handle cache holds at least one descriptor");
  }

  /** The descriptor for segment `segmentId`'s file, opened if needed. */
  get(segmentId: number): number {
    // The most recently used entry is already last in the map's order: nothing to move.
    if (segmentId === this.lastSegmentId) return this.lastFd;
    let fd = this.handles.get(segmentId);
    if (fd !== undefined) {
      this.handles.delete(segmentId);
    } else {
      if (this.handles.size >= this.capacity) {
        const [oldestId, oldestFd] = this.handles.entries().next().value as [number, number];
        this.handles.delete(oldestId);
        this.fileSystem.close(oldestFd);
      }
      fd = this.fileSystem.open(this.pathOf(segmentId), this.mode);
    }
    this.handles.set(segmentId, fd);
    this.lastSegmentId = segmentId;
    this.lastFd = fd;
    return fd;
  }

  /** Closes the descriptor of segment `segmentId`'s file, if one is open (the file is about to be deleted). */
  forget(segmentId: number): void {
    const fd = this.handles.get(segmentId);
    if (fd === undefined) return;
    this.handles.delete(segmentId);
    if (segmentId === this.lastSegmentId) this.lastSegmentId = -1;
    this.fileSystem.close(fd);
  }

  closeAll(): void {
    for (const fd of this.handles.values()) this.fileSystem.close(fd);
    this.handles.clear();
    this.lastSegmentId = -1;
  }
}
