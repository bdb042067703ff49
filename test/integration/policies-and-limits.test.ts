/**
 * Policies acting on queues with RabbitMQ's precedence (rabbit_amqqueue_process's
 * process_args_policy): the lower of argument and policy for message-ttl, expires, max-length
 * and max-length-bytes; the argument, if given, for the dead-letter exchange and routing key,
 * overflow and queue-mode; a changed policy applies to existing queues at once. Then vhost and
 * user limits and topic permissions, checked over AMQP where RabbitMQ checks them, with its texts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import { startBroker } from "../../src/index.js";
import { applyDefinitionCommand } from "../../src/broker/definitions.js";
import { hashPassword } from "../../src/auth/password.js";
import type { ClassicQueue } from "../../src/queue/classic/classic-queue.js";

function settingsOf(broker: Awaited<ReturnType<typeof startBroker>>, name: string) {
  return (broker.broker.vhosts.get("/")!.queues.get(name) as ClassicQueue).settings;
}

test("policy and argument precedence, and policies applied to existing queues", async () => {
  const broker = await startBroker({});
  const connection = await amqp.connect(broker.url);
  const channel = await connection.createChannel();
  applyDefinitionCommand(broker.broker, {
    type: "policy.set", vhost: "/", name: "limits", pattern: "^p\\.", priority: 0, applyTo: "queues", operator: false,
    definition: { "message-ttl": 5_000, "max-length": 10, "dead-letter-exchange": "policy.dlx", overflow: "reject-publish" },
  });
  await channel.assertQueue("p.lower-arg", { arguments: { "x-message-ttl": 1_000, "x-max-length": 50, "x-dead-letter-exchange": "arg.dlx" } });
  const lowerArgument = settingsOf(broker, "p.lower-arg");
  assert.equal(lowerArgument.messageTtlMs, 1_000, "the lower TTL (the argument's) wins");
  assert.equal(lowerArgument.maxLength, 10, "the lower max-length (the policy's) wins");
  assert.equal(lowerArgument.deadLetterExchange, "arg.dlx", "the argument's dead-letter exchange wins");
  assert.equal(lowerArgument.overflow, "reject-publish", "overflow comes from the policy when the argument is absent");
  await channel.assertQueue("p.policy-only");
  assert.equal(settingsOf(broker, "p.policy-only").deadLetterExchange, "policy.dlx");
  await channel.assertQueue("other.q");
  assert.equal(settingsOf(broker, "other.q").messageTtlMs, undefined, "the pattern does not match");

  // A higher-priority policy replaces the first at once, on existing queues too.
  applyDefinitionCommand(broker.broker, {
    type: "policy.set", vhost: "/", name: "stricter", pattern: "^p\\.", priority: 5, applyTo: "queues", operator: false, definition: { "max-length": 3 },
  });
  assert.equal(settingsOf(broker, "p.policy-only").maxLength, 3);
  assert.equal(settingsOf(broker, "p.policy-only").deadLetterExchange, undefined, "only the winning policy applies");
  for (let index = 0; index < 5; index++) channel.sendToQueue("p.policy-only", Buffer.from(String(index)));
  assert.equal((await channel.checkQueue("p.policy-only")).messageCount, 3);
  applyDefinitionCommand(broker.broker, { type: "policy.clear", vhost: "/", name: "stricter", operator: false });
  assert.equal(settingsOf(broker, "p.policy-only").maxLength, 10, "clearing a policy brings the next one back");
  await connection.close();
  await broker.stop();
});

test("vhost and user limits are enforced over AMQP with RabbitMQ's texts", async () => {
  const broker = await startBroker({});
  applyDefinitionCommand(broker.broker, { type: "vhost.add", name: "limited" });
  applyDefinitionCommand(broker.broker, { type: "permission.set", user: "guest", vhost: "limited", configure: ".*", write: ".*", read: ".*" });
  applyDefinitionCommand(broker.broker, { type: "vhost.set_limits", vhost: "limited", limits: { "max-connections": 1, "max-queues": 1 } });
  const url = `${broker.url}/limited`;
  const first = await amqp.connect(url);
  // amqplib reports a refused connection.open as "Expected ConnectionOpenOk; got <ConnectionClose ...>".
  await assert.rejects(amqp.connect(url), /ConnectionClose|530|connection limit/, "a second connection to the vhost is refused");
  first.on("error", () => undefined);
  const channel = await first.createChannel();
  channel.on("error", () => undefined);
  await channel.assertQueue("one");
  const refused = await channel.assertQueue("two").then(
    () => undefined,
    (error: { code?: number; message: string }) => error,
  );
  assert.equal(refused?.code, 406);
  assert.match(refused?.message ?? "", /queue limit in vhost 'limited' \(1\) is reached/);
  await first.close();

  applyDefinitionCommand(broker.broker, { type: "user.set_limits", name: "guest", limits: { "max-channels": 2 } });
  const connection = await amqp.connect(broker.url);
  const closed = new Promise<Error>((resolve) => connection.once("error", resolve));
  await connection.createChannel();
  await connection.createChannel();
  await assert.rejects(connection.createChannel());
  // A third channel closes the connection: 530 with RabbitMQ's text.
  assert.match((await closed).message, /530.*number of channels opened for user 'guest' has reached the maximum allowed user limit of \(2\)/);
  await broker.stop();
});

test("topic permissions limit routing keys on topic exchanges for publish and bind", async () => {
  const broker = await startBroker({});
  applyDefinitionCommand(broker.broker, { type: "user.add", name: "sensor", passwordHash: hashPassword("pw"), hashingAlgorithm: "rabbit_password_hashing_sha256", tags: [] });
  applyDefinitionCommand(broker.broker, { type: "permission.set", user: "sensor", vhost: "/", configure: ".*", write: ".*", read: ".*" });
  applyDefinitionCommand(broker.broker, { type: "topic_permission.set", user: "sensor", vhost: "/", exchange: "amq.topic", write: "^sensors\\.", read: "^sensors\\." });
  const url = broker.url.replace("guest:guest", "sensor:pw");
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  const queue = (await channel.assertQueue("", { exclusive: true })).queue;
  await channel.bindQueue(queue, "amq.topic", "sensors.#");
  channel.publish("amq.topic", "sensors.kitchen", Buffer.from("ok"));
  await channel.waitForConfirms();
  const closed = new Promise<Error>((resolve) => channel.once("error", resolve));
  channel.publish("amq.topic", "admin.reboot", Buffer.from("no"));
  const error = (await closed) as Error & { code?: number };
  assert.equal(error.code, 403);
  assert.match(error.message, /write access to topic 'admin.reboot' in exchange 'amq.topic' in vhost '\/' refused for user 'sensor'/);
  await connection.close();
  await broker.stop();
});
