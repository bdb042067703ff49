/**
 * Promises waiting for "durable up to sequence N". Kept sorted by sequence so a commit resolves
 * a prefix; callers nearly always wait in append order, so insertion is at the end.
 */
export class DurableWaiters {
  private readonly waiters: Array<{ sequence: number; resolve: () => void; reject: (error: Error) => void }> = [];

  get size(): number {
    return this.waiters.length;
  }

  add(sequence: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.sequence > sequence) at -= 1;
      this.waiters.splice(at, 0, { sequence, resolve, reject });
    });
  }

  resolveUpTo(sequence: number): void {
    let count = 0;
    while (count < this.waiters.length && this.waiters[count]!.sequence <= sequence) count += 1;
    for (const waiter of this.waiters.splice(0, count)) waiter.resolve();
  }

  /** Rejects the waiters for sequences above `sequence` (they will never be durable); the others keep waiting. */
  rejectAbove(sequence: number, error: Error): void {
    let keep = 0;
    while (keep < this.waiters.length && this.waiters[keep]!.sequence <= sequence) keep += 1;
    for (const waiter of this.waiters.splice(keep)) waiter.reject(error);
  }

  rejectAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
