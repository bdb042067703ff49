/**
 * Alternate exchanges (RabbitMQ's ae.html): the `alternate-exchange` argument of exchange.declare
 * receives what the exchange cannot route, and mandatory publishing as RabbitMQ has it: no
 * basic.return when the alternate exchange routes the message, a return when it does not either.
 * Every expectation here was first checked against RabbitMQ 3.10.8.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConfirmChannel, Message } from "amqplib";
import {
  closeAllConnections, connect, delay, openChannel, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, withTimeout, type TestBroker,
} from "../helpers/broker.js";

let broker: TestBroker;
let connection: ChannelModel;
const exchangesToDelete: string[] = [];
before(async () => {
  broker = await startTestBroker();
  connection = await connect(broker.url);
});
after(async () => {
  // Exchanges are not exclusive: delete them so runs against a shared broker leave nothing behind.
  const ch = await openChannel(connection);
  for (const name of exchangesToDelete) await ch.deleteExchange(name);
  await closeAllConnections();
  await broker?.stop();
});

const channel = (): Promise<Channel> => openChannel(connection);

async function exchange(ch: Channel, prefix: string, type: string, args: Record<string, unknown> = {}, internal = false): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertExchange(name, type, { durable: false, autoDelete: false, internal, arguments: args });
  return name;
}

async function boundQueue(ch: Channel, source: string, routingKey = ""): Promise<string> {
  const name = uniqueName("ae-q");
  await ch.assertQueue(name, { exclusive: true });
  await ch.bindQueue(name, source, routingKey);
  return name;
}

async function drain(ch: Channel, queue: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (let message = await ch.get(queue, { noAck: true }); message !== false; message = await ch.get(queue, { noAck: true })) messages.push(message);
  return messages;
}

/** Publishes on a confirm channel and collects basic.return frames that arrive before the confirm. */
async function publishMandatory(ch: ConfirmChannel, exchangeName: string, routingKey: string, body: string): Promise<{ confirm: "ack" | "nack"; returned: Message[] }> {
  const returned: Message[] = [];
  const onReturn = (message: Message) => returned.push(message);
  ch.on("return", onReturn);
  try {
    const confirm = await withTimeout(new Promise<"ack" | "nack">((resolve) => {
      ch.publish(exchangeName, routingKey, Buffer.from(body), { mandatory: true }, (error) => resolve(error ? "nack" : "ack"));
    }), 5_000, "publisher confirm");
    return { confirm, returned }; // RabbitMQ sends basic.return before the basic.ack of the same message
  } finally {
    ch.off("return", onReturn);
  }
}

async function tracked(name: Promise<string>): Promise<string> {
  exchangesToDelete.push(await name);
  return exchangesToDelete[exchangesToDelete.length - 1];
}

describe("alternate-exchange", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("unroutable messages go to the alternate exchange; routable ones do not", async () => {
    const ch = await channel();
    const alternate = await tracked(exchange(ch, "ae-alt", "fanout"));
    const main = await tracked(exchange(ch, "ae-main", "direct", { "alternate-exchange": alternate }));
    const routed = await boundQueue(ch, main, "known");
    const unroutedQueue = await boundQueue(ch, alternate);
    ch.publish(main, "known", Buffer.from("routed"));
    ch.publish(main, "unknown", Buffer.from("unrouted"));
    await ch.checkQueue(routed);
    assert.deepEqual((await drain(ch, routed)).map((m) => m.content.toString()), ["routed"]);
    const viaAlternate = await drain(ch, unroutedQueue);
    assert.deepEqual(viaAlternate.map((m) => m.content.toString()), ["unrouted"]);
    // The message keeps the exchange and routing key it was published with.
    assert.equal(viaAlternate[0].fields.exchange, main);
    assert.equal(viaAlternate[0].fields.routingKey, "unknown");
  });

  test("an alternate exchange with bindings of its own routes by the original routing key", async () => {
    const ch = await channel();
    const alternate = await tracked(exchange(ch, "ae-topic", "topic"));
    const main = await tracked(exchange(ch, "ae-main-topic", "direct", { "alternate-exchange": alternate }));
    const orders = await boundQueue(ch, alternate, "orders.*");
    ch.publish(main, "orders.created", Buffer.from("order"));
    ch.publish(main, "payments.created", Buffer.from("payment"));
    await ch.checkQueue(orders);
    assert.deepEqual((await drain(ch, orders)).map((m) => m.content.toString()), ["order"]);
  });

  test("alternate exchanges chain: the alternate's own alternate is used, and a cycle ends", async () => {
    const ch = await channel();
    const last = await tracked(exchange(ch, "ae-last", "fanout"));
    const middle = await tracked(exchange(ch, "ae-middle", "direct", { "alternate-exchange": last }));
    const main = await tracked(exchange(ch, "ae-first", "direct", { "alternate-exchange": middle }));
    const end = await boundQueue(ch, last);
    ch.publish(main, "nowhere", Buffer.from("chained"));
    await ch.checkQueue(end);
    assert.deepEqual((await drain(ch, end)).map((m) => m.content.toString()), ["chained"]);

    const loopA = uniqueName("ae-loop-a");
    const loopB = uniqueName("ae-loop-b");
    await ch.assertExchange(loopA, "direct", { autoDelete: false, arguments: { "alternate-exchange": loopB } });
    await ch.assertExchange(loopB, "direct", { autoDelete: false, arguments: { "alternate-exchange": loopA } });
    exchangesToDelete.push(loopA, loopB);
    const confirmChannel = await connection.createConfirmChannel();
    const { confirm, returned } = await publishMandatory(confirmChannel, loopA, "k", "looping");
    assert.equal(confirm, "ack");
    assert.equal(returned.length, 1, "a cycle of alternate exchanges routes nowhere: returned");
  });

  test("an alternate exchange may be internal", async () => {
    const ch = await channel();
    const alternate = await tracked(exchange(ch, "ae-internal", "fanout", {}, true));
    const main = await tracked(exchange(ch, "ae-main-int", "direct", { "alternate-exchange": alternate }));
    const queue = await boundQueue(ch, alternate);
    ch.publish(main, "k", Buffer.from("through an internal exchange"));
    await ch.checkQueue(queue);
    assert.equal((await drain(ch, queue)).length, 1);
  });

  test("a missing alternate exchange: the message is dropped, the channel stays open", async () => {
    const ch = await channel();
    const main = await tracked(exchange(ch, "ae-missing", "direct", { "alternate-exchange": uniqueName("ae-not-declared") }));
    ch.publish(main, "k", Buffer.from("dropped"));
    await delay(50);
    await ch.checkExchange(main);
  });
});

describe("mandatory with an alternate exchange", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("not returned when the alternate exchange routes it; acked", async () => {
    const setup = await channel();
    const alternate = await tracked(exchange(setup, "aem-alt", "fanout"));
    const main = await tracked(exchange(setup, "aem-main", "direct", { "alternate-exchange": alternate }));
    const queue = await boundQueue(setup, alternate);
    const ch = await connection.createConfirmChannel();
    const { confirm, returned } = await publishMandatory(ch, main, "unroutable", "saved");
    await delay(50);
    assert.equal(confirm, "ack");
    assert.equal(returned.length, 0);
    assert.equal((await drain(setup, queue)).length, 1);
  });

  test("returned with 312 NO_ROUTE when the alternate exchange has no route either", async () => {
    const setup = await channel();
    const alternate = await tracked(exchange(setup, "aem-alt-empty", "direct"));
    const main = await tracked(exchange(setup, "aem-main-2", "direct", { "alternate-exchange": alternate }));
    const ch = await connection.createConfirmChannel();
    const { confirm, returned } = await publishMandatory(ch, main, "unroutable", "lost");
    assert.equal(confirm, "ack");
    assert.equal(returned.length, 1);
    const fields = returned[0].fields as unknown as { replyCode: number; replyText: string; exchange: string; routingKey: string };
    assert.deepEqual({ replyCode: fields.replyCode, replyText: fields.replyText, exchange: fields.exchange, routingKey: fields.routingKey },
      { replyCode: 312, replyText: "NO_ROUTE", exchange: main, routingKey: "unroutable" });
    assert.equal(returned[0].content.toString(), "lost");
  });

  test("returned when the alternate exchange does not exist", async () => {
    const main = await tracked(exchange(await channel(), "aem-missing", "direct", { "alternate-exchange": uniqueName("aem-none") }));
    const ch = await connection.createConfirmChannel();
    const { confirm, returned } = await publishMandatory(ch, main, "k", "lost");
    assert.equal(confirm, "ack");
    assert.equal(returned.length, 1);
  });
});
