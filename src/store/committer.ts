/**
 * Group commit, shared by every store of a node (LavinMQ's persister, Postgres's group commit).
 *
 * A store gathers a turn's records and writes them to the OS with one write at the end of the
 * turn, and asks the committer for a commit. The committer runs at most one round at a time. A
 * round has each store that asked write out what it still holds, then snapshots its highest
 * written sequence and the files it dirtied, fsyncs all those files in parallel (on libuv's
 * thread pool), and then tells each store "durable up to sequence N" or "failed".
 * Appends that arrive while a round runs wait for the next one, which starts as soon as the
 * current one ends: one fsync per file covers everything written during the previous fsync,
 * so the number of fsyncs follows the disk's speed, not the message rate.
 *
 * A round starts on `setImmediate` after the first request, so every append made in the same
 * event-loop turn (a socket read holding many publishes) joins the first round too.
 */
import type { FileSystem } from "../io/file-system.js";
import { assert } from "../lib/assert.js";

/**
 * A file that rounds fsync. Closing is deferred until the file is neither dirty nor being
 * synced, so a segment sealed or deleted while its last writes await their fsync is still
 * flushed through a valid descriptor.
 */
export class SyncedFile {
  private dirty = false;
  private syncsInFlight = 0;
  private closeRequested = false;
  private closed = false;

  constructor(
    private readonly fileSystem: FileSystem,
    readonly fd: number,
    readonly isDirectory = false,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  markDirty(): void {
    assert(!this.closeRequested, "no writes to a file being closed");
    this.dirty = true;
  }

  /** Flushes the file; resolves with the error instead of rejecting, so one failure does not hide another. */
  async sync(): Promise<Error | null> {
    assert(!this.closed, "sync an open file");
    this.dirty = false;
    this.syncsInFlight += 1;
    try {
      await (this.isDirectory ? this.fileSystem.sync(this.fd) : this.fileSystem.syncData(this.fd));
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      this.syncsInFlight -= 1;
      this.closeIfIdle();
    }
  }

  /** Closes once pending writes are synced. */
  closeWhenSynced(): void {
    this.closeRequested = true;
    this.closeIfIdle();
  }

  /** Closes without syncing what is pending (the data is being deleted anyway). */
  abandon(): void {
    this.dirty = false;
    this.closeWhenSynced();
  }

  private closeIfIdle(): void {
    if (!this.closeRequested || this.closed || this.dirty || this.syncsInFlight > 0) return;
    this.closed = true;
    this.fileSystem.close(this.fd);
  }
}

/** What a store offers the committer. */
export interface CommitParticipant {
  /** The sequence of the last record written to the OS. Read after `takeFilesToSync`. */
  readonly writtenSequence: number;
  /**
   * Writes out to the OS whatever the participant still holds in memory, then returns the files
   * written since the last call; the committer syncs them. Throws if it cannot list them.
   */
  takeFilesToSync(): SyncedFile[];
  /** Everything up to `sequence` is on stable storage. */
  commitSucceeded(sequence: number): void;
  /** The round could not make this store's writes durable. */
  commitFailed(error: Error): void;
}

export interface CommitterOptions {
  /** The disk: node/ hands down the real one, a test one that fails on demand. */
  fileSystem: FileSystem;
  /**
   * Told when a participant's listener threw (a bug). Without it the error is rethrown outside
   * the round, which ends the process; a node passes its logger instead, so one connection's
   * bug closes that connection (its own fence) and is logged here, never the node.
   */
  onListenerError?: (error: unknown) => void;
}

export class Committer {
  readonly fileSystem: FileSystem;
  private waiting = new Set<CommitParticipant>();
  private roundScheduled = false;
  private roundRunning = false;
  private idleWaiters: Array<() => void> = [];
  /** Counters for tests, metrics and the benchmark. */
  roundsCompleted = 0;
  filesSynced = 0;

  private readonly onListenerError: ((error: unknown) => void) | undefined;

  constructor(options: CommitterOptions) {
    this.fileSystem = options.fileSystem;
    this.onListenerError = options.onListenerError;
  }

  /** The participant has written something; it will be told when that is durable. */
  requestCommit(participant: CommitParticipant): void {
    this.waiting.add(participant);
    this.scheduleRound();
  }

  /** Resolves when no round is running or waiting to run. */
  idle(): Promise<void> {
    if (!this.roundRunning && !this.roundScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleRound(): void {
    if (this.roundScheduled || this.roundRunning) return;
    this.roundScheduled = true;
    setImmediate(() => {
      this.roundScheduled = false;
      void this.runRound();
    });
  }

  private async runRound(): Promise<void> {
    assert(!this.roundRunning, "one round at a time");
    this.roundRunning = true;
    const batch: Array<{ participant: CommitParticipant; sequence: number; files: SyncedFile[] | Error }> = [];
    for (const participant of this.waiting) {
      // Files first: taking them makes the participant write out what it holds, and the
      // sequence read next covers those writes. Every write up to `sequence` has returned,
      // so an fsync that starts after this line covers it.
      const files = takeFiles(participant);
      batch.push({ participant, sequence: participant.writtenSequence, files });
    }
    this.waiting.clear();

    const syncs = new Map<SyncedFile, Promise<Error | null>>();
    for (const entry of batch) {
      if (entry.files instanceof Error) continue;
      for (const file of entry.files) if (!syncs.has(file)) syncs.set(file, file.sync());
    }
    this.filesSynced += syncs.size;
    const outcomes = new Map<SyncedFile, Error | null>();
    for (const [file, sync] of syncs) outcomes.set(file, await sync);

    for (const entry of batch) {
      const error = entry.files instanceof Error ? entry.files : firstError(entry.files, outcomes);
      try {
        if (error) entry.participant.commitFailed(error);
        else entry.participant.commitSucceeded(entry.sequence);
      } catch (bug) {
        // A throwing listener is a bug; it must not stall every other store's commits, and
        // it must not be swallowed either: reported, or rethrown outside the round.
        const report = this.onListenerError;
        if (report !== undefined) report(bug);
        else
          process.nextTick(() => {
            throw bug;
          });
      }
    }
    this.roundsCompleted += 1;
    this.roundRunning = false;
    if (this.waiting.size > 0) this.scheduleRound();
    else for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function takeFiles(participant: CommitParticipant): SyncedFile[] | Error {
  try {
    return participant.takeFilesToSync();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function firstError(files: SyncedFile[], outcomes: Map<SyncedFile, Error | null>): Error | null {
  for (const file of files) {
    const error = outcomes.get(file);
    if (error) return error;
  }
  return null;
}
