/**
 * The node-wide Raft write-ahead log, shared by every Raft group of the node (RabbitMQ's
 * ra_log_wal is the model). `persist` takes what a Raft core's ready() hands out for one group
 * (hard state, entries, snapshot) and appends it as one record to the current WAL file; every
 * record appended in one event-loop turn, whatever its group, goes to the disk with one writev
 * and one fdatasync (record-log.ts), so a thousand busy groups cost one fsync per round, not a
 * thousand. A group's promise resolves once that fdatasync has returned, and only then is the
 * update applied to the group's state (raft-group-log.ts), which a core reads as its stable storage.
 *
 * When the WAL file reaches RAFT_WAL_FILE_BYTES_MAX a new one starts, and in the background the
 * old one's groups move what they hold only in the WAL into their own segment files (one per
 * group, synced in parallel); once they are all durable there, the old WAL file is deleted. The
 * per-group segment fsyncs happen once per group per roll-over, off the path of any commit.
 *
 * Recovery: every segment file is replayed, then every WAL file still there, oldest first, on top
 * (a WAL file whose move finished but which was not deleted yet is replayed again: its records
 * replace suffixes and set states, so replaying them over their own result changes nothing). A
 * torn tail of the newest WAL file is cut off: it was never reported durable. Then everything is
 * moved into the segments, the old WAL files are deleted, and a new WAL file takes the appends.
 *
 * A failed write or fdatasync, of the WAL or of a segment, fails the WAL for good: every persist
 * not yet durable is rejected and so is every later one (a Raft node then stops; its peers carry on).
 */
import { join } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import type { FileRenamer } from "../io/file-rename.js";
import { RAFT_SEGMENT_COMPACT_BYTES_MIN, RAFT_WAL_FILE_BYTES_MAX } from "../config/limits.js";
import { LogError } from "./errors.js";
import { RecordLog } from "./record-log.js";
import { RaftGroupLog, type SegmentFiles } from "./raft-group-log.js";
import { WAL_TAG, decodeUpdate, encodeUpdate, type GroupUpdate } from "./raft-wal-format.js";

export type { GroupUpdate, WalEntry, WalHardState, WalSnapshot } from "./raft-wal-format.js";
export { RaftGroupLog } from "./raft-group-log.js";

export interface RaftWalOptions {
  /** The WAL's own directory: `wal/` holds the WAL files, `segments/` the groups' segment files. */
  readonly directory: string;
  readonly fileSystem: FileSystem;
  readonly renamer: FileRenamer;
  readonly walFileBytesMax?: number;
  readonly segmentCompactBytesMin?: number;
  /** Repairs made at open, as sentences. */
  readonly log?: (message: string) => void;
  readonly defer?: (run: () => void) => void;
}

interface PendingUpdate {
  readonly sequence: number;
  readonly update: GroupUpdate;
  readonly resolve: () => void;
  readonly reject: (error: LogError) => void;
}

/** One WAL file: its log, the updates waiting for its fdatasync, and the groups it touched. */
interface WalFile {
  readonly id: number;
  readonly path: string;
  readonly log: RecordLog;
  readonly pending: PendingUpdate[];
  readonly groups: Set<RaftGroupLog>;
}

const WAL_NAME = /^(\d{10})\.wal$/;

export class RaftWal {
  private readonly options: RaftWalOptions;
  private readonly walDirectory: string;
  private readonly segmentFiles: SegmentFiles;
  private readonly walFileBytesMax: number;
  private readonly groupLogs = new Map<string, RaftGroupLog>();
  private current: WalFile;
  /** WAL files whose updates may still be waiting for their fdatasync. */
  private readonly openFiles = new Set<WalFile>();
  private moving: Promise<void> = Promise.resolve();
  private failure: LogError | undefined;
  private closed = false;
  /** Counters for tests and the benchmark: WAL rounds (one fdatasync each) and records over all WAL files. */
  private walRoundsBefore = 0;
  private walRecordsBefore = 0;
  walFilesMoved = 0;

  private constructor(options: RaftWalOptions, nextWalId: number) {
    this.options = options;
    this.walDirectory = join(options.directory, "wal");
    this.segmentFiles = {
      directory: join(options.directory, "segments"),
      fileSystem: options.fileSystem,
      renamer: options.renamer,
      compactBytesMin: options.segmentCompactBytesMin ?? RAFT_SEGMENT_COMPACT_BYTES_MIN,
      log: options.log,
      defer: options.defer,
    };
    this.walFileBytesMax = options.walFileBytesMax ?? RAFT_WAL_FILE_BYTES_MAX;
    this.current = this.newWalFile(nextWalId, Promise.resolve());
  }

  /** Recovers every group from its segment file and the WAL files, moves everything into the segments, and opens a new WAL file. */
  static async open(options: RaftWalOptions): Promise<RaftWal> {
    const { fileSystem } = options;
    const walDirectory = join(options.directory, "wal");
    const segmentDirectory = join(options.directory, "segments");
    fileSystem.makeDirectory(walDirectory);
    fileSystem.makeDirectory(segmentDirectory);
    const walIds = fileSystem.listDirectory(walDirectory).flatMap((name) => {
      const match = WAL_NAME.exec(name);
      return match ? [Number(match[1])] : [];
    }).sort((a, b) => a - b);
    const wal = new RaftWal(options, (walIds.at(-1) ?? 0) + 1);
    for (const name of fileSystem.listDirectory(segmentDirectory).sort()) {
      if (!name.endsWith(".seg")) continue;
      const group = RaftGroupLog.fromSegment(join(segmentDirectory, name), wal.segmentFiles);
      if (group !== undefined) wal.groupLogs.set(group.group, group);
    }
    for (const id of walIds) {
      const path = wal.walPath(id);
      const opened = RecordLog.open({ path, tag: WAL_TAG, fileSystem, renamer: options.renamer, log: options.log });
      await opened.log.close();
      for (const [at, payload] of opened.records.entries()) {
        const update = decodeUpdate(payload);
        if (update === undefined) throw new LogError("LOG_CORRUPT", `${path}: record ${at} is not a WAL update`);
        wal.groupFor(update.group).apply(update);
      }
    }
    await Promise.all([...wal.groupLogs.values()].map((group) => group.moveToSegment()));
    for (const id of walIds) fileSystem.removeFile(wal.walPath(id));
    return wal;
  }

  /** The groups this WAL holds state for. */
  groups(): string[] {
    return [...this.groupLogs.keys()];
  }

  /** A group's durable state (hard state, snapshot, entries); undefined before its first update. */
  group(group: string): RaftGroupLog | undefined {
    return this.groupLogs.get(group);
  }

  /** fdatasyncs of the WAL so far: every WAL file's rounds. */
  get walRounds(): number {
    return this.walRoundsBefore + this.current.log.rounds;
  }

  /** Records written to the WAL so far. */
  get walRecords(): number {
    return this.walRecordsBefore + this.current.log.recordsWritten;
  }

  /** The error that failed the WAL, if one did. */
  get failed(): LogError | undefined {
    return this.failure;
  }

  /**
   * Persists one group's hard state, entries (replacing any held at or after the first one's
   * index) and snapshot; resolves once they are durable and readable through `group()`.
   */
  persist(update: GroupUpdate): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new LogError("LOG_CLOSED", this.options.directory);
    if (this.current.log.sizeBytes >= this.walFileBytesMax) this.roll();
    const file = this.current;
    const durable = file.log.append(encodeUpdate(update));
    durable.catch((error: unknown) => this.fail(error));
    return new Promise((resolve, reject) => file.pending.push({ sequence: file.log.appendedSequence, update, resolve, reject }));
  }

  /** Waits until everything persisted so far is durable and every rolled WAL file has moved into the segments. */
  async flush(): Promise<void> {
    await this.current.log.flush();
    await this.moving;
  }

  /** Moves everything into the segments (so the next start replays nothing), then closes every file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.current.log.flush();
    if (this.failure === undefined) {
      this.roll();
      await this.moving;
    }
    await this.current.log.close();
    await Promise.all([...this.groupLogs.values()].map((group) => group.close()));
  }

  private walPath(id: number): string {
    return join(this.walDirectory, `${String(id).padStart(10, "0")}.wal`);
  }

  /**
   * A new WAL file whose rounds start only once `after` (the previous file's last round) settled:
   * a group's records in the new file must never be durable, or reported, before its records in
   * the old one, or a crash could keep an update and lose the one before it.
   */
  private newWalFile(id: number, after: Promise<void>): WalFile {
    const pending: PendingUpdate[] = [];
    const groups = new Set<RaftGroupLog>();
    const baseDefer = this.options.defer ?? ((run: () => void) => void setImmediate(run));
    let previousDone = false;
    void after.then(() => (previousDone = true));
    const log = RecordLog.create({
      path: this.walPath(id),
      tag: WAL_TAG,
      fileSystem: this.options.fileSystem,
      renamer: this.options.renamer,
      defer: (run) => (previousDone ? baseDefer(run) : void after.then(() => baseDefer(run))),
      onDurable: (sequence) => {
        if (this.failure !== undefined) return;
        // Rounds report in order; apply what they made durable, in the order it was persisted.
        while (pending.length > 0 && pending[0]!.sequence <= sequence) {
          const done = pending.shift()!;
          const group = this.groupFor(done.update.group);
          group.apply(done.update);
          groups.add(group);
          done.resolve();
        }
      },
    });
    const file = { id, path: this.walPath(id), log, pending, groups };
    this.openFiles.add(file);
    return file;
  }

  private groupFor(group: string): RaftGroupLog {
    let log = this.groupLogs.get(group);
    if (log === undefined) this.groupLogs.set(group, (log = RaftGroupLog.create(group, this.segmentFiles)));
    return log;
  }

  /** Starts a new WAL file; the old one's groups move into their segments in the background, then it is deleted. */
  private roll(): void {
    const old = this.current;
    this.walRoundsBefore += old.log.rounds;
    this.walRecordsBefore += old.log.recordsWritten;
    const oldDone = old.log.close(); // its last rounds report first, so its groups are complete
    this.current = this.newWalFile(old.id + 1, oldDone);
    const previous = this.moving;
    this.moving = (async () => {
      await previous;
      await oldDone;
      this.openFiles.delete(old);
      if (this.failure !== undefined) return;
      try {
        await Promise.all([...old.groups].map((group) => group.moveToSegment()));
        this.options.fileSystem.removeFile(old.path);
        this.walFilesMoved++;
      } catch (error) {
        this.fail(error);
      }
    })();
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) {
      this.failure = error instanceof LogError && error.code === "LOG_FAILED" ? error : new LogError("LOG_FAILED", this.options.directory, error);
    }
    for (const file of this.openFiles) for (const pending of file.pending.splice(0)) pending.reject(this.failure);
  }
}
