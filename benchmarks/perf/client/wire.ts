/**
 * AMQP 0-9-1 wire primitives for the load generator's own client.
 *
 * The generator deliberately does not import Warren's codec from `src/`: a bug shared by the
 * broker and the tool measuring it would hide itself. Only the handful of methods the generator
 * uses are here, written by hand from the spec (amqp0-9-1.pdf §4.2 framing, §4.2.5 field types).
 * Nothing in this file is on the per-message path; see publisher.ts and consumer.ts for that.
 */

export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
/** type (1) + channel (2) + size (4) before the payload, frame-end (1) after it. */
export const FRAME_OVERHEAD_BYTES = 8;
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** (class id << 16 | method id) for the methods the generator sends or expects. */
export const M = {
  connectionStart: (10 << 16) | 10, connectionStartOk: (10 << 16) | 11,
  connectionTune: (10 << 16) | 30, connectionTuneOk: (10 << 16) | 31,
  connectionOpen: (10 << 16) | 40, connectionOpenOk: (10 << 16) | 41,
  connectionClose: (10 << 16) | 50, connectionCloseOk: (10 << 16) | 51,
  connectionBlocked: (10 << 16) | 60, connectionUnblocked: (10 << 16) | 61,
  channelOpen: (20 << 16) | 10, channelOpenOk: (20 << 16) | 11,
  channelClose: (20 << 16) | 40, channelCloseOk: (20 << 16) | 41,
  exchangeDeclare: (40 << 16) | 10, exchangeDeclareOk: (40 << 16) | 11,
  exchangeDelete: (40 << 16) | 20, exchangeDeleteOk: (40 << 16) | 21,
  queueDeclare: (50 << 16) | 10, queueDeclareOk: (50 << 16) | 11,
  queueBind: (50 << 16) | 20, queueBindOk: (50 << 16) | 21,
  queuePurge: (50 << 16) | 30, queuePurgeOk: (50 << 16) | 31,
  queueDelete: (50 << 16) | 40, queueDeleteOk: (50 << 16) | 41,
  basicQos: (60 << 16) | 10, basicQosOk: (60 << 16) | 11,
  basicConsume: (60 << 16) | 20, basicConsumeOk: (60 << 16) | 21,
  basicCancel: (60 << 16) | 30, basicCancelOk: (60 << 16) | 31,
  basicPublish: (60 << 16) | 40, basicReturn: (60 << 16) | 50,
  basicDeliver: (60 << 16) | 60, basicAck: (60 << 16) | 80, basicNack: (60 << 16) | 120,
  confirmSelect: (85 << 16) | 10, confirmSelectOk: (85 << 16) | 11,
} as const;

export type TableValue = string | number | boolean | bigint | Table;
export interface Table { [key: string]: TableValue }

/** Builds a method frame's arguments; a fresh writer per frame, since none of this is hot. */
export class ArgsWriter {
  #parts: Buffer[] = [];
  #bits: number[] | null = null;

  octet(value: number): this { return this.#push(Buffer.from([value])); }
  short(value: number): this { const b = Buffer.alloc(2); b.writeUInt16BE(value); return this.#push(b); }
  long(value: number): this { const b = Buffer.alloc(4); b.writeUInt32BE(value); return this.#push(b); }
  longlong(value: number): this { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(value)); return this.#push(b); }
  shortstr(value: string): this {
    const bytes = Buffer.from(value, "utf8");
    if (bytes.length > 255) throw new Error(`shortstr longer than 255 bytes: ${value.slice(0, 40)}...`);
    return this.#push(Buffer.concat([Buffer.from([bytes.length]), bytes]));
  }
  longstr(value: string | Buffer): this {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    return this.long(bytes.length).#push(bytes);
  }
  /** Consecutive bits share octets (spec §4.2.5.2); the run ends at the next non-bit field. */
  bit(value: boolean): this {
    if (this.#bits === null || this.#bits.length === 8) {
      this.#bits = [];
      this.#parts.push(Buffer.alloc(1));
    }
    const octet = this.#parts[this.#parts.length - 1];
    if (value) octet[0] |= 1 << this.#bits.length;
    this.#bits.push(value ? 1 : 0);
    return this;
  }
  table(value: Table): this { const body = encodeTable(value); return this.long(body.length).#push(body); }

  /** The whole method frame: header, class and method ids, arguments, frame-end. */
  frame(channel: number, method: number): Buffer {
    const args = Buffer.concat(this.#parts);
    const out = Buffer.alloc(FRAME_OVERHEAD_BYTES + 4 + args.length);
    out.writeUInt8(FRAME_METHOD, 0);
    out.writeUInt16BE(channel, 1);
    out.writeUInt32BE(4 + args.length, 3);
    out.writeUInt32BE(method >>> 0, 7);
    args.copy(out, 11);
    out.writeUInt8(FRAME_END, out.length - 1);
    return out;
  }

  #push(part: Buffer): this { this.#bits = null; this.#parts.push(part); return this; }
}

function encodeTable(table: Table): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(table)) {
    const name = Buffer.from(key, "utf8");
    parts.push(Buffer.from([name.length]), name, encodeFieldValue(value));
  }
  return Buffer.concat(parts);
}

function encodeFieldValue(value: TableValue): Buffer {
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    const head = Buffer.alloc(5);
    head.write("S", 0, "latin1");
    head.writeUInt32BE(bytes.length, 1);
    return Buffer.concat([head, bytes]);
  }
  if (typeof value === "boolean") return Buffer.from([0x74, value ? 1 : 0]);
  if (typeof value === "number" || typeof value === "bigint") {
    // 'l' (signed 64-bit) is what RabbitMQ's own clients send for x-max-length and friends.
    const b = Buffer.alloc(9);
    b.write("l", 0, "latin1");
    b.writeBigInt64BE(BigInt(value), 1);
    return b;
  }
  const body = encodeTable(value);
  const head = Buffer.alloc(5);
  head.write("F", 0, "latin1");
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Reads method arguments from a frame payload; used only on the setup path. */
export class ArgsReader {
  #offset: number;
  #bitOctet = 0;
  #bitIndex = 8;
  constructor(readonly buffer: Buffer, offset: number, readonly end: number) { this.#offset = offset; }

  octet(): number { this.#bitIndex = 8; return this.buffer.readUInt8(this.#advance(1)); }
  short(): number { this.#bitIndex = 8; return this.buffer.readUInt16BE(this.#advance(2)); }
  long(): number { this.#bitIndex = 8; return this.buffer.readUInt32BE(this.#advance(4)); }
  longlong(): number { this.#bitIndex = 8; return Number(this.buffer.readBigUInt64BE(this.#advance(8))); }
  shortstr(): string { const n = this.octet(); return this.buffer.toString("utf8", this.#advance(n), this.#offset); }
  longstr(): Buffer { const n = this.long(); const at = this.#advance(n); return this.buffer.subarray(at, at + n); }
  bit(): boolean {
    if (this.#bitIndex === 8) { this.#bitOctet = this.buffer.readUInt8(this.#advance(1)); this.#bitIndex = 0; }
    return ((this.#bitOctet >> this.#bitIndex++) & 1) === 1;
  }
  table(): Table {
    const size = this.long();
    const end = this.#advance(size) + size;
    const nested = new ArgsReader(this.buffer, end - size, end);
    const out: Table = {};
    while (nested.#offset < end) out[nested.shortstr()] = nested.#fieldValue();
    return out;
  }

  #fieldValue(): TableValue {
    const type = String.fromCharCode(this.octet());
    switch (type) {
      case "S": return this.longstr().toString("utf8");
      case "s": return this.shortstr();
      case "t": return this.octet() !== 0;
      case "b": return this.buffer.readInt8(this.#advance(1));
      case "B": return this.octet();
      case "u": return this.buffer.readInt16BE(this.#advance(2));
      case "U": return this.buffer.readInt32BE(this.#advance(4));
      case "i": return this.long();
      case "I": return this.buffer.readInt32BE(this.#advance(4));
      case "l": case "L": case "T": return Number(this.buffer.readBigInt64BE(this.#advance(8)));
      case "f": return this.buffer.readFloatBE(this.#advance(4));
      case "d": return this.buffer.readDoubleBE(this.#advance(8));
      case "D": this.#advance(5); return 0;
      case "F": return this.table();
      case "A": { const n = this.long(); this.#advance(n); return `<array ${n} bytes>`; }
      case "x": return `<bytes ${this.longstr().length}>`;
      case "V": return "";
      default: throw new Error(`unknown field type '${type}' in a table`);
    }
  }

  #advance(bytes: number): number {
    const at = this.#offset;
    if (at + bytes > this.end) throw new Error(`method arguments truncated at ${at} (+${bytes} > ${this.end})`);
    this.#offset = at + bytes;
    return at;
  }
}
