/**
 * A client as an application writes one: it publishes persistent messages with confirms to
 * one queue through one address, and when its connection goes away it reconnects to the same
 * address and goes on. Each event is a JSON line on stdout: {"event":"confirmed","sequence":N}
 * after each confirm, {"event":"lost"} when the connection went, {"event":"connected","node":...}
 * on each (re)connect. Runs until stdin closes or `runForMs` passes.
 * Usage: node --import tsx steady-publisher.ts AMQP_URL QUEUE RUN_FOR_MS
 */
import amqp from "amqplib";

const [url, queue, runForText] = process.argv.slice(2);
const deadlineMs = Date.now() + Number(runForText);
let sequence = 0;

function say(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, atMs: Date.now() })}\n`);
}

async function publishUntilLost(): Promise<void> {
  const connection = await amqp.connect(url, { timeout: 3_000 });
  const lost = new Promise<void>((resolve) => {
    connection.on("close", () => resolve());
    connection.on("error", () => resolve());
  });
  const properties = (connection.connection as unknown as { serverProperties: Record<string, unknown> }).serverProperties;
  say({ event: "connected", node: String(properties.cluster_name) });
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => undefined);
  await channel.assertQueue(queue, { durable: true });
  let open = true;
  void lost.then(() => (open = false));
  while (open && Date.now() < deadlineMs) {
    const next = sequence + 1;
    channel.sendToQueue(queue, Buffer.from(String(next)), { persistent: true });
    await Promise.race([channel.waitForConfirms(), lost]);
    if (!open) break;
    sequence = next;
    say({ event: "confirmed", sequence });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!open) say({ event: "lost" });
  else await connection.close().catch(() => undefined);
}

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
while (Date.now() < deadlineMs) {
  try {
    await publishUntilLost();
  } catch (error) {
    say({ event: "connect-failed", reason: (error as Error).message });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
process.exit(0);
