/**
 * Where routing collects destinations. Routing runs once per published message, and a Set
 * costs there: V8's Set#clear allocates a new table, and every for-of allocates an iterator
 * (a `--cpu-prof` of S1 had routing at 11% of the broker, 230 bytes of garbage per message).
 * A RoutingTargets is an array reused from message to message with a Set's add/has/size:
 * no allocation once it has grown. Membership is a linear scan while the list is short (nearly
 * every message reaches one to a few destinations) and a Set beside the array beyond that, so
 * a fanout to thousands of queues stays linear.
 */
import type { BindingDestination, DestinationSink } from "./exchange-type.js";

/** Above this many destinations, membership is kept in a Set as well as the array. */
const LINEAR_SCAN_MAX = 16;

export class RoutingTargets<T extends object = BindingDestination> implements DestinationSink<T> {
  private readonly items: (T | undefined)[] = [];
  private count = 0;
  private index: Set<T> | undefined;

  get size(): number {
    return this.count;
  }

  /** The destination at `position` (0 ≤ position < size), in the order they were added. */
  at(position: number): T {
    return this.items[position] as T;
  }

  has(destination: T): boolean {
    if (this.index !== undefined) return this.index.has(destination);
    const items = this.items;
    for (let position = 0; position < this.count; position++) if (items[position] === destination) return true;
    return false;
  }

  /** Adds `destination` unless it is there already (a destination appears once). */
  add(destination: T): this {
    if (this.has(destination)) return this;
    if (this.index !== undefined) this.index.add(destination);
    else if (this.count === LINEAR_SCAN_MAX) this.index = new Set([...this, destination]);
    this.items[this.count++] = destination;
    return this;
  }

  /** Empties the list, keeping its capacity; references are dropped so nothing is kept alive. */
  clear(): void {
    const items = this.items;
    for (let position = 0; position < this.count; position++) items[position] = undefined;
    this.count = 0;
    this.index = undefined;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let position = 0; position < this.count; position++) yield this.items[position] as T;
  }
}
