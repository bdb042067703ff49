/**
 * The topic exchange: binding keys are patterns of `.`-separated words where `*` matches exactly
 * one word and `#` zero or more (RabbitMQ `rabbit_exchange_type_topic.erl`). The matching itself
 * lives in `topic-trie.ts`; this file keeps the bindings and consults the route cache (`topic-route-cache.ts`).
 */
import type { Binding, BindingDestination, DestinationSink, ExchangeType, RoutingInput } from "./exchange-type.js";
import { BindingSet } from "./binding-set.js";
import { TopicRouteCache } from "./topic-route-cache.js";
import { RoutingTargets } from "./routing-targets.js";
import { TopicTrie } from "./topic-trie.js";

export interface TopicExchangeOptions {
  /** How many routing keys' routes to remember; 0 turns the cache off (see topic-route-cache.ts). */
  readonly routeCacheEntriesMax?: number;
}

/**
 * Enough for the hot keys of a typical application, small enough that many topic exchanges
 * together stay within a few megabytes (an entry is a key and a short array).
 */
export const TOPIC_ROUTE_CACHE_ENTRIES_DEFAULT = 1_024;

export class TopicExchangeType implements ExchangeType {
  readonly typeName = "topic";
  readonly #bindings = new BindingSet();
  readonly #trie = new TopicTrie();
  readonly #routeCache: TopicRouteCache | null;
  readonly #scratch = new RoutingTargets();

  constructor(options: TopicExchangeOptions = {}) {
    const entriesMax = options.routeCacheEntriesMax ?? TOPIC_ROUTE_CACHE_ENTRIES_DEFAULT;
    this.#routeCache = entriesMax > 0 ? new TopicRouteCache(entriesMax) : null;
  }

  get bindingCount(): number {
    return this.#bindings.size;
  }

  bindings(): Iterable<Binding> {
    return this.#bindings.values();
  }

  addBinding(binding: Binding): boolean {
    if (!this.#bindings.add(binding)) return false;
    this.#trie.add(binding.routingKey, binding.destination);
    this.#routeCache?.clear();
    return true;
  }

  removeBinding(binding: Binding): boolean {
    const removed = this.#bindings.remove(binding);
    if (removed === undefined) return false;
    this.#trie.remove(removed.routingKey, removed.destination);
    this.#routeCache?.clear();
    return true;
  }

  removeDestination(destination: BindingDestination): number {
    const removed = this.#bindings.removeDestination(destination);
    for (const binding of removed) this.#trie.remove(binding.routingKey, binding.destination);
    if (removed.length > 0) this.#routeCache?.clear();
    return removed.length;
  }

  route(input: RoutingInput, out: DestinationSink): void {
    const cache = this.#routeCache;
    if (cache === null || !cache.active) {
      this.#trie.match(input.routingKey, out);
      return;
    }
    const cached = cache.lookup(input.routingKey);
    if (cached !== undefined) {
      for (let index = 0; index < cached.length; index++) out.add(cached[index]);
      return;
    }
    let destinations: BindingDestination[];
    if (out.size === 0) {
      this.#trie.match(input.routingKey, out);
      destinations = Array.from(out);
    } else {
      // `out` already holds destinations from other exchanges, which must not be cached as
      // this exchange's answer, so the walk goes into a private set first.
      const scratch = this.#scratch;
      this.#trie.match(input.routingKey, scratch);
      destinations = Array.from(scratch);
      scratch.clear();
      for (let index = 0; index < destinations.length; index++) out.add(destinations[index]);
    }
    cache.remember(input.routingKey, destinations);
  }
}
