/**
 * The inbound QoS 2 packet ids of persistent sessions, on disk, so that exactly-once (MQTT 5
 * §4.3.3 method B) survives a restart: a PUBLISH re-sent after the node restarted, with an id
 * that was routed and not yet released, is answered with PUBREC and not routed again.
 *
 * With a data directory the ids live in `<dataDir>/mqtt/inbound-qos2.log`, a record log tagged
 * QOS2 (inbound-qos2-file.ts; src/wal/ does the writing, group commit and recovery):
 *
 * - `hold` (a new QoS 2 PUBLISH was routed) appends a HOLD record; the PUBREC waits for it, as it
 *   waits for the message's own fsync, so a client that saw PUBREC finds its id after a crash.
 * - `release` (PUBREL) appends a RELEASE record and the PUBCOMP waits for it too: after PUBCOMP
 *   the client may use the id for a new message, which a stale HOLD would swallow.
 * - `drop` (the session ended, expired, or was replaced by a clean start) appends an END record;
 *   the next CONNACK for that client id waits for it (`pendingEnd`), so a later resume cannot
 *   find ids of a session the client was told is gone.
 *
 * The record log writes the records of one event-loop turn together once it is over (with
 * setImmediate): after the queue stores have written the turn's messages (in microtasks), so an
 * id never reaches the page cache before its message; a kill -9 in between can only duplicate a
 * message whose PUBREC never went out, not lose one. Records appended while an fdatasync runs are
 * made durable by the next single fdatasync: the fsync rate follows the disk, not the message rate.
 *
 * Once the log is longer than `compactBytesMin` and twice the live records, the next record
 * rewrites it with the live ids instead (src/wal/compacting-log.ts: a new file, fdatasynced and
 * renamed over the log), so the file stays about the size of the ids held, whatever the message
 * count. The first record after a start rewrites it too, which carries the unclaimed sessions'
 * remaining deadlines forward. A file in the format before the record log is converted at open.
 *
 * Ids recovered at start belong to sessions that exist only on disk until their client resumes
 * them (`claim`); one that never comes back is dropped once its session expiry interval has
 * passed since the start (the time of the crash is not known; the start is the later bound).
 *
 * A failed write or fdatasync is logged and the waiters not yet durable are rejected (the acks
 * then go anyway, as for a failed retained write); the next record starts a fresh file with the
 * whole live set, which memory still holds.
 */
import { join } from "node:path";
import type { Logger } from "../../io/logger.js";
import type { FileSystem } from "../../io/file-system.js";
import type { FileRenamer } from "../../io/file-rename.js";
import { MQTT_INBOUND_QOS2_LOG_COMPACT_BYTES_MIN } from "../../config/limits.js";
import { CompactingLog } from "../../wal/compacting-log.js";
import {
  INBOUND_QOS2_LEGACY_MAGIC, INBOUND_QOS2_LOG_TAG, Qos2RecordKind, SESSION_EXPIRY_NEVER, decodeLegacyQos2Payloads, decodeQos2Payload,
  endPayload, holdPayload, holdPayloadBytes, releasePayload,
} from "./inbound-qos2-file.js";
import { defaultLogFiles } from "./log-files.js";

/** The log is rewritten once it is at least this long and twice the size of the live records. */
export const INBOUND_QOS2_COMPACT_BYTES_MIN = MQTT_INBOUND_QOS2_LOG_COMPACT_BYTES_MIN;

export interface InboundQos2StoreOptions {
  /** Tests use a small value to see compaction. */
  readonly compactBytesMin?: number;
  /** Tests inject failures. */
  readonly fileSystem?: FileSystem;
  readonly renamer?: FileRenamer;
}

interface HeldIds {
  readonly ids: Set<number>;
  expirySeconds: number;
  /** Recovered at start and not resumed yet: dropped at this time. 0 once a session has it. */
  unclaimedUntilMs: number;
}

export class InboundQos2Store {
  private readonly path: string | undefined;
  private readonly logger: Logger;
  private readonly options: InboundQos2StoreOptions;
  private readonly sessions = new Map<string, HeldIds>();
  /** Keys recovered at start whose client has not resumed the session yet. */
  private readonly unclaimed = new Set<string>();
  /** What a rewrite would write: HOLD records and their payload bytes. */
  private liveHolds = 0;
  private livePayloadBytes = 0;
  private log: CompactingLog | undefined;
  /** ENDs not yet durable, by session key. */
  private readonly ending = new Map<string, Promise<void>>();

  private constructor(path: string | undefined, logger: Logger, options: InboundQos2StoreOptions) {
    this.path = path;
    this.logger = logger;
    this.options = options;
  }

  static async open(dataDir: string | undefined, logger: Logger, options: InboundQos2StoreOptions = {}): Promise<InboundQos2Store> {
    const store = new InboundQos2Store(dataDir === undefined ? undefined : join(dataDir, "mqtt", "inbound-qos2.log"), logger, options);
    if (store.path !== undefined) await store.recover(store.path, Date.now());
    return store;
  }

  /** Rewrites of the log that completed (compactions, fresh files after a failure), for tests. */
  get rewrites(): number {
    return this.log?.rewrites ?? 0;
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
    if (this.log === undefined) return undefined;
    let held = this.sessions.get(key);
    if (held === undefined) this.sessions.set(key, (held = { ids: new Set(), expirySeconds, unclaimedUntilMs: 0 }));
    held.expirySeconds = expirySeconds;
    if (!held.ids.has(packetId)) {
      held.ids.add(packetId);
      this.countLive(key, 1);
    }
    return this.log.append(holdPayload(key, packetId, expirySeconds));
  }

  /** PUBREL: resolves when the release is durable (undefined when the id was not held here). */
  release(key: string, packetId: number): Promise<void> | undefined {
    const held = this.sessions.get(key);
    if (this.log === undefined || held === undefined || !held.ids.delete(packetId)) return undefined;
    this.countLive(key, -1);
    if (held.ids.size === 0) this.sessions.delete(key);
    return this.log.append(releasePayload(key, packetId));
  }

  /** The session is over: its ids go (undefined when it held none). */
  drop(key: string): Promise<void> | undefined {
    const held = this.sessions.get(key);
    if (this.log === undefined || held === undefined) return undefined;
    this.sessions.delete(key);
    this.unclaimed.delete(key);
    this.countLive(key, -held.ids.size);
    const durable = this.log.append(endPayload(key));
    this.ending.set(key, durable);
    const forget = (): void => {
      if (this.ending.get(key) === durable) this.ending.delete(key);
    };
    durable.then(forget, forget);
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
    return this.log?.settled();
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
    await this.log?.flush();
  }

  /** Flushes and closes the log; a later record starts a new file (the listeners may start again). */
  async close(): Promise<void> {
    await this.log?.close();
  }

  // ---- recovery ----------------------------------------------------------------------------

  private async recover(path: string, nowMs: number): Promise<void> {
    const files = { fileSystem: this.options.fileSystem ?? defaultLogFiles.fileSystem, renamer: this.options.renamer ?? defaultLogFiles.renamer };
    const { log, records } = await CompactingLog.open({
      path,
      tag: INBOUND_QOS2_LOG_TAG,
      ...files,
      compactBytesMin: this.options.compactBytesMin ?? INBOUND_QOS2_COMPACT_BYTES_MIN,
      livePayloads: () => this.livePayloads(Date.now()),
      livePayloadBytes: () => this.livePayloadBytes,
      liveRecordCount: () => this.liveHolds,
      rewriteFirst: true,
      log: (message) => this.logger.warn(message),
      onFailure: (error) => this.logger.error({ err: error }, `${path}: writing inbound QoS 2 packet ids failed; the next record starts a new file`),
      onRecovered: () => this.logger.info(`${path}: writing inbound QoS 2 packet ids works again`),
      legacy: { magic: INBOUND_QOS2_LEGACY_MAGIC, decode: decodeLegacyQos2Payloads },
    });
    this.log = log;
    for (const payload of records) {
      const record = decodeQos2Payload(payload);
      if (record === undefined) {
        // Its checksum held, so this is not a torn write but a bug or a foreign record: keep what came before it.
        this.logger.warn(`${path}: a malformed record; it and the records after it are ignored`);
        break;
      }
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
      this.countLive(key, held.ids.size);
      ids += held.ids.size;
    }
    if (ids > 0) this.logger.info(`recovered ${ids} inbound MQTT QoS 2 packet ids of ${this.sessions.size} persistent sessions`);
  }

  private countLive(key: string, holds: number): void {
    this.liveHolds += holds;
    this.livePayloadBytes += holds * holdPayloadBytes(key);
  }

  /** HOLD records of every id held: what a rewrite writes. */
  private *livePayloads(nowMs: number): Iterable<Buffer> {
    for (const [key, held] of this.sessions) {
      let expirySeconds = held.expirySeconds;
      // A session still waiting for its client keeps its deadline across restarts.
      if (held.unclaimedUntilMs !== 0 && expirySeconds !== SESSION_EXPIRY_NEVER) expirySeconds = Math.max(1, Math.ceil((held.unclaimedUntilMs - nowMs) / 1000));
      for (const packetId of held.ids) yield holdPayload(key, packetId, expirySeconds);
    }
  }
}
