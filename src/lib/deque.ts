/**
 * A double-ended queue on a growable ring buffer: O(1) push/shift at both ends
 * and O(1) indexed reads. Queues and unacked-delivery lists live on it, so it
 * must not allocate per element (an Array's shift() is O(n) once it is large).
 */
/**
 * The ring of every deque that never held anything: shared, and never written (a push finds it
 * full and grows first), so an idle channel's or queue's deques cost no array of their own.
 */
const NO_ITEMS: never[] = new Array<never>(0);

export class Deque<T> {
  private items: (T | undefined)[] = NO_ITEMS;
  private head = 0;
  private count = 0;
  /** The ring's size at the first push (a power of two). */
  private readonly initialCapacity: number;

  constructor(initialCapacity = 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.initialCapacity = capacity;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  unshift(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const index = (this.head + this.count - 1) & (this.items.length - 1);
    const item = this.items[index];
    this.items[index] = undefined;
    this.count--;
    return item;
  }

  peekFirst(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  peekLast(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) & (this.items.length - 1)];
  }

  /** The element at position `index` from the front (0 = first). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & (this.items.length - 1)];
  }

  /** Replaces the element at position `index` from the front. */
  set(index: number, item: T): void {
    if (index < 0 || index >= this.count) throw new RangeError(`deque index ${index} out of range`);
    this.items[(this.head + index) & (this.items.length - 1)] = item;
  }

  /** Inserts at position `index` (0..length), moving the shorter side. O(min(index, length-index)). */
  insertAt(index: number, item: T): void {
    if (index <= 0) return this.unshift(item);
    if (index >= this.count) return this.push(item);
    if (this.count === this.items.length) this.grow();
    const mask = this.items.length - 1;
    if (index < this.count / 2) {
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) this.items[(this.head + i) & mask] = this.items[(this.head + i + 1) & mask];
    } else {
      for (let i = this.count; i > index; i--) this.items[(this.head + i) & mask] = this.items[(this.head + i - 1) & mask];
    }
    this.items[(this.head + index) & mask] = item;
    this.count++;
  }

  /** The first position whose element is not less than `key` by `keyOf` (elements must be sorted by it). */
  lowerBound(key: number, keyOf: (item: T) => number): number {
    let low = 0;
    let high = this.count;
    const mask = this.items.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keyOf(this.items[(this.head + middle) & mask] as T) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  clear(): void {
    this.items = NO_ITEMS;
    this.head = 0;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & (this.items.length - 1)] as T;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(old.length === 0 ? this.initialCapacity : old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
