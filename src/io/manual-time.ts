/**
 * Time that moves only when told to: for tests that would otherwise sleep for a TTL, an expiry
 * or a timeout to pass, and for the deterministic simulator. `advance(ms)` runs every timer that
 * falls due on the way, in order of due time (ties in the order they were armed), with the clock
 * reading each timer's due time while it runs, so a run is the same every time.
 */
import type { Time, Timer } from "./time.js";

interface Armed {
  dueMs: number;
  readonly sequence: number;
  readonly intervalMs: number | undefined;
  readonly callback: () => void;
  cancelled: boolean;
}

export class ManualTime implements Time {
  private currentMs: number;
  private nextSequence = 0;
  private armed: Armed[] = [];

  /** Starts at `startMs` (by default the real time when it is made, so timestamps look like today's). */
  constructor(startMs: number = Date.now()) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  after(delayMs: number, callback: () => void): Timer {
    return this.arm(delayMs, undefined, callback);
  }

  every(intervalMs: number, callback: () => void): Timer {
    if (!(intervalMs > 0)) throw new RangeError(`an interval must be positive, not ${intervalMs} ms`);
    return this.arm(intervalMs, intervalMs, callback);
  }

  /** Timers armed and not yet run or cancelled (an interval counts once). */
  get pendingCount(): number {
    return this.armed.filter((timer) => !timer.cancelled).length;
  }

  /** Moves the clock `durationMs` forward, running each timer that falls due, in order. */
  advance(durationMs: number): void {
    if (!(durationMs >= 0)) throw new RangeError(`time moves forward only, not by ${durationMs} ms`);
    const targetMs = this.currentMs + durationMs;
    for (;;) {
      const next = this.earliestDue();
      if (next === undefined || next.dueMs > targetMs) break;
      this.currentMs = Math.max(this.currentMs, next.dueMs);
      if (next.intervalMs === undefined) next.cancelled = true;
      else next.dueMs += next.intervalMs;
      next.callback();
    }
    this.currentMs = targetMs;
    this.armed = this.armed.filter((timer) => !timer.cancelled);
  }

  private arm(delayMs: number, intervalMs: number | undefined, callback: () => void): Timer {
    // Like Node, a negative or missing delay means "as soon as possible": the next advance, even by 0.
    const timer: Armed = { dueMs: this.currentMs + Math.max(0, delayMs || 0), sequence: this.nextSequence++, intervalMs, callback, cancelled: false };
    this.armed.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  private earliestDue(): Armed | undefined {
    let earliest: Armed | undefined;
    for (const timer of this.armed) {
      if (timer.cancelled) continue;
      if (earliest === undefined || timer.dueMs < earliest.dueMs || (timer.dueMs === earliest.dueMs && timer.sequence < earliest.sequence)) earliest = timer;
    }
    return earliest;
  }
}
