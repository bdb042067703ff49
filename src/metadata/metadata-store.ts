/**
 * Durable definitions (DESIGN.md §4): every definition change is a command, and the commands
 * that concern durable state are appended to a log on disk; a snapshot in RabbitMQ's
 * definitions JSON replaces the log from time to time. Starting a node imports the snapshot
 * and applies the log after it, through the same `applyDefinitionCommand` that made the
 * changes, so a restart rebuilds the same state. In a cluster the same commands will go
 * through the metadata Raft group instead of this file.
 *
 * Files under `<dataDir>/metadata/`:
 *   snapshot.json   RabbitMQ's definitions JSON: durable objects, users, vhosts, policies...
 *   commands.log    records of [u32 payloadBytes][u32 crc32(payload)][JSON command], little-endian
 *
 * A command is written and fdatasynced before the client is answered: a queue whose
 * declare-ok went out exists after a crash, so a message confirmed into it cannot be lost
 * with it. Definition changes are rare; the synchronous fsync keeps the code obvious.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "../lib/crc32.js";
import type { DefinitionCommand } from "./commands.js";
import { METADATA_LOG_COMMANDS_MAX, METADATA_COMMAND_BYTES_MAX } from "../config/limits.js";

const RECORD_HEADER_BYTES = 8;

/** What the store needs from the broker, handed in by the composition root (metadata/ is below broker/). */
export interface DefinitionsTarget {
  /** Applies a command to the broker (replay). */
  apply(command: DefinitionCommand): void;
  /** Subscribes to every applied command; returns an unsubscribe function. */
  subscribe(listener: (command: DefinitionCommand) => void): () => void;
  /** The broker's definitions as RabbitMQ's definitions JSON. */
  exportDefinitions(): Record<string, unknown>;
  importDefinitions(definitions: Record<string, unknown>): { errors: string[] };
}

/** Commands about queues, exchanges and bindings come from the vhost (AMQP and API alike); the rest from applyDefinitionCommand. */
const VHOST_OBJECT_COMMANDS = new Set(["exchange.declare", "exchange.delete", "queue.declare", "queue.delete", "binding.add", "binding.remove"]);

export class MetadataStore {
  private readonly directory: string;
  private readonly broker: DefinitionsTarget;
  private readonly log: (message: string) => void;
  private fd: number;
  private commandsInLog = 0;
  private logBytes = 0;
  private replaying = false;
  private readonly unsubscribe: () => void;

  private constructor(directory: string, broker: DefinitionsTarget, log: (message: string) => void) {
    this.directory = directory;
    this.broker = broker;
    this.log = log;
    mkdirSync(directory, { recursive: true });
    this.fd = openSync(join(directory, "commands.log"), "a+");
    this.unsubscribe = broker.subscribe((command) => {
      if (!VHOST_OBJECT_COMMANDS.has(command.type)) this.record(command);
    });
  }

  /** Opens the store and rebuilds the broker's definitions from it. */
  static open(directory: string, broker: DefinitionsTarget, log: (message: string) => void): MetadataStore {
    const store = new MetadataStore(directory, broker, log);
    store.replay();
    return store;
  }

  /** Appends a command and makes it durable before returning. Replayed commands are not logged again. */
  record(command: DefinitionCommand): void {
    if (this.replaying) return;
    const payload = Buffer.from(JSON.stringify(command), "utf8");
    if (payload.length > METADATA_COMMAND_BYTES_MAX) throw new Error(`definition command of ${payload.length} bytes is over the limit`);
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeFully(this.fd, Buffer.concat([header, payload]));
    fdatasyncSync(this.fd);
    this.logBytes += RECORD_HEADER_BYTES + payload.length;
    if (++this.commandsInLog >= METADATA_LOG_COMMANDS_MAX) this.snapshot();
  }

  /** Writes the durable definitions as a snapshot (temp file, fsync, rename, fsync the directory) and empties the log. */
  snapshot(): void {
    const definitions = durableDefinitions(this.broker.exportDefinitions());
    const temporary = join(this.directory, "snapshot.json.tmp");
    writeFileSync(temporary, JSON.stringify(definitions));
    const fd = openSync(temporary, "r+");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, join(this.directory, "snapshot.json"));
    syncDirectory(this.directory);
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.commandsInLog = 0;
    this.logBytes = 0;
  }

  close(): void {
    this.unsubscribe();
    closeSync(this.fd);
  }

  private replay(): void {
    this.replaying = true;
    try {
      const snapshotPath = join(this.directory, "snapshot.json");
      if (existsSync(snapshotPath)) {
        const result = this.broker.importDefinitions(JSON.parse(readFileSync(snapshotPath, "utf8")) as Record<string, unknown>);
        for (const error of result.errors) this.log(`metadata snapshot: ${error}`);
      }
      for (const command of this.readLog()) {
        try {
          this.broker.apply(command);
        } catch (error) {
          this.log(`metadata log: ${command.type} could not be replayed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  /** The commands in the log; a torn or corrupt tail is cut off (it was never acknowledged). */
  private readLog(): DefinitionCommand[] {
    const bytes = readFileSync(join(this.directory, "commands.log"));
    const commands: DefinitionCommand[] = [];
    let offset = 0;
    while (offset + RECORD_HEADER_BYTES <= bytes.length) {
      const length = bytes.readUInt32LE(offset);
      const checksum = bytes.readUInt32LE(offset + 4);
      const end = offset + RECORD_HEADER_BYTES + length;
      if (length > METADATA_COMMAND_BYTES_MAX || end > bytes.length) break;
      const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end);
      if (crc32(payload) !== checksum) break;
      commands.push(JSON.parse(payload.toString("utf8")) as DefinitionCommand);
      offset = end;
    }
    if (offset < bytes.length) {
      this.log(`metadata log: cut ${bytes.length - offset} bytes of a torn or corrupt record at offset ${offset}`);
      ftruncateSync(this.fd, offset);
      fdatasyncSync(this.fd);
    }
    this.commandsInLog = commands.length;
    this.logBytes = offset;
    return commands;
  }
}

/** Only what survives a restart: durable queues and exchanges, and bindings between durable ends. */
function durableDefinitions(definitions: Record<string, unknown>): Record<string, unknown> {
  type Item = Record<string, unknown>;
  const queues = (definitions.queues as Item[]).filter((queue) => queue.durable === true);
  const exchanges = (definitions.exchanges as Item[]).filter((exchange) => exchange.durable === true);
  const durableQueue = new Set(queues.map((queue) => `${queue.vhost}\u0000${queue.name}`));
  const durableExchange = new Set(exchanges.map((exchange) => `${exchange.vhost}\u0000${exchange.name}`));
  const isDurableExchange = (vhost: unknown, name: unknown) => name === "" || String(name).startsWith("amq.") || durableExchange.has(`${vhost}\u0000${name}`);
  const bindings = (definitions.bindings as Item[]).filter(
    (binding) =>
      isDurableExchange(binding.vhost, binding.source) &&
      (binding.destination_type === "queue" ? durableQueue.has(`${binding.vhost}\u0000${binding.destination}`) : isDurableExchange(binding.vhost, binding.destination)),
  );
  return { ...definitions, queues, exchanges, bindings };
}

function writeFully(fd: number, buffer: Buffer): void {
  let written = 0;
  while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
