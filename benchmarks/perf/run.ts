/**
 * One warren-perf run: declare the topology, start the roles, open one shared time window, collect
 * what each role saw, and remove what the run declared.
 */
import { randomBytes } from "node:crypto";
import { AmqpConnection } from "./client/connection.js";
import type { Table } from "./client/wire.js";
import { warmupSecondsOf, type PerfOptions } from "./options.js";
import { summarize, type PerfReport } from "./report.js";
import { startRole, type RoleHandle } from "./role-host.js";
import type { ConsumerSpec, ProducerSpec, RunWindow } from "./roles.js";
import { monotonicNowUs } from "./stats.js";

/** Time for every role, in whatever thread or process, to arm its timers before the window opens. */
const START_DELAY_US = 200_000;

interface Topology { queues: string[]; routingKey: string; cleanUp: () => Promise<void> }

export async function declareTopology(options: PerfOptions): Promise<Topology> {
  const connection = await AmqpConnection.connect({ uri: options.uri, connectionName: "warren-perf setup" });
  const channel = await connection.openChannel();
  const generated = options.queue === "";
  const base = generated ? `warren-perf-${process.pid}-${randomBytes(3).toString("hex")}` : options.queue;
  const queues = options.fanoutQueues > 0 ? Array.from({ length: options.fanoutQueues }, (_, i) => `${base}-${i}`) : [base];
  const ownExchange = options.exchange !== "" && !options.exchange.startsWith("amq.");
  if (ownExchange) await channel.declareExchange(options.exchange, options.exchangeType, options.durableQueue);
  const args: Table = options.queueType === "" ? {} : { "x-queue-type": options.queueType };
  for (const queue of queues) {
    await channel.declareQueue(queue, { durable: options.durableQueue || options.queueType === "quorum", args });
    if (options.exchange !== "") await channel.bindQueue(queue, options.exchange, options.exchangeType === "fanout" ? "" : queue);
  }
  const routingKey = options.exchange === "" ? queues[0] : options.exchangeType === "fanout" ? "" : queues[0];
  return {
    queues,
    routingKey,
    async cleanUp() {
      try {
        if (generated || options.deleteQueues) {
          for (const queue of queues) await channel.deleteQueue(queue);
          if (ownExchange) await channel.deleteExchange(options.exchange);
        }
      } finally {
        await connection.close();
      }
    },
  };
}

export async function runPerf(options: PerfOptions): Promise<PerfReport> {
  const topology = await declareTopology(options);
  const roles: RoleHandle[] = [];
  try {
    const consumerSpecs: ConsumerSpec[] = Array.from({ length: options.consumers }, (_, index) => ({
      kind: "consumer", index, uri: options.uri, queue: topology.queues[index % topology.queues.length],
      prefetch: options.prefetch, multiAckEvery: options.multiAckEvery, autoAck: options.autoAck,
      messageCountMax: options.consumerMessageCount,
    }));
    const producerSpecs: ProducerSpec[] = Array.from({ length: options.producers }, (_, index) => ({
      kind: "producer", index, uri: options.uri, exchange: options.exchange, routingKey: topology.routingKey,
      bodySizeBytes: options.sizeBytes, persistent: options.persistent, confirmWindow: options.confirmWindow,
      ratePerSecond: options.ratePerSecond, messageCountMax: options.producerMessageCount,
    }));
    for (const spec of [...consumerSpecs, ...producerSpecs]) roles.push(await startRole(spec, options.mode));
    const startUs = monotonicNowUs() + START_DELAY_US;
    const window: RunWindow = {
      startUs,
      warmupEndUs: startUs + warmupSecondsOf(options) * 1e6,
      endUs: startUs + options.durationSeconds * 1e6,
    };
    const cpuBefore = process.cpuUsage();
    const results = await Promise.all(roles.map((role) => role.run(window)));
    const cpu = process.cpuUsage(cpuBefore);
    const generatorCpuUs = cpu.user + cpu.system + results.reduce((sum, r) => sum + r.processCpuUs, 0);
    return summarize(options, window, results, monotonicNowUs(), generatorCpuUs / 1e6);
  } finally {
    await Promise.allSettled(roles.map((role) => role.close()));
    await topology.cleanUp();
  }
}
