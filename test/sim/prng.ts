/**
 * The simulator's only source of randomness: sfc32, seeded from one integer, so a seed replays
 * exactly. Each concern (network, disk, faults, workload) draws from its own stream, so turning a
 * fault class off while shrinking leaves the others' choices unchanged.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ stream;
    this.b = seed | 0;
    this.c = (seed / 0x100000000) | 0;
    this.d = 1 ^ Math.imul(stream + 1, 0x85ebca6b);
    for (let round = 0; round < 16; round++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Math.floor((this.nextUint32() / 0x100000000) * bound);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  float(): number {
    return this.nextUint32() / 0x100000000;
  }

  chance(probability: number): boolean {
    return probability > 0 && this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  shuffle<T>(items: T[]): T[] {
    for (let position = items.length - 1; position > 0; position--) {
      const other = this.int(position + 1);
      [items[position], items[other]] = [items[other], items[position]];
    }
    return items;
  }
}
