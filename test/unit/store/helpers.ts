/** Shared by the store tests: temp directories, opening with small segments, a fault-injecting file system. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type FileSystem, nodeFileSystem } from "../../../src/io/file-system.js";
import { Committer } from "../../../src/store/committer.js";
import { MessageStore, type MessageStoreOptions } from "../../../src/store/message-store.js";

export const SMALL_SEGMENT_BYTES = 4096;

const made: string[] = [];
after(() => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir(), removed when the test file ends. */
export function tempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "warren-store-"));
  made.push(directory);
  return join(directory, "queue");
}

/** Opens a store with small segments and a log that collects messages. */
export async function openStore(
  directory: string,
  overrides: Partial<MessageStoreOptions> = {},
): Promise<Awaited<ReturnType<typeof MessageStore.open>> & { logs: string[] }> {
  const logs: string[] = [];
  const opened = await MessageStore.open({
    directory,
    committer: overrides.committer ?? new Committer({ fileSystem: nodeFileSystem }),
    segmentSizeBytes: SMALL_SEGMENT_BYTES,
    log: (message) => logs.push(message),
    ...overrides,
  });
  return { ...opened, logs };
}

/** A deterministic payload for record `n`, `bytes` long. */
export function payload(n: number, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let index = 0; index < bytes; index++) buffer[index] = (n * 31 + index * 7) & 0xff;
  return buffer;
}

/**
 * The real file system with switches: the next write can write part of its bytes and then fail
 * with an errno code, and the next fsyncs can fail.
 */
export class FaultyFileSystem implements FileSystem {
  writeFailure: { code: string; bytesBeforeFailure: number } | undefined;
  syncFailureCode: string | undefined;
  syncCount = 0;

  open = nodeFileSystem.open;
  close = nodeFileSystem.close;
  read = nodeFileSystem.read;
  sizeBytes = nodeFileSystem.sizeBytes;
  truncate = nodeFileSystem.truncate;
  listDirectory = nodeFileSystem.listDirectory;
  makeDirectory = nodeFileSystem.makeDirectory;
  removeFile = nodeFileSystem.removeFile;
  removeDirectory = nodeFileSystem.removeDirectory;

  writev(fd: number, buffers: readonly Buffer[], positionBytes: number): number {
    const failure = this.writeFailure;
    if (!failure) return nodeFileSystem.writev(fd, buffers, positionBytes);
    this.writeFailure = undefined;
    if (failure.bytesBeforeFailure > 0) {
      // A short write first, as a disk filling up mid-record gives; the retry then fails.
      const partial = Buffer.concat(buffers as Buffer[]).subarray(0, failure.bytesBeforeFailure);
      this.writeFailure = { code: failure.code, bytesBeforeFailure: 0 };
      return nodeFileSystem.writev(fd, [partial], positionBytes);
    }
    throw Object.assign(new Error(`${failure.code}: injected`), { code: failure.code });
  }

  syncData(fd: number): Promise<void> {
    this.syncCount += 1;
    if (this.syncFailureCode) return Promise.reject(Object.assign(new Error(`${this.syncFailureCode}: injected`), { code: this.syncFailureCode }));
    return nodeFileSystem.syncData(fd);
  }

  sync(fd: number): Promise<void> {
    this.syncCount += 1;
    if (this.syncFailureCode) return Promise.reject(Object.assign(new Error(`${this.syncFailureCode}: injected`), { code: this.syncFailureCode }));
    return nodeFileSystem.sync(fd);
  }
}
