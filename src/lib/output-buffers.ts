/**
 * Spare output buffers, shared by every connection of the process.
 *
 * A connection gathers a turn's replies and deliveries into one buffer and writes it to its
 * socket once (see AmqpConnection.flushOutput). When the kernel takes the whole write at once,
 * the buffer is free again at that moment. Keeping it per connection would cost every idle
 * connection a buffer it may not use for hours (4 kB each, a fifth of an idle connection's
 * memory); keeping it here lets the next connection that writes reuse it. Connections flush one
 * after another, so a handful of spares of each size serves any number of connections, and a
 * busy connection gets the buffer it just gave back (the pool is a stack).
 */

/** Spares kept of each size; beyond that a returned buffer is left to the garbage collector. */
const SPARES_PER_SIZE = 8;

export class OutputBuffers {
  private readonly spares = new Map<number, Buffer[]>();

  /** A buffer of exactly `sizeBytes` (contents undefined), a spare when there is one. */
  take(sizeBytes: number): Buffer {
    const spare = this.spares.get(sizeBytes)?.pop();
    // allocUnsafeSlow: a buffer of its own. allocUnsafe would slice Node's shared 8 kB pool for
    // small sizes, and a long-lived slice pins the whole slab.
    return spare ?? Buffer.allocUnsafeSlow(sizeBytes);
  }

  /** Takes back a buffer no write refers to any more; the caller gives only sizes it asks for again. */
  give(buffer: Buffer): void {
    let spares = this.spares.get(buffer.length);
    if (spares === undefined) {
      spares = [];
      this.spares.set(buffer.length, spares);
    }
    if (spares.length < SPARES_PER_SIZE) spares.push(buffer);
  }

  /** Spares held, for tests. */
  get spareCount(): number {
    let count = 0;
    for (const spares of this.spares.values()) count += spares.length;
    return count;
  }
}

/** The process's pool: connections of every broker in the process share it. */
export const outputBuffers = new OutputBuffers();
