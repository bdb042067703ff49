/**
 * CRC-32 (IEEE 802.3, the zlib/PNG/gzip polynomial 0xEDB88320, reflected), chainable:
 * `crc32(b, crc32(a)) === crc32(a ++ b)`, so a record split over several Buffers is checked
 * without concatenating them.
 *
 * Node ≥ 20.15 has a native `zlib.crc32` (several GB/s); older Node 20 releases, which
 * package.json still admits, get the table-driven version below (a few hundred MB/s).
 */
import * as zlib from "node:zlib";

const table = buildTable();

function buildTable(): Uint32Array {
  const result = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let value = byte;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    result[byte] = value >>> 0;
  }
  return result;
}

/** The table-driven implementation; exported so a test can check it against the native one. */
export function crc32Table(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let index = 0; index < data.length; index++) crc = table[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `previous` (the CRC of the bytes before it). */
export const crc32: (data: Uint8Array, previous?: number) => number =
  typeof native === "function" ? (data, previous = 0) => native(data, previous) : crc32Table;
