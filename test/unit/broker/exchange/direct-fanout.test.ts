import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DirectExchangeType } from "../../../../src/broker/exchange/direct.js";
import { FanoutExchangeType } from "../../../../src/broker/exchange/fanout.js";
import type { BindingDestination } from "../../../../src/broker/exchange/exchange-type.js";
import { bind, message, queue, routeNames } from "./helpers.js";

describe("direct exchange", () => {
  it("routes on the exact key: case-sensitive, empty key included, wildcards literal", () => {
    const direct = new DirectExchangeType();
    for (const key of ["a", "A", "", "a.b", "#", "*"]) direct.addBinding(bind(queue(`q[${key}]`), key));
    assert.deepEqual(routeNames(direct, message("a")), ["q[a]"]);
    assert.deepEqual(routeNames(direct, message("A")), ["q[A]"]);
    assert.deepEqual(routeNames(direct, message("")), ["q[]"]);
    assert.deepEqual(routeNames(direct, message("a.b")), ["q[a.b]"]);
    assert.deepEqual(routeNames(direct, message("#")), ["q[#]"]);
    assert.deepEqual(routeNames(direct, message("x")), []);
  });

  it("keeps a key's route while another binding still uses it", () => {
    const direct = new DirectExchangeType();
    const q1 = queue("q1");
    const q2 = queue("q2");
    direct.addBinding(bind(q1, "k"));
    direct.addBinding(bind(q2, "k"));
    direct.removeBinding(bind(q1, "k"));
    assert.deepEqual(routeNames(direct, message("k")), ["q2"]);
    direct.removeDestination(q2);
    assert.deepEqual(routeNames(direct, message("k")), []);
  });

  it("never asks for the headers", () => {
    const direct = new DirectExchangeType();
    direct.addBinding(bind(queue("q"), "k"));
    const input = message("k");
    direct.route(input, new Set<BindingDestination>());
    assert.equal(input.headerCalls, 0);
  });
});

describe("fanout exchange", () => {
  it("routes to every destination whatever the key", () => {
    const fanout = new FanoutExchangeType();
    fanout.addBinding(bind(queue("q1"), "a"));
    fanout.addBinding(bind(queue("q2"), ""));
    for (const key of ["", "a", "zzz", "#"]) assert.deepEqual(routeNames(fanout, message(key)), ["q1", "q2"]);
  });

  it("keeps a destination while any of its bindings remains", () => {
    const fanout = new FanoutExchangeType();
    const q1 = queue("q1");
    fanout.addBinding(bind(q1, "a"));
    fanout.addBinding(bind(q1, "b"));
    fanout.removeBinding(bind(q1, "a"));
    assert.deepEqual(routeNames(fanout, message("x")), ["q1"]);
    fanout.removeBinding(bind(q1, "b"));
    assert.deepEqual(routeNames(fanout, message("x")), []);
  });

  it("never asks for the headers", () => {
    const fanout = new FanoutExchangeType();
    fanout.addBinding(bind(queue("q"), "k"));
    const input = message("k");
    fanout.route(input, new Set<BindingDestination>());
    assert.equal(input.headerCalls, 0);
  });
});
