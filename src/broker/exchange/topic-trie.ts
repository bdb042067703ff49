/**
 * The trie of topic binding keys, word by word (RabbitMQ `rabbit_db_topic_exchange.erl`,
 * NATS `sublist.go`, LavinMQ `exchange/topic.cr`).
 *
 * A key is split on every `.` exactly as RabbitMQ does: `a..b` has an empty middle word, `a.` a
 * trailing empty word, and the empty key has no words at all. Each binding key is a path from the
 * root; literal words are edges in a map, and `*` and `#` get their own edges so matching never
 * has to look them up by string.
 *
 * Matching walks the trie with an explicit stack of (node, word position) pairs rather than
 * recursion, so neither a long routing key nor a deep binding key can exhaust the call stack.
 * A `#` edge may consume any number of words, which with several `#` in one binding key would
 * make a naive walk combinatorial (`#.#.#.#.#.#.#.#.#.#.x` against a 127-word key has ~10^14
 * ways to split the words: a denial of service from a single binding). The walk therefore
 * remembers, per `#` node and per route call, the lowest position it entered that node at: a
 * later entry at the same or a higher position would only repeat work already queued, and an
 * entry lower down queues just the positions not yet covered. Every (node, position) pair is then
 * visited at most once, so a route call costs at most (trie nodes × (words + 1)) steps.
 */
import { assert } from "../../lib/assert.js";
import type { BindingDestination, DestinationSink } from "./exchange-type.js";
import { DestinationList } from "./binding-set.js";

class TopicNode {
  readonly parent: TopicNode | null;
  /** The word on the edge from the parent: a literal word, `*` or `#`. */
  readonly word: string;
  literalChildren: Map<string, TopicNode> | null = null;
  starChild: TopicNode | null = null;
  hashChild: TopicNode | null = null;
  /** Destinations of the bindings whose key ends at this node. */
  destinations: DestinationList | null = null;
  /** The route call that last entered this `#` node, and the lowest position it entered at. */
  visitEpoch = 0;
  lowestEnteredPosition = 0;

  constructor(parent: TopicNode | null, word: string) {
    this.parent = parent;
    this.word = word;
  }

  child(word: string): TopicNode | undefined {
    if (word === "*") return this.starChild ?? undefined;
    if (word === "#") return this.hashChild ?? undefined;
    return this.literalChildren?.get(word);
  }

  get isUnused(): boolean {
    return this.destinations === null && this.starChild === null && this.hashChild === null &&
      (this.literalChildren === null || this.literalChildren.size === 0);
  }
}

/** Splits a topic key as RabbitMQ does (`split_topic_key`): the empty key has zero words. */
export function splitTopicKey(key: string): string[] {
  return key.length === 0 ? [] : key.split(".");
}

export class TopicTrie {
  readonly #root = new TopicNode(null, "");
  /** The routing key's words, reused across route calls so splitting allocates no array. */
  readonly #words: string[] = [];
  /** The explicit walk stack, as two parallel arrays reused across route calls. */
  readonly #stackNodes: TopicNode[] = [];
  readonly #stackPositions: number[] = [];
  #epoch = 0;

  add(bindingKey: string, destination: BindingDestination): void {
    let node = this.#root;
    for (const word of splitTopicKey(bindingKey)) {
      let next = node.child(word);
      if (next === undefined) {
        next = new TopicNode(node, word);
        if (word === "*") node.starChild = next;
        else if (word === "#") node.hashChild = next;
        else (node.literalChildren ??= new Map()).set(word, next);
      }
      node = next;
    }
    (node.destinations ??= new DestinationList()).add(destination);
  }

  /** Forgets one binding added with `add`; nodes left without bindings or children are pruned. */
  remove(bindingKey: string, destination: BindingDestination): void {
    let node: TopicNode | undefined = this.#root;
    for (const word of splitTopicKey(bindingKey)) {
      node = node.child(word);
      assert(node !== undefined, "a topic binding is removed from the trie only after it was added");
    }
    assert(node.destinations !== null, "a topic binding is removed from the trie only after it was added");
    node.destinations.remove(destination);
    if (node.destinations.isEmpty) node.destinations = null;
    this.#prune(node);
  }

  /** Adds the destinations of every binding key matching `routingKey` to `out`. */
  match(routingKey: string, out: DestinationSink): void {
    const wordCount = this.#split(routingKey);
    const words = this.#words;
    const nodes = this.#stackNodes;
    const positions = this.#stackPositions;
    const epoch = ++this.#epoch;
    nodes[0] = this.#root;
    positions[0] = 0;
    let top = 1;
    while (top > 0) {
      top--;
      const node = nodes[top];
      const position = positions[top];
      if (position === wordCount) {
        node.destinations?.addTo(out);
      } else {
        const literal = node.literalChildren?.get(words[position]);
        if (literal !== undefined) {
          nodes[top] = literal;
          positions[top] = position + 1;
          top++;
        }
        if (node.starChild !== null) {
          nodes[top] = node.starChild;
          positions[top] = position + 1;
          top++;
        }
      }
      const hash = node.hashChild;
      if (hash === null) continue;
      // A `#` reached at `position` can consume 0..(wordCount - position) words: queue the
      // `#` node itself at every position it could resume from, skipping those already queued.
      let last = wordCount;
      if (hash.visitEpoch === epoch) {
        if (hash.lowestEnteredPosition <= position) continue;
        last = hash.lowestEnteredPosition - 1;
      }
      hash.visitEpoch = epoch;
      hash.lowestEnteredPosition = position;
      for (let resume = position; resume <= last; resume++) {
        nodes[top] = hash;
        positions[top] = resume;
        top++;
      }
    }
  }

  /** Fills `#words` with the routing key's words and returns how many there are. */
  #split(routingKey: string): number {
    if (routingKey.length === 0) return 0;
    const words = this.#words;
    let count = 0;
    let start = 0;
    for (;;) {
      const dot = routingKey.indexOf(".", start);
      if (dot === -1) {
        words[count++] = start === 0 ? routingKey : routingKey.substring(start);
        return count;
      }
      words[count++] = routingKey.substring(start, dot);
      start = dot + 1;
    }
  }

  #prune(from: TopicNode): void {
    let node = from;
    while (node.parent !== null && node.isUnused) {
      const parent: TopicNode = node.parent;
      if (node.word === "*") parent.starChild = null;
      else if (node.word === "#") parent.hashChild = null;
      else parent.literalChildren?.delete(node.word);
      node = parent;
    }
  }
}
