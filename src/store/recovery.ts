/**
 * Rebuilding a store from its directory after a clean stop or a `kill -9` (rules in
 * docs/internals/store.md, "Recovery"):
 *
 * - Segments are scanned in id order and every record's checksum is verified.
 * - A record whose header is intact but whose payload fails its checksum (a bit flip) is skipped
 *   when more bytes follow it: its length is trusted, so the records after it survive. A record
 *   with a damaged header, one that runs past the end of the file (the torn tail a crash leaves),
 *   or a damaged last record ends the segment: the file is truncated there.
 * - Ack entries naming a record of the segment mark it acked; a partial entry at the end is cut
 *   off; entries naming no record (a record that was cut, or garbage) are ignored.
 * - A segment with no live record left (or no record at all) is deleted with its ack file; an
 *   ack file without a segment is deleted.
 * Every repair is logged. A bad record is never returned.
 */
import { join } from "node:path";
import type { FileSystem } from "../io/file-system.js";
import { assert } from "../lib/assert.js";
import { STORE_RECORD_PAYLOAD_BYTES_MAX, STORE_SEGMENT_SIZE_BYTES_MAX } from "../config/limits.js";
import { StoreError } from "./errors.js";
import { readFile } from "./file-io.js";
import {
  ACK_ENTRY_BYTES,
  RECORD_BAD_PAYLOAD,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  ackFileName,
  checkSegmentHeader,
  decodeAckEntries,
  decodeRecord,
  parseFileName,
  recordBytes,
  segmentFileName,
  trustedPayloadBytes,
} from "./format.js";
import type { SegmentPosition } from "./position.js";
import { SegmentIndex } from "./segment-index.js";

/** No valid segment file is longer: a full segment, or a header and one record of the largest size. */
const SEGMENT_FILE_BYTES_MAX = Math.max(
  STORE_SEGMENT_SIZE_BYTES_MAX,
  SEGMENT_HEADER_BYTES + recordBytes(STORE_RECORD_PAYLOAD_BYTES_MAX),
);

export interface RecoveredSegment {
  readonly segmentId: number;
  readonly index: SegmentIndex;
  readonly sizeBytes: number;
  /** The ack file's length in whole entries: where the next entry goes. */
  readonly ackFileBytes: number;
}

export interface RecoveryResult {
  /** Segments that still hold live records, in id order. */
  readonly segments: RecoveredSegment[];
  /** Live records in append order; empty when they were handed to `onLiveRecord` instead. */
  readonly livePositions: SegmentPosition[];
  /** How many live records there are. */
  readonly liveCount: number;
  /** Larger than every id found, so ids (and thus positions) are never reused. */
  readonly nextSegmentId: number;
}

export async function recoverDirectory(
  fileSystem: FileSystem,
  directory: string,
  log: (message: string) => void,
  onLiveRecord?: (position: SegmentPosition, payload: Buffer) => void,
): Promise<RecoveryResult> {
  fileSystem.makeDirectory(directory);
  const segmentIds: number[] = [];
  const ackIds = new Set<number>();
  let highestId = 0;
  for (const name of fileSystem.listDirectory(directory)) {
    const parsed = parseFileName(name);
    if (!parsed) continue;
    if (parsed.kind === "segment") segmentIds.push(parsed.segmentId);
    else ackIds.add(parsed.segmentId);
    highestId = Math.max(highestId, parsed.segmentId);
  }
  segmentIds.sort((a, b) => a - b);

  const segments: RecoveredSegment[] = [];
  // A caller that takes each record as it comes (a queue restoring its backlog) needs no list of
  // them: for a million-message backlog that list was 1M objects kept alive to the end.
  const livePositions: SegmentPosition[] = [];
  let liveCount = 0;
  for (const segmentId of segmentIds) {
    const segment = recoverSegment(fileSystem, directory, segmentId, ackIds.has(segmentId), log);
    ackIds.delete(segmentId);
    if (segment.index.liveCount === 0) {
      fileSystem.removeFile(join(directory, segmentFileName(segmentId)));
      fileSystem.removeFile(join(directory, ackFileName(segmentId)));
    } else {
      const { index, sizeBytes, ackFileBytes } = segment;
      segments.push({ segmentId, index, sizeBytes, ackFileBytes });
      for (let ordinal = 0; ordinal < segment.index.count; ordinal++) {
        if (segment.index.isAcked(ordinal)) continue;
        const offsetBytes = segment.index.offsetAt(ordinal);
        const position = { segmentId, offsetBytes, payloadBytes: segment.payloadLengths[ordinal]! };
        liveCount++;
        if (onLiveRecord === undefined) {
          livePositions.push(position);
          continue;
        }
        // The segment was read whole to verify it: hand the payload over now instead of reading it again.
        const start = offsetBytes + RECORD_HEADER_BYTES;
        onLiveRecord(position, segment.bytes.subarray(start, start + position.payloadBytes));
      }
    }
    // Recovery of a long backlog must not starve the other queues recovering beside it.
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const orphan of ackIds) fileSystem.removeFile(join(directory, ackFileName(orphan)));

  assert(highestId < 0xffffffff, "segment ids fit in a u32");
  return { segments, livePositions, liveCount, nextSegmentId: highestId + 1 };
}

function recoverSegment(
  fileSystem: FileSystem,
  directory: string,
  segmentId: number,
  hasAckFile: boolean,
  log: (message: string) => void,
): RecoveredSegment & { payloadLengths: number[]; bytes: Buffer } {
  const name = segmentFileName(segmentId);
  const fd = fileSystem.open(join(directory, name), "readWrite");
  let scan: { offsets: number[]; payloadLengths: number[]; sizeBytes: number };
  let segmentFileBytes: number;
  let segmentBytes: Buffer;
  try {
    const { bytes, fileBytes } = readFile(fileSystem, fd, SEGMENT_FILE_BYTES_MAX);
    segmentFileBytes = fileBytes;
    segmentBytes = bytes;
    const header = checkSegmentHeader(bytes);
    if (header === "short") {
      if (fileBytes > 0) log(`${name}: ${fileBytes} bytes, shorter than a segment header; ignored`);
      return { segmentId, index: new SegmentIndex(1), sizeBytes: fileBytes, ackFileBytes: 0, payloadLengths: [], bytes };
    }
    if (header === "bad-version") {
      throw new StoreError("STORE_CORRUPT", `${join(directory, name)}: unknown segment format version; refusing to guess`);
    }
    if (header === "bad-magic") {
      // Zeros here mean the header's page never reached the disk (a power cut before the first
      // fsync of the file), so nothing in it was ever reported durable; a flipped bit means an old
      // segment rotted. Either way the records carry their own checksums: keep whatever verifies.
      log(`${name}: damaged segment header; keeping only records that verify`);
    }
    scan = scanRecords(bytes, name, log);
    if (scan.sizeBytes < fileBytes) {
      log(`${name}: cut ${fileBytes - scan.sizeBytes} bytes at offset ${scan.sizeBytes} (torn or corrupt tail)`);
      fileSystem.truncate(fd, scan.sizeBytes);
    }
  } finally {
    fileSystem.close(fd);
  }
  const index = new SegmentIndex(scan.offsets.length);
  for (const offset of scan.offsets) index.add(offset);
  const ackPath = join(directory, ackFileName(segmentId));
  const ackFileBytes = hasAckFile ? applyAckFile(fileSystem, ackPath, index, segmentFileBytes, log) : 0;
  return { segmentId, index, sizeBytes: scan.sizeBytes, ackFileBytes, payloadLengths: scan.payloadLengths, bytes: segmentBytes };
}

/** The valid records of a segment's bytes, and where the segment must end. */
function scanRecords(
  bytes: Buffer,
  name: string,
  log: (message: string) => void,
): { offsets: number[]; payloadLengths: number[]; sizeBytes: number } {
  const offsets: number[] = [];
  const payloadLengths: number[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  while (offset < bytes.length) {
    const payloadBytes = decodeRecord(bytes, offset);
    if (payloadBytes >= 0) {
      offsets.push(offset);
      payloadLengths.push(payloadBytes);
      offset += recordBytes(payloadBytes);
      continue;
    }
    if (payloadBytes === RECORD_BAD_PAYLOAD) {
      const next = offset + recordBytes(trustedPayloadBytes(bytes, offset));
      if (next < bytes.length) {
        log(`${name}: record at offset ${offset} has a damaged payload; skipped it (${next - offset} bytes)`);
        offset = next;
        continue;
      }
    }
    break;
  }
  return { offsets, payloadLengths, sizeBytes: Math.min(offset, bytes.length) };
}

/** Marks the acked records in `index`; returns the ack file's length in whole entries. */
function applyAckFile(
  fileSystem: FileSystem,
  path: string,
  index: SegmentIndex,
  segmentFileBytes: number,
  log: (message: string) => void,
): number {
  const name = path.slice(path.length - ackFileName(1).length);
  const fd = fileSystem.open(path, "readWrite");
  try {
    // One entry per record the segment ever held, and a record takes at least a header (the
    // file is measured before any cut): a longer ack file is garbage, and is not read.
    const maxBytes = Math.ceil(segmentFileBytes / RECORD_HEADER_BYTES) * ACK_ENTRY_BYTES;
    const { bytes, fileBytes } = readFile(fileSystem, fd, maxBytes);
    const { offsets, tornBytes } = decodeAckEntries(bytes);
    let unknown = 0;
    for (const offset of offsets) {
      const ordinal = index.find(offset);
      if (ordinal < 0) unknown += 1;
      else index.markAcked(ordinal);
    }
    if (unknown > 0) log(`${name}: ignored ${unknown} entries naming no record`);
    const wholeBytes = bytes.length - tornBytes;
    if (wholeBytes < fileBytes) {
      log(`${name}: cut ${fileBytes - wholeBytes} bytes of partial or excess entries`);
      fileSystem.truncate(fd, wholeBytes);
    }
    return wholeBytes;
  } finally {
    fileSystem.close(fd);
  }
}
