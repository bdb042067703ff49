/**
 * A durable log of records in one file, with group commit: the format every small log of a node
 * shares (log-format.ts), and the base the Raft write-ahead log builds on (raft-wal.ts).
 *
 * - `append` queues a record and returns a promise that settles once it is on stable storage.
 *   Nothing is written until the current event-loop turn is over, then every queued record goes
 *   to the OS in one writev and one fdatasync covers them all; records appended while that
 *   fdatasync runs wait for the next round, which starts as soon as it returns. So the fsync rate
 *   follows the disk, not the record rate, and a record is never reported before its fdatasync.
 * - `rewrite` replaces the whole log with records that describe the state after everything
 *   appended so far (compaction, a snapshot): they are written to a new file, which the round
 *   fdatasyncs, renames over the log and makes durable with an fsync of the directory. A crash
 *   leaves the old log or the new one, never a mix.
 * - A write, fdatasync or rename that fails fails the log for good: every waiter not yet durable
 *   is rejected with a LogError, and so is every later append. After a failed fdatasync nothing
 *   written since the last good one can be trusted to reach the disk (the kernel may have dropped
 *   the dirty pages), so going on in the same file would report records durable that are not.
 *   The owner may start a new log with `create` and a rewrite of what it still holds in memory.
 * - `open` replays the records found and cuts off a torn tail: the first record that is not whole
 *   and intact, and everything after it, were never reported durable.
 */
import { basename, dirname, join } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import type { FileRenamer } from "../io/file-rename.js";
import { assert } from "../lib/assert.js";
import { LogError } from "./errors.js";
import { LOG_HEADER_BYTES, checkLogHeader, decodeRecords, encodeLogHeader, encodeRecord } from "./log-format.js";

export interface RecordLogOptions {
  readonly path: string;
  /** 4 upper-case ASCII characters naming what the log holds; a file with another tag is refused. */
  readonly tag: string;
  /** The node's files (io/), handed down by the composition root or a test. */
  readonly fileSystem: FileSystem;
  readonly renamer: FileRenamer;
  /** Repairs made at open (a torn tail cut off, leftover temporary files removed), as sentences. */
  readonly log?: (message: string) => void;
  /** After each successful round: every record up to this sequence is durable. */
  readonly onDurable?: (sequence: number) => void;
  /** Runs `run` once the current event-loop turn is over (setImmediate unless a simulator drives time). */
  readonly defer?: (run: () => void) => void;
}

export interface OpenedRecordLog {
  readonly log: RecordLog;
  /** The payloads of the records found, in order; each is its own copy. */
  readonly records: Buffer[];
  /** Where each record starts in the file (its header), in the same order. */
  readonly recordOffsets: number[];
  /** What recovery repaired, as sentences (also passed to `log`). */
  readonly repairs: string[];
}

interface Round {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: LogError): void;
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (error: LogError) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // A caller that does not look (a clean-up record) must not make the failure an unhandled rejection;
  // every caller that does look still sees it.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** writev takes at most IOV_MAX (1024 on Linux) buffers per call; stay well under it. */
const BUFFERS_PER_WRITE_MAX = 512;
/** Temporary files of rewrites get names unique in the process, so a new log never reuses a failed one's. */
let temporaryCounter = 0;

export class RecordLog {
  readonly path: string;
  readonly tag: string;
  private readonly fileSystem: FileSystem;
  private readonly renamer: FileRenamer;
  private readonly onDurable: ((sequence: number) => void) | undefined;
  private readonly defer: (run: () => void) => void;
  private fd: number | undefined;
  /** Bytes in the current file, written to the OS. */
  private fileBytes = 0;
  /** Records waiting for the next round, as writev buffers. */
  private pendingBuffers: Buffer[] = [];
  private pendingBytes = 0;
  /** The start of a new file (header and records) the next round writes and renames over the log. */
  private pendingRewrite: Buffer[] | undefined;
  private pendingRewriteBytes = 0;
  private appended = 0;
  private durable = 0;
  private next: Round | undefined;
  private current: Round | undefined;
  private scheduled = false;
  private running = false;
  private failure: LogError | undefined;
  private closed = false;
  private parentDirectorySynced = false;
  private idleWaiters: Array<() => void> = [];
  /** Counters for tests, metrics and the benchmarks. */
  rounds = 0;
  rewrites = 0;
  recordsWritten = 0;

  private constructor(options: RecordLogOptions) {
    encodeLogHeader(options.tag); // checks the tag
    this.path = options.path;
    this.tag = options.tag;
    this.fileSystem = options.fileSystem;
    this.renamer = options.renamer;
    this.onDurable = options.onDurable;
    this.defer = options.defer ?? ((run) => void setImmediate(run));
  }

  /**
   * Opens the log at `options.path`, or an empty one when there is no file (created by the first
   * round). Throws LOG_CORRUPT when the file is not a record log with this tag: it is left alone.
   */
  static open(options: RecordLogOptions): OpenedRecordLog {
    const log = new RecordLog(options);
    const repairs: string[] = [];
    const repaired = (message: string): void => {
      repairs.push(message);
      options.log?.(message);
    };
    log.removeTemporaryFiles(repaired);
    let fd: number;
    try {
      fd = log.fileSystem.open(log.path, "readWrite");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      log.startEmpty();
      return { log, records: [], recordOffsets: [], repairs };
    }
    const bytes = readWhole(log.fileSystem, fd);
    if (bytes.length === 0) {
      log.fileSystem.close(fd);
      log.startEmpty();
      return { log, records: [], recordOffsets: [], repairs };
    }
    const header = checkLogHeader(bytes);
    if (!header.ok || header.tag !== log.tag) {
      log.fileSystem.close(fd);
      throw new LogError("LOG_CORRUPT", `${log.path}: ${header.ok ? `a '${header.tag}' log, not '${log.tag}'` : header.reason}`);
    }
    const decoded = decodeRecords(bytes, LOG_HEADER_BYTES);
    if (decoded.damage !== undefined) {
      // Never reported durable: a round reports only after its fdatasync, and a torn record can
      // only be the last thing written before a crash.
      log.fileSystem.truncate(fd, decoded.validBytes);
      repaired(`${log.path}: ${decoded.damage}; cut ${bytes.length - decoded.validBytes} bytes after it`);
    }
    log.fd = fd;
    log.fileBytes = decoded.validBytes;
    return { log, records: decoded.payloads.map((payload) => Buffer.from(payload)), recordOffsets: decoded.recordOffsets, repairs };
  }

  /**
   * A new, empty log at `options.path` that does not read what is there: its first round replaces
   * the file (an owner starting over after a failure, with a `rewrite` of what it holds).
   */
  static create(options: RecordLogOptions): RecordLog {
    const log = new RecordLog(options);
    log.startEmpty();
    return log;
  }

  /** Sequence of the last record appended (a rewrite counts as one); 0 before any. */
  get appendedSequence(): number {
    return this.appended;
  }

  /** Every record up to this sequence is on stable storage. */
  get durableSequence(): number {
    return this.durable;
  }

  /** The size the file has once what is pending is written. */
  get sizeBytes(): number {
    return (this.pendingRewrite !== undefined ? this.pendingRewriteBytes : this.fileBytes) + this.pendingBytes;
  }

  /** The error that failed the log, if one did. */
  get failed(): LogError | undefined {
    return this.failure;
  }

  /** Queues a record (its payload in parts, checksummed where they lie); settles when it is durable. */
  append(payload: Buffer | readonly Buffer[]): Promise<void> {
    this.checkUsable();
    const { buffers, bytes } = encodeRecord(Buffer.isBuffer(payload) ? [payload] : payload);
    for (const buffer of buffers) this.pendingBuffers.push(buffer);
    this.pendingBytes += bytes;
    this.appended += 1;
    this.recordsWritten += 1;
    return this.requestRound();
  }

  /**
   * Replaces the log with `payloads`, which must describe the state after every record appended
   * so far (those not yet written are dropped: the new records cover them). Settles when the new
   * file has replaced the old one durably; records appended later go after them.
   */
  rewrite(payloads: Iterable<Buffer>): Promise<void> {
    this.checkUsable();
    const buffers = [encodeLogHeader(this.tag)];
    let bytes = LOG_HEADER_BYTES;
    for (const payload of payloads) {
      const record = encodeRecord([payload]);
      buffers.push(...record.buffers);
      bytes += record.bytes;
    }
    this.pendingRewrite = buffers;
    this.pendingRewriteBytes = bytes;
    this.pendingBuffers = [];
    this.pendingBytes = 0;
    this.appended += 1;
    return this.requestRound();
  }

  /** Settles when everything appended so far is durable; undefined when it already is. */
  settled(): Promise<void> | undefined {
    return (this.next ?? this.current)?.promise;
  }

  /** Resolves once no round is running or waiting (whether it succeeded or not). */
  flush(): Promise<void> {
    if (!this.running && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waits for pending rounds, then closes the file; later appends throw LOG_CLOSED. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.closeFile();
  }

  private startEmpty(): void {
    this.pendingRewrite = [encodeLogHeader(this.tag)];
    this.pendingRewriteBytes = LOG_HEADER_BYTES;
  }

  private checkUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new LogError("LOG_CLOSED", this.path);
  }

  private requestRound(): Promise<void> {
    const round = (this.next ??= newRound());
    this.schedule();
    return round.promise;
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      void this.runRound();
    });
  }

  private async runRound(): Promise<void> {
    const round = this.next;
    if (round === undefined || this.failure !== undefined) return this.becameIdle();
    assert(!this.running, "one round at a time");
    this.running = true;
    this.next = undefined;
    this.current = round;
    const sequence = this.appended;
    let reported = false;
    try {
      let renameFrom: string | undefined;
      if (this.pendingRewrite !== undefined) {
        renameFrom = this.startFile(this.pendingRewrite);
        this.pendingRewrite = undefined;
      }
      const fd = this.fd;
      assert(fd !== undefined, "a round has a file to write");
      const buffers = this.pendingBuffers;
      this.pendingBuffers = [];
      this.pendingBytes = 0;
      this.writeAll(fd, buffers);
      // Every record of this round has been written to the OS: an fdatasync that starts now covers it.
      await this.fileSystem.syncData(fd);
      if (renameFrom !== undefined) {
        this.renamer.rename(renameFrom, this.path);
        await this.syncDirectory(dirname(this.path));
        if (!this.parentDirectorySynced) {
          await this.syncDirectory(dirname(dirname(this.path))); // the log's directory may be new
          this.parentDirectorySynced = true;
        }
        this.rewrites += 1;
      }
      this.durable = sequence;
      this.rounds += 1;
      reported = true;
    } catch (error) {
      this.fail(error, round);
    }
    this.current = undefined;
    this.running = false;
    if (reported) {
      round.resolve();
      this.onDurable?.(sequence);
    }
    if (this.next !== undefined && this.failure === undefined) this.schedule();
    else this.becameIdle();
  }

  private becameIdle(): void {
    if (this.running || this.scheduled) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Opens a new temporary file holding `buffers`; the round renames it over the log once synced. */
  private startFile(buffers: Buffer[]): string {
    const temporaryPath = `${this.path}.${process.pid}-${++temporaryCounter}.tmp`;
    this.fileSystem.makeDirectory(dirname(this.path));
    const fd = this.fileSystem.open(temporaryPath, "readWriteCreate");
    this.closeFile(); // rounds run one at a time: no fdatasync is using the old file
    this.fd = fd;
    this.fileBytes = 0;
    this.fileSystem.truncate(fd, 0);
    this.writeAll(fd, buffers);
    return temporaryPath;
  }

  /** Writes `buffers` end to end at the end of the file, going on after short writes. */
  private writeAll(fd: number, buffers: Buffer[]): void {
    let at = 0;
    let skipBytes = 0; // of buffers[at], already written by a short write
    while (at < buffers.length) {
      const batch = buffers.slice(at, at + BUFFERS_PER_WRITE_MAX);
      if (skipBytes > 0) batch[0] = batch[0]!.subarray(skipBytes);
      const written = this.fileSystem.writev(fd, batch, this.fileBytes);
      assert(written > 0 || batch.every((buffer) => buffer.length === 0), "a write makes progress");
      this.fileBytes += written;
      let remaining = written + skipBytes;
      while (at < buffers.length && remaining >= buffers[at]!.length) remaining -= buffers[at++]!.length;
      skipBytes = remaining;
    }
  }

  /**
   * The log cannot make its records durable: reject every waiter and every later append. The
   * file is closed; its contents are left for recovery, which trusts only what checks.
   */
  private fail(error: unknown, round: Round | undefined): void {
    if (this.failure === undefined) this.failure = new LogError("LOG_FAILED", this.path, error);
    const failure = this.failure;
    round?.reject(failure);
    this.next?.reject(failure);
    this.next = undefined;
    this.pendingBuffers = [];
    this.pendingBytes = 0;
    this.pendingRewrite = undefined;
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      this.fileSystem.close(this.fd);
    } catch {
      // already unusable; nothing more to lose
    }
    this.fd = undefined;
  }

  private async syncDirectory(directory: string): Promise<void> {
    const fd = this.fileSystem.open(directory, "directory");
    try {
      await this.fileSystem.sync(fd);
    } finally {
      this.fileSystem.close(fd);
    }
  }

  /** Rewrites interrupted before their rename were never reported durable. */
  private removeTemporaryFiles(repaired: (message: string) => void): void {
    const directory = dirname(this.path);
    if (!this.renamer.exists(directory)) return;
    const prefix = `${basename(this.path)}.`;
    for (const name of this.fileSystem.listDirectory(directory)) {
      if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
      this.fileSystem.removeFile(join(directory, name));
      repaired(`${join(directory, name)}: an interrupted rewrite, removed`);
    }
  }
}

/** The whole file, read from the start. */
export function readWhole(fileSystem: FileSystem, fd: number): Buffer {
  const size = fileSystem.sizeBytes(fd);
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const read = fileSystem.read(fd, bytes, at, size - at, at);
    if (read === 0) break;
    at += read;
  }
  return bytes.subarray(0, at);
}
