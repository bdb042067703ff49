/**
 * Exchanges: declare (passive, durable, auto-delete, internal), equivalence, delete, exchange-to-exchange
 * bindings, the four types with their edge cases, and the predeclared exchanges.
 * Codes and texts checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel } from "amqplib";
import {
  closeQuietly, connect, connectionClosed, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, uniqueName, withTimeout, type TestBroker, sharedBrokerAndConnection
} from "../helpers/broker.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

/** A fresh channel per test: soft errors close the channel they happen on. */
const channel = (): Promise<Channel> => openChannel(connection);

/** Declares an exclusive queue bound to `exchange` with each of `bindings` (key, args). */
async function boundQueue(ch: Channel, exchange: string, bindings: Array<[string, Record<string, unknown>?]>): Promise<string> {
  const { queue } = await ch.assertQueue("", { exclusive: true });
  for (const [key, args] of bindings) await ch.bindQueue(queue, exchange, key, args ?? {});
  return queue;
}

/** Drains a queue with basic.get and returns the bodies. */
async function drain(ch: Channel, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const message = await ch.get(queue, { noAck: true });
    if (message === false) return bodies;
    bodies.push(message.content.toString());
  }
}

/** Publishes and then waits for a round trip, so the messages have been routed before we look. */
async function publishAll(ch: Channel, exchange: string, messages: Array<[string, string, Record<string, unknown>?]>): Promise<void> {
  for (const [key, body, headers] of messages) ch.publish(exchange, key, Buffer.from(body), headers ? { headers } : {});
  await ch.checkExchange(exchange === "" ? "amq.direct" : exchange);
}

describe("declare", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("passive declare of a missing exchange → 404", async () => {
    const ch = await channel();
    await expectAmqpError(ch.checkExchange("no-such-exchange"), 404, "NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'");
  });

  test("declare is idempotent and a durable exchange can be checked passively", async () => {
    const ch = await channel();
    const name = uniqueName("ex-durable");
    await ch.assertExchange(name, "direct", { durable: true, autoDelete: false });
    await ch.assertExchange(name, "direct", { durable: true, autoDelete: false });
    await ch.checkExchange(name);
    await ch.deleteExchange(name);
    await expectAmqpError((await channel()).checkExchange(name), 404);
  });

  test("inequivalent redeclare → 406 with the argument named", async () => {
    const name = uniqueName("ex-ineq");
    const ch = await channel();
    await ch.assertExchange(name, "direct", { durable: false, autoDelete: true });
    // Bind something so the auto-delete exchange survives between the declares of this test.
    const queue = await boundQueue(ch, name, [["k"]]);
    await expectAmqpError((await channel()).assertExchange(name, "fanout", { durable: false, autoDelete: true }), 406,
      `PRECONDITION_FAILED - inequivalent arg 'type' for exchange '${name}' in vhost '/': received 'fanout' but current is 'direct'`);
    await expectAmqpError((await channel()).assertExchange(name, "direct", { durable: true, autoDelete: true }), 406,
      `PRECONDITION_FAILED - inequivalent arg 'durable' for exchange '${name}' in vhost '/': received 'true' but current is 'false'`);
    await expectAmqpError((await channel()).assertExchange(name, "direct", { durable: false, autoDelete: false }), 406,
      `PRECONDITION_FAILED - inequivalent arg 'auto_delete' for exchange '${name}' in vhost '/': received 'false' but current is 'true'`);
    await ch.deleteQueue(queue);
  });

  test("an auto-delete exchange is deleted when its last binding goes", async () => {
    const ch = await channel();
    const name = uniqueName("ex-autodel");
    await ch.assertExchange(name, "fanout", { autoDelete: true, durable: false });
    const queue = await boundQueue(ch, name, [[""]]);
    await ch.checkExchange(name); // still there while bound
    await ch.unbindQueue(queue, name, "");
    await expectAmqpError((await channel()).checkExchange(name), 404);
  });

  test("an unknown exchange type → 503 COMMAND_INVALID (hard)", async (t) => {
    const own = await connect(broker.url);
    t.after(() => closeQuietly(own));
    const closed = connectionClosed(own);
    const ch = await openChannel(own);
    ch.assertExchange(uniqueName("ex-type"), "no-such-type").catch(() => {});
    const info = await closed;
    assert.equal(info.code, 503);
    assert.equal(info.text, "COMMAND_INVALID - unknown exchange type 'no-such-type'");
  });
});

describe("internal exchanges", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("publishing to an internal exchange → 403, but it routes from another exchange", async () => {
    const ch = await channel();
    const internal = uniqueName("ex-internal");
    const front = uniqueName("ex-front");
    await ch.assertExchange(internal, "fanout", { internal: true, autoDelete: true, durable: false });
    await ch.assertExchange(front, "fanout", { autoDelete: true, durable: false });
    await ch.bindExchange(internal, front, "");
    const queue = await boundQueue(ch, internal, [[""]]);
    await publishAll(ch, front, [["", "via-front"]]);
    assert.deepEqual(await drain(ch, queue), ["via-front"]);
    const failing = await channel();
    failing.publish(internal, "", Buffer.from("direct"));
    await expectAmqpError(failing.checkExchange(internal), 403,
      `ACCESS_REFUSED - cannot publish to internal exchange '${internal}' in vhost '/'`);
  });
});

describe("delete", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("if-unused on an exchange with bindings → 406; without if-unused it is deleted", async () => {
    const ch = await channel();
    const name = uniqueName("ex-inuse");
    await ch.assertExchange(name, "direct", { durable: false, autoDelete: false });
    await boundQueue(ch, name, [["k"]]);
    await expectAmqpError((await channel()).deleteExchange(name, { ifUnused: true }), 406,
      `PRECONDITION_FAILED - exchange '${name}' in vhost '/' in use`);
    await ch.deleteExchange(name);
    await expectAmqpError((await channel()).checkExchange(name), 404);
  });

  test("deleting a missing exchange succeeds (RabbitMQ 3.x is idempotent here)", async () => {
    const ch = await channel();
    await ch.deleteExchange(uniqueName("ex-never"));
  });
});

describe("exchange-to-exchange bindings", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("bind routes through, unbind stops it, and loops deliver once", async () => {
    const ch = await channel();
    const source = uniqueName("e2e-src");
    const destination = uniqueName("e2e-dst");
    await ch.assertExchange(source, "topic", { autoDelete: false, durable: false });
    await ch.assertExchange(destination, "direct", { autoDelete: false, durable: false });
    const queue = await boundQueue(ch, destination, [["a.b"]]);
    await ch.bindExchange(destination, source, "a.*");
    await ch.bindExchange(source, destination, "#"); // a cycle: each queue still gets one copy
    await publishAll(ch, source, [["a.b", "routed"], ["x.y", "not routed"]]);
    assert.deepEqual(await drain(ch, queue), ["routed"]);
    await ch.unbindExchange(destination, source, "a.*");
    await publishAll(ch, source, [["a.b", "after unbind"]]);
    assert.deepEqual(await drain(ch, queue), []);
    await ch.unbindExchange(source, destination, "#");
    await ch.deleteExchange(source);
    await ch.deleteExchange(destination);
  });

  test("binding to a missing source exchange → 404", async () => {
    const ch = await channel();
    const destination = uniqueName("e2e-dst2");
    await ch.assertExchange(destination, "fanout", { autoDelete: true, durable: false });
    await expectAmqpError(ch.bindExchange(destination, "no-such-source", ""), 404,
      "NOT_FOUND - no exchange 'no-such-source' in vhost '/'");
  });
});

describe("routing by type", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("direct routes on exact key match, to every matching queue", async () => {
    const ch = await channel();
    const exchange = uniqueName("direct");
    await ch.assertExchange(exchange, "direct", { autoDelete: true, durable: false });
    const first = await boundQueue(ch, exchange, [["k1"], ["k2"]]);
    const second = await boundQueue(ch, exchange, [["k1"]]);
    await publishAll(ch, exchange, [["k1", "one"], ["k2", "two"], ["K1", "case differs"], ["", "empty"]]);
    assert.deepEqual(await drain(ch, first), ["one", "two"]);
    assert.deepEqual(await drain(ch, second), ["one"]);
  });

  test("fanout ignores the routing key; a queue bound twice gets one copy", async () => {
    const ch = await channel();
    const exchange = uniqueName("fanout");
    await ch.assertExchange(exchange, "fanout", { autoDelete: true, durable: false });
    const first = await boundQueue(ch, exchange, [["a"], ["b"]]);
    const second = await boundQueue(ch, exchange, [[""]]);
    await publishAll(ch, exchange, [["anything", "m1"], ["", "m2"]]);
    assert.deepEqual(await drain(ch, first), ["m1", "m2"]);
    assert.deepEqual(await drain(ch, second), ["m1", "m2"]);
  });

  // Each row: binding pattern, routing keys that match, routing keys that do not (RabbitMQ 3.10.8).
  const topicCases: Array<[string, string[], string[]]> = [
    ["a.b.c", ["a.b.c"], ["a.b", "a.b.c.d", "a.b.cc"]],
    ["a.*.c", ["a.b.c", "a..c"], ["a.c", "a.b.b.c"]],
    ["a.#", ["a", "a.b", "a.b.c"], ["b.a", "ab"]],
    ["#.c", ["c", "a.c", "a.b.c"], ["c.a", "ac"]],
    ["a.#.c", ["a.c", "a.b.c", "a.b.b.c"], ["a.b", "c"]],
    ["#", ["", "a", "a.b.c", "..."], []],
    // The empty routing key has no words for "*" (but "#" and "" match it): RabbitMQ 3.10.8.
    ["*", ["a"], ["a.b", ".", ""]],
    ["*.*", ["a.b", ".", "a."], ["a", "a.b.c"]],
    ["#.#", ["", "a", "a.b"], []],
    ["*.#", ["a", "a.b", "a.b.c"], []],
    ["", [""], ["a"]],
  ];
  for (const [pattern, matching, nonMatching] of topicCases) {
    test(`topic pattern ${JSON.stringify(pattern)}`, async () => {
      const ch = await channel();
      const exchange = uniqueName("topic");
      await ch.assertExchange(exchange, "topic", { autoDelete: true, durable: false });
      const queue = await boundQueue(ch, exchange, [[pattern]]);
      await publishAll(ch, exchange, [...matching, ...nonMatching].map((key) => [key, key] as [string, string]));
      assert.deepEqual(await drain(ch, queue), matching);
    });
  }

  test("topic: a queue matched by several bindings gets one copy", async () => {
    const ch = await channel();
    const exchange = uniqueName("topic-dup");
    await ch.assertExchange(exchange, "topic", { autoDelete: true, durable: false });
    const queue = await boundQueue(ch, exchange, [["a.*"], ["#"], ["a.b"]]);
    await publishAll(ch, exchange, [["a.b", "once"]]);
    assert.deepEqual(await drain(ch, queue), ["once"]);
  });

  test("headers: all, any, all-with-x, any-with-x, void values and the default (all)", async () => {
    const ch = await channel();
    const exchange = uniqueName("headers");
    await ch.assertExchange(exchange, "headers", { autoDelete: true, durable: false });
    const all = await boundQueue(ch, exchange, [["", { "x-match": "all", a: 1, b: "two" }]]);
    const any = await boundQueue(ch, exchange, [["", { "x-match": "any", a: 1, b: "two" }]]);
    const byDefault = await boundQueue(ch, exchange, [["", { a: 1, b: "two" }]]);
    const allWithX = await boundQueue(ch, exchange, [["", { "x-match": "all-with-x", a: 1, "x-tag": "t" }]]);
    const anyWithX = await boundQueue(ch, exchange, [["", { "x-match": "any-with-x", "x-tag": "t" }]]);
    const anyIgnoresX = await boundQueue(ch, exchange, [["", { "x-match": "any", "x-tag": "t" }]]);
    const empty = await boundQueue(ch, exchange, [["", { "x-match": "all" }]]);
    await publishAll(ch, exchange, [
      ["", "both", { a: 1, b: "two" }],
      ["", "a-only", { a: 1 }],
      ["", "wrong-value", { a: 2, b: "two" }],
      ["", "extra", { a: 1, b: "two", c: 3 }],
      ["", "a-and-x", { a: 1, "x-tag": "t" }],
      ["", "x-only", { "x-tag": "t" }],
      ["", "none", undefined],
    ]);
    assert.deepEqual(await drain(ch, all), ["both", "extra"]);
    assert.deepEqual(await drain(ch, byDefault), ["both", "extra"]);
    assert.deepEqual(await drain(ch, any), ["both", "a-only", "wrong-value", "extra", "a-and-x"]);
    assert.deepEqual(await drain(ch, allWithX), ["a-and-x"]);
    assert.deepEqual(await drain(ch, anyWithX), ["a-and-x", "x-only"]);
    // Plain any/all ignore binding arguments that start with x-, so nothing is left to match.
    assert.deepEqual(await drain(ch, anyIgnoresX), []);
    // all with no headers to compare matches every message.
    assert.deepEqual(await drain(ch, empty), ["both", "a-only", "wrong-value", "extra", "a-and-x", "x-only", "none"]);
  });

  test("headers: the value type matters (the number 1 is not the string '1')", async () => {
    const ch = await channel();
    const exchange = uniqueName("headers-type");
    await ch.assertExchange(exchange, "headers", { autoDelete: true, durable: false });
    const queue = await boundQueue(ch, exchange, [["", { "x-match": "all", n: 1 }]]);
    await publishAll(ch, exchange, [["", "number", { n: 1 }], ["", "string", { n: "1" }]]);
    assert.deepEqual(await drain(ch, queue), ["number"]);
  });
});

describe("predeclared and reserved exchanges", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the default exchange and amq.direct/fanout/topic/headers/match exist with their types", async () => {
    const ch = await channel();
    for (const [name, type] of [["amq.direct", "direct"], ["amq.fanout", "fanout"], ["amq.topic", "topic"],
      ["amq.headers", "headers"], ["amq.match", "headers"]] as const) {
      await ch.checkExchange(name);
      await ch.assertExchange(name, type, { durable: true }); // an equivalent redeclare is allowed
    }
    const { queue } = await ch.assertQueue("", { exclusive: true });
    ch.sendToQueue(queue, Buffer.from("via default"));
    await ch.checkQueue(queue);
    assert.deepEqual(await drain(ch, queue), ["via default"]);
  });

  test("declaring amq.foo → 403 ACCESS_REFUSED", async () => {
    await expectAmqpError((await channel()).assertExchange("amq.foo", "direct"), 403,
      "ACCESS_REFUSED - exchange name 'amq.foo' contains reserved prefix 'amq.*'");
  });

  test("deleting the default exchange → 403 ACCESS_REFUSED", async () => {
    await expectAmqpError((await channel()).deleteExchange(""), 403,
      "ACCESS_REFUSED - operation not permitted on the default exchange");
  });

  test("binding a queue to the default exchange → 403 ACCESS_REFUSED", async () => {
    const ch = await channel();
    const { queue } = await ch.assertQueue("", { exclusive: true });
    await expectAmqpError(ch.bindQueue(queue, "", "k"), 403,
      "ACCESS_REFUSED - operation not permitted on the default exchange");
  });

  test("publishing to a missing exchange → 404 on the channel", async () => {
    const ch = await channel();
    const closed = new Promise<void>((resolve) => ch.once("close", () => resolve()));
    ch.publish("no-such-exchange-pub", "k", Buffer.from("x"));
    await expectAmqpError(ch.checkExchange("amq.direct"), 404, "NOT_FOUND - no exchange 'no-such-exchange-pub' in vhost '/'");
    await withTimeout(closed, 2_000, "channel close");
  });
});
