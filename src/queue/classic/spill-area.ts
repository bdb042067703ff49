/**
 * Where transient messages of long queues are paged out to (DESIGN.md §5: RabbitMQ's lazy
 * behaviour): one scratch store per queue under one directory, never fsynced, emptied when
 * the node starts and removed when it stops. A broker without a data directory pages to a
 * private directory under the system's temp directory.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Committer } from "../../store/committer.js";
import { MessageStore } from "../../store/message-store.js";
import { QueueBacking } from "./queue-backing.js";
import type { Io } from "../../io/io.js";

export class SpillArea {
  readonly directory: string;
  /** Scratch stores never ask for a commit; the committer only lends them its file system. */
  private readonly committer: Committer;
  private next = 1;

  constructor(dataDir: string | undefined, io: Pick<Io, "fileSystem" | "random">) {
    this.committer = new Committer({ fileSystem: io.fileSystem });
    this.directory = dataDir !== undefined ? join(dataDir, "spill") : join(tmpdir(), `warren-spill-${process.pid}-${io.random.bytes(4).toString("hex")}`);
    io.fileSystem.removeDirectory(this.directory);
  }

  create(log: (message: string) => void): QueueBacking {
    const store = MessageStore.create({ directory: join(this.directory, String(this.next++)), committer: this.committer, sync: false, log });
    return new QueueBacking(store);
  }

  remove(): void {
    this.committer.fileSystem.removeDirectory(this.directory);
  }
}
