/**
 * pika (Debian's python3-pika) end to end: declare, publish with confirms, mandatory return,
 * consume and ack. Checked against RabbitMQ 3.10.8 with pika 1.2.0.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startTestBroker, uniqueName, type TestBroker } from "../helpers/broker.js";
import { DEBIAN_PYTHON, commandWorks, requireTool, runProcess } from "../helpers/processes.js";

const script = fileURLToPath(new URL("./python/pika_end_to_end.py", import.meta.url));

let broker: TestBroker;
before(async () => { broker = await startTestBroker(); });
after(async () => { await broker?.stop(); });

test("pika declares, publishes with confirms, gets a return, consumes and acks", async (t) => {
  const skip = requireTool("python3-pika", () => commandWorks(DEBIAN_PYTHON, ["-c", "import pika"]));
  if (skip) { t.skip(skip); return; }
  const prefix = uniqueName("pika");
  const result = await runProcess(DEBIAN_PYTHON, [script, broker.url, prefix], { timeoutMs: 30_000 });
  assert.equal(result.exitCode, 0, `pika script failed:\n${result.stderr}\n${result.stdout}`);
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as {
    queue: string; published: string[]; unroutable_returned: boolean; remaining: number;
    received: Array<{ body: string; redelivered: boolean; routing_key: string; headers: Record<string, unknown>; content_type: string; message_id: string }>;
  };
  assert.equal(report.queue, `${prefix}-queue`);
  assert.equal(report.unroutable_returned, true, "the unroutable mandatory message was not returned");
  assert.deepEqual(report.received.map((m) => m.body), report.published);
  report.received.forEach((message, index) => {
    assert.deepEqual(message, {
      body: `message-${index}`, redelivered: false, routing_key: "orders.created",
      headers: { index, tag: "pika" }, content_type: "text/plain", message_id: String(index),
    });
  });
  assert.equal(report.remaining, 0);
});
