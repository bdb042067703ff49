/**
 * Queues: server-named, passive, durable, exclusive, auto-delete, bind/unbind, purge, delete
 * with if-unused/if-empty. Codes and texts checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel } from "amqplib";
import {
  closeQuietly, connect, delay, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, uniqueName, waitFor, type TestBroker, sharedBrokerAndConnection
} from "../helpers/broker.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

async function publishN(ch: Channel, queue: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i += 1) ch.sendToQueue(queue, Buffer.from(String(i)));
  await ch.checkQueue(queue); // a round trip after the publishes: they have been enqueued
}

/** True when a passive declare finds the queue (a 405 for another connection's exclusive queue counts as found). */
async function queueExists(name: string): Promise<boolean> {
  const ch = await channel();
  try {
    await ch.checkQueue(name);
    await ch.close();
    return true;
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 405) return true;
    assert.equal(code, 404, String(error));
    return false;
  }
}

describe("declare", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an empty name gets a server-generated amq.gen- name", async () => {
    const ch = await channel();
    const first = await ch.assertQueue("", { exclusive: true });
    const second = await ch.assertQueue("", { exclusive: true });
    // RabbitMQ 3.10.8: "amq.gen-" + 22 characters of url-safe base64.
    assert.match(first.queue, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
    assert.notEqual(first.queue, second.queue);
    assert.deepEqual({ messageCount: first.messageCount, consumerCount: first.consumerCount }, { messageCount: 0, consumerCount: 0 });
  });

  test("declare-ok and passive declare report message and consumer counts", async () => {
    const ch = await channel();
    const name = uniqueName("q-counts");
    await ch.assertQueue(name, { exclusive: true });
    await publishN(ch, name, 3);
    await ch.consume(name, () => {}, { noAck: false, consumerTag: uniqueName("ctag") });
    // The consumer took the 3 messages; declare-ok counts ready messages only.
    const passive = await ch.checkQueue(name);
    assert.equal(passive.consumerCount, 1);
    assert.equal(passive.messageCount, 0);
    const again = await ch.assertQueue(name, { exclusive: true });
    assert.equal(again.consumerCount, 1);
  });

  test("passive declare of a missing queue → 404", async () => {
    await expectAmqpError((await channel()).checkQueue("no-such-queue"), 404, "NOT_FOUND - no queue 'no-such-queue' in vhost '/'");
  });

  test("declaring amq.-prefixed names → 403 ACCESS_REFUSED", async () => {
    await expectAmqpError((await channel()).assertQueue("amq.mine"), 403,
      "ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'");
  });

  test("durable: an inequivalent redeclare → 406 naming the argument", async () => {
    const ch = await channel();
    const name = uniqueName("q-durable");
    await ch.assertQueue(name, { durable: true });
    try {
      await expectAmqpError((await channel()).assertQueue(name, { durable: false }), 406,
        `PRECONDITION_FAILED - inequivalent arg 'durable' for queue '${name}' in vhost '/': received 'false' but current is 'true'`);
      await expectAmqpError((await channel()).assertQueue(name, { durable: true, arguments: { "x-max-length": 10 } }), 406,
        `PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue '${name}' in vhost '/': received the value '10' of type 'byte' but current is none`); // amqplib encodes 10 as a byte
    } finally {
      await ch.deleteQueue(name);
    }
  });
});

describe("exclusive", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("another connection → 405 RESOURCE_LOCKED for declare, passive declare, consume and delete", async (t) => {
    const ch = await channel();
    const name = uniqueName("q-exclusive");
    await ch.assertQueue(name, { exclusive: true });
    const other = await connect(broker.url);
    t.after(() => closeQuietly(other));
    const text = `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${name}' in vhost '/'. ` +
      "It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.";
    await expectAmqpError((await openChannel(other)).assertQueue(name, { exclusive: true }), 405, text);
    await expectAmqpError((await openChannel(other)).assertQueue(name, { exclusive: false }), 405, text);
    await expectAmqpError((await openChannel(other)).checkQueue(name), 405, text);
    await expectAmqpError((await openChannel(other)).consume(name, () => {}), 405, text);
    await expectAmqpError((await openChannel(other)).deleteQueue(name), 405, text);
    // Another channel of the owning connection may use it.
    await (await channel()).checkQueue(name);
  });

  test("an exclusive queue is deleted when its connection closes", async () => {
    const owner = await connect(broker.url);
    const name = uniqueName("q-excl-gone");
    await (await openChannel(owner)).assertQueue(name, { exclusive: true });
    assert.equal(await queueExists(name), true);
    await owner.close();
    await waitFor(async () => ((await queueExists(name)) ? undefined : true), 3_000, "exclusive queue deletion");
  });
});

describe("auto-delete", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("is deleted when its last consumer is cancelled, not before it had one", async () => {
    const ch = await channel();
    const name = uniqueName("q-autodel");
    await ch.assertQueue(name, { autoDelete: true, durable: false });
    await delay(50);
    assert.equal(await queueExists(name), true, "an auto-delete queue that never had a consumer stays");
    const first = await ch.consume(name, () => {}, { noAck: true });
    const second = await ch.consume(name, () => {}, { noAck: true });
    await ch.cancel(first.consumerTag);
    assert.equal(await queueExists(name), true, "one consumer remains");
    await ch.cancel(second.consumerTag);
    await waitFor(async () => ((await queueExists(name)) ? undefined : true), 3_000, "auto-delete");
  });

  test("is deleted when the channel of its last consumer closes", async () => {
    const ch = await channel();
    const name = uniqueName("q-autodel-close");
    await ch.assertQueue(name, { autoDelete: true, durable: false });
    await ch.consume(name, () => {}, { noAck: true });
    await ch.close();
    await waitFor(async () => ((await queueExists(name)) ? undefined : true), 3_000, "auto-delete on channel close");
  });
});

describe("bind and unbind", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("bind routes, unbind stops routing, unbinding twice is fine", async () => {
    const ch = await channel();
    const name = uniqueName("q-bind");
    await ch.assertQueue(name, { exclusive: true });
    await ch.bindQueue(name, "amq.direct", name);
    await ch.bindQueue(name, "amq.direct", name); // idempotent
    ch.publish("amq.direct", name, Buffer.from("bound"));
    await ch.checkQueue(name);
    const message = await ch.get(name, { noAck: true });
    assert.ok(message);
    assert.equal(message.content.toString(), "bound");
    assert.equal(message.fields.exchange, "amq.direct");
    assert.equal(message.fields.routingKey, name);
    await ch.unbindQueue(name, "amq.direct", name);
    await ch.unbindQueue(name, "amq.direct", name); // RabbitMQ 3.x: unbinding a missing binding is ok
    ch.publish("amq.direct", name, Buffer.from("unbound"));
    const { messageCount } = await ch.checkQueue(name);
    assert.equal(messageCount, 0);
  });

  test("binding a missing queue or to a missing exchange → 404", async () => {
    const ch = await channel();
    const name = uniqueName("q-bind404");
    await ch.assertQueue(name, { exclusive: true });
    await expectAmqpError(ch.bindQueue(name, "no-such-exchange", "k"), 404, "NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'");
    await expectAmqpError((await channel()).bindQueue("no-such-queue", "amq.direct", "k"), 404, "NOT_FOUND - no queue 'no-such-queue' in vhost '/'");
  });
});

describe("purge", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("returns the number of messages removed and leaves unacked ones alone", async () => {
    const ch = await channel();
    const name = uniqueName("q-purge");
    await ch.assertQueue(name, { exclusive: true });
    await publishN(ch, name, 5);
    const held = await ch.get(name, { noAck: false });
    assert.ok(held);
    const purged = await ch.purgeQueue(name);
    assert.equal(purged.messageCount, 4);
    assert.equal((await ch.purgeQueue(name)).messageCount, 0);
    ch.nack(held, false, true);
    assert.equal((await ch.checkQueue(name)).messageCount, 1);
  });

  test("purging a missing queue → 404", async () => {
    await expectAmqpError((await channel()).purgeQueue("no-such-queue-p"), 404, "NOT_FOUND - no queue 'no-such-queue-p' in vhost '/'");
  });
});

describe("delete", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("returns the number of ready messages deleted", async () => {
    const ch = await channel();
    const name = uniqueName("q-delete");
    await ch.assertQueue(name, { exclusive: true });
    await publishN(ch, name, 3);
    assert.equal((await ch.deleteQueue(name)).messageCount, 3);
    assert.equal(await queueExists(name), false);
  });

  test("if-unused on a queue with a consumer → 406", async () => {
    const ch = await channel();
    const name = uniqueName("q-inuse");
    await ch.assertQueue(name, { exclusive: true });
    await ch.consume(name, () => {}, { noAck: true });
    await expectAmqpError((await channel()).deleteQueue(name, { ifUnused: true }), 406,
      `PRECONDITION_FAILED - queue '${name}' in vhost '/' in use`);
  });

  test("if-empty on a queue with messages → 406; when empty it is deleted", async () => {
    const ch = await channel();
    const name = uniqueName("q-notempty");
    await ch.assertQueue(name, { exclusive: true });
    await publishN(ch, name, 2);
    await expectAmqpError((await channel()).deleteQueue(name, { ifEmpty: true }), 406,
      `PRECONDITION_FAILED - queue '${name}' in vhost '/' not empty`);
    await ch.purgeQueue(name);
    assert.equal((await ch.deleteQueue(name, { ifEmpty: true, ifUnused: true })).messageCount, 0);
  });

  test("deleting a missing queue succeeds with count 0 (RabbitMQ 3.x)", async () => {
    const reply = await (await channel()).deleteQueue(uniqueName("q-never"));
    assert.equal(reply.messageCount, 0);
  });
});
