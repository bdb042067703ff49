/**
 * The inbound QoS 2 packet ids of persistent sessions, on disk, so that exactly-once (MQTT 5
 * §4.3.3 method B) survives a restart: a PUBLISH re-sent after the node restarted, with an id
 * that was routed and not yet released, is answered with PUBREC and not routed again.
 *
 * With a data directory the ids live in `<dataDir>/mqtt/inbound-qos2.log` (inbound-qos2-file.ts):
 *
 * - `hold` (a new QoS 2 PUBLISH was routed) appends a HOLD record; the PUBREC waits for it, as it
 *   waits for the message's own fsync, so a client that saw PUBREC finds its id after a crash.
 * - `release` (PUBREL) appends a RELEASE record and the PUBCOMP waits for it too: after PUBCOMP
 *   the client may use the id for a new message, which a stale HOLD would swallow.
 * - `drop` (the session ended, expired, or was replaced by a clean start) appends an END record;
 *   the next CONNACK for that client id waits for it (`pendingEnd`), so a later resume cannot
 *   find ids of a session the client was told is gone.
 *
 * The records of one event-loop turn are written together once it is over, with setImmediate:
 * after the queue stores have written the turn's messages (in microtasks), so an id never reaches
 * the page cache before its message; a kill -9 in between can only duplicate a message whose
 * PUBREC never went out, not lose one. Records written while an fdatasync runs are made durable
 * by the next single fdatasync (group commit, as src/store/committer.ts does it for queues): the
 * fsync rate follows the disk, not the message rate.
 *
 * Once the log is longer than `compactBytesMin` and twice the live records, the next records
 * start a new file holding the live ids instead; its round fdatasyncs it, renames it over the
 * log and fsyncs the directory (as retained-file.ts does). A crash leaves the old log or the new
 * one (the old one lacks the records written since the switch; none of them was acknowledged),
 * and the file stays about the size of the ids held, whatever the message count.
 *
 * Ids recovered at start belong to sessions that exist only on disk until their client resumes
 * them (`claim`); one that never comes back is dropped once its session expiry interval has
 * passed since the start (the time of the crash is not known; the start is the later bound).
 *
 * A failed write, fdatasync or rename is logged and the waiters not yet durable are rejected (the
 * acks then go anyway, as for a failed retained write); the next record starts a fresh file with
 * the whole live set, which memory still holds.
 */
import { rename, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../../io/logger.js";
import { nodeFileSystem, type FileSystem } from "../../io/file-system.js";
import {
  INBOUND_QOS2_MAGIC, Qos2RecordKind, SESSION_EXPIRY_NEVER, decodeQos2File, encodeEnd, encodeHold, encodeRelease, holdRecordBytes,
} from "./inbound-qos2-file.js";

/** The log is rewritten once it is at least this long and twice the size of the live records. */
export const INBOUND_QOS2_COMPACT_BYTES_MIN = 256 * 1024;

export interface InboundQos2StoreOptions {
  /** Tests use a small value to see compaction. */
  readonly compactBytesMin?: number;
  /** Tests inject failures. */
  readonly fileSystem?: FileSystem;
}

interface HeldIds {
  readonly ids: Set<number>;
  expirySeconds: number;
  /** Recovered at start and not resumed yet: dropped at this time. 0 once a session has it. */
  unclaimedUntilMs: number;
}

interface Round {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  promise.catch(() => undefined); // a waiter that does not look (an END from a sweep) is not an unhandled rejection
  return { promise, resolve, reject };
}

export class InboundQos2Store {
  private readonly path: string | undefined;
  private readonly logger: Logger;
  private readonly fileSystem: FileSystem;
  private readonly compactBytesMin: number;
  private readonly sessions = new Map<string, HeldIds>();
  /** Keys recovered at start whose client has not resumed the session yet. */
  private readonly unclaimed = new Set<string>();
  /** The HOLD records a rewrite would write. */
  private liveBytes = 0;
  /** The log being appended to; undefined: the next record starts a new file. */
  private fd: number | undefined;
  private fileBytes = 0;
  /** `fd` is a new file at `temporaryPath` that the next round renames over the log. */
  private renamePending = false;
  private temporaryPath = "";
  private fileGeneration = 0;
  /** Files replaced or given up, closed once no round is syncing them. */
  private readonly retired: number[] = [];
  /** Records of this turn, written together once it is over. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writeScheduled = false;
  /** Settles when the round that takes the pending records has made them durable. */
  private next: Round | undefined;
  /** The round being written and synced. */
  private current: Round | undefined;
  private running: Promise<void> | undefined;
  /** ENDs not yet durable, by session key. */
  private readonly ending = new Map<string, Promise<void>>();
  private parentDirectorySynced = false;
  private failing = false;
  /** Counters for tests. */
  rounds = 0;
  rewrites = 0;

  private constructor(path: string | undefined, logger: Logger, options: InboundQos2StoreOptions) {
    this.path = path;
    this.logger = logger;
    this.fileSystem = options.fileSystem ?? nodeFileSystem;
    this.compactBytesMin = options.compactBytesMin ?? INBOUND_QOS2_COMPACT_BYTES_MIN;
  }

  static async open(dataDir: string | undefined, logger: Logger, options: InboundQos2StoreOptions = {}): Promise<InboundQos2Store> {
    const store = new InboundQos2Store(dataDir === undefined ? undefined : join(dataDir, "mqtt", "inbound-qos2.log"), logger, options);
    if (store.path !== undefined) await store.recover(store.path, Date.now());
    return store;
  }

  /** Persistent sessions with ids held. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The ids held for `key` (tests). */
  heldIds(key: string): number[] {
    return [...(this.sessions.get(key)?.ids ?? [])];
  }

  /** A QoS 2 PUBLISH of a persistent session was routed; resolves when its id is durable. */
  hold(key: string, packetId: number, expirySeconds: number): Promise<void> | undefined {
    if (this.path === undefined) return undefined;
    let held = this.sessions.get(key);
    if (held === undefined) this.sessions.set(key, (held = { ids: new Set(), expirySeconds, unclaimedUntilMs: 0 }));
    held.expirySeconds = expirySeconds;
    if (!held.ids.has(packetId)) {
      held.ids.add(packetId);
      this.liveBytes += holdRecordBytes(key);
    }
    return this.append(encodeHold(key, packetId, expirySeconds));
  }

  /** PUBREL: resolves when the release is durable (undefined when the id was not held here). */
  release(key: string, packetId: number): Promise<void> | undefined {
    const held = this.sessions.get(key);
    if (held === undefined || !held.ids.delete(packetId)) return undefined;
    this.liveBytes -= holdRecordBytes(key);
    if (held.ids.size === 0) this.sessions.delete(key);
    return this.append(encodeRelease(key, packetId));
  }

  /** The session is over: its ids go (undefined when it held none). */
  drop(key: string): Promise<void> | undefined {
    const held = this.sessions.get(key);
    if (held === undefined) return undefined;
    this.sessions.delete(key);
    this.unclaimed.delete(key);
    this.liveBytes -= held.ids.size * holdRecordBytes(key);
    const durable = this.append(encodeEnd(key));
    this.ending.set(key, durable);
    return durable;
  }

  /** The client resumed its session: the ids held for it, which it now owns. */
  claim(key: string): number[] | undefined {
    const held = this.sessions.get(key);
    if (held === undefined) return undefined;
    held.unclaimedUntilMs = 0;
    this.unclaimed.delete(key);
    return [...held.ids];
  }

  /** Settles when the END of `key`'s last session is durable; undefined when it is already. */
  pendingEnd(key: string): Promise<void> | undefined {
    return this.ending.get(key);
  }

  /**
   * Settles when every record appended so far is durable; undefined when it is already. An ack
   * that answers a re-sent PUBLISH or PUBREL waits for it: the record the first one wrote may
   * still be on its way (the first connection dropped before its ack went out).
   */
  settled(): Promise<void> | undefined {
    return (this.next ?? this.current)?.promise;
  }

  /** Drops recovered sessions whose expiry interval has passed without their client. */
  sweep(nowMs: number): void {
    for (const key of this.unclaimed) {
      const held = this.sessions.get(key);
      if (held === undefined) this.unclaimed.delete(key);
      else if (nowMs >= held.unclaimedUntilMs) this.drop(key);
    }
  }

  /** Waits until every record appended so far has had its round. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.running !== undefined) await this.running;
      else if (this.next !== undefined) await this.next.promise.catch(() => undefined);
      else return;
    }
  }

  /** Flushes and closes the log; a later record opens a new one (the listeners may start again). */
  async close(): Promise<void> {
    await this.flush();
    if (this.fd !== undefined) this.closeQuietly(this.fd);
    for (const retired of this.retired.splice(0)) this.closeQuietly(retired);
    this.fd = undefined;
  }

  // ---- recovery ----------------------------------------------------------------------------

  private async recover(path: string, nowMs: number): Promise<void> {
    // Rewrites interrupted before their rename: never reported durable.
    const directory = dirname(path);
    const prefix = `${basename(path)}.`;
    if (existsSync(directory)) {
      for (const name of this.fileSystem.listDirectory(directory)) if (name.startsWith(prefix) && name.endsWith(".tmp")) this.fileSystem.removeFile(join(directory, name));
    }
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const decoded = decodeQos2File(file);
    if (decoded.damage !== undefined) {
      // Never reported durable (see inbound-qos2-file.ts); the file is not appended to again.
      this.logger.warn(`${path}: ${decoded.damage}; ${file.length - decoded.validBytes} bytes after it ignored`);
    }
    for (const record of decoded.records) {
      let held = this.sessions.get(record.key);
      if (record.kind === Qos2RecordKind.HOLD) {
        if (held === undefined) this.sessions.set(record.key, (held = { ids: new Set(), expirySeconds: 0, unclaimedUntilMs: 0 }));
        held.ids.add(record.packetId);
        held.expirySeconds = record.expirySeconds;
      } else if (record.kind === Qos2RecordKind.RELEASE) {
        held?.ids.delete(record.packetId);
        if (held?.ids.size === 0) this.sessions.delete(record.key);
      } else {
        this.sessions.delete(record.key);
      }
    }
    let ids = 0;
    for (const [key, held] of this.sessions) {
      held.unclaimedUntilMs = held.expirySeconds === SESSION_EXPIRY_NEVER ? Number.POSITIVE_INFINITY : nowMs + held.expirySeconds * 1000;
      this.unclaimed.add(key);
      this.liveBytes += held.ids.size * holdRecordBytes(key);
      ids += held.ids.size;
    }
    if (ids > 0) this.logger.info(`recovered ${ids} inbound MQTT QoS 2 packet ids of ${this.sessions.size} persistent sessions`);
  }

  // ---- group commit ------------------------------------------------------------------------

  /**
   * Queues `record` to be written once the current turn is over (with every record of the turn,
   * in one write) and returns the promise of the round that will make it durable.
   */
  private append(record: Buffer): Promise<void> {
    this.pending.push(record);
    this.pendingBytes += record.length;
    const round = (this.next ??= newRound());
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      // setImmediate, not a microtask: the queue stores write the turn's messages in microtasks,
      // and a message must reach the page cache before its id does (a kill -9 in between then
      // duplicates a message whose PUBREC never went out, instead of losing it).
      setImmediate(this.writePending);
    }
    return round.promise;
  }

  private readonly writePending = (): void => {
    this.writeScheduled = false;
    if (this.pending.length === 0) return;
    const records = this.pending;
    const recordBytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      if (this.fd !== undefined && (this.renamePending || this.fileBytes + recordBytes < this.compactAtBytes())) {
        this.write(this.fd, records.length === 1 ? records[0] : Buffer.concat(records, recordBytes));
      } else {
        this.startFile(); // the live set already holds these records: write it instead
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.running === undefined) this.startRound();
  };

  /** The log is rewritten once it reaches this size: amortized, a rewrite costs what was appended since the last. */
  private compactAtBytes(): number {
    return Math.max(this.compactBytesMin, 2 * (INBOUND_QOS2_MAGIC.length + this.liveBytes));
  }

  /**
   * A new file with the live ids, appended to from now on; the next round fdatasyncs it and
   * renames it over the log. Each gets its own name, so a round's rename can never move a
   * newer, unsynced file into place.
   */
  private startFile(): void {
    const path = this.path as string;
    const contents = this.encodeLive(Date.now());
    this.fileSystem.makeDirectory(dirname(path));
    const temporaryPath = `${path}.${++this.fileGeneration}.tmp`;
    const fd = this.fileSystem.open(temporaryPath, "readWriteCreate");
    if (this.fd !== undefined) this.retired.push(this.fd); // a running round may still be syncing it
    this.fd = fd;
    this.temporaryPath = temporaryPath;
    this.renamePending = true;
    this.fileBytes = 0;
    this.fileSystem.truncate(fd, 0);
    this.write(fd, contents);
  }

  /** Starts a round for the written records; the next starts when it ends, if records wait. */
  private startRound(): void {
    this.running = this.runRound(this.path as string).finally(() => {
      this.running = undefined;
      // Records still pending start their round when they are written.
      if (this.next !== undefined && this.pending.length === 0) this.startRound();
    });
  }

  private async runRound(path: string): Promise<void> {
    const round = this.next as Round;
    this.next = undefined;
    this.current = round;
    // Every record of the round was written before this line, so an fdatasync that starts now covers it.
    const fd = this.fd as number;
    const temporaryPath = this.renamePending ? this.temporaryPath : undefined;
    try {
      await this.fileSystem.syncData(fd);
      if (temporaryPath !== undefined) {
        await rename(temporaryPath, path);
        if (this.temporaryPath === temporaryPath) this.renamePending = false;
        await this.syncDirectory(dirname(path));
        if (!this.parentDirectorySynced) {
          await this.syncDirectory(dirname(dirname(path))); // the mqtt directory may be new
          this.parentDirectorySynced = true;
        }
        this.rewrites++;
      }
      this.rounds++;
      if (this.failing) this.logger.info(`${path}: writing inbound QoS 2 packet ids works again`);
      this.failing = false;
      round.resolve();
    } catch (error) {
      round.reject(error);
      if (this.fd === fd) this.fail(error); // else the records after this round are in a newer file already
    }
    for (const [key, durable] of this.ending) if (durable === round.promise) this.ending.delete(key);
    this.current = undefined;
    // No round is using them any more.
    for (const retired of this.retired.splice(0)) this.closeQuietly(retired);
  }

  /**
   * A write, fdatasync or rename failed: after that nothing in the file can be trusted to reach
   * the disk, so records not yet durable are reported failed, and the next one starts a new file
   * from the live set in memory (which still holds everything).
   */
  private fail(error: unknown): void {
    if (!this.failing) this.logger.error({ err: error }, `${this.path}: writing inbound QoS 2 packet ids failed; the next record starts a new file`);
    this.failing = true;
    if (this.fd !== undefined) this.retired.push(this.fd);
    this.fd = undefined;
    this.renamePending = false;
    this.pending = [];
    this.pendingBytes = 0;
    const round = this.next;
    this.next = undefined;
    if (round !== undefined) {
      round.reject(error);
      for (const [key, durable] of this.ending) if (durable === round.promise) this.ending.delete(key);
    }
    if (this.running === undefined) for (const retired of this.retired.splice(0)) this.closeQuietly(retired);
  }

  private write(fd: number, bytes: Buffer): void {
    let written = 0;
    while (written < bytes.length) written += this.fileSystem.writev(fd, [bytes.subarray(written)], this.fileBytes + written);
    this.fileBytes += bytes.length;
  }

  private encodeLive(nowMs: number): Buffer {
    const parts: Buffer[] = [INBOUND_QOS2_MAGIC];
    for (const [key, held] of this.sessions) {
      let expirySeconds = held.expirySeconds;
      // A session still waiting for its client keeps its deadline across restarts.
      if (held.unclaimedUntilMs !== 0 && expirySeconds !== SESSION_EXPIRY_NEVER) expirySeconds = Math.max(1, Math.ceil((held.unclaimedUntilMs - nowMs) / 1000));
      for (const packetId of held.ids) parts.push(encodeHold(key, packetId, expirySeconds));
    }
    return Buffer.concat(parts);
  }

  private async syncDirectory(directory: string): Promise<void> {
    const fd = this.fileSystem.open(directory, "directory");
    try {
      await this.fileSystem.sync(fd);
    } finally {
      this.fileSystem.close(fd);
    }
  }

  private closeQuietly(fd: number): void {
    try {
      this.fileSystem.close(fd);
    } catch {
      // already unusable; nothing more to lose
    }
  }
}
