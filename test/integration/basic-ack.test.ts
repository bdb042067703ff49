/**
 * Settling deliveries: basic.ack, basic.nack, basic.reject (multiple, requeue), the position of
 * requeued messages, unknown and repeated delivery tags, and basic.recover.
 * Behaviour checked against RabbitMQ 3.10.8.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage, GetMessage } from "amqplib";
import {
  Inbox, delay, expectAmqpError, openChannel, SUITE_TIMEOUT_MS, uniqueName, withTimeout,
  sharedBrokerAndConnection, type TestBroker
} from "../helpers/broker.js";
import { ArgWriter, Method, methodArgs, rawClientForTest, type RawAmqpClient } from "../helpers/raw-amqp.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

const channel = (): Promise<Channel> => openChannel(connection);

async function queueWith(ch: Channel, count: number): Promise<string> {
  const { queue } = await ch.assertQueue(uniqueName("q-ack"), { exclusive: true });
  for (let i = 1; i <= count; i += 1) ch.sendToQueue(queue, Buffer.from(String(i)));
  await ch.checkQueue(queue);
  return queue;
}

async function getAll(ch: Channel, queue: string, count: number): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  for (let i = 0; i < count; i += 1) {
    const message = await ch.get(queue, { noAck: false });
    assert.ok(message, `message ${i + 1} of ${count}`);
    messages.push(message);
  }
  return messages;
}

/** Drains with no-ack gets; each entry is the body, with "r" appended when redelivered. */
async function drain(ch: Channel, queue: string): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const message = await ch.get(queue, { noAck: true });
    if (message === false) return seen;
    seen.push(message.content.toString() + (message.fields.redelivered ? "r" : ""));
  }
}

describe("ack", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("ack removes the message; ack multiple settles every earlier tag", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 5);
    const messages = await getAll(ch, queue, 5);
    ch.ack(messages[0]);
    ch.ack(messages[3], true); // 2, 3 and 4
    await ch.close(); // only 5 is still unacked: it goes back
    const other = await channel();
    assert.deepEqual(await drain(other, queue), ["5r"]);
  });

  test("an unknown delivery tag → 406 PRECONDITION_FAILED", async () => {
    const ch = await channel();
    const closed = new Promise<void>((resolve) => ch.once("close", () => resolve()));
    ch.ack({ fields: { deliveryTag: 42 } } as unknown as GetMessage);
    await expectAmqpError(ch.checkExchange("amq.direct"), 406, "PRECONDITION_FAILED - unknown delivery tag 42");
    await withTimeout(closed, 2_000, "channel close");
  });

  test("acking a tag twice → 406 unknown delivery tag", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 1);
    const [message] = await getAll(ch, queue, 1);
    ch.ack(message);
    ch.ack(message);
    await expectAmqpError(ch.checkQueue(queue), 406, `PRECONDITION_FAILED - unknown delivery tag ${message.fields.deliveryTag}`);
  });

  test("ack multiple with tag 0 acks everything outstanding", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 3);
    await getAll(ch, queue, 3);
    ch.ackAll(); // basic.ack delivery-tag=0 multiple=true
    await ch.close();
    assert.equal((await (await channel()).checkQueue(queue)).messageCount, 0);
  });

  test("acking a no-ack delivery → 406 unknown delivery tag", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 1);
    const message = await ch.get(queue, { noAck: true });
    assert.ok(message);
    ch.ack(message);
    await expectAmqpError(ch.checkQueue(queue), 406, `PRECONDITION_FAILED - unknown delivery tag ${message.fields.deliveryTag}`);
  });
});

// basic.ack is read without the generic decoder (connection.ts): the same answers, byte for byte.
describe("basic.ack on the wire", { timeout: SUITE_TIMEOUT_MS }, () => {
  const ackArgs = (tag: number, multiple: boolean): Buffer => new ArgWriter().longlong(tag).bit(multiple).toBuffer();

  /** A raw client on channel 1 with `count` messages delivered to consumer "c" (manual ack). */
  async function rawConsumer(t: { after(fn: () => void): void }, count: number): Promise<{ client: RawAmqpClient; queue: string }> {
    const client = await rawClientForTest(t, broker, { handshake: {}, channels: [1] });
    const { queue } = await client.declareQueue(1, uniqueName("q-raw-ack"), { exclusive: true });
    for (let i = 1; i <= count; i += 1) client.publish(1, "", queue, Buffer.from(String(i)));
    client.sendMethod(1, Method.basicConsume, new ArgWriter().short(0).shortstr(queue).shortstr("c")
      .bit(false).bit(false).bit(false).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.basicConsumeOk);
    for (let i = 1; i <= count; i += 1) {
      const deliver = methodArgs(await client.expectMethod(Method.basicDeliver));
      assert.equal(deliver.shortstr(), "c");
      assert.equal(deliver.longlong(), BigInt(i));
      await client.readContent();
    }
    return { client, queue };
  }

  test("single and multiple acks settle exactly the tags they name", async (t) => {
    const { client, queue } = await rawConsumer(t, 5);
    client.sendMethod(1, Method.basicAck, ackArgs(2, false));
    client.sendMethod(1, Method.basicAck, ackArgs(4, true)); // 1, 3 and 4
    client.sendMethod(1, Method.basicCancel, new ArgWriter().shortstr("c").bit(false).toBuffer());
    await client.expectMethod(Method.basicCancelOk);
    // Only 5 is unacked: closing the channel requeues it alone.
    client.sendMethod(1, Method.channelClose, new ArgWriter().short(200).shortstr("").short(0).short(0).toBuffer());
    await client.expectMethod(Method.channelCloseOk);
    await client.openChannel(2);
    const got = await client.basicGet(2, queue);
    assert.equal(got?.body.toString(), "5");
    assert.equal(got?.redelivered, true);
    assert.equal(await client.basicGet(2, queue), null);
    await client.close();
  });

  test("an unknown tag closes the channel with 406, naming basic.ack (60, 80)", async (t) => {
    const { client } = await rawConsumer(t, 1);
    client.sendMethod(1, Method.basicAck, ackArgs(9, false));
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - unknown delivery tag 9", classId: 60, methodId: 80 });
    await client.close();
  });

  test("basic.ack where a content header is due → 505 UNEXPECTED_FRAME on the connection", async (t) => {
    const { client } = await rawConsumer(t, 1);
    client.sendMethod(1, Method.basicPublish, new ArgWriter().short(0).shortstr("").shortstr("anywhere").bit(false).bit(false).toBuffer());
    client.sendMethod(1, Method.basicAck, ackArgs(1, false));
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, {
      code: 505, text: "UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead", classId: 60, methodId: 80,
    });
  });
});

describe("nack and reject", { timeout: SUITE_TIMEOUT_MS }, () => {
  // The brief's question, answered by RabbitMQ 3.10.8: publish 1..5, get all without ack,
  // nack 2 and 4 with requeue → they come back first, in their original order, redelivered.
  test("requeued messages return at their original position, marked redelivered", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 5);
    const messages = await getAll(ch, queue, 5);
    ch.nack(messages[3], false, true); // 4 first,
    ch.nack(messages[1], false, true); // then 2: the order of the nacks does not matter
    const other = await channel();
    assert.deepEqual(await drain(other, queue), ["2r", "4r"]);
    await ch.close(); // 1, 3, 5 go back too, and the queue is in publish order again
    assert.deepEqual(await drain(other, queue), ["1r", "3r", "5r"]);
  });

  test("requeued messages go ahead of messages never delivered, in publish order", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 5);
    const messages = await getAll(ch, queue, 3);
    ch.reject(messages[2], true); // 3
    ch.reject(messages[0], true); // 1
    const other = await channel();
    assert.deepEqual(await drain(other, queue), ["1r", "3r", "4", "5"]);
  });

  test("nack multiple with requeue returns every earlier unacked tag", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 4);
    const messages = await getAll(ch, queue, 4);
    ch.ack(messages[1]);
    ch.nack(messages[2], true, true); // 1 and 3 (2 is already acked)
    const other = await channel();
    assert.deepEqual(await drain(other, queue), ["1r", "3r"]);
    ch.nackAll(true); // tag 0 multiple: 4
    await ch.checkQueue(queue);
    assert.deepEqual(await drain(other, queue), ["4r"]);
  });

  test("nack and reject without requeue discard the message", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 3);
    const messages = await getAll(ch, queue, 3);
    ch.nack(messages[0], false, false);
    ch.reject(messages[1], false);
    ch.nack(messages[2], true, false);
    await ch.close();
    assert.deepEqual(await drain(await channel(), queue), []);
  });

  test("a requeued message goes to the next consumer with redelivered=true", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 1);
    const inbox = new Inbox<ConsumeMessage>();
    let rejected = false;
    await ch.consume(queue, (m) => {
      if (m === null) return;
      inbox.push(m);
      if (!rejected) { rejected = true; ch.reject(m, true); } else ch.ack(m);
    });
    const [first, second] = await inbox.waitForCount(2);
    assert.equal(first.fields.redelivered, false);
    assert.equal(second.fields.redelivered, true);
    assert.equal(second.content.toString(), "1");
    assert.notEqual(second.fields.deliveryTag, first.fields.deliveryTag);
  });

  test("an unknown tag on nack and reject → 406", async () => {
    for (const settle of [
      (ch: Channel) => ch.nack({ fields: { deliveryTag: 7 } } as unknown as GetMessage, false, true),
      (ch: Channel) => ch.reject({ fields: { deliveryTag: 7 } } as unknown as GetMessage, true),
    ]) {
      const ch = await channel();
      settle(ch);
      await expectAmqpError(ch.checkExchange("amq.direct"), 406, "PRECONDITION_FAILED - unknown delivery tag 7");
    }
  });
});

describe("recover", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("basic.recover requeue=true redelivers every unacked message to the consumer, redelivered", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 3);
    const inbox = new Inbox<ConsumeMessage>();
    await ch.consume(queue, (m) => { if (m) inbox.push(m); });
    await inbox.waitForCount(3);
    await ch.recover();
    const all = await inbox.waitForCount(6);
    const again = all.slice(3);
    assert.deepEqual(again.map((m) => m.content.toString()), ["1", "2", "3"]);
    assert.ok(again.every((m) => m.fields.redelivered));
    // The old tags are gone; the new ones work.
    for (const message of again) ch.ack(message);
    await ch.close();
    assert.equal((await (await channel()).checkQueue(queue)).messageCount, 0);
  });

  test("unacked basic.get messages are requeued by recover", async () => {
    const ch = await channel();
    const queue = await queueWith(ch, 2);
    await getAll(ch, queue, 2);
    await ch.recover();
    await delay(50);
    assert.deepEqual(await drain(await channel(), queue), ["1r", "2r"]);
  });
});
