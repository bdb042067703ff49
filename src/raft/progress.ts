/**
 * What a leader knows of one follower (or learner), and the flow control of appends to it.
 *
 * probe:     the leader does not know where the follower's log matches; one append at a time.
 * replicate: the follower is in step; appends are pipelined, at most maxInflight unacknowledged.
 * snapshot:  a snapshot is on its way; nothing else is sent until it is acknowledged.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

/**
 * Heartbeat answers before an unacknowledged snapshot is sent again. A host that transfers
 * snapshots in chunks reports failure itself (RawNode.reportSnapshotFailed); this is the fallback.
 */
const SNAPSHOT_RETRY_HEARTBEATS = 20;

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe, an append is out and unanswered: wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In snapshot, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** The last index of each append in flight, oldest first (replicate only). */
  private inflight: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** The newest read round the follower acknowledged in this term. */
  readRound = 0;
  /** The commit index last sent, so a commit change reaches followers without new entries. */
  sentCommit = 0;

  constructor(next: number, private readonly maxInflight: number) {
    this.next = next;
  }

  /** Heartbeats answered while a snapshot is out; after enough, it is presumed lost and sent again. */
  private snapshotHeartbeats = 0;

  /**
   * A heartbeat answer proves the follower is there: a probe may go again, a full pipeline frees
   * one slot (an append may have been lost), and a snapshot unacknowledged for long is retried.
   */
  heartbeatAnswered(): void {
    if (this.state === "probe") this.probeSent = false;
    else if (this.state === "replicate" && this.inflight.length >= this.maxInflight) this.inflight.shift();
    else if (this.state === "snapshot" && ++this.snapshotHeartbeats >= SNAPSHOT_RETRY_HEARTBEATS) this.becomeProbe();
  }

  becomeProbe(): void {
    if (this.state === "snapshot") this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    else this.next = this.match + 1;
    this.state = "probe";
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflight = [];
  }

  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.snapshotHeartbeats = 0;
    this.pendingSnapshot = index;
    this.inflight = [];
  }

  isPaused(): boolean {
    if (this.state === "probe") return this.probeSent;
    if (this.state === "replicate") return this.inflight.length >= this.maxInflight;
    return true;
  }

  /** An append carrying entries up to lastIndex went out. */
  sentEntries(lastIndex: number): void {
    if (this.state === "replicate") {
      this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** A success up to index; false when it tells nothing new (a stale or duplicated answer). */
  acknowledge(index: number): boolean {
    this.probeSent = false;
    let inflightCount = 0;
    while (inflightCount < this.inflight.length && this.inflight[inflightCount] <= index) inflightCount++;
    if (inflightCount > 0) this.inflight.splice(0, inflightCount);
    if (index <= this.match) return false;
    this.match = index;
    if (this.next < index + 1) this.next = index + 1;
    return true;
  }

  /** A rejection of prevIndex; false when it is stale. Moves next back to where the logs may match. */
  reject(rejectedIndex: number, hintIndex: number): boolean {
    if (this.state === "replicate") {
      if (rejectedIndex <= this.match) return false;
      this.becomeProbe();
      return true;
    }
    if (this.next - 1 !== rejectedIndex) return false;
    this.next = Math.max(Math.min(rejectedIndex, hintIndex + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }
}
