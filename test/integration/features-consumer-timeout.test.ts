/**
 * consumer_timeout (RabbitMQ 3.8.15+): a delivery left unacknowledged longer than the timeout
 * closes its channel with 406 PRECONDITION_FAILED; the message goes back to the queue.
 *
 * The in-process broker runs with a 500 ms timeout. Against an external broker these tests need
 * its configured timeout, given as WARREN_TEST_CONSUMER_TIMEOUT_MS; without it they are skipped,
 * since RabbitMQ's default (30 minutes) cannot be waited out.
 *
 * Checked by hand against RabbitMQ 3.10.8 started with a rabbitmq.conf holding
 * `consumer_timeout = 2000` (RABBITMQ_CONFIG_FILE) and an advanced.config holding
 * `[{rabbit, [{channel_tick_interval, 1000}]}].` (RABBITMQ_ADVANCED_CONFIG_FILE), then
 * WARREN_TEST_CONSUMER_TIMEOUT_MS=2000: all three tests passed. RabbitMQ evaluates the timeout
 * on its channel tick, every channel_tick_interval (60 s by default): with the default tick no
 * close came within 17 s, with a 1 s tick it came about 3 s after the delivery. It closed the
 * channel (not the connection) with 406 and exactly the text asserted below, the message was
 * redelivered with redelivered=true, a basic.get without no-ack timed out the same way, and
 * no-ack consumers and consumers that ack in time were left alone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import {
  amqpErrorInfo, closeAllConnections, connect, delay, Inbox, isExternalBroker, openChannel, SUITE_TIMEOUT_MS, startTestBroker, uniqueName,
  withTimeout, type AmqpErrorInfo, type TestBroker, type TestBrokerOptions,
} from "../helpers/broker.js";

const EMBEDDED_TIMEOUT_MS = 500;
const externalTimeoutMs = Number(process.env.WARREN_TEST_CONSUMER_TIMEOUT_MS ?? "0");
const timeoutMs = isExternalBroker ? externalTimeoutMs : EMBEDDED_TIMEOUT_MS;
/**
 * Both brokers check on a periodic tick, so the close comes a little after the timeout itself.
 * (RabbitMQ's channel tick is channel_tick_interval, 60 s by default: see the header comment.)
 */
const closeWithinMs = timeoutMs + 3_000;
const skip = isExternalBroker && !(externalTimeoutMs > 0)
  ? "needs broker configuration (consumer_timeout); set WARREN_TEST_CONSUMER_TIMEOUT_MS to the external broker's consumer_timeout"
  : undefined;

let broker: TestBroker;
before(async () => {
  // consumerTimeoutMs is a BrokerConfig field that startBroker accepts; the helper's option type does not list it.
  const options: TestBrokerOptions & { consumerTimeoutMs: number } = { consumerTimeoutMs: EMBEDDED_TIMEOUT_MS };
  broker = await startTestBroker(options);
});
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

/** A fresh connection, so the channel under test is channel 1 (the number is in the error text). */
async function freshConnection(): Promise<ChannelModel> {
  return connect(broker.url);
}

function channelClosed(ch: Channel): Promise<AmqpErrorInfo> {
  return withTimeout(new Promise<AmqpErrorInfo>((resolve) => {
    ch.once("error", (error: unknown) => resolve(amqpErrorInfo(error)));
  }), closeWithinMs, "channel close by consumer_timeout");
}

const expectedText = (channelNumber: number): string =>
  `PRECONDITION_FAILED - delivery acknowledgement on channel ${channelNumber} timed out. ` +
  `Timeout value used: ${timeoutMs} ms. This timeout value can be configured, see consumers doc guide to learn more`;

async function declare(ch: Channel, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { durable: false, autoDelete: false });
  return name;
}

describe("consumer_timeout", { timeout: SUITE_TIMEOUT_MS, skip }, () => {
  test("an unacked delivery past the timeout closes its channel with 406; the message is redelivered", async () => {
    const connection = await freshConnection();
    const consumerChannel = await openChannel(connection); // channel 1
    const other = await openChannel(connection);
    const queue = await declare(other, "ctimeout");
    try {
      const closed = channelClosed(consumerChannel);
      const inbox = new Inbox<ConsumeMessage>();
      await consumerChannel.consume(queue, (message) => { if (message) inbox.push(message); }, { noAck: false });
      other.sendToQueue(queue, Buffer.from("slow"));
      await inbox.waitForCount(1);
      const deliveredAtMs = Date.now();
      const error = await closed;
      assert.deepEqual(error, { code: 406, text: expectedText(1) });
      const elapsedMs = Date.now() - deliveredAtMs;
      assert.ok(elapsedMs >= timeoutMs - 50, `closed ${elapsedMs} ms after the delivery, before the ${timeoutMs} ms timeout`);
      // Only the channel is closed: the connection and its other channels carry on.
      const again = await other.get(queue, { noAck: true });
      assert.ok(again, "the unacked message went back to the queue");
      assert.equal(again.content.toString(), "slow");
      assert.equal(again.fields.redelivered, true);
    } finally {
      await other.deleteQueue(queue);
    }
  });

  test("a basic.get without no-ack is timed out the same way", async () => {
    const connection = await freshConnection();
    const getter = await openChannel(connection); // channel 1
    const other = await openChannel(connection);
    const queue = await declare(other, "ctimeout-get");
    try {
      other.sendToQueue(queue, Buffer.from("got"));
      await other.checkQueue(queue);
      const closed = channelClosed(getter);
      const message = await getter.get(queue, { noAck: false });
      assert.ok(message);
      assert.deepEqual(await closed, { code: 406, text: expectedText(1) });
      assert.equal((await other.checkQueue(queue)).messageCount, 1);
    } finally {
      await other.deleteQueue(queue);
    }
  });

  test("no-ack consumers and consumers that ack in time are left alone", async () => {
    const connection = await freshConnection();
    const setup = await openChannel(connection);
    const queue = await declare(setup, "ctimeout-noack");
    const ackedQueue = await declare(setup, "ctimeout-acked");
    try {
      const errors: unknown[] = [];
      const noAck = await openChannel(connection);
      noAck.on("error", (error: unknown) => errors.push(error));
      await noAck.consume(queue, () => {}, { noAck: true });
      const acking = await openChannel(connection);
      acking.on("error", (error: unknown) => errors.push(error));
      await acking.consume(ackedQueue, (message) => { if (message) setTimeout(() => acking.ack(message), timeoutMs / 4); }, { noAck: false });
      for (let sent = 0; sent * (timeoutMs / 4) < timeoutMs * 2.5; sent += 1) {
        setup.sendToQueue(queue, Buffer.from(String(sent)));
        setup.sendToQueue(ackedQueue, Buffer.from(String(sent)));
        await delay(timeoutMs / 4);
      }
      await delay(closeWithinMs - timeoutMs);
      assert.deepEqual(errors, []);
      await acking.checkQueue(queue);
      await noAck.checkQueue(queue);
    } finally {
      await setup.deleteQueue(queue);
      await setup.deleteQueue(ackedQueue);
    }
  });
});
