import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TopicExchangeType } from "../../../../src/broker/exchange/topic.js";
import { splitTopicKey } from "../../../../src/broker/exchange/topic-trie.js";
import { TopicRouteCache } from "../../../../src/broker/exchange/topic-route-cache.js";
import type { BindingDestination } from "../../../../src/broker/exchange/exchange-type.js";
import { topicCases, topicKeys } from "./topic-cases.js";
import { bind, message, queue, routeNames } from "./helpers.js";

/**
 * The reference matcher, written from the specification rather than from the trie: `*` takes
 * exactly one word, `#` zero or more, any other word must be equal; the empty key has no words.
 */
function referenceMatches(pattern: string, routingKey: string): boolean {
  const patternWords = splitTopicKey(pattern);
  const keyWords = splitTopicKey(routingKey);
  const memo = new Map<string, boolean>();
  const from = (p: number, k: number): boolean => {
    const memoKey = `${p},${k}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === patternWords.length) result = k === keyWords.length;
    else if (patternWords[p] === "#") result = from(p + 1, k) || (k < keyWords.length && from(p, k + 1));
    else result = k < keyWords.length && (patternWords[p] === "*" || patternWords[p] === keyWords[k]) && from(p + 1, k + 1);
    memo.set(memoKey, result);
    return result;
  };
  return from(0, 0);
}

for (const cacheEntries of [0, 64]) {
  const newTopic = () => new TopicExchangeType({ routeCacheEntriesMax: cacheEntries });
  const label = cacheEntries === 0 ? "without route cache" : "with route cache";

  describe(`topic exchange ${label}`, () => {
    it("matches the table verified against RabbitMQ, one binding at a time", () => {
      for (const { pattern, matches } of topicCases) {
        const topic = newTopic();
        topic.addBinding(bind(queue("q"), pattern));
        for (const key of topicKeys) {
          const routed = routeNames(topic, message(key)).length === 1;
          assert.equal(routed, matches.includes(key), `pattern ${JSON.stringify(pattern)} × key ${JSON.stringify(key)}`);
        }
      }
    });

    it("matches the same table with every pattern bound at once in one trie", () => {
      const topic = newTopic();
      topicCases.forEach(({ pattern }, index) => topic.addBinding(bind(queue(`${index}`), pattern)));
      for (const key of topicKeys) {
        const expected = topicCases.flatMap(({ matches }, index) => (matches.includes(key) ? [`${index}`] : [])).sort();
        assert.deepEqual(routeNames(topic, message(key)), expected, `key ${JSON.stringify(key)}`);
      }
    });

    it("agrees with the reference matcher on random patterns and keys", () => {
      const word = fc.constantFrom("a", "b", "", "ab");
      const patternWord = fc.oneof(word, fc.constantFrom("*", "#"));
      const join = (words: string[]) => words.join(".");
      const patterns = fc.array(fc.array(patternWord, { maxLength: 6 }).map(join), { minLength: 1, maxLength: 8 });
      const keys = fc.array(fc.oneof(fc.array(word, { maxLength: 8 }).map(join), fc.constant("")), { minLength: 1, maxLength: 6 });
      fc.assert(
        fc.property(patterns, keys, (patternList, keyList) => {
          const topic = newTopic();
          patternList.forEach((pattern, index) => topic.addBinding(bind(queue(`${index}`), pattern)));
          for (const key of keyList) {
            const expected = patternList.flatMap((pattern, index) => (referenceMatches(pattern, key) ? [`${index}`] : []));
            assert.deepEqual(routeNames(topic, message(key)), [...new Set(expected)].sort());
          }
        }),
        { numRuns: 500 },
      );
    });

    it("agrees with the reference matcher while bindings come and go", () => {
      const word = fc.constantFrom("a", "b", "", "*", "#");
      const pattern = fc.array(word, { maxLength: 5 }).map((words) => words.join("."));
      const operation = fc.record({ add: fc.boolean(), pattern, destination: fc.integer({ min: 0, max: 3 }) });
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 40 }), fc.array(fc.array(fc.constantFrom("a", "b", ""), { maxLength: 6 }).map((w) => w.join(".")), { minLength: 1, maxLength: 5 }), (operations, keyList) => {
          const topic = newTopic();
          const destinations = [0, 1, 2, 3].map((index) => queue(`${index}`));
          const live: Array<{ pattern: string; destination: number }> = [];
          for (const { add, pattern: p, destination } of operations) {
            const binding = bind(destinations[destination], p);
            const index = live.findIndex((entry) => entry.pattern === p && entry.destination === destination);
            if (add) {
              assert.equal(topic.addBinding(binding), index === -1);
              if (index === -1) live.push({ pattern: p, destination });
            } else {
              assert.equal(topic.removeBinding(binding), index !== -1);
              if (index !== -1) live.splice(index, 1);
            }
            for (const key of keyList) {
              const expected = new Set(live.filter((entry) => referenceMatches(entry.pattern, key)).map((entry) => `${entry.destination}`));
              assert.deepEqual(routeNames(topic, message(key)), [...expected].sort());
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it("stays fast on many `#` against a long key (each trie node visited once per position)", () => {
      const topic = newTopic();
      topic.addBinding(bind(queue("q"), "#.#.#.#.#.#.#.#.#.#.x"));
      topic.addBinding(bind(queue("r"), "#.a.#.a.#.a.#.a.#.a.#.b"));
      const key = Array.from({ length: 127 }, () => "a").join(".");
      const started = performance.now();
      assert.deepEqual(routeNames(topic, message(key)), []);
      assert.deepEqual(routeNames(topic, message(`${key}.x`)), ["q"]);
      assert.deepEqual(routeNames(topic, message(`${key}.b`)), ["r"]);
      assert.ok(performance.now() - started < 1_000, "a naive backtracking walk would try ~10^14 splits here");
    });

    it("routes very long keys and binding keys without exhausting the stack", () => {
      const topic = newTopic();
      const emptyWords = ".".repeat(65_534); // 65,535 empty words, MQTT's longest topic
      const deep = Array.from({ length: 20_000 }, () => "w").join(".");
      topic.addBinding(bind(queue("dots"), emptyWords));
      topic.addBinding(bind(queue("deep"), deep));
      topic.addBinding(bind(queue("hash"), "#"));
      topic.addBinding(bind(queue("star-hash"), "*.#.*"));
      assert.deepEqual(routeNames(topic, message(emptyWords)), ["dots", "hash", "star-hash"]);
      assert.deepEqual(routeNames(topic, message(deep)), ["deep", "hash", "star-hash"]);
      assert.deepEqual(routeNames(topic, message(`${deep}.w`)), ["hash", "star-hash"]);
    });

    it("forgets a pattern once its last binding is gone, and prunes back to an empty trie", () => {
      const topic = newTopic();
      const q1 = queue("q1");
      const q2 = queue("q2");
      topic.addBinding(bind(q1, "a.*.#"));
      topic.addBinding(bind(q2, "a.*.#"));
      topic.addBinding(bind(q1, "a.*"));
      assert.deepEqual(routeNames(topic, message("a.b")), ["q1", "q2"]);
      topic.removeBinding(bind(q1, "a.*.#"));
      assert.deepEqual(routeNames(topic, message("a.b")), ["q1", "q2"]);
      topic.removeBinding(bind(q1, "a.*"));
      assert.deepEqual(routeNames(topic, message("a.b")), ["q2"]);
      assert.equal(topic.removeDestination(q2), 1);
      assert.deepEqual(routeNames(topic, message("a.b")), []);
      topic.addBinding(bind(q1, "a.b"));
      assert.deepEqual(routeNames(topic, message("a.b")), ["q1"]);
    });

    it("never asks for the headers", () => {
      const topic = newTopic();
      topic.addBinding(bind(queue("q"), "#"));
      const input = message("a.b");
      topic.route(input, new Set<BindingDestination>());
      assert.equal(input.headerCalls, 0);
    });
  });
}

describe("topic route cache", () => {
  it("serves a cached route only until a binding changes", () => {
    const topic = new TopicExchangeType({ routeCacheEntriesMax: 2 });
    const q1 = queue("q1");
    topic.addBinding(bind(q1, "a.#"));
    assert.deepEqual(routeNames(topic, message("a.b")), ["q1"]);
    topic.addBinding(bind(queue("q2"), "*.b"));
    assert.deepEqual(routeNames(topic, message("a.b")), ["q1", "q2"]);
    topic.removeDestination(q1);
    assert.deepEqual(routeNames(topic, message("a.b")), ["q2"]);
  });

  it("does not cache what `out` held before, and evicts the oldest key when full", () => {
    const topic = new TopicExchangeType({ routeCacheEntriesMax: 2 });
    topic.addBinding(bind(queue("q"), "#.b"));
    const out = new Set<BindingDestination>([queue("earlier")]);
    topic.route(message("a.b"), out);
    assert.equal(out.size, 2);
    for (const key of ["x.b", "y.b", "a.b", "c"]) assert.deepEqual(routeNames(topic, message(key)), key === "c" ? [] : ["q"]);
  });
});

describe("topic route cache hit-rate guard", () => {
  it("steps aside after a window answered mostly by misses, and keeps what it holds", () => {
    const cache = new TopicRouteCache(4); // a window of 16 lookups
    const destinations = [queue("q")];
    for (let index = 0; index < 16; index++) {
      assert.equal(cache.active, true);
      assert.equal(cache.lookup(`key${index}`), undefined);
      cache.remember(`key${index}`, destinations);
    }
    assert.equal(cache.size, 4);
    assert.equal(cache.active, false);
    for (let index = 1; index < 262_144; index++) assert.equal(cache.active, false);
    assert.equal(cache.active, true);
    assert.equal(cache.lookup("key15"), destinations);
  });

  it("stays active while at least half the lookups hit", () => {
    const cache = new TopicRouteCache(4);
    const destinations = [queue("q")];
    for (let index = 0; index < 160; index++) {
      assert.equal(cache.active, true);
      const key = `key${index % 3}`;
      if (cache.lookup(key) === undefined) cache.remember(key, destinations);
    }
  });
});
