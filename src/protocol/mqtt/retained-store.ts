/**
 * Retained messages (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3), per vhost, in a tree of topic
 * levels so a subscription with wildcards finds every retained message it matches (RabbitMQ
 * matches exact topics only). The tree is walked along the filter: `+` visits each child,
 * `#` a whole subtree, and first-level wildcards skip `$` topics [MQTT-4.7.2-1].
 *
 * With a data directory the set is kept in `<dataDir>/mqtt/retained.bin` (retained-file.ts);
 * `set` resolves once the change is on disk, so a QoS 1 retained PUBLISH is acknowledged only
 * after its fsync.
 */
import { join } from "node:path";
import type { Logger } from "../../io/logger.js";
import { MQTT_RETAINED_MESSAGES_MAX } from "../../config/limits.js";
import { encodeRetainedFile, readRetainedFile, writeFileAtomically, type RetainedRecord } from "./retained-file.js";

interface TopicNode {
  readonly children: Map<string, TopicNode>;
  record: RetainedRecord | undefined;
}

const newNode = (): TopicNode => ({ children: new Map(), record: undefined });

export class RetainedStore {
  private readonly roots = new Map<string, TopicNode>();
  private readonly path: string | undefined;
  private readonly logger: Logger;
  private count = 0;
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** Resolved when the write that covers every change made so far finishes. */
  private nextWrite: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;

  private constructor(path: string | undefined, logger: Logger) {
    this.path = path;
    this.logger = logger;
  }

  static async open(dataDir: string | undefined, logger: Logger): Promise<RetainedStore> {
    const store = new RetainedStore(dataDir === undefined ? undefined : join(dataDir, "mqtt", "retained.bin"), logger);
    if (store.path !== undefined) {
      for (const record of await readRetainedFile(store.path)) store.put(record);
    }
    return store;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Retains `record`, or clears the topic when its payload is empty [MQTT-3.3.1-10].
   * Resolves when the change is durable (at once without a data directory).
   */
  set(vhost: string, topic: string, record: RetainedRecord | undefined): Promise<void> {
    if (record === undefined || record.payload.length === 0) {
      if (!this.remove(vhost, topic)) return Promise.resolve();
    } else if (!this.put(record)) {
      this.logger.warn(`retained message on '${topic}' dropped: ${MQTT_RETAINED_MESSAGES_MAX} retained messages already`);
      return Promise.resolve();
    }
    return this.scheduleWrite();
  }

  /** Every unexpired retained message whose topic matches `filter` (expired ones are removed). */
  match(vhost: string, filter: string, nowMs: number): RetainedRecord[] {
    const root = this.roots.get(vhost);
    const found: RetainedRecord[] = [];
    if (root === undefined) return found;
    this.walk(root, filter.split("/"), 0, found);
    const live = found.filter((record) => record.expiresAtMs === 0 || record.expiresAtMs > nowMs);
    if (live.length !== found.length) {
      for (const record of found) if (record.expiresAtMs !== 0 && record.expiresAtMs <= nowMs) this.remove(vhost, record.topic);
      void this.scheduleWrite().catch(() => undefined);
    }
    return live;
  }

  /** Waits for pending writes (the listener's close). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing.catch(() => undefined);
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

  private put(record: RetainedRecord): boolean {
    let root = this.roots.get(record.vhost);
    if (root === undefined) this.roots.set(record.vhost, (root = newNode()));
    let node: TopicNode = root;
    for (const level of record.topic.split("/")) {
      let child: TopicNode | undefined = node.children.get(level);
      if (child === undefined) node.children.set(level, (child = newNode()));
      node = child;
    }
    if (node.record === undefined) {
      if (this.count >= MQTT_RETAINED_MESSAGES_MAX) return false;
      this.count++;
    }
    node.record = record;
    return true;
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
    // Prune empty branches so the tree does not keep levels of topics long cleared.
    for (let index = levels.length; index > 0; index--) {
      const node = path[index];
      if (node.record !== undefined || node.children.size > 0) break;
      path[index - 1].children.delete(levels[index - 1]);
    }
    return true;
  }

  private *records(): Iterable<RetainedRecord> {
    for (const root of this.roots.values()) yield* this.subtree(root);
  }

  private *subtree(node: TopicNode): Iterable<RetainedRecord> {
    if (node.record !== undefined) yield node.record;
    for (const child of node.children.values()) yield* this.subtree(child);
  }

  private scheduleWrite(): Promise<void> {
    if (this.path === undefined) return Promise.resolve();
    if (this.nextWrite === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
      });
      this.nextWrite = { promise, resolve, reject };
    }
    const waiter = this.nextWrite.promise;
    this.dirty = true;
    if (this.writing === undefined) this.startWrite(this.path);
    return waiter;
  }

  private startWrite(path: string): void {
    const waiter = this.nextWrite;
    this.nextWrite = undefined;
    this.dirty = false;
    const contents = encodeRetainedFile(this.records());
    this.writing = writeFileAtomically(path, contents).then(
      () => waiter?.resolve(),
      (error: unknown) => {
        this.logger.error({ err: error }, "writing the retained message file failed");
        waiter?.reject(error);
      },
    ).finally(() => {
      this.writing = undefined;
      if (this.dirty) this.startWrite(path);
    });
  }
}
