/**
 * Backlog measurements for durability (docs/benchmarks.md):
 *   - recovery: publish N persistent messages (default 1,000,000 of 100 bytes) into a durable
 *     queue of a node running as a child process, stop it (SIGTERM, or SIGKILL with --kill),
 *     and time a restart until it accepts AMQP connections (recovery finishes before listening);
 *   - memory: the node's resident memory (VmRSS, and the peak VmHWM) with the backlog queued.
 * Usage: node --import tsx benchmarks/backlog.ts [--messages N] [--size BYTES] [--transient] [--kill]
 * Absolute figures from this shared machine are not stable; run it beside RabbitMQ for ratios.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { freePort, startNodeProcess } from "../test/helpers/node-process.js";

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const messages = Number(argument("messages", "1000000"));
const sizeBytes = Number(argument("size", "100"));
const transient = process.argv.includes("--transient");
const kill = process.argv.includes("--kill");

function memoryOf(pid: number): { rssBytes: number; peakBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(/^(\w+):\s+(\d+) kB$/m.exec(status.split("\n").find((line) => line.startsWith(name)) ?? "")?.[2] ?? 0) * 1024;
  return { rssBytes: field("VmRSS"), peakBytes: field("VmHWM") };
}

const dataDir = mkdtempSync(join(tmpdir(), "warren-backlog-"));
const port = await freePort();
const node = await startNodeProcess({ dataDir, port, environment: { WARREN_LOG_LEVEL: "warn" } });
const baseline = memoryOf(node.child.pid as number);
const connection = await amqp.connect(node.url);
const channel = await connection.createConfirmChannel();
await channel.assertQueue("backlog", { durable: !transient });
const body = Buffer.alloc(sizeBytes, 0x61);
const startedMs = Date.now();
const WINDOW = 5_000;
for (let sent = 0; sent < messages; ) {
  const batch = Math.min(WINDOW, messages - sent);
  for (let index = 0; index < batch; index++) channel.sendToQueue("backlog", body, { persistent: !transient });
  await channel.waitForConfirms();
  sent += batch;
}
const publishMs = Date.now() - startedMs;
const queued = memoryOf(node.child.pid as number);
console.log(`published ${messages} x ${sizeBytes} B ${transient ? "transient" : "persistent"} in ${publishMs} ms (${Math.round((messages * 1000) / publishMs)} msg/s)`);
console.log(`node memory: idle ${(baseline.rssBytes / 2 ** 20).toFixed(0)} MiB, with the backlog queued ${(queued.rssBytes / 2 ** 20).toFixed(0)} MiB (peak ${(queued.peakBytes / 2 ** 20).toFixed(0)} MiB)`);
await connection.close();

if (!transient) {
  await node.kill(kill ? "SIGKILL" : "SIGTERM");
  const restartMs = Date.now();
  const restarted = await startNodeProcess({ dataDir, port, environment: { WARREN_LOG_LEVEL: "info" } });
  const recoveryMs = Date.now() - restartMs;
  const check = await amqp.connect(restarted.url);
  const recovered = (await (await check.createChannel()).checkQueue("backlog")).messageCount;
  const after = memoryOf(restarted.child.pid as number);
  console.log(`restart after ${kill ? "SIGKILL" : "SIGTERM"}: accepting connections after ${recoveryMs} ms with ${recovered} messages recovered; memory ${(after.rssBytes / 2 ** 20).toFixed(0)} MiB`);
  console.log(restarted.output().split("\n").filter((line) => line.includes("recovered")).join("\n"));
  await check.close();
  await restarted.kill("SIGTERM");
} else {
  await node.kill("SIGTERM");
}
