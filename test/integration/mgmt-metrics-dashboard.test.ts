/**
 * Issue 11: 14 of the 36 metrics that RabbitMQ's own "RabbitMQ-Overview" Grafana dashboard
 * queries were missing from /metrics, so a user's dashboard had empty panels. Every name the
 * dashboard uses (test/fixtures/ops/grafana-rabbitmq-overview-metrics.txt, from RabbitMQ 3.10.8)
 * must be served with the type a real RabbitMQ 3.10 scrape has (rabbitmq-api/metrics.txt, the
 * reference), and the new counters must count what RabbitMQ counts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";

const dashboardNames = readFileSync(new URL("../fixtures/ops/grafana-rabbitmq-overview-metrics.txt", import.meta.url), "utf8")
  .split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
const realScrape = readFileSync(new URL("../fixtures/ops/rabbitmq-api/metrics.txt", import.meta.url), "utf8");

let node: RunningNode;
before(async () => {
  node = await startNode({ enableControl: false });
});
after(() => node.stop());

const scrape = async () => (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
const typeOf = (text: string, name: string) => new RegExp(`^# TYPE ${name} (\\w+)$`, "m").exec(text)?.[1];

function sample(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  assert.ok(line !== undefined, `${name} has no sample`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

test("every metric the RabbitMQ-Overview dashboard queries is served, with RabbitMQ's type", async () => {
  assert.equal(dashboardNames.length, 36);
  const text = await scrape();
  const missing = dashboardNames.filter((name) => typeOf(text, name) === undefined);
  assert.deepEqual(missing, []);
  for (const name of dashboardNames) assert.equal(typeOf(text, name), typeOf(realScrape, name), name);
  assert.match(text, /^rabbitmq_global_messages_routed_total\{protocol="amqp091"\} \d+$/m, "RabbitMQ's protocol label");
});

test("the new counters count connections, channels, queues, routed and confirmed publishes", async () => {
  const before = await scrape();
  const connection = await amqp.connect(node.url);
  const plain = await connection.createChannel();
  const confirming = await connection.createConfirmChannel();
  await plain.assertQueue("dash.a", { durable: false });
  await plain.assertQueue("dash.a", { durable: false });
  await plain.assertQueue("dash.b", { durable: false });
  await plain.bindQueue("dash.a", "amq.fanout", "");
  await plain.bindQueue("dash.b", "amq.fanout", "");
  await plain.consume("dash.a", () => undefined);
  confirming.publish("amq.fanout", "", Buffer.from("to both"));
  await confirming.waitForConfirms();
  const during = await scrape();
  const grew = (text: string, name: string) => sample(text, name) - sample(before, name);
  assert.equal(grew(during, "rabbitmq_connections_opened_total"), 1);
  assert.equal(grew(during, "rabbitmq_channels_opened_total"), 2);
  assert.equal(grew(during, "rabbitmq_queues_declared_total"), 3);
  assert.equal(grew(during, "rabbitmq_queues_created_total"), 2);
  assert.equal(grew(during, "rabbitmq_global_messages_received_confirm_total"), 1);
  assert.equal(grew(during, "rabbitmq_global_messages_routed_total"), 2, "one message to two queues counts two, as in RabbitMQ 3.10");
  assert.equal(sample(during, "rabbitmq_channel_consumers"), 1);
  assert.ok(sample(during, "rabbitmq_process_open_fds") > 0);
  assert.ok(sample(during, "rabbitmq_process_open_fds") <= sample(during, "rabbitmq_process_max_fds"));
  assert.equal(sample(during, "rabbitmq_process_open_tcp_sockets"), 1);
  await plain.deleteQueue("dash.b");
  await connection.close();
  // The node forgets the connection when its socket closes, just after close-ok: wait for that (with a deadline).
  let afterClose = await scrape();
  for (let attempt = 0; sample(afterClose, "rabbitmq_connections") > 0; attempt++) {
    assert.ok(attempt < 100, "the closed connection was not forgotten");
    await new Promise((resolve) => setTimeout(resolve, 50));
    afterClose = await scrape();
  }
  assert.equal(grew(afterClose, "rabbitmq_queues_deleted_total"), 1);
  assert.equal(grew(afterClose, "rabbitmq_channels_closed_total"), 2);
  assert.equal(grew(afterClose, "rabbitmq_connections_closed_total"), 1);
});
