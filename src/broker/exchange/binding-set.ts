/**
 * The bookkeeping every exchange type shares: which bindings exist (with AMQP's notion of
 * binding equality) and, per routing entry, which destinations it leads to.
 */
import type { Binding, BindingDestination, DestinationSink } from "./exchange-type.js";
import { assert } from "../../lib/assert.js";
import { tablesEqual } from "../../message/field-table.js";

/**
 * Bindings of one exchange, in the order they were added. Two bindings are equal when they have
 * the same destination object, the same routing key and equal argument tables; adding an equal
 * binding again is a no-op, as `queue.bind` twice is in AMQP.
 */
export class BindingSet {
  /** A Set keeps insertion order and deletes in constant time, which is what listing needs. */
  readonly #ordered = new Set<Binding>();
  /** destination → routing key → bindings differing only in arguments (almost always one). */
  readonly #byDestination = new Map<BindingDestination, Map<string, Binding[]>>();

  get size(): number {
    return this.#ordered.size;
  }

  values(): IterableIterator<Binding> {
    return this.#ordered.values();
  }

  /** Returns false when an equal binding is already there. */
  add(binding: Binding): boolean {
    let byKey = this.#byDestination.get(binding.destination);
    if (byKey === undefined) {
      byKey = new Map();
      this.#byDestination.set(binding.destination, byKey);
    }
    const sameKey = byKey.get(binding.routingKey);
    if (sameKey === undefined) {
      byKey.set(binding.routingKey, [binding]);
    } else {
      if (findEqual(sameKey, binding) !== -1) return false;
      sameKey.push(binding);
    }
    this.#ordered.add(binding);
    return true;
  }

  /** Removes the binding equal to `binding` and returns the instance that was stored, if any. */
  remove(binding: Binding): Binding | undefined {
    const byKey = this.#byDestination.get(binding.destination);
    const sameKey = byKey?.get(binding.routingKey);
    if (byKey === undefined || sameKey === undefined) return undefined;
    const index = findEqual(sameKey, binding);
    if (index === -1) return undefined;
    const stored = sameKey[index];
    sameKey.splice(index, 1);
    if (sameKey.length === 0) byKey.delete(binding.routingKey);
    if (byKey.size === 0) this.#byDestination.delete(binding.destination);
    this.#ordered.delete(stored);
    return stored;
  }

  /** Removes every binding to `destination` and returns them. */
  removeDestination(destination: BindingDestination): Binding[] {
    const byKey = this.#byDestination.get(destination);
    if (byKey === undefined) return [];
    this.#byDestination.delete(destination);
    const removed: Binding[] = [];
    for (const sameKey of byKey.values()) {
      for (const binding of sameKey) {
        this.#ordered.delete(binding);
        removed.push(binding);
      }
    }
    return removed;
  }
}

function findEqual(candidates: readonly Binding[], binding: Binding): number {
  for (let index = 0; index < candidates.length; index++) {
    if (tablesEqual(candidates[index].arguments, binding.arguments)) return index;
  }
  return -1;
}

/**
 * The distinct destinations behind one routing entry (a direct key, a topic trie node, a fanout
 * exchange), each counted once per binding that leads there. Routing reads the plain array,
 * so a route call walks it with an index and allocates nothing.
 */
export class DestinationList {
  readonly destinations: BindingDestination[] = [];
  readonly #bindingCounts = new Map<BindingDestination, number>();

  get isEmpty(): boolean {
    return this.destinations.length === 0;
  }

  add(destination: BindingDestination): void {
    const count = this.#bindingCounts.get(destination) ?? 0;
    this.#bindingCounts.set(destination, count + 1);
    if (count === 0) this.destinations.push(destination);
  }

  /** Forgets one binding to `destination`; the destination goes when its last binding does. */
  remove(destination: BindingDestination): void {
    const count = this.#bindingCounts.get(destination);
    assert(count !== undefined, "a destination is removed from a routing entry only after it was added");
    if (count > 1) {
      this.#bindingCounts.set(destination, count - 1);
      return;
    }
    this.#bindingCounts.delete(destination);
    this.destinations.splice(this.destinations.indexOf(destination), 1);
  }

  addTo(out: DestinationSink): void {
    const destinations = this.destinations;
    for (let index = 0; index < destinations.length; index++) out.add(destinations[index]);
  }
}
