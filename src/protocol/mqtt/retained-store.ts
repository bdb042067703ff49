/**
 * Retained messages (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3), per vhost, in a tree of topic
 * levels so a subscription with wildcards finds every retained message it matches (RabbitMQ
 * matches exact topics only). The tree is walked along the filter: `+` visits each child,
 * `#` a whole subtree, and first-level wildcards skip `$` topics [MQTT-4.7.2-1].
 *
 * With a data directory the set is kept in `<dataDir>/mqtt/retained.bin`, a record log
 * (retained-file.ts; src/wal/ does the writing, group commit and recovery): each change appends
 * a SET or CLEAR record, and `set` resolves once that record is durable, so a QoS 1 retained
 * PUBLISH is acknowledged only after its fsync. Once the log is mostly dead (at least
 * MQTT_RETAINED_LOG_COMPACT_BYTES_MIN and twice the live records) the next change rewrites it
 * with the live set. A file in the format before the record log is converted at open.
 *
 * The set is capped by count (MQTT_RETAINED_MESSAGES_MAX) and by bytes (MQTT_RETAINED_BYTES_MAX,
 * counted as the SET records' payloads): a message over either cap is not retained, with a
 * warning, and the topic keeps what it had.
 */
import { join } from "node:path";
import type { Logger } from "../../io/logger.js";
import type { FileSystem } from "../../io/file-system.js";
import type { FileRenamer } from "../../io/file-rename.js";
import { MQTT_RETAINED_BYTES_MAX, MQTT_RETAINED_LOG_COMPACT_BYTES_MIN, MQTT_RETAINED_MESSAGES_MAX } from "../../config/limits.js";
import { CompactingLog } from "../../wal/compacting-log.js";
import {
  RETAINED_LEGACY_MAGIC, RETAINED_LOG_TAG, decodeLegacyRetainedPayloads, decodeRetainedPayload, retainedClearPayload, retainedSetPayload,
  type RetainedRecord,
} from "./retained-file.js";
import { defaultLogFiles } from "./log-files.js";

interface TopicNode {
  readonly children: Map<string, TopicNode>;
  record: RetainedRecord | undefined;
  /** The length of the record's SET payload: what it counts against MQTT_RETAINED_BYTES_MAX. */
  recordBytes: number;
}

const newNode = (): TopicNode => ({ children: new Map(), record: undefined, recordBytes: 0 });

export interface RetainedStoreOptions {
  /** Tests inject failures. */
  readonly fileSystem?: FileSystem;
  readonly renamer?: FileRenamer;
  /** Tests use small values to see compaction and the caps. */
  readonly compactBytesMin?: number;
  readonly messagesMax?: number;
  readonly bytesMax?: number;
}

export class RetainedStore {
  private readonly roots = new Map<string, TopicNode>();
  private readonly logger: Logger;
  private readonly messagesMax: number;
  private readonly bytesMax: number;
  private count = 0;
  private bytes = 0;
  private log: CompactingLog | undefined;

  private constructor(logger: Logger, options: RetainedStoreOptions) {
    this.logger = logger;
    this.messagesMax = options.messagesMax ?? MQTT_RETAINED_MESSAGES_MAX;
    this.bytesMax = options.bytesMax ?? MQTT_RETAINED_BYTES_MAX;
  }

  static async open(dataDir: string | undefined, logger: Logger, options: RetainedStoreOptions = {}): Promise<RetainedStore> {
    const store = new RetainedStore(logger, options);
    if (dataDir !== undefined) await store.recover(join(dataDir, "mqtt", "retained.bin"), options);
    return store;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the retained messages count against MQTT_RETAINED_BYTES_MAX. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Rewrites of the log that completed (compactions, conversions, fresh files after a failure), for tests. */
  get rewrites(): number {
    return this.log?.rewrites ?? 0;
  }

  /**
   * Retains `record`, or clears the topic when its payload is empty [MQTT-3.3.1-10].
   * Resolves when the change is durable (at once without a data directory).
   */
  set(vhost: string, topic: string, record: RetainedRecord | undefined): Promise<void> {
    if (record === undefined || record.payload.length === 0) {
      if (!this.remove(vhost, topic)) return Promise.resolve();
      return this.append(retainedClearPayload(vhost, topic));
    }
    const payload = retainedSetPayload(record);
    const refused = this.put(record, payload.length);
    if (refused !== undefined) {
      this.logger.warn(`retained message on '${topic}' dropped: ${refused}`);
      return Promise.resolve();
    }
    return this.append(payload);
  }

  /** Every unexpired retained message whose topic matches `filter` (expired ones are removed). */
  match(vhost: string, filter: string, nowMs: number): RetainedRecord[] {
    const root = this.roots.get(vhost);
    const found: RetainedRecord[] = [];
    if (root === undefined) return found;
    this.walk(root, filter.split("/"), 0, found);
    const live = found.filter((record) => record.expiresAtMs === 0 || record.expiresAtMs > nowMs);
    for (const record of found) {
      if (record.expiresAtMs !== 0 && record.expiresAtMs <= nowMs && this.remove(vhost, record.topic)) {
        void this.append(retainedClearPayload(vhost, record.topic)).catch(() => undefined);
      }
    }
    return live;
  }

  /** Waits for pending writes (the listener's close). */
  async flush(): Promise<void> {
    await this.log?.flush();
  }

  private append(payload: Buffer): Promise<void> {
    return this.log?.append(payload) ?? Promise.resolve();
  }

  private async recover(path: string, options: RetainedStoreOptions): Promise<void> {
    const { log, records } = await CompactingLog.open({
      path,
      tag: RETAINED_LOG_TAG,
      fileSystem: options.fileSystem ?? defaultLogFiles.fileSystem,
      renamer: options.renamer ?? defaultLogFiles.renamer,
      compactBytesMin: options.compactBytesMin ?? MQTT_RETAINED_LOG_COMPACT_BYTES_MIN,
      livePayloads: () => this.livePayloads(),
      livePayloadBytes: () => this.bytes,
      liveRecordCount: () => this.count,
      log: (message) => this.logger.warn(message),
      onFailure: (error) => this.logger.error({ err: error }, `${path}: writing retained messages failed; the next change starts a new file`),
      onRecovered: () => this.logger.info(`${path}: writing retained messages works again`),
      legacy: { magic: RETAINED_LEGACY_MAGIC, decode: decodeLegacyRetainedPayloads },
    });
    this.log = log;
    for (const payload of records) {
      const change = decodeRetainedPayload(payload);
      if (change === undefined) {
        // Its checksum held, so this is not a torn write but a bug or a foreign record: keep what came before it.
        this.logger.warn(`${path}: a malformed retained record; it and the records after it are ignored`);
        break;
      }
      if (change.kind === "clear") this.remove(change.vhost, change.topic);
      else {
        // Caps lowered since the records were written: keep the first ones, say what was left out.
        const refused = this.put(change.record, payload.length);
        if (refused !== undefined) this.logger.warn(`retained message on '${change.record.topic}' not recovered: ${refused}`);
      }
    }
  }

  private walk(node: TopicNode, levels: readonly string[], index: number, found: RetainedRecord[]): void {
    if (index === levels.length) {
      if (node.record !== undefined) found.push(node.record);
      return;
    }
    const level = levels[index];
    if (level === "#") {
      if (node.record !== undefined && index > 0) found.push(node.record); // "a/#" matches "a" [MQTT-4.7.1-2]
      for (const [name, child] of node.children) if (index > 0 || !name.startsWith("$")) this.collect(child, found);
      return;
    }
    if (level === "+") {
      for (const [name, child] of node.children) if (index > 0 || !name.startsWith("$")) this.walk(child, levels, index + 1, found);
      return;
    }
    const child = node.children.get(level);
    if (child !== undefined) this.walk(child, levels, index + 1, found);
  }

  private collect(node: TopicNode, found: RetainedRecord[]): void {
    if (node.record !== undefined) found.push(node.record);
    for (const child of node.children.values()) this.collect(child, found);
  }

  /** Retains `record`; returns why not when a cap refuses it (the topic keeps what it had). */
  private put(record: RetainedRecord, recordBytes: number): string | undefined {
    let root = this.roots.get(record.vhost);
    if (root === undefined) this.roots.set(record.vhost, (root = newNode()));
    let node: TopicNode = root;
    for (const level of record.topic.split("/")) {
      let child: TopicNode | undefined = node.children.get(level);
      if (child === undefined) node.children.set(level, (child = newNode()));
      node = child;
    }
    if (node.record === undefined && this.count >= this.messagesMax) {
      this.pruneEmpty(record.vhost, record.topic);
      return `${this.messagesMax} retained messages already`;
    }
    if (this.bytes - node.recordBytes + recordBytes > this.bytesMax) {
      this.pruneEmpty(record.vhost, record.topic);
      return `retained messages would take more than ${this.bytesMax} bytes`;
    }
    if (node.record === undefined) this.count++;
    this.bytes += recordBytes - node.recordBytes;
    node.record = record;
    node.recordBytes = recordBytes;
    return undefined;
  }

  private remove(vhost: string, topic: string): boolean {
    const root = this.roots.get(vhost);
    if (root === undefined) return false;
    const path: TopicNode[] = [root];
    const levels = topic.split("/");
    for (const level of levels) {
      const child = path[path.length - 1].children.get(level);
      if (child === undefined) return false;
      path.push(child);
    }
    const leaf = path[path.length - 1];
    if (leaf.record === undefined) return false;
    leaf.record = undefined;
    this.count--;
    this.bytes -= leaf.recordBytes;
    leaf.recordBytes = 0;
    this.pruneEmpty(vhost, topic);
    return true;
  }

  /** Removes the empty branches along `topic`, so the tree does not keep levels of topics long cleared. */
  private pruneEmpty(vhost: string, topic: string): void {
    const root = this.roots.get(vhost);
    if (root === undefined) return;
    const path: TopicNode[] = [root];
    const levels = topic.split("/");
    for (const level of levels) {
      const child = path[path.length - 1].children.get(level);
      if (child === undefined) return;
      path.push(child);
    }
    for (let index = levels.length; index > 0; index--) {
      const node = path[index];
      if (node.record !== undefined || node.children.size > 0) break;
      path[index - 1].children.delete(levels[index - 1]);
    }
  }

  /** SET records of every retained message: what a rewrite writes. */
  private *livePayloads(): Iterable<Buffer> {
    for (const root of this.roots.values()) yield* this.subtree(root);
  }

  private *subtree(node: TopicNode): Iterable<Buffer> {
    if (node.record !== undefined) yield retainedSetPayload(node.record);
    for (const child of node.children.values()) yield* this.subtree(child);
  }
}
