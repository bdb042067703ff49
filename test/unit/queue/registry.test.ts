/**
 * The queue-type registry: the broker creates every queue through it, so a replicated or remote
 * queue type plugs in by registering, without the broker naming it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_QUEUE_TYPE, findQueueType, queueTypeFor, registerQueueType } from "../../../src/queue/registry.js";
import { Vhost } from "../../../src/broker/vhost.js";
import { tableFromJs } from "../../../src/message/field-table.js";
import { Message } from "../../../src/message/message.js";
import { systemTime } from "../../../src/io/time.js";
import { encodeContentHeader } from "../../../src/message/properties.generated.js";

test("classic is registered and is the default; a name registers once", () => {
  assert.equal(DEFAULT_QUEUE_TYPE, "classic");
  assert.equal(queueTypeFor(undefined).name, "classic");
  assert.equal(queueTypeFor("classic"), findQueueType("classic"));
  assert.throws(() => registerQueueType(queueTypeFor("classic")), /registered already/);
  assert.throws(() => queueTypeFor("no-such-type"), /unknown queue type/);
});

test("a vhost's queues come from the registry and take policy changes through the interface", () => {
  let policy: Record<string, unknown> = {};
  const vhost = new Vhost("/", systemTime, () => undefined, () => policy);
  const queue = vhost.declareQueue("q", { durable: false, autoDelete: false, exclusiveOwner: undefined, arguments: tableFromJs({}) }, {}).queue;
  assert.equal(queue.typeName, "classic");
  assert.equal(findQueueType(queue.typeName)?.isRecoverable(queue), false, "a transient queue does not come back");
  const fanout = vhost.exchange("amq.fanout");
  vhost.bind(fanout, queue, "", tableFromJs({}));
  policy = { "max-length": 1 };
  vhost.reapplyPolicies();
  for (const body of ["a", "b", "c"]) queue.enqueue(new Message("amq.fanout", "", encodeContentHeader(60, 1, {}), Buffer.from(body)));
  assert.deepEqual(queue.status(), { state: "running", readyCount: 1, unackedCount: 0, consumerCount: 0 });
});
