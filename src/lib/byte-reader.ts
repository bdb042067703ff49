/**
 * A bounds-checked big-endian reader over one region of a Buffer.
 *
 * It knows nothing about any protocol: input it cannot read throws a
 * `MalformedInputError`, and each codec turns that into its own protocol error
 * (the AMQP codec into SYNTAX_ERROR). Every read checks the remaining length
 * first, so a length field read from the wire is compared with the bytes that
 * are really there before anything is allocated for it.
 */
import { isUtf8 } from "node:buffer";

export class MalformedInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedInputError";
  }
}

export class TruncatedInputError extends MalformedInputError {
  constructor(
    readonly wantedBytes: number,
    readonly offset: number,
    readonly availableBytes: number,
  ) {
    super(`wanted ${wantedBytes} bytes at offset ${offset} but only ${availableBytes} remain`);
    this.name = "TruncatedInputError";
  }
}

/** What Buffer#toString puts in place of bytes that are not UTF-8. */
const REPLACEMENT_CHARACTER = "\uFFFD";

const TWO_TO_THE_32 = 0x1_0000_0000;

export class ByteReader {
  offset: number;
  readonly buffer: Buffer;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remainingBytes(): number {
    return this.end - this.offset;
  }

  /** Throws unless `count` more bytes are available. */
  need(count: number): void {
    if (this.end - this.offset < count) throw new TruncatedInputError(count, this.offset, this.end - this.offset);
  }

  octet(): number {
    this.need(1);
    return this.buffer[this.offset++];
  }

  int8(): number {
    this.need(1);
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }

  short(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  long(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /**
   * An unsigned 64-bit integer as a number. Exact up to 2^53; above that it is
   * rounded to the nearest double, which is acceptable because every longlong
   * the broker reads (delivery tags, body sizes, timestamps) is far below 2^53
   * when it is meaningful, and a rounded bogus tag is as unknown as the exact one.
   */
  longlong(): number {
    this.need(8);
    const high = this.buffer.readUInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return high * TWO_TO_THE_32 + low;
  }

  bigInt64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  bigUint64(): bigint {
    this.need(8);
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  float32(): number {
    this.need(4);
    const value = this.buffer.readFloatBE(this.offset);
    this.offset += 4;
    return value;
  }

  float64(): number {
    this.need(8);
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /**
   * A UTF-8 string of `lengthBytes` bytes (the length already read by the caller).
   * Bytes that are not UTF-8 throw rather than turn into U+FFFD: a string that
   * decoded lossily would encode to other bytes, possibly too many for its field.
   * The check costs one scan of the decoded string in the common case.
   */
  utf8(lengthBytes: number): string {
    this.need(lengthBytes);
    const start = this.offset;
    this.offset += lengthBytes;
    const text = this.buffer.toString("utf8", start, this.offset);
    if (text.includes(REPLACEMENT_CHARACTER) && !isUtf8(this.buffer.subarray(start, this.offset))) {
      throw new MalformedInputError(`malformed UTF-8 in the ${lengthBytes}-byte string at offset ${start}`);
    }
    return text;
  }

  /** Skips `lengthBytes` bytes that must be UTF-8, without building a string (validation paths). */
  skipUtf8(lengthBytes: number): void {
    this.need(lengthBytes);
    const start = this.offset;
    const end = start + lengthBytes;
    let position = start;
    while (position < end && this.buffer[position] < 0x80) position += 1;
    if (position < end && !isUtf8(this.buffer.subarray(start, end))) {
      throw new MalformedInputError(`malformed UTF-8 in the ${lengthBytes}-byte string at offset ${start}`);
    }
    this.offset = end;
  }

  /** AMQP shortstr: one length octet, then that many bytes of UTF-8. */
  shortString(): string {
    return this.utf8(this.octet());
  }

  /** A view of the next `lengthBytes` bytes: valid only as long as the underlying buffer is. */
  view(lengthBytes: number): Buffer {
    this.need(lengthBytes);
    const start = this.offset;
    this.offset += lengthBytes;
    return this.buffer.subarray(start, this.offset);
  }

  /** A copy of the next `lengthBytes` bytes, owned by the caller. */
  copy(lengthBytes: number): Buffer {
    this.need(lengthBytes);
    const copy = Buffer.allocUnsafe(lengthBytes);
    this.buffer.copy(copy, 0, this.offset, this.offset + lengthBytes);
    this.offset += lengthBytes;
    return copy;
  }

  skip(lengthBytes: number): void {
    this.need(lengthBytes);
    this.offset += lengthBytes;
  }
}
