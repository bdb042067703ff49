/**
 * Micro-benchmark of the broker's one publish path (src/broker/publish.ts): route, enqueue,
 * count, durable waits, into real classic queues whose consumer takes every message (no-ack),
 * so the queues stay empty and the figure is the path itself.
 * Run: node --import tsx --expose-gc benchmarks/micro/publish.bench.ts [--quick]
 *
 * Each case prints publishes per second of CPU time (median of five rounds) and the bytes
 * allocated per publish beyond the message object the caller makes (heap growth over a round
 * with collections forced around it, when --expose-gc is given). For comparing cases and
 * commits on one machine in one run; absolute numbers on shared machines are not stable.
 */
import { Publisher } from "../../src/broker/publish.js";
import { DurableWaits } from "../../src/broker/durable-waits.js";
import { Vhost } from "../../src/broker/vhost.js";
import { systemTime } from "../../src/io/time.js";
import { Counters } from "../../src/lib/counters.js";
import { EMPTY_TABLE } from "../../src/message/field-table.js";
import { Message } from "../../src/message/message.js";
import { encodeContentHeader } from "../../src/message/properties.generated.js";
import type { QueueConsumer } from "../../src/queue/queue-type.js";

const quick = process.argv.includes("--quick");
const roundMs = quick ? 200 : 500;
const rounds = quick ? 1 : 5;
const collect = (globalThis as { gc?: () => void }).gc;

const header = encodeContentHeader(60, 100, {});
const body = Buffer.alloc(100);
const taker: QueueConsumer = { tag: "bench", noAck: true, exclusive: false, priority: 0, owner: {}, canTake: () => true, deliver: () => undefined, cancelledByServer: () => undefined };

function vhostWith(queueCount: number): Vhost {
  const vhost = new Vhost("/", systemTime);
  const fanout = vhost.exchange("amq.fanout");
  for (let index = 0; index < queueCount; index++) {
    const queue = vhost.declareQueue(`q${index}`, { durable: false, autoDelete: false, exclusiveOwner: undefined, arguments: EMPTY_TABLE }, {}).queue;
    queue.addConsumer(taker);
    vhost.bind(fanout, queue, "", EMPTY_TABLE);
  }
  return vhost;
}

function measure(name: string, step: () => void): void {
  for (let warm = 0; warm < 50_000; warm++) step();
  const perSecondByRound: number[] = [];
  let bytesPerPublish = Number.NaN;
  for (let round = 0; round < rounds; round++) {
    collect?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let operations = 0;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    while (performance.now() - started < roundMs) {
      for (let batch = 0; batch < 1_000; batch++) step();
      operations += 1_000;
    }
    const cpu = process.cpuUsage(cpuStarted);
    perSecondByRound.push((operations / (cpu.user + cpu.system)) * 1_000_000);
    if (collect !== undefined) {
      collect();
      bytesPerPublish = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / operations;
    }
  }
  const perSecond = perSecondByRound.sort((a, b) => a - b)[Math.floor(rounds / 2)];
  const bytes = Number.isNaN(bytesPerPublish) ? "(run with --expose-gc for bytes)" : `${bytesPerPublish.toFixed(1)} B retained/publish`;
  console.log(`${name}: ${Math.round(perSecond).toLocaleString("en")} publishes/s of CPU, ${bytes}`);
}

const nodeStats = new Counters(0);
const direct = vhostWith(1);
const counted = new Publisher({ nodeStats, onOverloaded: () => undefined });
measure("default exchange, 1 queue, counted (AMQP without confirms)", () => counted.publish(direct, new Message("", "q0", header, body)));

const waits = new DurableWaits({ settled: () => undefined }, () => undefined);
measure("default exchange, 1 queue, with a confirm token", () => {
  const token = waits.open();
  counted.publish(direct, new Message("", "q0", header, body), waits, token);
  waits.flush();
});

const fanout = vhostWith(10);
measure("fanout to 10 queues, counted", () => counted.publish(fanout, new Message("amq.fanout", "", header, body)));

const uncounted = new Publisher();
measure("unroutable, uncounted (dead-lettering to nowhere)", () => uncounted.publish(direct, new Message("amq.direct", "nobody", header, body)));
