/** What the crash test's parent and child agree on: the seeded random source and each record's bytes. */

import { seededRandom } from "../helpers/random.js";

export { seededRandom };

export const CRASH_SEGMENT_BYTES = 16 * 1024;

/**
 * The payload of record `index`: its index, then bytes derived from (seed, index) alone, so the
 * parent can check a recovered record byte for byte. About 2% are larger than a segment.
 */
export function crashPayload(seed: number, index: number): Buffer {
  const random = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  const bytes = random() < 0.02 ? CRASH_SEGMENT_BYTES + Math.floor(random() * 8000) : 4 + Math.floor(random() * 2000);
  const payload = Buffer.allocUnsafe(bytes);
  payload.writeUInt32LE(index, 0);
  for (let at = 4; at < bytes; at++) payload[at] = Math.floor(random() * 256);
  return payload;
}

/** Splits a payload into one to three parts, as a queue passes exchange, header and body. */
export function splitPayload(payload: Buffer, parts: number): Buffer[] {
  if (parts <= 1 || payload.length < parts) return [payload];
  const cut = Math.floor(payload.length / parts);
  return Array.from({ length: parts }, (_, n) => payload.subarray(n * cut, n === parts - 1 ? payload.length : (n + 1) * cut));
}
