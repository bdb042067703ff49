/**
 * Answers that clients depend on, each checked against the real RabbitMQ 3.10.8 (Debian's
 * package) by running this file with WARREN_TEST_AMQP_URL pointed at it (see test/helpers/broker.ts):
 * the close codes and their class/method ids, and the order of replies that py-amqp/kombu rely on.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ArgWriter, Method, methodArgs, isMethod, rawClientForTest, type RawAmqpClient } from "../helpers/raw-amqp.js";
import { closeAllConnections, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, type TestBroker } from "../helpers/broker.js";

let broker: TestBroker;
before(async () => { broker = await startTestBroker(); });
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

const raw = (t: { after(fn: () => void): void }): Promise<RawAmqpClient> => rawClientForTest(t, broker, { handshake: {}, channels: [1] });

const EXCHANGE_DECLARE_OK = [40, 11] as const;
const EXCHANGE_DELETE = [40, 20] as const;
const EXCHANGE_DELETE_OK = [40, 21] as const;
const EXCHANGE_BIND = [40, 30] as const;
const EXCHANGE_BIND_OK = [40, 31] as const;

function declareExchange(client: RawAmqpClient, name: string): Promise<unknown> {
  client.sendMethod(1, Method.exchangeDeclare, new ArgWriter().short(0).shortstr(name).shortstr("fanout")
    .bit(false).bit(false).bit(true).bit(false).bit(false).table([]).toBuffer()); // auto-delete
  return client.expectMethod(EXCHANGE_DECLARE_OK);
}

describe("close codes and ids as RabbitMQ 3.10.8 gives them", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a publish whose user_id is not the login → 406 on the channel, naming basic.publish (60, 40)", async (t) => {
    const client = await raw(t);
    client.publish(1, "", uniqueName("nowhere"), Buffer.from("x"), { userId: "somebody-else" });
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, {
      code: 406, text: "PRECONDITION_FAILED - user_id property set to 'somebody-else' but authenticated user was 'guest'", classId: 60, methodId: 40,
    });
  });

  test("an invalid expiration property → 406 naming basic.publish (60, 40)", async (t) => {
    const client = await raw(t);
    client.publish(1, "", uniqueName("nowhere"), Buffer.from("x"), { expiration: "soon" });
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - invalid expiration 'soon': no_integer", classId: 60, methodId: 40 });
  });

  test("reply-to amq.rabbitmq.reply-to without a reply consumer → 406 naming basic.publish (60, 40)", async (t) => {
    const client = await raw(t);
    client.publish(1, "", uniqueName("nowhere"), Buffer.from("x"), { replyTo: "amq.rabbitmq.reply-to" });
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: "PRECONDITION_FAILED - fast reply consumer does not exist", classId: 60, methodId: 40 });
  });

  test("declaring an existing non-exclusive queue with exclusive=true → 405 RESOURCE_LOCKED", async (t) => {
    const client = await raw(t);
    const queue = uniqueName("shared");
    await client.declareQueue(1, queue, { autoDelete: true });
    // A consumer keeps the auto-delete queue alive until the test ends.
    client.sendMethod(1, Method.basicConsume, new ArgWriter().short(0).shortstr(queue).shortstr("keep").bit(false).bit(true).bit(false).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.basicConsumeOk);
    await client.openChannel(2);
    client.sendMethod(2, Method.queueDeclare, new ArgWriter().short(0).shortstr(queue)
      .bit(false).bit(false).bit(true).bit(true).bit(false).table([]).toBuffer());
    const close = await client.expectChannelClose(2);
    assert.equal(close.code, 405);
    assert.match(close.text, /^RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '.*' in vhost '\/'/);
    assert.deepEqual([close.classId, close.methodId], [50, 10]);
  });

  test("declaring one's own exclusive queue with exclusive=false → 405 RESOURCE_LOCKED too", async (t) => {
    const client = await raw(t);
    const queue = uniqueName("mine");
    await client.declareQueue(1, queue, { exclusive: true });
    client.sendMethod(1, Method.queueDeclare, new ArgWriter().short(0).shortstr(queue)
      .bit(false).bit(false).bit(false).bit(false).bit(false).table([]).toBuffer());
    const close = await client.expectChannelClose(1);
    assert.equal(close.code, 405);
    assert.deepEqual([close.classId, close.methodId], [50, 10]);
  });
});

describe("exchange.delete if-unused counts the bindings the exchange is the source of", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an exchange that is only a binding's destination is deleted", async (t) => {
    const client = await raw(t);
    const source = uniqueName("source");
    const destination = uniqueName("destination");
    await declareExchange(client, source);
    await declareExchange(client, destination);
    client.sendMethod(1, EXCHANGE_BIND, new ArgWriter().short(0).shortstr(destination).shortstr(source).shortstr("").bit(false).table([]).toBuffer());
    await client.expectMethod(EXCHANGE_BIND_OK);
    client.sendMethod(1, EXCHANGE_DELETE, new ArgWriter().short(0).shortstr(destination).bit(true).bit(false).toBuffer());
    await client.expectMethod(EXCHANGE_DELETE_OK);
    // The source is still in use only through that binding, which went with the destination.
    client.sendMethod(1, EXCHANGE_DELETE, new ArgWriter().short(0).shortstr(source).bit(true).bit(false).toBuffer());
    await client.expectMethod(EXCHANGE_DELETE_OK);
  });

  test("an exchange that is a binding's source is in use → 406 naming exchange.delete", async (t) => {
    const client = await raw(t);
    const source = uniqueName("source");
    const destination = uniqueName("destination");
    await declareExchange(client, source);
    await declareExchange(client, destination);
    client.sendMethod(1, EXCHANGE_BIND, new ArgWriter().short(0).shortstr(destination).shortstr(source).shortstr("").bit(false).table([]).toBuffer());
    await client.expectMethod(EXCHANGE_BIND_OK);
    client.sendMethod(1, EXCHANGE_DELETE, new ArgWriter().short(0).shortstr(source).bit(true).bit(false).toBuffer());
    const close = await client.expectChannelClose(1);
    assert.deepEqual(close, { code: 406, text: `PRECONDITION_FAILED - exchange '${source}' in vhost '/' in use`, classId: 40, methodId: 20 });
  });
});

describe("queue.delete from the consuming channel", { timeout: SUITE_TIMEOUT_MS }, () => {
  // py-amqp (kombu, Celery) raises ConsumerCancelled from queue_delete() when basic.cancel comes first.
  test("queue.delete-ok comes before the server's basic.cancel", async (t) => {
    const client = await rawClientForTest(t, broker, { handshake: { consumerCancelNotify: true } });
    await client.openChannel(1);
    const queue = uniqueName("deleted-while-consumed");
    await client.declareQueue(1, queue, { autoDelete: false });
    client.sendMethod(1, Method.basicConsume, new ArgWriter().short(0).shortstr(queue).shortstr("c1").bit(false).bit(true).bit(false).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.basicConsumeOk);
    client.sendMethod(1, Method.queueDelete, new ArgWriter().short(0).shortstr(queue).bit(false).bit(false).bit(false).toBuffer());
    const first = await client.nextFrame();
    assert.ok(isMethod(first, Method.queueDeleteOk), `first frame is ${first.classId}.${first.methodId}, not queue.delete-ok`);
    const second = await client.expectMethod(Method.basicCancel);
    assert.equal(methodArgs(second).shortstr(), "c1");
  });
});
