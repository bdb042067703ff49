/**
 * warren-perf's command line, modelled on RabbitMQ's PerfTest so that a PerfTest invocation
 * translates flag for flag (--producers, --consumers, --size, --rate, --confirm, --prefetch...).
 */
import { parseArgs } from "node:util";
import type { RoleMode } from "./role-host.js";

export interface PerfOptions {
  uri: string;
  producers: number;
  consumers: number;
  sizeBytes: number;
  /** Per producer, messages per second; 0 = unlimited. */
  ratePerSecond: number;
  confirmWindow: number;
  persistent: boolean;
  prefetch: number;
  multiAckEvery: number;
  autoAck: boolean;
  durationSeconds: number;
  /** Seconds excluded from rates and latency at the start; null = chosen from the duration. */
  warmupSeconds: number | null;
  /** Empty = a generated name, deleted at the end; a given name is kept (PerfTest does the same). */
  queue: string;
  durableQueue: boolean;
  queueType: string;
  /** "" = the default exchange, routing by queue name. */
  exchange: string;
  exchangeType: string;
  /** With an exchange: declare and bind this many queues; consumers spread over them. */
  fanoutQueues: number;
  producerMessageCount: number;
  consumerMessageCount: number;
  mode: RoleMode;
  json: boolean;
  deleteQueues: boolean;
}

export const USAGE = `usage: node --import tsx benchmarks/perf/warren-perf.ts [options]
  --uri URI               amqp://guest:guest@127.0.0.1:5672/ (default)
  --producers N           1        --consumers N        1
  --size BYTES            100      (the first 8 body bytes carry the send time; smaller bodies are not timed)
  --rate MSG_PER_S        0        per producer; 0 = unlimited
  --confirm WINDOW        0        publisher confirms, at most WINDOW outstanding; 0 = off
  --persistent                     delivery-mode 2
  --prefetch N            0        basic.qos prefetch-count; 0 = unlimited
  --multi-ack-every N     0        ack with multiple=true every N deliveries; 0 = ack each
  --autoack                        consume with no-ack
  --duration SECONDS      10       --warmup SECONDS (default: 2 if duration >= 10, else 1, 0 for < 3)
  --queue NAME            generated and deleted at the end unless given (--delete-queues deletes it too)
  --durable-queue                  --queue-type classic|quorum|stream (x-queue-type)
  --exchange NAME         default exchange when empty   --exchange-type direct|fanout|topic
  --fanout-queues N       declare N queues bound to --exchange (fanout), consumers spread over them
  --pmessages N           each producer stops after N messages   --cmessages N   each consumer after N
  --mode inline|threads|processes  where producers and consumers run (default inline)
  --json                           one JSON object on stdout instead of the text report`;

export function parsePerfOptions(argv: string[]): PerfOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      uri: { type: "string", default: "amqp://guest:guest@127.0.0.1:5672/" },
      producers: { type: "string", default: "1" },
      consumers: { type: "string", default: "1" },
      size: { type: "string", default: "100" },
      rate: { type: "string", default: "0" },
      confirm: { type: "string", default: "0" },
      persistent: { type: "boolean", default: false },
      prefetch: { type: "string", default: "0" },
      "multi-ack-every": { type: "string", default: "0" },
      autoack: { type: "boolean", default: false },
      duration: { type: "string", default: "10" },
      warmup: { type: "string" },
      queue: { type: "string", default: "" },
      "durable-queue": { type: "boolean", default: false },
      "queue-type": { type: "string", default: "" },
      exchange: { type: "string", default: "" },
      "exchange-type": { type: "string" },
      "fanout-queues": { type: "string", default: "0" },
      pmessages: { type: "string", default: "0" },
      cmessages: { type: "string", default: "0" },
      mode: { type: "string", default: "inline" },
      json: { type: "boolean", default: false },
      "delete-queues": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const fanoutQueues = count(values["fanout-queues"], "fanout-queues");
  const options: PerfOptions = {
    uri: values.uri,
    producers: count(values.producers, "producers"),
    consumers: count(values.consumers, "consumers"),
    sizeBytes: count(values.size, "size"),
    ratePerSecond: count(values.rate, "rate"),
    confirmWindow: count(values.confirm, "confirm"),
    persistent: values.persistent,
    prefetch: count(values.prefetch, "prefetch"),
    multiAckEvery: count(values["multi-ack-every"], "multi-ack-every"),
    autoAck: values.autoack,
    durationSeconds: positive(values.duration, "duration"),
    warmupSeconds: values.warmup === undefined ? null : positive(values.warmup, "warmup", true),
    queue: values.queue,
    durableQueue: values["durable-queue"],
    queueType: values["queue-type"],
    exchange: values.exchange,
    exchangeType: values["exchange-type"] ?? (fanoutQueues > 0 ? "fanout" : "direct"),
    fanoutQueues,
    producerMessageCount: count(values.pmessages, "pmessages"),
    consumerMessageCount: count(values.cmessages, "cmessages"),
    mode: oneOf(values.mode, ["inline", "threads", "processes"] as const, "mode"),
    json: values.json,
    deleteQueues: values["delete-queues"],
  };
  if (fanoutQueues > 0 && options.exchange === "") throw new Error("--fanout-queues needs --exchange NAME");
  if (!options.autoAck && options.prefetch > 0 && options.multiAckEvery > options.prefetch) {
    // The consumer would wait for deliveries the broker holds back until it acks: a deadlock.
    throw new Error("--multi-ack-every must not exceed --prefetch");
  }
  return options;
}

/** The steady part of a run: the first seconds carry connection set-up and JIT warm-up. */
export function warmupSecondsOf(options: PerfOptions): number {
  if (options.warmupSeconds !== null) return options.warmupSeconds;
  return options.durationSeconds >= 10 ? 2 : options.durationSeconds >= 3 ? 1 : 0;
}

function count(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number >= 0, got ${text}`);
  return value;
}

function positive(text: string, name: string, zeroAllowed = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) throw new Error(`--${name}: bad value ${text}`);
  return value;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw new Error(`--${name} must be one of ${allowed.join(", ")}`);
  return text as T;
}
