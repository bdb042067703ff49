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
  private readonly handles = new Map<string, number>();

  constructor(
    private readonly fileSystem: FileSystem,
    private readonly capacity: number,
    private readonly mode: OpenMode,
  ) {
    assert(capacity >= 1, "a handle cache holds at least one descriptor");
  }

  /** The descriptor for `path`, opened if needed. */
  get(path: string): number {
    const cached = this.handles.get(path);
    if (cached !== undefined) {
      this.handles.delete(path);
      this.handles.set(path, cached);
      return cached;
    }
    if (this.handles.size >= this.capacity) {
      const [oldestPath, oldestFd] = this.handles.entries().next().value as [string, number];
      this.handles.delete(oldestPath);
      this.fileSystem.close(oldestFd);
    }
    const fd = this.fileSystem.open(path, this.mode);
    this.handles.set(path, fd);
    return fd;
  }

  /** Closes the descriptor for `path`, if one is open (the file is about to be deleted). */
  forget(path: string): void {
    const fd = this.handles.get(path);
    if (fd === undefined) return;
    this.handles.delete(path);
    this.fileSystem.close(fd);
  }

  closeAll(): void {
    for (const fd of this.handles.values()) this.fileSystem.close(fd);
    this.handles.clear();
  }
}
