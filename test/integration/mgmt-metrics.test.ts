/**
 * /metrics in Prometheus text format with RabbitMQ's metric names, computed on scrape.
 * The names checked here appear in a real RabbitMQ 3.10 scrape (test/fixtures/ops/rabbitmq-api/metrics.txt).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";

const realScrape = readFileSync(new URL("../fixtures/ops/rabbitmq-api/metrics.txt", import.meta.url), "utf8");
let node: RunningNode;
before(async () => {
  node = await startNode({ enableControl: false });
});
after(() => node.stop());

function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

test("aggregated and per-object metrics count queues, messages and connections", async () => {
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("metrics.q");
  channel.sendToQueue("metrics.q", Buffer.from("a"));
  channel.sendToQueue("metrics.q", Buffer.from("b"));
  await channel.assertQueue("metrics.q"); // a round trip: both publishes have arrived
  const response = await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const name of ["rabbitmq_connections", "rabbitmq_channels", "rabbitmq_consumers", "rabbitmq_queues", "rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_messages", "rabbitmq_global_messages_received_total", "rabbitmq_process_resident_memory_bytes", "rabbitmq_disk_space_available_bytes", "rabbitmq_build_info", "rabbitmq_identity_info"]) {
    assert.ok(realScrape.includes(`# TYPE ${name} `), `${name} is not one of RabbitMQ's metric names`);
    assert.ok(text.includes(`# TYPE ${name} `), `${name} is missing`);
  }
  assert.equal(sample(text, "rabbitmq_connections"), 1);
  assert.equal(sample(text, "rabbitmq_channels"), 1);
  assert.equal(sample(text, "rabbitmq_queue_messages_ready"), 2);
  // Both publishes were counted on the AMQP path.
  assert.equal(sample(text, "rabbitmq_global_messages_received_total"), 2);
  const perObject = await (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics/per-object`)).text();
  assert.equal(sample(perObject, "rabbitmq_queue_messages_ready", '{vhost="/",queue="metrics.q"}'), 2);
  await connection.close();
});
