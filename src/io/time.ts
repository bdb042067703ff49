/**
 * Time as the rest of Warren sees it: a clock to read and timers to arm. Nothing outside io/
 * calls Date.now(), setTimeout or setInterval; it is handed a Clock and Timers by the composition
 * root (node/), so a test or a simulator can hand it a ManualTime instead and move time by hand
 * (STYLE.md practice 12).
 *
 * setImmediate is not here: it orders work within one event-loop turn (the store's group commit
 * batches a turn's appends with it) and measures no time, so a simulator keeps it as it is.
 */

export interface Clock {
  /**
   * Milliseconds since the Unix epoch. A system call's worth of work on the real clock, so a hot
   * path reads a coarse copy refreshed by a shared tick instead (the broker's `nowMs`).
   */
  nowMs(): number;
}

/** A timer that has been armed; cancelling it twice, or after it ran, does nothing. */
export interface Timer {
  cancel(): void;
}

export interface Timers {
  /**
   * Runs `callback` once, `delayMs` from now. A timer alone never keeps the process alive: the
   * sockets and files it serves do, and an idle embedded broker must not hold its host's process.
   */
  after(delayMs: number, callback: () => void): Timer;
  /** Runs `callback` every `intervalMs` until cancelled; one shared interval serves many objects (practice 10). */
  every(intervalMs: number, callback: () => void): Timer;
}

/** Time as a clock and timers together: what the broker, the connections and the queues receive. */
export interface Time extends Clock, Timers {}

/** Node's clock and timers. */
export const systemTime: Time = {
  nowMs: () => Date.now(),
  after(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  every(intervalMs, callback) {
    const handle = setInterval(callback, intervalMs);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

/** Resolves after `delayMs` on `timers`: a pause in a retry loop, never a way to wait for an event. */
export function pause(timers: Timers, delayMs: number): Promise<void> {
  return new Promise((resolve) => timers.after(delayMs, resolve));
}
