/**
 * The broker's one publish path (src/broker/publish.ts) and its one way of counting durable
 * waits (src/broker/durable-waits.ts), against a real vhost, real classic queues and, for the
 * durable queue, a real message store with real fsync.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Vhost } from "../../../src/broker/vhost.js";
import { systemTime } from "../../../src/io/time.js";
import { Publisher } from "../../../src/broker/publish.js";
import { DurableWaits } from "../../../src/broker/durable-waits.js";
import { Counters } from "../../../src/lib/counters.js";
import { Message } from "../../../src/message/message.js";
import { encodeContentHeader } from "../../../src/message/properties.generated.js";
import { tableFromJs } from "../../../src/message/field-table.js";
import { QueueBacking } from "../../../src/queue/classic/queue-backing.js";
import { openStore, tempDirectory } from "../store/helpers.js";

const owner = {};
const declare = (vhost: Vhost, name: string, durable = false, args: Record<string, unknown> = {}) =>
  vhost.declareQueue(name, { durable, autoDelete: false, exclusiveOwner: undefined, arguments: tableFromJs(args) }, owner).queue;

function message(exchange: string, routingKey: string, persistent = false): Message {
  const body = Buffer.from(`to ${routingKey}`);
  return new Message(exchange, routingKey, encodeContentHeader(60, body.length, persistent ? { deliveryMode: 2 } : {}), body);
}

/** Collects settled tokens in the order DurableWaits reports them. */
function recordingWaits(options: { refusalLoses?: boolean } = {}): { waits: DurableWaits; settled: string[]; reports: () => number } {
  const settled: string[] = [];
  let reports = 0;
  const waits = new DurableWaits({ settled: (token, lost) => settled.push(`${token}${lost ? " lost" : ""}`) }, () => reports++, options);
  return { waits, settled, reports: () => reports };
}

test("tokens settle in the order they were opened, a later one waiting behind an earlier one", () => {
  const { waits, settled, reports } = recordingWaits();
  const first = waits.open();
  const second = waits.open();
  const third = waits.open();
  waits.wait(first);
  waits.wait(second);
  waits.wait(second);
  waits.messageDurable(second);
  waits.messageDurable(second);
  waits.flush();
  assert.deepEqual(settled, [], "the second is durable, but the first still waits");
  waits.messageDurable(first);
  assert.equal(waits.hasSettled, true);
  waits.flush();
  assert.deepEqual(settled, [`${first}`, `${second}`, `${third}`]);
  assert.equal(reports(), 3, "each report from a queue asks the owner for a flush");
});

test("a lost or refused token settles as lost; a report for a token already reported is ignored", () => {
  const { waits, settled } = recordingWaits();
  const lost = waits.open();
  const refused = waits.open();
  waits.wait(lost);
  waits.messageLost(lost);
  waits.refused(refused);
  waits.flush();
  assert.deepEqual(settled, [`${lost} lost`, `${refused} lost`]);
  waits.messageDurable(lost);
  waits.messageLost(refused);
  waits.flush();
  assert.equal(settled.length, 2);

  const transaction = recordingWaits({ refusalLoses: false });
  const token = transaction.waits.open();
  transaction.waits.refused(token);
  transaction.waits.flush();
  assert.deepEqual(transaction.settled, [`${token}`], "a transaction is not failed by a queue refusing a message");
});

test("publish routes to every bound queue, counts it, and returns 0 for the unroutable", () => {
  const vhost = new Vhost("/", systemTime);
  const nodeStats = new Counters(0);
  const publisher = new Publisher({ nodeStats });
  const a = declare(vhost, "a");
  const b = declare(vhost, "b");
  const fanout = vhost.exchange("amq.fanout");
  vhost.bind(fanout, a, "", tableFromJs({}));
  vhost.bind(fanout, b, "", tableFromJs({}));

  assert.equal(publisher.publish(vhost, message("amq.fanout", "any")), 2);
  assert.equal(a.readyCount, 1);
  assert.equal(b.readyCount, 1);
  assert.equal(publisher.publish(vhost, message("amq.direct", "nobody")), 0, "no binding: unroutable");
  assert.equal(publisher.publish(vhost, message("no-such-exchange", "a")), 0, "no exchange: unroutable");
  assert.equal(nodeStats.totals.publish, 3);
  assert.equal(vhost.stats.totals.publish, 3);
  assert.equal(fanout.stats.totals.publish_in, 1);
  assert.equal(fanout.stats.totals.publish_out, 1);
  assert.equal(a.stats.totals.publish, 1);

  const uncounted = new Publisher();
  assert.equal(uncounted.publish(vhost, message("", "a")), 1);
  assert.equal(nodeStats.totals.publish, 3, "a publisher without counters (dead-lettering) counts nothing");
  assert.equal(a.readyCount, 2);
});

test("a filter keeps a message out of some targets; a queue that refuses it reports the token refused", () => {
  const vhost = new Vhost("/", systemTime);
  const publisher = new Publisher();
  const kept = declare(vhost, "kept");
  const skipped = declare(vhost, "skipped");
  const full = declare(vhost, "full", false, { "x-max-length": 0, "x-overflow": "reject-publish" });
  const fanout = vhost.exchange("amq.fanout");
  for (const queue of [kept, skipped, full]) vhost.bind(fanout, queue, "", tableFromJs({}));
  const { waits, settled } = recordingWaits();
  const token = waits.open();
  assert.equal(publisher.publish(vhost, message("amq.fanout", "x"), waits, token, (queue) => queue !== skipped), 3);
  assert.equal(kept.readyCount, 1);
  assert.equal(skipped.readyCount, 0);
  waits.flush();
  assert.deepEqual(settled, [`${token} lost`], "a confirm for a message a queue refused is a nack");
});

test("a persistent message in a durable queue holds its token until the store's fsync", async () => {
  let backing: QueueBacking | undefined;
  const { store } = await openStore(tempDirectory(), { onDurable: (sequence) => backing?.onDurable(sequence), log: () => undefined });
  const vhost = new Vhost("/", systemTime);
  vhost.storage = {
    create: () => (backing = new QueueBacking(store)),
    flushPendingWrites: () => undefined,
  };
  declare(vhost, "durable", true);
  declare(vhost, "transient", false);
  const fanout = vhost.exchange("amq.fanout");
  vhost.bind(fanout, vhost.queue("durable"), "", tableFromJs({}));
  vhost.bind(fanout, vhost.queue("transient"), "", tableFromJs({}));
  let wake: (() => void) | undefined;
  const settled: number[] = [];
  const waits = new DurableWaits({ settled: (token) => settled.push(token) }, () => {
    waits.flush();
    wake?.();
  });
  const publisher = new Publisher();
  const persistent = waits.open();
  publisher.publish(vhost, message("amq.fanout", "x", true), waits, persistent);
  const transient = waits.open();
  publisher.publish(vhost, message("amq.fanout", "x", false), waits, transient);
  assert.equal(waits.waitingFor(persistent), 1, "only the durable queue waits for the disk");
  assert.equal(waits.waitingFor(transient), 0);
  waits.flush();
  assert.deepEqual(settled, [], "the transient message's token waits behind the persistent one");
  const timeout = setTimeout(() => wake?.(), 10_000);
  await new Promise<void>((resolve) => (wake = resolve));
  clearTimeout(timeout);
  assert.deepEqual(settled, [persistent, transient]);
  vhost.deleteQueue(vhost.queue("durable"));
  await store.deleteAll().catch(() => undefined);
});

test("dead-lettering while a publish is under way (reject-publish-dlx) goes through the same path without losing targets", () => {
  const vhost = new Vhost("/", systemTime);
  const publisher = new Publisher();
  const fanoutNamed = (name: string) => vhost.declareExchange({ name, typeName: "fanout", durable: false, autoDelete: false, internal: false, arguments: tableFromJs({}) }, false);
  // full -> dlx -> [full2, dead]; full2 -> dlx2 -> dead2: the vhost's dead-letter publisher is
  // re-entered while it walks dlx's targets.
  const dlx = fanoutNamed("dlx");
  const dlx2 = fanoutNamed("dlx2");
  const full2 = declare(vhost, "full2", false, { "x-max-length": 0, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": "dlx2" });
  const dead = declare(vhost, "dead");
  const dead2 = declare(vhost, "dead2");
  vhost.bind(dlx, full2, "", tableFromJs({}));
  vhost.bind(dlx, dead, "", tableFromJs({}));
  vhost.bind(dlx2, dead2, "", tableFromJs({}));
  const full = declare(vhost, "full", false, { "x-max-length": 0, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": "dlx" });
  const after = declare(vhost, "after");
  const fanout = vhost.exchange("amq.fanout");
  vhost.bind(fanout, full, "", tableFromJs({}));
  vhost.bind(fanout, after, "", tableFromJs({}));
  assert.equal(publisher.publish(vhost, message("amq.fanout", "x")), 2);
  assert.equal(dead2.readyCount, 1, "the message refused twice was dead-lettered twice");
  assert.equal(dead.readyCount, 1, "the target after the refusing one in the nested publish still got it");
  assert.equal(after.readyCount, 1, "the queue after the refusing one still got the message");
  assert.equal(publisher.publish(vhost, message("amq.fanout", "y")), 2, "the publisher's list is clean afterwards");
  assert.equal(after.readyCount, 2);
  assert.equal(dead.readyCount, 2);
});
