/**
 * The payloads of the Raft write-ahead log's records (raft-wal.ts). Integers are little-endian;
 * indices, terms and commit indices are 48-bit (6 bytes), which outlasts any log.
 *
 * In the node-wide WAL file (tag RWAL), one record per group and persist call:
 *   UPDATE    kind u8 = 1, group (u16 length + UTF-8), flags u8 (1 hard state, 2 snapshot, 4 entries),
 *             [hard state] [snapshot] [entry count u32, entries]
 * In a group's segment file (tag RSEG), one record per item, so an entry can be read by position:
 *   ENTRY     kind u8 = 2, index u48, term u48, payload (the rest)
 *   HARDSTATE kind u8 = 3, hard state
 *   SNAPSHOT  kind u8 = 4, snapshot
 *   GROUP     kind u8 = 5, group id (the rest): the first record, naming the group the file is for
 * where hard state = term u48, commit u48, vote (u16 length + UTF-8; 0xFFFF for none),
 *       snapshot   = index u48, term u48, data (u32 length + bytes),
 *       entry      = index u48, term u48, payload (u32 length + bytes).
 * An UPDATE's parts apply in the order snapshot, entries, hard state; entries replace any held
 * entry at or after the first one's index (a follower overwriting a conflicting tail).
 */
import { assert } from "../lib/assert.js";

export interface WalHardState {
  readonly term: number;
  /** The member voted for in `term`, or null. */
  readonly vote: string | null;
  readonly commit: number;
}

export interface WalEntry {
  readonly index: number;
  readonly term: number;
  readonly payload: Buffer;
}

export interface WalSnapshot {
  /** The last index and term the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The state machine's image and whatever else the caller keeps with it (the membership): opaque here. */
  readonly data: Buffer;
}

/** What one group asks to persist: what a Raft core's ready() hands out for it. */
export interface GroupUpdate {
  readonly group: string;
  readonly hardState?: WalHardState;
  readonly entries?: readonly WalEntry[];
  readonly snapshot?: WalSnapshot;
}

export const WAL_TAG = "RWAL";
export const SEGMENT_TAG = "RSEG";

const UPDATE = 1;
export const SegmentRecordKind = Object.freeze({ ENTRY: 2, HARDSTATE: 3, SNAPSHOT: 4, GROUP: 5 } as const);
const HAS_HARD_STATE = 1;
const HAS_SNAPSHOT = 2;
const HAS_ENTRIES = 4;
const NO_VOTE = 0xffff;
const U48_MAX = 2 ** 48 - 1;
/** Bytes before an ENTRY record's payload: kind, index, term. */
export const ENTRY_PAYLOAD_OFFSET = 13;

function checkU48(value: number, name: string): void {
  assert(Number.isInteger(value) && value >= 0 && value <= U48_MAX, `${name} is a 48-bit unsigned integer`);
}

/** Builds a payload from parts of known size, without copying the entries' payloads twice. */
class Writer {
  readonly parts: Buffer[] = [];
  private head: number[] = [];

  u8(value: number): void {
    this.head.push(value);
  }

  private flushHead(): void {
    if (this.head.length > 0) this.parts.push(Buffer.from(this.head));
    this.head = [];
  }

  fixed(bytes: number, write: (buffer: Buffer) => void): void {
    this.flushHead();
    const buffer = Buffer.allocUnsafe(bytes);
    write(buffer);
    this.parts.push(buffer);
  }

  u48(value: number, name: string): void {
    checkU48(value, name);
    this.fixed(6, (buffer) => buffer.writeUIntLE(value, 0, 6));
  }

  text16(value: string): void {
    const bytes = Buffer.from(value);
    assert(bytes.length < NO_VOTE, "a group id or member name is shorter than 65535 bytes");
    this.fixed(2, (buffer) => buffer.writeUInt16LE(bytes.length, 0));
    this.parts.push(bytes);
  }

  block32(value: Buffer): void {
    this.fixed(4, (buffer) => buffer.writeUInt32LE(value.length, 0));
    this.parts.push(value);
  }

  raw(value: Buffer): void {
    this.flushHead();
    this.parts.push(value);
  }

  done(): Buffer[] {
    this.flushHead();
    return this.parts;
  }
}

/** Reads a payload; throws RangeError when a length runs past the end (a record this build did not write). */
class Reader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}

  u8(): number {
    return this.bytes.readUInt8(this.offset++);
  }

  u32(): number {
    const value = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  u48(): number {
    const value = this.bytes.readUIntLE(this.offset, 6);
    this.offset += 6;
    return value;
  }

  text16(): string | null {
    const length = this.bytes.readUInt16LE(this.offset);
    this.offset += 2;
    if (length === NO_VOTE) return null;
    return this.take(length).toString("utf8");
  }

  take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) throw new RangeError("a length runs past the record");
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  rest(): Buffer {
    return this.take(this.bytes.length - this.offset);
  }

  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}

function writeHardState(writer: Writer, state: WalHardState): void {
  writer.u48(state.term, "term");
  writer.u48(state.commit, "commit");
  if (state.vote === null) writer.fixed(2, (buffer) => buffer.writeUInt16LE(NO_VOTE, 0));
  else writer.text16(state.vote);
}

function readHardState(reader: Reader): WalHardState {
  const term = reader.u48();
  const commit = reader.u48();
  return { term, commit, vote: reader.text16() };
}

function writeSnapshot(writer: Writer, snapshot: WalSnapshot): void {
  writer.u48(snapshot.index, "snapshot index");
  writer.u48(snapshot.term, "snapshot term");
  writer.block32(snapshot.data);
}

function readSnapshot(reader: Reader): WalSnapshot {
  const index = reader.u48();
  const term = reader.u48();
  return { index, term, data: Buffer.from(reader.take(reader.u32())) };
}

/** An UPDATE record's payload, in parts (entries' payloads are not copied). */
export function encodeUpdate(update: GroupUpdate): Buffer[] {
  const writer = new Writer();
  const entries = update.entries ?? [];
  writer.u8(UPDATE);
  writer.text16(update.group);
  writer.u8((update.hardState ? HAS_HARD_STATE : 0) | (update.snapshot ? HAS_SNAPSHOT : 0) | (entries.length > 0 ? HAS_ENTRIES : 0));
  if (update.hardState) writeHardState(writer, update.hardState);
  if (update.snapshot) writeSnapshot(writer, update.snapshot);
  if (entries.length > 0) {
    writer.fixed(4, (buffer) => buffer.writeUInt32LE(entries.length, 0));
    for (let at = 0; at < entries.length; at++) {
      const entry = entries[at]!;
      if (at > 0) assert(entry.index === entries[at - 1]!.index + 1, "a group's entries are consecutive");
      writer.u48(entry.index, "index");
      writer.u48(entry.term, "term");
      writer.block32(entry.payload);
    }
  }
  return writer.done();
}

/** An UPDATE decoded; undefined when the payload is not one this build writes. */
export function decodeUpdate(payload: Buffer): GroupUpdate | undefined {
  try {
    const reader = new Reader(payload);
    if (reader.u8() !== UPDATE) return undefined;
    const group = reader.text16();
    if (group === null) return undefined;
    const flags = reader.u8();
    const hardState = flags & HAS_HARD_STATE ? readHardState(reader) : undefined;
    const snapshot = flags & HAS_SNAPSHOT ? readSnapshot(reader) : undefined;
    const entries: WalEntry[] = [];
    if (flags & HAS_ENTRIES) {
      const count = reader.u32();
      for (let at = 0; at < count; at++) {
        const index = reader.u48();
        const term = reader.u48();
        entries.push({ index, term, payload: Buffer.from(reader.take(reader.u32())) });
      }
    }
    return reader.done ? { group, hardState, snapshot, entries } : undefined;
  } catch {
    return undefined;
  }
}

export function encodeSegmentEntry(entry: { index: number; term: number; payload: Buffer }): Buffer[] {
  const head = Buffer.allocUnsafe(ENTRY_PAYLOAD_OFFSET);
  checkU48(entry.index, "index");
  checkU48(entry.term, "term");
  head.writeUInt8(SegmentRecordKind.ENTRY, 0);
  head.writeUIntLE(entry.index, 1, 6);
  head.writeUIntLE(entry.term, 7, 6);
  return [head, entry.payload];
}

export function encodeSegmentHardState(state: WalHardState): Buffer {
  const writer = new Writer();
  writer.u8(SegmentRecordKind.HARDSTATE);
  writeHardState(writer, state);
  return Buffer.concat(writer.done());
}

export function encodeSegmentSnapshot(snapshot: WalSnapshot): Buffer {
  const writer = new Writer();
  writer.u8(SegmentRecordKind.SNAPSHOT);
  writeSnapshot(writer, snapshot);
  return Buffer.concat(writer.done());
}

export function encodeSegmentGroup(group: string): Buffer {
  return Buffer.concat([Buffer.of(SegmentRecordKind.GROUP), Buffer.from(group)]);
}

export type SegmentRecord =
  | { readonly kind: typeof SegmentRecordKind.ENTRY; readonly index: number; readonly term: number; readonly payload: Buffer }
  | { readonly kind: typeof SegmentRecordKind.HARDSTATE; readonly hardState: WalHardState }
  | { readonly kind: typeof SegmentRecordKind.SNAPSHOT; readonly snapshot: WalSnapshot }
  | { readonly kind: typeof SegmentRecordKind.GROUP; readonly group: string };

/** A segment record decoded; undefined when the payload is not one this build writes. */
export function decodeSegmentRecord(payload: Buffer): SegmentRecord | undefined {
  try {
    const reader = new Reader(payload);
    const kind = reader.u8();
    if (kind === SegmentRecordKind.ENTRY) {
      const index = reader.u48();
      const term = reader.u48();
      return { kind, index, term, payload: reader.rest() };
    }
    if (kind === SegmentRecordKind.HARDSTATE) {
      const hardState = readHardState(reader);
      return reader.done ? { kind, hardState } : undefined;
    }
    if (kind === SegmentRecordKind.SNAPSHOT) {
      const snapshot = readSnapshot(reader);
      return reader.done ? { kind, snapshot } : undefined;
    }
    if (kind === SegmentRecordKind.GROUP) return { kind, group: reader.rest().toString("utf8") };
  } catch {
    // a length that runs past the record: not a record this build wrote
  }
  return undefined;
}
