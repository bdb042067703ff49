/** A binary min-heap of events by time, ties broken by insertion order, so a run is deterministic. */
export class EventQueue<T> {
  private heap: { time: number; sequence: number; item: T }[] = [];
  private sequence = 0;

  get length(): number {
    return this.heap.length;
  }

  push(time: number, item: T): void {
    const heap = this.heap;
    heap.push({ time, sequence: this.sequence++, item });
    let position = heap.length - 1;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!this.less(position, parent)) break;
      [heap[position], heap[parent]] = [heap[parent], heap[position]];
      position = parent;
    }
  }

  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Infinity;
  }

  pop(): { time: number; item: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let position = 0;
      for (;;) {
        const left = position * 2 + 1;
        const right = left + 1;
        let smallest = position;
        if (left < heap.length && this.less(left, smallest)) smallest = left;
        if (right < heap.length && this.less(right, smallest)) smallest = right;
        if (smallest === position) break;
        [heap[position], heap[smallest]] = [heap[smallest], heap[position]];
        position = smallest;
      }
    }
    return { time: top.time, item: top.item };
  }

  private less(left: number, right: number): boolean {
    const a = this.heap[left];
    const b = this.heap[right];
    return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
  }
}
