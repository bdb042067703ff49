/**
 * Bounds-checked reads over one packet's body. Every read checks the packet's end first,
 * so a length field that lies cannot read past the packet or make us allocate: strings and
 * binary data are decoded from views of the body.
 */
import { isUtf8 } from "node:buffer";
import { malformed } from "./reason-codes.js";

export class PacketReader {
  buffer: Buffer = Buffer.alloc(0);
  offset = 0;
  end = 0;

  reset(buffer: Buffer): this {
    this.buffer = buffer;
    this.offset = 0;
    this.end = buffer.length;
    return this;
  }

  get remainingBytes(): number {
    return this.end - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.offset < bytes) throw malformed(`packet ends inside ${what}`);
  }

  uint8(what: string): number {
    this.need(1, what);
    return this.buffer[this.offset++];
  }

  uint16(what: string): number {
    this.need(2, what);
    const value = (this.buffer[this.offset] << 8) | this.buffer[this.offset + 1];
    this.offset += 2;
    return value;
  }

  uint32(what: string): number {
    this.need(4, what);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A Variable Byte Integer (MQTT 5 §1.5.5): at most four bytes. */
  variableInteger(what: string): number {
    let value = 0;
    let multiplier = 1;
    for (let index = 0; index < 4; index++) {
      const byte = this.uint8(what);
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return value;
      multiplier *= 128;
    }
    throw malformed(`${what}: variable byte integer longer than four bytes`);
  }

  /** Two-byte length then that many bytes, as a view (MQTT 5 §1.5.6 binary data). */
  binary(what: string): Buffer {
    const length = this.uint16(what);
    this.need(length, what);
    const view = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /**
   * A UTF-8 Encoded String (MQTT 5 §1.5.4): well-formed UTF-8 without U+0000
   * [MQTT-1.5.4-1] [MQTT-1.5.4-2]; a malformed one closes the connection.
   */
  string(what: string): string {
    const bytes = this.binary(what);
    return decodeUtf8(bytes, what);
  }

  /** The rest of the packet, as a view. */
  rest(): Buffer {
    const view = this.buffer.subarray(this.offset, this.end);
    this.offset = this.end;
    return view;
  }

  expectEnd(what: string): void {
    if (this.offset !== this.end) throw malformed(`${this.end - this.offset} unexpected bytes after ${what}`);
  }
}

export function decodeUtf8(bytes: Buffer, what: string): string {
  if (bytes.length === 0) return "";
  // ASCII is the common case and needs no validation beyond the NUL check.
  let ascii = true;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === 0) throw malformed(`${what} contains U+0000`);
    if (byte >= 0x80) ascii = false;
  }
  if (!ascii && !isUtf8(bytes)) throw malformed(`${what} is not well-formed UTF-8`);
  return bytes.toString(ascii ? "latin1" : "utf8");
}
