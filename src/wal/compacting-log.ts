/**
 * A record log for state that lives in memory and is small next to its history (the MQTT retained
 * messages, the inbound QoS 2 ids, the definitions): each change appends a record, and once the
 * log has grown to twice what a rewrite would write (and at least `compactBytesMin`), the next
 * change rewrites it with records of the live state instead. Amortized, a rewrite costs what was
 * appended since the last one, and the file stays about the size of the state.
 *
 * A failed write or fdatasync fails the record log underneath (record-log.ts); the owner still
 * holds everything in memory, so the next change starts a new file with the whole live state
 * instead of appending after bytes that may be lost. The failure is reported once per streak.
 *
 * A file in an older format of the same log (one whose first bytes are `legacy.magic`) is read
 * by `legacy.decode` and converted at open: the records are written to a new file that replaces
 * it atomically, before the owner sees them, so an upgraded node reads its old file once.
 */
import type { FileSystem } from "../io/file-system.js";
import type { FileRenamer } from "../io/file-rename.js";
import { LogError } from "./errors.js";
import { RECORD_HEADER_BYTES } from "./log-format.js";
import { RecordLog, readWhole, type RecordLogOptions } from "./record-log.js";

export interface CompactingLogOptions {
  readonly path: string;
  readonly tag: string;
  readonly fileSystem: FileSystem;
  readonly renamer: FileRenamer;
  /** The log is rewritten once it is at least this long and twice the live records. */
  readonly compactBytesMin: number;
  /** Payloads of records that rebuild the whole live state, read when the log is rewritten. */
  livePayloads(): Iterable<Buffer>;
  /** The bytes `livePayloads` would take, without building them (payloads only; headers are added). */
  livePayloadBytes(): number;
  /** How many records `livePayloads` would give. */
  liveRecordCount(): number;
  /** Whether the first change after open rewrites the log (to refresh what the records hold, as deadlines). */
  readonly rewriteFirst?: boolean;
  /** A write failed (first of a streak only), or the log works again after failures. */
  onFailure?(error: LogError): void;
  onRecovered?(): void;
  /** Repairs and conversions made at open, as sentences. */
  log?(message: string): void;
  readonly legacy?: { readonly magic: Buffer; decode(file: Buffer): Buffer[] };
  readonly defer?: (run: () => void) => void;
}

export class CompactingLog {
  private readonly options: CompactingLogOptions;
  private log: RecordLog | undefined;
  private mustRewrite: boolean;
  private failing = false;
  private watched: Promise<void> | undefined;
  /** Rewrites (compactions, fresh files after failures, conversions) that completed. */
  rewrites = 0;

  private constructor(options: CompactingLogOptions, log: RecordLog | undefined) {
    this.options = options;
    this.log = log;
    this.mustRewrite = options.rewriteFirst ?? false;
  }

  /** Opens the log (converting a legacy file) and returns the payloads it holds, in order. */
  static async open(options: CompactingLogOptions): Promise<{ log: CompactingLog; records: Buffer[] }> {
    const legacy = options.legacy === undefined ? undefined : readLegacy(options.fileSystem, options.path, options.legacy.magic);
    if (legacy !== undefined) {
      const records = options.legacy!.decode(legacy);
      const log = new CompactingLog(options, RecordLog.create(recordLogOptions(options)));
      await log.log!.rewrite(records);
      log.rewrites += 1;
      options.log?.(`${options.path}: converted ${records.length} records from the older format`);
      return { log, records };
    }
    const opened = RecordLog.open(recordLogOptions(options));
    return { log: new CompactingLog(options, opened.log), records: opened.records };
  }

  /** The current file's size once what is pending is written (tests). */
  get sizeBytes(): number {
    return this.log?.sizeBytes ?? 0;
  }

  /**
   * Appends a change, already applied to the live state in memory, or rewrites the log with the
   * live state when it is due; settles when the change is durable.
   */
  append(payload: Buffer): Promise<void> {
    const log = this.log;
    let durable: Promise<void>;
    if (log === undefined || log.failed !== undefined || this.mustRewrite || log.sizeBytes + RECORD_HEADER_BYTES + payload.length >= this.compactAtBytes()) {
      durable = this.rewrite();
    } else {
      durable = log.append(payload);
    }
    this.watch(durable);
    return durable;
  }

  /** Settles when everything appended so far is durable; undefined when it already is. */
  settled(): Promise<void> | undefined {
    return this.log?.settled();
  }

  /** Waits until every change made so far has had its round. */
  async flush(): Promise<void> {
    await this.log?.flush();
  }

  /** Flushes and closes the file; a later change starts a new one with the live state. */
  async close(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    await log?.close();
  }

  private rewrite(): Promise<void> {
    if (this.log === undefined || this.log.failed !== undefined) this.log = RecordLog.create(recordLogOptions(this.options));
    this.mustRewrite = false;
    const durable = this.log.rewrite(this.options.livePayloads());
    durable.then(() => (this.rewrites += 1), () => undefined);
    return durable;
  }

  private compactAtBytes(): number {
    const liveBytes = this.options.livePayloadBytes() + this.options.liveRecordCount() * RECORD_HEADER_BYTES;
    return Math.max(this.options.compactBytesMin, 2 * liveBytes);
  }

  /** Reports a failure once per streak, and the recovery after one. One promise covers a whole round. */
  private watch(durable: Promise<void>): void {
    if (durable === this.watched) return;
    this.watched = durable;
    durable.then(
      () => {
        if (this.failing) this.options.onRecovered?.();
        this.failing = false;
      },
      (error: unknown) => {
        if (!this.failing) this.options.onFailure?.(error instanceof LogError ? error : new LogError("LOG_FAILED", this.options.path, error));
        this.failing = true;
      },
    );
  }
}

function recordLogOptions(options: CompactingLogOptions): RecordLogOptions {
  return {
    path: options.path,
    tag: options.tag,
    fileSystem: options.fileSystem,
    renamer: options.renamer,
    log: options.log,
    defer: options.defer,
  };
}

/** The whole file when it starts with `magic` (an older format of the log); undefined otherwise or when missing. */
function readLegacy(fileSystem: FileSystem, path: string, magic: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = fileSystem.open(path, "readWrite");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const start = Buffer.alloc(magic.length);
    const read = fileSystem.read(fd, start, 0, magic.length, 0);
    if (read < magic.length || !start.equals(magic)) return undefined;
    return readWhole(fileSystem, fd);
  } finally {
    fileSystem.close(fd);
  }
}
