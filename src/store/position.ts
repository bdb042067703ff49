/**
 * Where a record lives: the caller (the queue) keeps one per message in memory and hands it back
 * to `read` and `ack`. Positions are stable: a record never moves, and segment ids are never
 * reused, so a position taken before a restart names the same record after it.
 */
export interface SegmentPosition {
  readonly segmentId: number;
  /** Where the record (its header) starts in the segment file. */
  readonly offsetBytes: number;
  /** The payload's length: what `read` returns. */
  readonly payloadBytes: number;
}

/** Append order: by segment, then by offset. */
export function comparePositions(a: SegmentPosition, b: SegmentPosition): number {
  return a.segmentId - b.segmentId || a.offsetBytes - b.offsetBytes;
}

export function formatPosition(position: SegmentPosition): string {
  return `${position.segmentId}:${position.offsetBytes}+${position.payloadBytes}`;
}
