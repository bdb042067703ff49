/**
 * A node's metadata on disk (DESIGN.md §4): the command log and its snapshot, under
 * `<dataDir>/metadata/` (the files are described in command-log.ts). Opening it recovers the
 * state through the same `apply` that made every change live; the runtime then appends each
 * committed command to the returned log. In a cluster the metadata Raft group's log replaces
 * this one; nothing above the CommandLog interface changes.
 */
import { FileCommandLog, type CommandLog } from "./command-log.js";
import { recover, type Recovered } from "./recovery.js";

export interface OpenedMetadata {
  readonly log: CommandLog;
  readonly recovered: Recovered;
}

export function openMetadataStore(directory: string, warn: (message: string) => void): OpenedMetadata {
  const log = new FileCommandLog(directory, warn);
  try {
    const recovered = recover(log.read());
    for (const problem of recovered.problems) warn(problem);
    return { log, recovered };
  } catch (error) {
    log.close();
    throw error;
  }
}
