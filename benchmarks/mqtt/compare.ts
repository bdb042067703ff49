/**
 * MQTT comparison (DESIGN.md §9): 1 publisher → 1 subscriber, 100-byte payloads, QoS 0 and
 * QoS 1, against Warren, mosquitto and RabbitMQ's MQTT plugin, in one run with the same load
 * generator, and the ratios. Absolute rates on shared machines move; the ratios are the result.
 *
 *   node --import tsx benchmarks/mqtt/compare.ts [--qos0-count N] [--qos1-count N] [--window N] [--only warren,mosquitto]
 *
 * The rate is messages received by the subscriber per second, from its first message to its
 * last. A broker that drops QoS 0 messages (mosquitto does when a client's queue is full) is
 * shown with what it delivered.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mosquitto, rabbitmq, warren, type BrokerDefinition } from "./brokers.js";

interface Result {
  readonly received: number;
  readonly sent: number;
  readonly ratePerSecond: number;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const QOS0_COUNT = option("--qos0-count", 500_000);
const QOS1_COUNT = option("--qos1-count", 100_000);
/** QoS 1 publishes in flight: enough that the broker, not the round trip, limits the rate. */
const WINDOW = option("--window", 1_000);
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1].split(",") : undefined;
const loadClient = fileURLToPath(new URL("./load-client.ts", import.meta.url));

function role(args: string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", loadClient, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") onLine?.(line.trim());
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

async function runOnce(port: number, qos: 0 | 1, count: number): Promise<Result> {
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const subscriber = role(["subscriber", String(port), String(qos), String(count)], (line) => line === "ready" && ready());
  await subscribed;
  const publisherOutput = await role(["publisher", String(port), String(qos), String(count), String(WINDOW)]);
  const subscriberOutput = await subscriber;
  const { received, firstMs, lastMs } = JSON.parse(subscriberOutput.trim().split("\n").pop() as string) as { received: number; firstMs: number; lastMs: number };
  const { sent } = JSON.parse(publisherOutput.trim()) as { sent: number };
  return { received, sent, ratePerSecond: lastMs > firstMs ? received / ((lastMs - firstMs) / 1000) : 0 };
}

const brokers: BrokerDefinition[] = [warren, mosquitto, rabbitmq].filter((broker) => only === undefined || only.includes(broker.name));
const results = new Map<string, Map<number, Result>>();
for (const broker of brokers) {
  const missing = broker.unavailable();
  if (missing !== undefined) {
    console.log(`${broker.name}: skipped (${missing})`);
    continue;
  }
  const running = await broker.start();
  const byQos = new Map<number, Result>();
  try {
    for (const [qos, count] of [[0, QOS0_COUNT], [1, QOS1_COUNT]] as const) {
      await runOnce(running.mqttPort, qos, Math.min(count, 10_000)); // warm-up (JIT, connection setup)
      const result = await runOnce(running.mqttPort, qos, count);
      byQos.set(qos, result);
      console.log(`${broker.name.padEnd(10)} QoS ${qos}: ${Math.round(result.ratePerSecond).toLocaleString("en-US").padStart(9)} msg/s  (${result.received}/${result.sent} received)`);
    }
  } finally {
    await running.stop();
  }
  results.set(broker.name, byQos);
}

const rate = (name: string, qos: number): number | undefined => results.get(name)?.get(qos)?.ratePerSecond;
console.log("\n| broker | QoS 0 msg/s | QoS 1 msg/s |\n| --- | ---: | ---: |");
for (const [name] of results) {
  console.log(`| ${name} | ${Math.round(rate(name, 0) ?? 0).toLocaleString("en-US")} | ${Math.round(rate(name, 1) ?? 0).toLocaleString("en-US")} |`);
}
for (const other of ["mosquitto", "rabbitmq"]) {
  if (!results.has("warren") || !results.has(other)) continue;
  const ratio = (qos: number) => ((rate("warren", qos) ?? 0) / (rate(other, qos) ?? 1)).toFixed(2);
  console.log(`warren / ${other}: QoS 0 ${ratio(0)}×, QoS 1 ${ratio(1)}×`);
}
process.exit(0);
