/**
 * The file operations Warren needs (the segment store, the scratch area, the data directory's
 * markers, the disk alarm), behind one small interface so a test can inject failures (ENOSPC on
 * a write, EIO on an fsync) and a simulator can replace the disk.
 *
 * Writes, reads and truncations are synchronous: they only touch the page cache, take
 * microseconds, and keep the store's ordering trivial (a record is in the file when `append`
 * returns). The only slow call, the flush to stable storage, is asynchronous so the event loop
 * keeps serving clients while the disk works (it runs on libuv's thread pool).
 */
import * as fs from "node:fs";

export type OpenMode =
  /** Read and write an existing file (ENOENT when it is missing). */
  | "readWrite"
  /** Read and write, creating the file when it is missing. */
  | "readWriteCreate"
  /** Create a new file; EEXIST when it already exists, so we never write over old data. */
  | "createExclusive"
  /** Open a directory, only to fsync it after creating a file in it. */
  | "directory";

export interface FileSystem {
  open(path: string, mode: OpenMode): number;
  close(fd: number): void;
  /** Writes at `positionBytes`; returns the bytes written, which may be fewer than asked. */
  writev(fd: number, buffers: readonly Buffer[], positionBytes: number): number;
  /** Reads up to `lengthBytes` at `positionBytes` into `buffer` at `bufferOffset`; returns the bytes read. */
  read(fd: number, buffer: Buffer, bufferOffset: number, lengthBytes: number, positionBytes: number): number;
  sizeBytes(fd: number): number;
  truncate(fd: number, lengthBytes: number): void;
  /** fdatasync: data and the metadata needed to read it back (the size), not timestamps. */
  syncData(fd: number): Promise<void>;
  /** fsync: used for directories, whose entries fdatasync is not documented to cover. */
  sync(fd: number): Promise<void>;
  listDirectory(path: string): string[];
  /** Creates the directory and its parents; no error when it exists. */
  makeDirectory(path: string): void;
  /** Removes a file; no error when it is already gone. */
  removeFile(path: string): void;
  /** Removes a directory and everything in it; no error when it is already gone. */
  removeDirectory(path: string): void;
}

/**
 * Operations by path that the node needs beside the store's (markers, the disk alarm). It is a
 * FileRenamer too (io/file-rename.ts), so the node's one disk can be handed to the durable log.
 */
export interface PathOperations {
  /** Moves `fromPath` to `toPath`, replacing `toPath` if it exists. Durable only after the directory's fsync. */
  rename(fromPath: string, toPath: string): void;
  /** Whether a file or directory exists at `path`. */
  exists(path: string): boolean;
  /** Replaces the file's contents (creating it); not synced: open it and sync() for that. */
  writeFile(path: string, contents: string | Buffer): void;
  /** Bytes an unprivileged user may still write on the file system holding `path` (statfs); throws when it cannot be read. */
  freeBytes(path: string): number;
}

const openFlags: Record<OpenMode, number> = {
  readWrite: fs.constants.O_RDWR,
  readWriteCreate: fs.constants.O_RDWR | fs.constants.O_CREAT,
  createExclusive: fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL,
  directory: fs.constants.O_RDONLY,
};

function callbackToPromise(run: (done: (error: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));
}

/** The real file system. */
export const nodeFileSystem: FileSystem & PathOperations = {
  open: (path, mode) => fs.openSync(path, openFlags[mode], 0o644),
  close: (fd) => fs.closeSync(fd),
  writev: (fd, buffers, positionBytes) => fs.writevSync(fd, buffers, positionBytes),
  read: (fd, buffer, bufferOffset, lengthBytes, positionBytes) =>
    fs.readSync(fd, buffer, bufferOffset, lengthBytes, positionBytes),
  sizeBytes: (fd) => fs.fstatSync(fd).size,
  truncate: (fd, lengthBytes) => fs.ftruncateSync(fd, lengthBytes),
  syncData: (fd) => callbackToPromise((done) => fs.fdatasync(fd, done)),
  sync: (fd) => callbackToPromise((done) => fs.fsync(fd, done)),
  listDirectory: (path) => fs.readdirSync(path),
  makeDirectory: (path) => void fs.mkdirSync(path, { recursive: true }),
  removeFile: (path) => fs.rmSync(path, { force: true }),
  removeDirectory: (path) => fs.rmSync(path, { recursive: true, force: true }),
  rename: (fromPath, toPath) => fs.renameSync(fromPath, toPath),
  exists: (path) => fs.existsSync(path),
  writeFile: (path, contents) => fs.writeFileSync(path, contents),
  freeBytes: (path) => {
    const stats = fs.statfsSync(path);
    return stats.bavail * stats.bsize;
  },
};
