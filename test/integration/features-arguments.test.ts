/**
 * Queue, consumer and exchange arguments: values RabbitMQ accepts (x-queue-mode lazy included),
 * values it refuses (406 with a text naming the argument), and redeclarations with inequivalent
 * arguments (406 `inequivalent arg`). Every text below is what RabbitMQ 3.10.8 answered to the
 * same declaration made with amqplib (which encodes small integers as 'byte', then 'short',
 * 'signedint', and strings as 'longstr'). RabbitMQ's texts differ by argument: integer arguments
 * say "expected integer, got <type>", x-dead-letter-exchange and alternate-exchange say
 * "invalid type", the others {unacceptable_type,<type>}; an inequivalent redeclare shows both
 * values bare when both are present, and "the value '...' of type '...'" next to "none".
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import {
  expectAmqpError, Inbox, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor, sharedBrokerAndConnection
} from "../helpers/broker.js";

let connection: ChannelModel;
sharedBrokerAndConnection((_broker, opened) => {
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

/** amqplib's way to choose a field type explicitly. */
const long = (value: number) => ({ "!": "long", value });

const invalid = (key: string, queue: string, reason: string) =>
  `PRECONDITION_FAILED - invalid arg '${key}' for queue '${queue}' in vhost '/': ${reason}`;

describe("accepted arguments", { timeout: SUITE_TIMEOUT_MS }, () => {
  const accepted: Array<[string, Record<string, unknown>]> = [
    ["x-queue-mode lazy", { "x-queue-mode": "lazy" }],
    ["x-queue-mode default", { "x-queue-mode": "default" }],
    ["x-max-priority 0", { "x-max-priority": 0 }],
    ["x-message-ttl 2^32-1", { "x-message-ttl": long(4_294_967_295) }],
    ["x-message-ttl 2^32 (3.10.8 has no upper bound)", { "x-message-ttl": long(4_294_967_296) }],
    ["x-queue-type classic, x-queue-version 2", { "x-queue-type": "classic", "x-queue-version": 2 }],
    ["an unknown x- argument", { "x-custom": "kept and ignored" }],
  ];
  for (const [label, args] of accepted) {
    test(label, async () => {
      const ch = await channel();
      const queue = uniqueName("args-ok");
      await ch.assertQueue(queue, { exclusive: true, arguments: args });
      ch.sendToQueue(queue, Buffer.from("works"));
      const message = await ch.get(queue, { noAck: true });
      assert.ok(message);
      assert.equal(message.content.toString(), "works");
    });
  }

  test("a lazy queue consumes like any other", async () => {
    const ch = await channel();
    const queue = uniqueName("args-lazy");
    await ch.assertQueue(queue, { exclusive: true, arguments: { "x-queue-mode": "lazy" } });
    for (let index = 0; index < 100; index += 1) ch.sendToQueue(queue, Buffer.from(String(index)));
    // RabbitMQ 3.10.8 may count a lazy queue's messages a moment after a passive declare on the publishing channel.
    await waitFor(async () => ((await ch.checkQueue(queue)).messageCount === 100 ? true : undefined), 3_000, "100 messages in the lazy queue");
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: true });
    const received = await inbox.waitForCount(100);
    assert.deepEqual(received.map((m) => Number(m.content.toString())), Array.from({ length: 100 }, (_, index) => index));
  });

  test("x-cancel-on-ha-failover and x-priority are accepted on basic.consume", async () => {
    const ch = await channel();
    const queue = uniqueName("args-consume");
    await ch.assertQueue(queue, { exclusive: true });
    await ch.consume(queue, () => {}, { noAck: true, arguments: { "x-cancel-on-ha-failover": true, "x-priority": long(7) } });
  });
});

describe("refused arguments → 406", { timeout: SUITE_TIMEOUT_MS }, () => {
  const refused: Array<[string, Record<string, unknown>, string, string]> = [
    ["x-message-ttl as a string", { "x-message-ttl": "abc" }, "x-message-ttl", `"expected integer, got longstr"`],
    ["x-message-ttl as a double", { "x-message-ttl": 1.5 }, "x-message-ttl", `"expected integer, got double"`],
    ["x-message-ttl as a bool", { "x-message-ttl": true }, "x-message-ttl", `"expected integer, got bool"`],
    ["x-message-ttl negative", { "x-message-ttl": -1 }, "x-message-ttl", "{value_negative,-1}"],
    ["x-expires 0", { "x-expires": 0 }, "x-expires", "{value_zero,0}"],
    ["x-expires as a string", { "x-expires": "abc" }, "x-expires", `"expected integer, got longstr"`],
    ["x-expires negative", { "x-expires": -5 }, "x-expires", "{value_negative,-5}"],
    ["x-max-length as a string", { "x-max-length": "abc" }, "x-max-length", `"expected integer, got longstr"`],
    ["x-max-length negative", { "x-max-length": -1 }, "x-max-length", "{value_negative,-1}"],
    ["x-max-length-bytes as a string", { "x-max-length-bytes": "abc" }, "x-max-length-bytes", `"expected integer, got longstr"`],
    ["x-max-length-bytes negative", { "x-max-length-bytes": -1 }, "x-max-length-bytes", "{value_negative,-1}"],
    ["x-max-priority 256", { "x-max-priority": 256 }, "x-max-priority", "{max_value_exceeded,256}"],
    ["x-max-priority as a string", { "x-max-priority": "abc" }, "x-max-priority", `"expected integer, got longstr"`],
    ["x-max-priority negative", { "x-max-priority": -1 }, "x-max-priority", "{value_negative,-1}"],
    ["x-overflow unknown", { "x-overflow": "bogus" }, "x-overflow", "invalid_overflow"],
    ["x-overflow as a number", { "x-overflow": 5 }, "x-overflow", "{unacceptable_type,byte}"],
    ["x-dead-letter-routing-key without a dead-letter exchange", { "x-dead-letter-routing-key": "k" }, "x-dead-letter-routing-key", "routing_key_but_no_dlx_defined"],
    ["x-dead-letter-routing-key as a number", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": 5 }, "x-dead-letter-routing-key", "{unacceptable_type,byte}"],
    ["x-single-active-consumer as a string", { "x-single-active-consumer": "yes" }, "x-single-active-consumer", "{unacceptable_type,longstr}"],
    ["x-single-active-consumer as a number", { "x-single-active-consumer": 1 }, "x-single-active-consumer", "{unacceptable_type,byte}"],
    ["x-queue-mode unknown", { "x-queue-mode": "bogus" }, "x-queue-mode", `"unsupported queue mode 'bogus'"`],
    ["x-queue-mode as a number", { "x-queue-mode": 5 }, "x-queue-mode", "{unacceptable_type,byte}"],
    ["x-queue-version 3", { "x-queue-version": 3 }, "x-queue-version", `"unsupported queue version '3'"`],
    ["x-queue-type unknown", { "x-queue-type": "bogus" }, "x-queue-type", `"unsupported queue type 'bogus'"`],
  ];
  for (const [label, args, key, reason] of refused) {
    test(label, async () => {
      const queue = uniqueName("args-bad");
      await expectAmqpError((await channel()).assertQueue(queue, { exclusive: true, arguments: args }), 406, invalid(key, queue, reason));
    });
  }

  test("x-dead-letter-exchange as a number", async () => {
    const queue = uniqueName("args-bad");
    await expectAmqpError((await channel()).assertQueue(queue, { exclusive: true, arguments: { "x-dead-letter-exchange": 5 } }), 406,
      `PRECONDITION_FAILED - invalid type 'byte' for arg 'x-dead-letter-exchange' in queue '${queue}' in vhost '/'`);
  });

  test("x-priority on basic.consume as a string or a double", async () => {
    const queue = uniqueName("args-bad-consume");
    const setup = await channel();
    await setup.assertQueue(queue, { exclusive: true });
    await expectAmqpError((await channel()).consume(queue, () => {}, { arguments: { "x-priority": "high" } }), 406,
      invalid("x-priority", queue, `"expected integer, got longstr"`));
    await expectAmqpError((await channel()).consume(queue, () => {}, { arguments: { "x-priority": 1.5 } }), 406,
      invalid("x-priority", queue, `"expected integer, got double"`));
  });

  test("alternate-exchange as a number", async () => {
    const name = uniqueName("args-bad-exchange");
    await expectAmqpError((await channel()).assertExchange(name, "direct", { autoDelete: true, arguments: { "alternate-exchange": 5 } }), 406,
      `PRECONDITION_FAILED - invalid type 'byte' for arg 'alternate-exchange' in exchange '${name}' in vhost '/'`);
  });
});

describe("inequivalent redeclare → 406", { timeout: SUITE_TIMEOUT_MS }, () => {
  const inequivalent = (key: string, queue: string, received: string, current: string) =>
    `PRECONDITION_FAILED - inequivalent arg '${key}' for queue '${queue}' in vhost '/': received ${received} but current is ${current}`;
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string, string, string]> = [
    ["a different x-message-ttl", { "x-message-ttl": 1000 }, { "x-message-ttl": 2000 }, "x-message-ttl", "'2000'", "'1000'"],
    ["x-message-ttl left out", { "x-message-ttl": 1000 }, {}, "x-message-ttl", "none", "the value '1000' of type 'short'"],
    ["x-message-ttl added", {}, { "x-message-ttl": 100_000 }, "x-message-ttl", "the value '100000' of type 'signedint'", "none"],
    ["x-max-length as a string", { "x-max-length": 10 }, { "x-max-length": "10" }, "x-max-length", "'10'", "'10'"],
    ["a different x-dead-letter-exchange", { "x-dead-letter-exchange": "a" }, { "x-dead-letter-exchange": "b" }, "x-dead-letter-exchange", "'b'", "'a'"],
    ["x-queue-mode left out", { "x-queue-mode": "lazy" }, {}, "x-queue-mode", "none", "the value 'lazy' of type 'longstr'"],
    ["a different x-single-active-consumer", { "x-single-active-consumer": true }, { "x-single-active-consumer": false }, "x-single-active-consumer", "'false'", "'true'"],
    ["a different x-max-priority", { "x-max-priority": 5 }, { "x-max-priority": 10 }, "x-max-priority", "'10'", "'5'"],
    ["x-overflow left out", { "x-overflow": "reject-publish" }, {}, "x-overflow", "none", "the value 'reject-publish' of type 'longstr'"],
    ["x-overflow drop-head left out (even though it is the default)", { "x-overflow": "drop-head" }, {}, "x-overflow", "none", "the value 'drop-head' of type 'longstr'"],
  ];
  for (const [label, first, second, key, received, current] of cases) {
    test(label, async () => {
      const queue = uniqueName("args-ineq");
      await (await channel()).assertQueue(queue, { exclusive: true, arguments: first });
      await expectAmqpError((await channel()).assertQueue(queue, { exclusive: true, arguments: second }), 406,
        inequivalent(key, queue, received, current));
    });
  }

  const equivalent: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ["the same integer in another width", { "x-max-length": 10 }, { "x-max-length": long(10) }],
    ["an unknown argument changed", { "x-custom": 1 }, { "x-custom": 2 }],
    ["x-queue-type classic added", {}, { "x-queue-type": "classic" }],
  ];
  for (const [label, first, second] of equivalent) {
    test(`equivalent: ${label}`, async () => {
      const ch = await channel();
      const queue = uniqueName("args-eq");
      await ch.assertQueue(queue, { exclusive: true, arguments: first });
      await ch.assertQueue(queue, { exclusive: true, arguments: second });
    });
  }

  test("an exchange redeclared with a different or no alternate-exchange", async () => {
    const name = uniqueName("args-ineq-exchange");
    const ch = await channel();
    await ch.assertExchange(name, "direct", { autoDelete: false, arguments: { "alternate-exchange": "a" } });
    try {
      const where = `for exchange '${name}' in vhost '/'`;
      await expectAmqpError((await channel()).assertExchange(name, "direct", { autoDelete: false, arguments: { "alternate-exchange": "b" } }), 406,
        `PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' ${where}: received 'b' but current is 'a'`);
      await expectAmqpError((await channel()).assertExchange(name, "direct", { autoDelete: false }), 406,
        `PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' ${where}: received none but current is the value 'a' of type 'longstr'`);
    } finally {
      await (await channel()).deleteExchange(name);
    }
  });
});
