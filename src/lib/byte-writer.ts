/**
 * Small big-endian write helpers shared by the generated AMQP encoders.
 *
 * Encoders size their Buffer exactly before writing, so these helpers only
 * check what Buffer's own writers do not: that a 64-bit number is an exact
 * non-negative integer, and that a string fits a one-octet length prefix.
 * A value that does not fit is a bug in the caller, not a client's fault, so
 * they throw RangeError like Buffer's writers do.
 */
const TWO_TO_THE_32 = 0x1_0000_0000;

/** Writes a non-negative safe integer as an unsigned 64-bit big-endian value; returns the end offset. */
export function writeUint64Number(buffer: Buffer, value: number, offset: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a 64-bit unsigned field must be a non-negative integer up to 2^53-1, got ${value}`);
  }
  buffer.writeUInt32BE(Math.floor(value / TWO_TO_THE_32), offset);
  buffer.writeUInt32BE(value >>> 0, offset + 4);
  return offset + 8;
}

/** The UTF-8 length of a string that must fit in `lengthBytesMax` bytes (255 for a shortstr). */
export function boundedByteLength(value: string, lengthBytesMax: number, what: string): number {
  const lengthBytes = Buffer.byteLength(value, "utf8");
  if (lengthBytes > lengthBytesMax) {
    throw new RangeError(`${what} is ${lengthBytes} bytes long; at most ${lengthBytesMax} fit`);
  }
  return lengthBytes;
}

/** Writes a string known to be `lengthBytes` long after a one-octet length; returns the end offset. */
export function writeShortString(buffer: Buffer, value: string, lengthBytes: number, offset: number): number {
  buffer[offset] = lengthBytes;
  if (lengthBytes > 0) buffer.write(value, offset + 1, lengthBytes, "utf8");
  return offset + 1 + lengthBytes;
}

/** Writes bytes after a four-octet length; returns the end offset. */
export function writeLongBytes(buffer: Buffer, value: Buffer, offset: number): number {
  buffer.writeUInt32BE(value.length, offset);
  return offset + 4 + value.copy(buffer, offset + 4);
}
