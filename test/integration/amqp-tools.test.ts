/**
 * amqp-tools (Debian's rabbitmq-c command-line programs): amqp-declare-queue is not in the
 * package, so the queue is declared with amqplib; then amqp-publish, amqp-get and
 * amqp-consume -c 1 do the round trips. Checked against RabbitMQ 3.10.8 with amqp-tools 0.11.0.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChannelModel } from "amqplib";
import { openChannel, SUITE_TIMEOUT_MS, uniqueName, type TestBroker, sharedBrokerAndConnection } from "../helpers/broker.js";
import { commandWorks, requireTool, runProcess } from "../helpers/processes.js";

let broker: TestBroker;
let connection: ChannelModel;
sharedBrokerAndConnection((started, opened) => {
  broker = started;
  connection = opened;
});

function toolsSkip(): string | undefined {
  return requireTool("amqp-tools", () => commandWorks("sh", ["-c", "command -v amqp-publish && command -v amqp-get && command -v amqp-consume"]));
}

async function declareQueue(): Promise<string> {
  const channel = await openChannel(connection);
  const name = uniqueName("tools");
  await channel.assertQueue(name, { durable: false, autoDelete: false });
  await channel.close();
  return name;
}

async function deleteQueue(name: string): Promise<void> {
  const channel = await openChannel(connection);
  await channel.deleteQueue(name);
  await channel.close();
}

async function tool(program: string, args: string[]): Promise<string> {
  const result = await runProcess(program, ["-u", broker.url, ...args], { timeoutMs: 15_000 });
  assert.equal(result.exitCode, 0, `${program} ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

describe("amqp-tools", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("amqp-publish then amqp-get round-trips the body", async (t) => {
    const skip = toolsSkip();
    if (skip) { t.skip(skip); return; }
    const queue = await declareQueue();
    t.after(() => deleteQueue(queue));
    await tool("amqp-publish", ["-r", queue, "-b", "hello from amqp-publish", "-C", "text/plain", "-H", "x-origin: tools"]);
    assert.equal(await tool("amqp-get", ["-q", queue]), "hello from amqp-publish");
    // The message was acked: the queue is empty and amqp-get says so with a non-zero exit.
    const empty = await runProcess("amqp-get", ["-u", broker.url, "-q", queue], { timeoutMs: 15_000 });
    assert.notEqual(empty.exitCode, 0);
  });

  test("amqp-publish's properties and headers reach an amqplib consumer", async (t) => {
    const skip = toolsSkip();
    if (skip) { t.skip(skip); return; }
    const queue = await declareQueue();
    t.after(() => deleteQueue(queue));
    await tool("amqp-publish", ["-r", queue, "-b", "props", "-C", "text/plain", "-E", "identity", "-p", "-H", "x-origin: tools"]);
    const channel = await openChannel(connection);
    const message = await channel.get(queue, { noAck: true });
    assert.ok(message);
    assert.equal(message.content.toString(), "props");
    assert.equal(message.properties.contentType, "text/plain");
    assert.equal(message.properties.contentEncoding, "identity");
    assert.equal(message.properties.deliveryMode, 2);
    assert.deepEqual(message.properties.headers, { "x-origin": "tools" });
    await channel.close();
  });

  test("amqp-consume -c 1 receives one message and exits, leaving the rest", async (t) => {
    const skip = toolsSkip();
    if (skip) { t.skip(skip); return; }
    const queue = await declareQueue();
    t.after(() => deleteQueue(queue));
    const channel = await openChannel(connection);
    channel.sendToQueue(queue, Buffer.from("first"));
    channel.sendToQueue(queue, Buffer.from("second"));
    await channel.checkQueue(queue);
    // amqp-consume runs the command once per message with the body on its stdin.
    assert.equal(await tool("amqp-consume", ["-q", queue, "-c", "1", "-p", "1", "cat"]), "first");
    const rest = await channel.get(queue, { noAck: true });
    assert.ok(rest);
    assert.equal(rest.content.toString(), "second");
    await channel.close();
  });
});
