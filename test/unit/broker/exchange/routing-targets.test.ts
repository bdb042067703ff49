import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { RoutingTargets } from "../../../../src/broker/exchange/routing-targets.js";
import { DirectExchangeType, FanoutExchangeType, TopicExchangeType } from "../../../../src/broker/exchange/index.js";
import { bind, message, queue } from "./helpers.js";
import type { BindingDestination } from "../../../../src/broker/exchange/exchange-type.js";

test("a destination appears once, in the order of its first add", () => {
  const [a, b, c] = [queue("a"), queue("b"), queue("c")];
  const targets = new RoutingTargets();
  for (const destination of [b, a, b, c, a]) targets.add(destination);
  assert.equal(targets.size, 3);
  assert.deepEqual([...targets], [b, a, c]);
  assert.deepEqual([targets.at(0), targets.at(1), targets.at(2)], [b, a, c]);
  assert.ok(targets.has(c));
  assert.ok(!targets.has(queue("c")), "membership is by identity, as in a Set");
});

test("behaves like a Set across many adds and clears, past the linear-scan size", () => {
  const pool = Array.from({ length: 60 }, (_, index) => queue(`q${index}`));
  fc.assert(fc.property(fc.array(fc.array(fc.nat(pool.length - 1), { maxLength: 80 }), { maxLength: 6 }), (rounds) => {
    const targets = new RoutingTargets();
    for (const picks of rounds) {
      const expected = new Set<BindingDestination>();
      for (const pick of picks) {
        targets.add(pool[pick]);
        expected.add(pool[pick]);
        assert.equal(targets.size, expected.size);
      }
      assert.deepEqual([...targets], [...expected]);
      for (const destination of pool) assert.equal(targets.has(destination), expected.has(destination));
      targets.clear();
      assert.equal(targets.size, 0);
      assert.deepEqual([...targets], []);
    }
  }));
});

test("a destination added while walking by index is walked too (exchange-to-exchange routing)", () => {
  const targets = new RoutingTargets();
  targets.add(queue("first"));
  const seen: string[] = [];
  for (let position = 0; position < targets.size; position++) {
    const name = targets.at(position).name;
    seen.push(name);
    if (name === "first") targets.add(queue("second"));
  }
  assert.deepEqual(seen, ["first", "second"]);
});

test("exchange types route into it as into a Set", () => {
  const [a, b, c] = [queue("a"), queue("b"), queue("c")];
  const direct = new DirectExchangeType();
  direct.addBinding(bind(a, "k"));
  direct.addBinding(bind(b, "k"));
  const fanout = new FanoutExchangeType();
  for (const destination of [a, b, c]) fanout.addBinding(bind(destination, ""));
  const topic = new TopicExchangeType();
  topic.addBinding(bind(c, "x.*"));
  topic.addBinding(bind(a, "#"));
  for (const [type, key] of [[direct, "k"], [fanout, "any"], [topic, "x.y"], [topic, "x.y"]] as const) {
    const set = new Set<BindingDestination>();
    type.route(message(key), set);
    const targets = new RoutingTargets();
    type.route(message(key), targets);
    assert.deepEqual([...targets], [...set]);
  }
});
