/**
 * Counters and a latency histogram that cost almost nothing per message and merge across roles.
 *
 * Time is CLOCK_MONOTONIC in microseconds (process.hrtime), which is one clock for every thread
 * and process on the machine, so a producer in one worker and a consumer in another can compare
 * stamps. Microseconds since boot stay far below 2^53, so they travel as plain doubles.
 */

export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export async function sleepUntil(deadlineUs: number): Promise<void> {
  const waitMs = (deadlineUs - monotonicNowUs()) / 1000;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** Counts per whole second since the run's start; index 0 is the first second. */
export class Timeline {
  readonly counts: number[] = [];
  constructor(private readonly startUs: number) {}

  add(count: number, nowUs: number): void {
    if (count === 0) return;
    const second = nowUs <= this.startUs ? 0 : Math.floor((nowUs - this.startUs) / 1e6);
    while (this.counts.length <= second) this.counts.push(0);
    this.counts[second] += count;
  }
}

/**
 * A log-linear histogram in the manner of HdrHistogram: values below 128 µs are exact, above
 * that each power of two is split into 64 buckets, so any value is known to within 1.6 %.
 * 1,728 buckets reach 2^31 µs (35 minutes); bucketing is a few integer operations.
 */
const LINEAR_LIMIT = 128;
const SUB_BUCKETS = 64;
const BUCKET_COUNT = LINEAR_LIMIT + 25 * SUB_BUCKETS;

export class LatencyHistogram {
  readonly counts: Float64Array;
  total = 0;
  maxUs = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(BUCKET_COUNT);
    if (counts !== undefined) this.merge(counts);
  }

  record(valueUs: number): void {
    const value = valueUs <= 0 ? 0 : Math.min(Math.round(valueUs), 0x7fff_ffff);
    this.counts[bucketOf(value)]++;
    this.total++;
    if (value > this.maxUs) this.maxUs = value;
  }

  merge(counts: ArrayLike<number>): void {
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const count = counts[i] ?? 0;
      if (count === 0) continue;
      this.counts[i] += count;
      this.total += count;
      this.maxUs = Math.max(this.maxUs, bucketUpperUs(i));
    }
  }

  /** The smallest bucket value that at least `fraction` of the samples do not exceed. */
  percentileUs(fraction: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketUpperUs(i), this.maxUs);
    }
    return this.maxUs;
  }
}

function bucketOf(value: number): number {
  if (value < LINEAR_LIMIT) return value;
  const shift = 31 - Math.clz32(value) - 6; // value >> shift lands in [64, 127]
  return LINEAR_LIMIT + (shift - 1) * SUB_BUCKETS + ((value >> shift) - SUB_BUCKETS);
}

function bucketUpperUs(index: number): number {
  if (index < LINEAR_LIMIT) return index;
  const shift = ((index - LINEAR_LIMIT) >> 6) + 1;
  const mantissa = ((index - LINEAR_LIMIT) & (SUB_BUCKETS - 1)) + SUB_BUCKETS;
  return (mantissa + 1) * 2 ** shift - 1;
}
