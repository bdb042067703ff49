/**
 * Where committed commands and snapshots live, behind a small interface so the storage can be
 * swapped (the node-wide write-ahead log, then Raft's log) without touching the state machine.
 *
 * `FileCommandLog` keeps today's files under `<dataDir>/metadata/`:
 *   snapshot.json   the state (snapshot.ts), or RabbitMQ's definitions JSON from older versions
 *   commands.log    records of [u32 payloadBytes][u32 crc32(payload)][JSON command], little-endian
 *
 * `append(command, sync)`: with `sync` the record is fdatasynced before it returns, so a change
 * a client was told about survives a crash. Commands that only concern transient objects are
 * written without waiting: they cannot outlive a restart anyway, and the next synced record
 * (or snapshot) covers them, since the file is written in order.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "../lib/crc32.js";
import { METADATA_COMMAND_BYTES_MAX } from "../config/limits.js";
import { versioned, type DefinitionCommand } from "./commands.js";

export interface StoredMetadata {
  /** The snapshot's JSON: a state (snapshot.ts) or, from older versions, RabbitMQ's definitions JSON. */
  readonly snapshot: Record<string, unknown> | undefined;
  /** The records after the snapshot, as stored (upgradeCommand reads them). */
  readonly commands: readonly unknown[];
}

export interface CommandLog {
  /** Commands appended since the last snapshot. */
  readonly commandCount: number;
  read(): StoredMetadata;
  append(command: DefinitionCommand, sync: boolean): void;
  /** Makes `snapshot` durable and empties the log: afterwards recovery starts from it. */
  writeSnapshot(snapshot: Record<string, unknown>): void;
  close(): void;
}

const RECORD_HEADER_BYTES = 8;

export class FileCommandLog implements CommandLog {
  private readonly directory: string;
  private readonly log: (message: string) => void;
  private fd: number;
  private count = 0;

  constructor(directory: string, log: (message: string) => void) {
    this.directory = directory;
    this.log = log;
    mkdirSync(directory, { recursive: true });
    this.fd = openSync(join(directory, "commands.log"), "a+");
  }

  get commandCount(): number {
    return this.count;
  }

  read(): StoredMetadata {
    const snapshotPath = join(this.directory, "snapshot.json");
    const snapshot = existsSync(snapshotPath) ? (JSON.parse(readFileSync(snapshotPath, "utf8")) as Record<string, unknown>) : undefined;
    return { snapshot, commands: this.readRecords() };
  }

  append(command: DefinitionCommand, sync: boolean): void {
    const payload = Buffer.from(JSON.stringify(versioned(command)), "utf8");
    // validate() refuses larger commands; this is the last line against an unreadable record.
    if (payload.length > METADATA_COMMAND_BYTES_MAX) throw new Error(`definition command of ${payload.length} bytes is over the limit`);
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeFully(this.fd, Buffer.concat([header, payload]));
    if (sync) fdatasyncSync(this.fd);
    this.count++;
  }

  /** Temp file, fsync, rename, fsync the directory; then the log is emptied. */
  writeSnapshot(snapshot: Record<string, unknown>): void {
    const temporary = join(this.directory, "snapshot.json.tmp");
    writeFileSync(temporary, JSON.stringify(snapshot));
    const fd = openSync(temporary, "r+");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, join(this.directory, "snapshot.json"));
    syncDirectory(this.directory);
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.count = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The records in the log; a torn or corrupt tail is cut off (it was never acknowledged). */
  private readRecords(): unknown[] {
    const bytes = readFileSync(join(this.directory, "commands.log"));
    const commands: unknown[] = [];
    let offset = 0;
    while (offset + RECORD_HEADER_BYTES <= bytes.length) {
      const length = bytes.readUInt32LE(offset);
      const checksum = bytes.readUInt32LE(offset + 4);
      const end = offset + RECORD_HEADER_BYTES + length;
      if (length > METADATA_COMMAND_BYTES_MAX || end > bytes.length) break;
      const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end);
      if (crc32(payload) !== checksum) break;
      commands.push(JSON.parse(payload.toString("utf8")));
      offset = end;
    }
    if (offset < bytes.length) {
      this.log(`metadata log: cut ${bytes.length - offset} bytes of a torn or corrupt record at offset ${offset}`);
      ftruncateSync(this.fd, offset);
      fdatasyncSync(this.fd);
    }
    this.count = commands.length;
    return commands;
  }
}

/** A log in memory, for tests and for a node without a data directory. */
export class MemoryCommandLog implements CommandLog {
  private snapshot: Record<string, unknown> | undefined;
  private commands: unknown[] = [];

  get commandCount(): number {
    return this.commands.length;
  }

  read(): StoredMetadata {
    return { snapshot: this.snapshot === undefined ? undefined : structuredClone(this.snapshot), commands: structuredClone(this.commands) };
  }

  append(command: DefinitionCommand): void {
    this.commands.push(structuredClone(versioned(command)));
  }

  writeSnapshot(snapshot: Record<string, unknown>): void {
    this.snapshot = structuredClone(snapshot);
    this.commands = [];
  }

  close(): void {}
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
