/**
 * The ExchangeType contract, checked the same way for every type: binding equality and dedup,
 * removal, removal by destination, listing order, and one copy per destination in `out`.
 * Each type gets a binding key and message under which its bindings all match.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createExchangeType, isKnownExchangeType, listExchangeTypes } from "../../../../src/broker/exchange/index.js";
import type { BindingDestination, ExchangeType } from "../../../../src/broker/exchange/exchange-type.js";
import { BrokerError, Errors } from "../../../../src/errors/registry.js";
import { bind, exchange, message, queue, routeNames, table, text } from "./helpers.js";

const matchingKey: Record<string, string> = { direct: "k", fanout: "k", topic: "k", headers: "" };
const headers = table([["h", text("1")]]);
const argumentsFor = (typeName: string) => (typeName === "headers" ? table([["h", text("1")]]) : table());

for (const typeName of ["direct", "fanout", "topic", "headers"]) {
  describe(`${typeName} exchange type (contract)`, () => {
    const key = matchingKey[typeName];
    const input = () => message("k", headers);
    const fresh = (): ExchangeType => createExchangeType(typeName);

    it("names its type", () => {
      assert.equal(fresh().typeName, typeName);
    });

    it("routes to a bound destination and nowhere once unbound", () => {
      const type = fresh();
      const q1 = queue("q1");
      assert.deepEqual(routeNames(type, input()), []);
      assert.equal(type.addBinding(bind(q1, key, argumentsFor(typeName))), true);
      assert.deepEqual(routeNames(type, input()), ["q1"]);
      assert.equal(type.removeBinding(bind(q1, key, argumentsFor(typeName))), true);
      assert.deepEqual(routeNames(type, input()), []);
      assert.equal(type.bindingCount, 0);
    });

    it("keeps one of two equal bindings, arguments compared as sets of typed values", () => {
      const type = fresh();
      const q1 = queue("q1");
      const first = table([["a", { type: "I", value: 1 }], ["b", text("2")], ...argumentsFor(typeName)]);
      const reordered = table([...argumentsFor(typeName), ["b", text("2")], ["a", { type: "I", value: 1 }]]);
      assert.equal(type.addBinding(bind(q1, key, first)), true);
      assert.equal(type.addBinding(bind(q1, key, reordered)), false);
      assert.equal(type.bindingCount, 1);
      // The same value under another wire type is another binding, as in RabbitMQ.
      const otherType = table([["a", { type: "l", value: 1n }], ["b", text("2")], ...argumentsFor(typeName)]);
      assert.equal(type.addBinding(bind(q1, key, otherType)), true);
      assert.equal(type.bindingCount, 2);
    });

    it("tells a destination apart by identity, not by name", () => {
      const type = fresh();
      assert.equal(type.addBinding(bind(queue("q"), key, argumentsFor(typeName))), true);
      assert.equal(type.addBinding(bind(queue("q"), key, argumentsFor(typeName))), true);
      assert.equal(type.bindingCount, 2);
    });

    it("puts a destination in `out` once however many of its bindings match, and keeps what was there", () => {
      const type = fresh();
      const q1 = queue("q1");
      const q2 = queue("q2");
      const earlier = exchange("earlier");
      type.addBinding(bind(q1, key, argumentsFor(typeName)));
      type.addBinding(bind(q1, key, table([["extra", text("x")], ...argumentsFor(typeName)])));
      if (typeName === "topic") type.addBinding(bind(q1, "#", table()));
      type.addBinding(bind(q2, key, argumentsFor(typeName)));
      const out = new Set<BindingDestination>([earlier]);
      type.route(input(), out);
      assert.deepEqual([...out], [earlier, q1, q2]);
    });

    it("refuses to remove a binding that is not there", () => {
      const type = fresh();
      const q1 = queue("q1");
      type.addBinding(bind(q1, key, argumentsFor(typeName)));
      assert.equal(type.removeBinding(bind(queue("q1"), key, argumentsFor(typeName))), false);
      assert.equal(type.removeBinding(bind(q1, key, table([["other", text("1")]]))), false);
      assert.equal(type.bindingCount, 1);
    });

    it("removes every binding to a destination, leaving the others routable", () => {
      const type = fresh();
      const q1 = queue("q1");
      const q2 = queue("q2");
      type.addBinding(bind(q1, key, argumentsFor(typeName)));
      type.addBinding(bind(q1, "other", table([["z", text("9")], ...argumentsFor(typeName)])));
      type.addBinding(bind(q2, key, argumentsFor(typeName)));
      assert.equal(type.removeDestination(q1), 2);
      assert.equal(type.removeDestination(q1), 0);
      assert.equal(type.bindingCount, 1);
      assert.deepEqual(routeNames(type, input()), ["q2"]);
      assert.deepEqual([...type.bindings()].map((binding) => binding.destination), [q2]);
    });

    it("lists bindings in the order they were added, the first of equal ones kept", () => {
      const type = fresh();
      const q1 = queue("q1");
      const q2 = queue("q2");
      const b1 = bind(q2, key, argumentsFor(typeName));
      const b2 = bind(q1, key, argumentsFor(typeName));
      const b3 = bind(q1, "z", argumentsFor(typeName));
      for (const binding of [b1, b2, b3, bind(q2, key, argumentsFor(typeName))]) type.addBinding(binding);
      assert.deepEqual([...type.bindings()], [b1, b2, b3]);
      type.removeBinding(bind(q1, key, argumentsFor(typeName)));
      assert.deepEqual([...type.bindings()], [b1, b3]);
    });
  });
}

describe("exchange type registry", () => {
  it("knows the four built-in types, case-sensitively", () => {
    assert.deepEqual(listExchangeTypes().map((info) => info.name), ["direct", "fanout", "headers", "topic"]);
    for (const name of ["direct", "fanout", "topic", "headers"]) assert.equal(isKnownExchangeType(name), true);
    for (const name of ["Direct", "", "x-consistent-hash", "match"]) assert.equal(isKnownExchangeType(name), false);
  });

  it("creates a fresh table each time", () => {
    const first = createExchangeType("direct");
    first.addBinding(bind(queue("q"), "k"));
    assert.equal(createExchangeType("direct").bindingCount, 0);
  });

  it("refuses an unknown type with COMMAND_INVALID (RabbitMQ 3.10.8 closes the connection with 503)", () => {
    assert.throws(() => createExchangeType("Direct"), (error: unknown) => {
      assert.ok(error instanceof BrokerError);
      assert.equal(error.kind, Errors.COMMAND_INVALID);
      assert.equal(error.replyText, "COMMAND_INVALID - unknown exchange type 'Direct'");
      return true;
    });
  });

  it("describes each type as RabbitMQ does", () => {
    const topic = listExchangeTypes().find((info) => info.name === "topic");
    assert.equal(topic?.description, "AMQP topic exchange, as per the AMQP specification");
  });
});
