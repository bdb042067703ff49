/**
 * Renaming a file over another, the one step that makes a rewritten log replace the old one
 * atomically (POSIX rename). Its own interface beside file-system.ts so a test can fail it and a
 * simulator can replace it, without widening the FileSystem that the segment store and its
 * fault-injecting tests implement.
 */
import * as fs from "node:fs";

export interface FileRenamer {
  /** Moves `fromPath` to `toPath`, replacing `toPath` if it exists. Durable only after the directory's fsync. */
  rename(fromPath: string, toPath: string): void;
  /** Whether a file or directory exists at `path`. */
  exists(path: string): boolean;
}

export const nodeFileRenamer: FileRenamer = {
  rename: (fromPath, toPath) => fs.renameSync(fromPath, toPath),
  exists: (path) => fs.existsSync(path),
};
