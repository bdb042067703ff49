/**
 * A bounded cache of topic routes, routing key → destinations, for workloads whose keys repeat.
 *
 * Measured on the topic micro-benchmark (docs/internals/routing.md): a hit is 5–10 times faster
 * than walking the trie, but a miss costs about twice a plain walk (the walk, plus copying its
 * result and storing it). So the cache watches its own hit rate: over each window of lookups
 * it must answer at least half from memory, or it steps aside for a long stretch of routes (the
 * entries are kept, so a workload whose keys repeat again finds them warm). The owner empties it
 * on every binding change, which is what keeps it from ever serving a stale route.
 */
import type { BindingDestination } from "./exchange-type.js";

/** Lookups per judgement: four times the capacity, so a working set that fits has time to warm up. */
const WINDOW_LOOKUPS_PER_ENTRY = 4;
/** Routes that skip the cache after a poor window: re-judging then costs under 2% on keys that never repeat. */
const BYPASS_ROUTES = 262_144;

export class TopicRouteCache {
  readonly #entriesMax: number;
  readonly #windowLookups: number;
  readonly #entries = new Map<string, readonly BindingDestination[]>();
  /**
   * The cached keys in insertion order, as a ring whose next slot holds the oldest key. A Map's
   * own first key is slow to reach after many deletions (V8 leaves holes until it rehashes).
   */
  readonly #ring: string[] = [];
  #nextSlot = 0;
  #lookups = 0;
  #hits = 0;
  #bypassRemaining = 0;

  constructor(entriesMax: number) {
    this.#entriesMax = entriesMax;
    this.#windowLookups = entriesMax * WINDOW_LOOKUPS_PER_ENTRY;
  }

  /** False while the cache is stepping aside; the caller then walks the trie and stores nothing. */
  get active(): boolean {
    if (this.#bypassRemaining === 0) return true;
    this.#bypassRemaining--;
    return false;
  }

  lookup(routingKey: string): readonly BindingDestination[] | undefined {
    const found = this.#entries.get(routingKey);
    if (found !== undefined) this.#hits++;
    if (++this.#lookups === this.#windowLookups) {
      if (this.#hits * 2 < this.#lookups) this.#bypassRemaining = BYPASS_ROUTES;
      this.#lookups = 0;
      this.#hits = 0;
    }
    return found;
  }

  /** Stores the route of a key that `lookup` just missed, evicting the oldest entry when full. */
  remember(routingKey: string, destinations: readonly BindingDestination[]): void {
    if (this.#entries.size >= this.#entriesMax) this.#entries.delete(this.#ring[this.#nextSlot]);
    this.#ring[this.#nextSlot] = routingKey;
    this.#nextSlot = (this.#nextSlot + 1) % this.#entriesMax;
    this.#entries.set(routingKey, destinations);
  }

  clear(): void {
    this.#entries.clear();
    this.#nextSlot = 0;
  }

  get size(): number {
    return this.#entries.size;
  }
}
