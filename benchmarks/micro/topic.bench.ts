/**
 * Micro-benchmarks of the exchange types' route call, the per-message hot path.
 * Run: node --import tsx benchmarks/micro/topic.bench.ts [--quick] [name filter]
 *
 * Each case routes a rotating set of inputs into one reused `out` set, in five rounds of half a
 * second after a warm-up, and prints the median routes per second of CPU time. The figures are for comparing cases on one machine
 * in one run; absolute numbers on shared machines are not stable.
 */
import { DirectExchangeType } from "../../src/broker/exchange/direct.js";
import { FanoutExchangeType } from "../../src/broker/exchange/fanout.js";
import { HeadersExchangeType } from "../../src/broker/exchange/headers.js";
import { TOPIC_ROUTE_CACHE_ENTRIES_DEFAULT, TopicExchangeType } from "../../src/broker/exchange/topic.js";
import type { BindingDestination, ExchangeType, RoutingInput } from "../../src/broker/exchange/exchange-type.js";
import type { FieldTable, FieldValue } from "../../src/message/field-table.js";

const quick = process.argv.includes("--quick");
const roundMs = quick ? 200 : 500;
/** Each case runs this many rounds and reports the median, which steadies figures on a busy machine. */
const rounds = quick ? 1 : 5;

/** A seeded generator, so every run benchmarks the same bindings and keys. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const filter = process.argv.slice(2).find((argument) => !argument.startsWith("--")) ?? "";

function measure(name: string, inputs: readonly RoutingInput[], route: (input: RoutingInput, out: Set<BindingDestination>) => void): number {
  if (!name.includes(filter)) return 0;
  const out = new Set<BindingDestination>();
  let index = 0;
  const step = () => {
    // V8's Set#clear allocates a fresh table, so an already empty set is left alone.
    if (out.size !== 0) out.clear();
    route(inputs[index], out);
    index = index + 1 === inputs.length ? 0 : index + 1;
  };
  for (let warm = 0; warm < 20_000; warm++) step();
  const perSecondByRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let operations = 0;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    while (performance.now() - started < roundMs) {
      for (let batch = 0; batch < 1_000; batch++) step();
      operations += 1_000;
    }
    // CPU time rather than wall time: on a shared machine other processes take the CPU away
    // for stretches that wall time would charge to the case being measured.
    const cpu = process.cpuUsage(cpuStarted);
    perSecondByRound.push((operations / (cpu.user + cpu.system)) * 1_000_000);
  }
  const perSecond = perSecondByRound.sort((a, b) => a - b)[Math.floor(rounds / 2)];
  console.log(`${name.padEnd(58)} ${Math.round(perSecond).toLocaleString("en-US").padStart(13)} ops/s`);
  return perSecond;
}

const queues = Array.from({ length: 1_000 }, (_, index): BindingDestination => ({ kind: "queue", name: `q${index}` }));
const noArguments: FieldTable = new Map();
const bind = (type: ExchangeType, routingKey: string, destination: BindingDestination, args = noArguments) =>
  type.addBinding({ source: "x", destination, routingKey, arguments: args });
const input = (routingKey: string, headers?: FieldTable): RoutingInput => ({ routingKey, headers: () => headers });

// Direct and fanout.
const direct = new DirectExchangeType();
bind(direct, "orders.created", queues[0]);
measure("direct, 1 binding, key matches", [input("orders.created")], (message, out) => direct.route(message, out));
measure("direct, 1 binding, key misses", [input("orders.deleted")], (message, out) => direct.route(message, out));
const fanout = new FanoutExchangeType();
for (let index = 0; index < 3; index++) bind(fanout, "", queues[index]);
measure("fanout, 3 bindings", [input("anything")], (message, out) => fanout.route(message, out));

// Topic: keys of 3 to 5 words from small vocabularies; patterns mostly literal, some wildcards.
const vocabulary = (prefix: string, size: number) => Array.from({ length: size }, (_, index) => `${prefix}${index}`);
const levels = [vocabulary("region", 20), vocabulary("service", 50), vocabulary("entity", 100), vocabulary("event", 10), vocabulary("detail", 10)];

function randomKey(random: () => number): string {
  const wordCount = 3 + Math.floor(random() * 3);
  const words: string[] = [];
  for (let level = 0; level < wordCount; level++) words.push(levels[level][Math.floor(random() * levels[level].length)]);
  return words.join(".");
}

function randomPattern(random: () => number): string {
  const words = randomKey(random).split(".");
  const roll = random();
  if (roll < 0.2) words[Math.floor(random() * words.length)] = "*";
  else if (roll < 0.3) words.splice(1 + Math.floor(random() * (words.length - 1)), words.length, "#");
  else if (roll < 0.35) words.splice(0, Math.floor(random() * words.length), "#");
  else if (roll < 0.4) words[1] = "#";
  return words.join(".");
}

function topicWith(bindingCount: number, routeCacheEntriesMax: number): TopicExchangeType {
  const random = seededRandom(bindingCount);
  const topic = new TopicExchangeType({ routeCacheEntriesMax });
  topic.addBinding({ source: "x", destination: queues[0], routingKey: "#.event1.#", arguments: noArguments });
  while (topic.bindingCount < bindingCount) bind(topic, randomPattern(random), queues[Math.floor(random() * queues.length)]);
  return topic;
}

const keyRandom = seededRandom(7);
const repeatingKeys = Array.from({ length: 1_000 }, () => input(randomKey(keyRandom)));
// Distinct keys: an id in the last word, so no key repeats within a pass over the array.
const distinctKeys = Array.from({ length: 200_000 }, (_, index) => input(`${randomKey(keyRandom)}.id${index}`));

for (const bindingCount of quick ? [10, 1_000] : [10, 1_000, 100_000]) {
  for (const cache of [0, TOPIC_ROUTE_CACHE_ENTRIES_DEFAULT]) {
    const label = `topic, ${bindingCount.toLocaleString("en-US")} bindings, ${cache === 0 ? "no cache" : `cache ${cache}`}`;
    if (!label.includes(filter) && !filter.includes(label)) continue;
    const topic = topicWith(bindingCount, cache);
    measure(`${label}, 1000 repeating keys`, repeatingKeys, (message, out) => topic.route(message, out));
    measure(`${label}, distinct keys`, distinctKeys, (message, out) => topic.route(message, out));
  }
}

// What splitting costs: a fresh array per key against a reused one.
const words: string[] = [];
measure("split only: key.split('.')", repeatingKeys, (message) => {
  words.length = message.routingKey.split(".").length;
});
measure("split only: indexOf + substring into a reused array", repeatingKeys, (message) => {
  const key = message.routingKey;
  let count = 0;
  let start = 0;
  for (let dot = key.indexOf("."); dot !== -1; dot = key.indexOf(".", start)) {
    words[count++] = key.substring(start, dot);
    start = dot + 1;
  }
  words[count++] = key.substring(start);
});

// Headers: 10 bindings of 3 arguments each; the message has 5 headers.
const text = (value: string): FieldValue => ({ type: "S", value: Buffer.from(value) });
for (const kind of ["all", "any"]) {
  const headers = new HeadersExchangeType();
  for (let index = 0; index < 10; index++) {
    const args: FieldTable = new Map([["x-match", text(kind)], ["format", text(index % 2 === 0 ? "pdf" : "zip")], ["type", text(`report${index}`)], ["level", { type: "I", value: index }]]);
    bind(headers, "", queues[index], args);
  }
  const message: FieldTable = new Map([["format", text("pdf")], ["type", text("report4")], ["level", { type: "b", value: 4 }], ["user", text("alice")], ["size", { type: "I", value: 1024 }]]);
  measure(`headers ${kind}, 10 bindings × 3 arguments, 5 headers`, [input("", message)], (routed, out) => headers.route(routed, out));
}
