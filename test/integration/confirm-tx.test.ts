/**
 * Publisher confirms (RabbitMQ's confirm class) and transactions (tx class) for publishes and acks.
 * Behaviour, codes and texts checked against RabbitMQ 3.10.8.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChannelModel } from "amqplib";
import { ArgWriter, Method, RawAmqpClient, isMethod, methodArgs, type RawFrame, rawClientForTest } from "../helpers/raw-amqp.js";
import { closeAllConnections, connect, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, withTimeout, type TestBroker } from "../helpers/broker.js";

let broker: TestBroker;
before(async () => { broker = await startTestBroker(); });
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

const raw = (t: { after(fn: () => void): void }, channels = [1]): Promise<RawAmqpClient> => rawClientForTest(t, broker, { handshake: {}, channels });

interface Confirm { kind: "ack" | "nack"; deliveryTag: number; multiple: boolean }

/**
 * Reads frames until every tag up to `lastTag` is confirmed; returns confirms and the other frames seen,
 * in order. A tag confirmed twice fails the test. Confirms may come out of order: RabbitMQ 3.10.8 acked an
 * unroutable message (tag 2) before the routed one published just before it (tag 1).
 */
async function collectConfirms(client: RawAmqpClient, lastTag: number): Promise<{ confirms: Confirm[]; others: RawFrame[]; order: string[] }> {
  const confirms: Confirm[] = [];
  const others: RawFrame[] = [];
  const order: string[] = [];
  const covered = new Set<number>();
  while (covered.size < lastTag) {
    const frame = await client.nextFrame(5_000);
    if (isMethod(frame, Method.basicAck) || isMethod(frame, Method.basicNack)) {
      const args = methodArgs(frame);
      const confirm: Confirm = { kind: isMethod(frame, Method.basicAck) ? "ack" : "nack", deliveryTag: Number(args.longlong()), multiple: args.bit() };
      confirms.push(confirm);
      order.push(`${confirm.kind}:${confirm.deliveryTag}`);
      assert.ok(confirm.deliveryTag >= 1 && confirm.deliveryTag <= lastTag, `confirm for unknown tag ${confirm.deliveryTag}`);
      if (confirm.multiple) {
        const before = covered.size;
        for (let tag = 1; tag <= confirm.deliveryTag; tag += 1) covered.add(tag);
        assert.ok(covered.size > before, `multiple confirm ${confirm.deliveryTag} covers nothing new`);
      } else {
        assert.ok(!covered.has(confirm.deliveryTag), `tag ${confirm.deliveryTag} confirmed twice`);
        covered.add(confirm.deliveryTag);
      }
    } else {
      others.push(frame);
      order.push(`${frame.classId}.${frame.methodId}`);
    }
  }
  return { confirms, others, order };
}

describe("publisher confirms", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("routed and unroutable messages are all acked; tags count from 1", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("confirm"), { exclusive: true });
    client.sendMethod(1, Method.confirmSelect, new ArgWriter().bit(false).toBuffer());
    await client.expectMethod(Method.confirmSelectOk);
    client.publish(1, "", queue, Buffer.from("routed-1"));
    client.publish(1, "amq.direct", "nobody-bound", Buffer.from("unroutable"));
    client.publish(1, "", queue, Buffer.from("routed-2"));
    const { confirms } = await collectConfirms(client, 3);
    assert.ok(confirms.every((c) => c.kind === "ack"), JSON.stringify(confirms));
    assert.equal(Math.max(...confirms.map((c) => c.deliveryTag)), 3);
    await client.close();
  });

  test("a mandatory unroutable message is returned before it is acked", async (t) => {
    const client = await raw(t);
    client.sendMethod(1, Method.confirmSelect, new ArgWriter().bit(false).toBuffer());
    await client.expectMethod(Method.confirmSelectOk);
    client.publish(1, "amq.direct", "nobody-bound", Buffer.from("bounce"), {}, { mandatory: true });
    const { order } = await collectConfirms(client, 1);
    // basic.return (60.50), its content header and body (0.0 in this list), then basic.ack.
    assert.deepEqual(order, ["60.50", "0.0", "0.0", "ack:1"]);
    await client.close();
  });

  test("many publishes are covered exactly once, possibly with multiple=true", async (t) => {
    const client = await raw(t);
    const { queue } = await client.declareQueue(1, uniqueName("confirm-many"), { exclusive: true });
    client.sendMethod(1, Method.confirmSelect, new ArgWriter().bit(false).toBuffer());
    await client.expectMethod(Method.confirmSelectOk);
    const count = 500;
    for (let i = 1; i <= count; i += 1) client.publish(1, "", queue, Buffer.from(`m${i}`));
    const { confirms } = await collectConfirms(client, count); // checks each tag is covered exactly once
    assert.ok(confirms.every((c) => c.kind === "ack"));
    assert.equal(Math.max(...confirms.map((c) => c.deliveryTag)), count);
    assert.equal((await client.declareQueue(1, queue, { exclusive: true })).messageCount, count);
    await client.close();
  });

  test("amqplib's waitForConfirms resolves for routed and unroutable publishes", async () => {
    const connection: ChannelModel = await connect(broker.url);
    const channel = await connection.createConfirmChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    const acked: string[] = [];
    channel.sendToQueue(queue, Buffer.from("a"), {}, (error) => { if (!error) acked.push("a"); });
    channel.publish("amq.direct", "nobody-bound", Buffer.from("b"), {}, (error) => { if (!error) acked.push("b"); });
    await withTimeout(channel.waitForConfirms(), 5_000, "waitForConfirms");
    assert.deepEqual(acked.sort(), ["a", "b"]);
    await connection.close();
  });

  test("confirm.select on a transactional channel → 406", async (t) => {
    const client = await raw(t);
    client.sendMethod(1, Method.txSelect);
    await client.expectMethod(Method.txSelectOk);
    client.sendMethod(1, Method.confirmSelect, new ArgWriter().bit(false).toBuffer());
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - cannot switch from tx to confirm mode", classId: 85, methodId: 10 });
  });
});

describe("transactions", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("publishes are invisible until commit; rollback discards them", async (t) => {
    const client = await raw(t, [1, 2]);
    const { queue } = await client.declareQueue(2, uniqueName("tx-pub"), { exclusive: true });
    client.sendMethod(1, Method.txSelect);
    await client.expectMethod(Method.txSelectOk);
    client.publish(1, "", queue, Buffer.from("committed"));
    assert.equal((await client.declareQueue(2, queue, { exclusive: true })).messageCount, 0);
    client.sendMethod(1, Method.txCommit);
    await client.expectMethod(Method.txCommitOk);
    assert.equal((await client.declareQueue(2, queue, { exclusive: true })).messageCount, 1);
    client.publish(1, "", queue, Buffer.from("rolled back"));
    client.sendMethod(1, Method.txRollback);
    await client.expectMethod(Method.txRollbackOk);
    client.sendMethod(1, Method.txCommit); // an empty transaction commits fine
    await client.expectMethod(Method.txCommitOk);
    const got = await client.basicGet(2, queue);
    assert.equal(got?.body.toString(), "committed");
    assert.equal(await client.basicGet(2, queue), null);
    await client.close();
  });

  test("acks take effect on commit, and a rolled-back ack leaves the message unacked", async (t) => {
    const client = await raw(t, [1, 2]);
    const { queue } = await client.declareQueue(2, uniqueName("tx-ack"), { exclusive: true });
    client.publish(2, "", queue, Buffer.from("one"));
    client.publish(2, "", queue, Buffer.from("two"));
    client.sendMethod(1, Method.txSelect);
    await client.expectMethod(Method.txSelectOk);
    const first = await client.basicGet(1, queue, false);
    const second = await client.basicGet(1, queue, false);
    assert.ok(first && second);
    client.sendMethod(1, Method.basicAck, new ArgWriter().longlong(first.deliveryTag).bit(false).toBuffer());
    client.sendMethod(1, Method.txCommit);
    await client.expectMethod(Method.txCommitOk);
    client.sendMethod(1, Method.basicAck, new ArgWriter().longlong(second.deliveryTag).bit(false).toBuffer());
    client.sendMethod(1, Method.txRollback);
    await client.expectMethod(Method.txRollbackOk);
    // Closing the channel requeues what is still unacked: only "two".
    client.sendMethod(1, Method.channelClose, new ArgWriter().short(200).shortstr("").short(0).short(0).toBuffer());
    await client.expectMethod(Method.channelCloseOk);
    const requeued = await client.basicGet(2, queue);
    assert.equal(requeued?.body.toString(), "two");
    assert.equal(requeued?.redelivered, true);
    assert.equal(await client.basicGet(2, queue), null);
    await client.close();
  });

  test("tx.commit without tx.select → 406", async (t) => {
    const client = await raw(t);
    client.sendMethod(1, Method.txCommit);
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - channel is not transactional", classId: 90, methodId: 20 });
  });

  test("tx.rollback without tx.select → 406", async (t) => {
    const client = await raw(t);
    client.sendMethod(1, Method.txRollback);
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - channel is not transactional", classId: 90, methodId: 30 });
  });

  test("tx.select on a confirm channel → 406", async (t) => {
    const client = await raw(t);
    client.sendMethod(1, Method.confirmSelect, new ArgWriter().bit(false).toBuffer());
    await client.expectMethod(Method.confirmSelectOk);
    client.sendMethod(1, Method.txSelect);
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - cannot switch from confirm to tx mode", classId: 90, methodId: 10 });
  });
});
