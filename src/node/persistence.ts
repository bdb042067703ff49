/**
 * A node's durable state under its data directory, and its recovery at start:
 *
 *   <dataDir>/metadata/        definitions (MetadataStore): replayed first
 *   <dataDir>/queues/<id>/     one message store per durable queue; <id> hashes vhost and name
 *   <dataDir>/clean-shutdown   written by an orderly stop, removed at start
 *
 * After a crash (no clean-shutdown marker) every recovered message is marked redelivered:
 * which of them had been delivered is not recorded, and a consumer must be told that a
 * message may have been seen before (AMQP's redelivered flag means exactly that).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Broker } from "../broker/broker.js";
import type { QueueStorage } from "../broker/vhost.js";
import { ClassicQueue } from "../queue/classic/classic-queue.js";
import { QueueBacking } from "../queue/classic/queue-backing.js";
import { Committer } from "../store/committer.js";
import { flushPendingWrites, MessageStore, type MessageStoreOptions } from "../store/message-store.js";
import { openMetadataStore } from "../metadata/metadata-store.js";
import type { CommandLog } from "../metadata/command-log.js";
import type { Logger } from "../io/logger.js";
import type { Io } from "../io/io.js";

export interface PersistenceOptions {
  readonly dataDir: string;
  /** Segment size of the queues' stores (tests use small ones). */
  readonly segmentSizeBytes?: number;
}

export class NodePersistence implements QueueStorage {
  private readonly options: PersistenceOptions;
  private readonly logger: Logger;
  private readonly io: Io;
  private readonly committer: Committer;
  private readonly stores = new Set<MessageStore>();
  private metadata: CommandLog | undefined;
  private broker: Broker | undefined;

  private constructor(options: PersistenceOptions, logger: Logger, io: Io) {
    this.options = options;
    this.logger = logger;
    this.io = io;
    // Connections fence their own confirms (a failure closes that connection with 541); what still
    // escapes to the commit loop is logged, so the node and every other store's commits carry on.
    this.committer = new Committer({ fileSystem: io.fileSystem, onListenerError: (error) => logger.error({ err: error }, "internal error in a listener of the store's commit loop") });
  }

  /**
   * Rebuilds the broker from disk: definitions, then every durable queue's messages. The broker's
   * vhosts get this object as their queue storage and metadata log from then on.
   */
  static async open(broker: Broker, options: PersistenceOptions, logger: Logger): Promise<NodePersistence> {
    const { io } = broker;
    const persistence = new NodePersistence(options, logger, io);
    io.fileSystem.makeDirectory(join(options.dataDir, "queues"));
    const marker = join(options.dataDir, "clean-shutdown");
    const cleanShutdown = io.fileSystem.exists(marker);
    io.fileSystem.removeFile(marker);
    const startedMs = io.time.nowMs();
    persistence.broker = broker;
    const { log, recovered: definitions } = openMetadataStore(join(options.dataDir, "metadata"), (message) => logger.warn(message));
    // The default vhost and user the broker starts with stay only on an empty database (as in
    // RabbitMQ): a deleted guest, or a removed permission, does not come back at a restart.
    if (!definitions.empty) broker.metadata.replaceState(definitions.state);
    persistence.metadata = log;
    broker.metadata.attachLog(log);
    // Recovery dropped the transient objects the log may still name: the log starts afresh from a snapshot.
    broker.metadata.snapshot();
    const recovered = await persistence.recoverQueues(broker, !cleanShutdown);
    persistence.attach(broker);
    logger.info(`recovered ${recovered.queues} durable queues with ${recovered.messages} messages in ${io.time.nowMs() - startedMs} ms${cleanShutdown ? "" : " (after an unclean shutdown: messages marked redelivered)"}`);
    return persistence;
  }

  flushPendingWrites(): void {
    flushPendingWrites();
  }

  create(vhost: string, queue: string): QueueBacking {
    // A deleted queue's store leaves the set when it is released (it used to stay for good).
    const store = MessageStore.create(this.storeOptions(vhost, queue, (sequence) => backing.onDurable(sequence), () => backing.onFailure(), () => this.stores.delete(store)));
    const backing = new QueueBacking(store);
    this.stores.add(store);
    return backing;
  }

  /** Stores open now (for tests: a deleted queue's store must not stay). */
  get openStoreCount(): number {
    return this.stores.size;
  }

  /** Flushes and closes every store, snapshots the definitions and marks the shutdown clean. */
  async close(): Promise<void> {
    await Promise.all([...this.stores].map((store) => store.close().catch((error: Error) => this.logger.error(`closing a queue store: ${error.message}`))));
    this.stores.clear();
    try {
      if (this.metadata !== undefined) {
        this.broker?.metadata.snapshot();
        this.broker?.metadata.attachLog(undefined);
        this.metadata.close();
        this.metadata = undefined;
      }
      const marker = join(this.options.dataDir, "clean-shutdown");
      const { fileSystem } = this.io;
      fileSystem.writeFile(marker, `${new Date(this.io.time.nowMs()).toISOString()}\n`);
      const fd = fileSystem.open(marker, "readWrite");
      try {
        await fileSystem.sync(fd);
      } finally {
        fileSystem.close(fd);
      }
    } catch (error) {
      // The log already holds every change; without the marker the next start only marks messages redelivered.
      this.logger.error(`closing the data directory ${this.options.dataDir} failed: ${(error as Error).message}`);
    }
  }

  /** New vhosts (and those recovered) give their durable queues a store. */
  private attach(broker: Broker): void {
    broker.onVhostAdded = (vhost) => {
      vhost.storage = this;
    };
    for (const vhost of broker.vhosts.values()) broker.onVhostAdded(vhost);
  }

  private async recoverQueues(broker: Broker, markRedelivered: boolean): Promise<{ queues: number; messages: number }> {
    const directories = new Set(this.io.fileSystem.listDirectory(join(this.options.dataDir, "queues")));
    let queues = 0;
    let messages = 0;
    for (const vhost of broker.vhosts.values()) {
      for (const queue of vhost.queues.values()) {
        if (!(queue instanceof ClassicQueue) || !queue.durable || queue.exclusiveOwner !== undefined) continue;
        directories.delete(queueDirectoryName(vhost.name, queue.name));
        let backing: QueueBacking | undefined;
        const { store, liveCount } = await MessageStore.open({
          ...this.storeOptions(vhost.name, queue.name, (sequence) => backing?.onDurable(sequence), () => backing?.onFailure(), () => this.stores.delete(store)),
          onLiveRecord: (position, payload) => queue.restoreRecord(position, payload, markRedelivered),
        });
        backing = new QueueBacking(store);
        this.stores.add(store);
        queue.backing = backing;
        queues++;
        messages += liveCount;
      }
    }
    // Stores of queues that no longer exist (deleted just before a crash) are removed.
    for (const orphan of directories) this.io.fileSystem.removeDirectory(join(this.options.dataDir, "queues", orphan));
    return { queues, messages };
  }

  /** `onReleased` runs when the store lets go of its files: closed, or deleted with its queue. */
  private storeOptions(vhost: string, queue: string, onDurable: (sequence: number) => void, onFailed: () => void, onReleased: () => void): MessageStoreOptions {
    return {
      directory: join(this.options.dataDir, "queues", queueDirectoryName(vhost, queue)),
      committer: this.committer,
      segmentSizeBytes: this.options.segmentSizeBytes,
      log: (message: string) => this.logger.warn(`queue '${queue}' in vhost '${vhost}': ${message}`),
      onDurable,
      onFailure: (error: Error) => {
        this.logger.error(`queue '${queue}' in vhost '${vhost}': its store failed and refuses writes: ${error.message}`);
        // Publishers waiting for what the store will never make durable are answered (nack), not left waiting.
        onFailed();
      },
      onReleased,
    };
  }
}

/** Queue names may hold any bytes; a hash of vhost and name makes a safe, fixed-length directory name. */
export function queueDirectoryName(vhost: string, queue: string): string {
  return createHash("sha256").update(vhost).update("\u0000").update(queue).digest("hex").slice(0, 40);
}
