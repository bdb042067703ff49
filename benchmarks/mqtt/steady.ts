/**
 * QoS 1 in a steady state (issue 11's back-pressure case): one publisher, one subscriber, each
 * its own process, against Warren and mosquitto (Debian's `mosquitto`: `apt-get install
 * mosquitto`; the script starts its own on a free port) in the same run:
 *
 *   node --import tsx benchmarks/mqtt/steady.ts [--warmup-ms 3000] [--measure-ms 10000] [--window 1000] [--only warren,mosquitto]
 *
 * Both clients count inside the same measuring window (steady-client.ts): the publisher's sent
 * rate, the subscriber's received rate, and the latency from publish to delivery (p50, p99) of
 * the messages received in the window. A broker that acknowledges publishes faster than it
 * delivers shows a sent rate above the received rate and a latency that grows with the run.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mosquitto, rabbitmq, warren, type BrokerDefinition } from "./brokers.js";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const WARMUP_MS = option("--warmup-ms", 3_000);
const MEASURE_MS = option("--measure-ms", 10_000);
const WINDOW = option("--window", 1_000);
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1].split(",") : ["warren", "mosquitto"];
const client = fileURLToPath(new URL("./steady-client.ts", import.meta.url));

interface Result {
  readonly sentPerSecond: number;
  readonly receivedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function role(args: string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", client, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") onLine?.(line.trim());
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

const lastJson = <T>(output: string): T => JSON.parse(output.trim().split("\n").pop() as string) as T;

async function run(port: number): Promise<Result> {
  // Both processes need a moment to start (tsx); the window opens after the warm-up either way.
  const startMs = Date.now() + 2_000;
  const timing = [String(startMs), String(WARMUP_MS), String(MEASURE_MS)];
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const subscriber = role(["subscriber", String(port), ...timing], (line) => line === "ready" && ready());
  await subscribed;
  const publisher = role(["publisher", String(port), ...timing, String(WINDOW)]);
  const [subscriberOutput, publisherOutput] = await Promise.all([subscriber, publisher]);
  const received = lastJson<{ received: number; p50Ms: number; p99Ms: number }>(subscriberOutput);
  const sent = lastJson<{ sentInWindow: number }>(publisherOutput);
  const seconds = MEASURE_MS / 1000;
  return { sentPerSecond: sent.sentInWindow / seconds, receivedPerSecond: received.received / seconds, p50Ms: received.p50Ms, p99Ms: received.p99Ms };
}

const results = new Map<string, Result>();
for (const broker of [warren, mosquitto, rabbitmq].filter((each: BrokerDefinition) => only.includes(each.name))) {
  const missing = broker.unavailable();
  if (missing !== undefined) {
    console.log(`${broker.name}: skipped (${missing})`);
    continue;
  }
  const running = await broker.start();
  try {
    const result = await run(running.mqttPort);
    results.set(broker.name, result);
    console.log(`${broker.name}: sent ${Math.round(result.sentPerSecond)} msg/s, received ${Math.round(result.receivedPerSecond)} msg/s, p99 ${result.p99Ms.toFixed(1)} ms`);
  } finally {
    await running.stop();
  }
}

const number = (value: number): string => Math.round(value).toLocaleString("en-US");
console.log(`\nQoS 1, 1 publisher → 1 subscriber, 100 B, window ${WINDOW}, measured ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s\n`);
console.log("| broker | sent msg/s | received msg/s | p50 latency ms | p99 latency ms |\n| --- | ---: | ---: | ---: | ---: |");
for (const [name, result] of results) {
  console.log(`| ${name} | ${number(result.sentPerSecond)} | ${number(result.receivedPerSecond)} | ${result.p50Ms.toFixed(1)} | ${result.p99Ms.toFixed(1)} |`);
}
const base = results.get("warren");
for (const [name, other] of results) {
  if (name === "warren" || base === undefined) continue;
  console.log(`warren / ${name}: received ${(base.receivedPerSecond / other.receivedPerSecond).toFixed(2)}×, sent ${(base.sentPerSecond / other.sentPerSecond).toFixed(2)}×, p99 latency ${(base.p99Ms / other.p99Ms).toFixed(2)}×`);
}
process.exit(0);
