/**
 * Message counters for the management API's `message_stats` and for /metrics. The
 * message path only increments integers (the record* functions below, called by the
 * protocol adapters); rates are computed when someone reads them, from the difference
 * with the previous reading at least RATE_WINDOW_MS earlier, so nothing runs on a timer
 * and nothing is computed for a broker that nobody watches (RabbitMQ's regret of
 * statistics on the control plane, DESIGN.md and STYLE.md).
 */
import type { Broker } from "../broker/broker.js";
import type { QueueHandle } from "../queue/queue-type.js";

/** RabbitMQ samples every 5 seconds by default (collect_statistics_interval). */
const RATE_WINDOW_MS = 5_000;

export type CounterName =
  | "publish" | "publish_in" | "publish_out" | "confirm" | "deliver" | "deliver_no_ack" | "get" | "get_no_ack" | "get_empty"
  | "ack" | "redeliver" | "return_unroutable" | "drop_unroutable";

export class Counters {
  readonly totals: Partial<Record<CounterName, number>> = {};
  private previous: Partial<Record<CounterName, number>> = {};
  private previousAtMs: number;
  private rates: Partial<Record<CounterName, number>> = {};

  constructor(nowMs: number) {
    this.previousAtMs = nowMs;
  }

  add(name: CounterName, count = 1): void {
    this.totals[name] = (this.totals[name] ?? 0) + count;
  }

  total(name: CounterName): number {
    return this.totals[name] ?? 0;
  }

  /** RabbitMQ's message_stats object: each counter with its `_details.rate` per second. */
  messageStats(nowMs: number): Record<string, unknown> {
    this.sample(nowMs);
    const stats: Record<string, unknown> = {};
    for (const [name, total] of Object.entries(this.totals) as [CounterName, number][]) {
      stats[name] = total;
      stats[`${name}_details`] = { rate: round(this.rates[name] ?? 0) };
    }
    // RabbitMQ's aggregates that tools and the UI read.
    const deliverGet = this.total("deliver") + this.total("deliver_no_ack") + this.total("get") + this.total("get_no_ack");
    if (deliverGet > 0) {
      stats.deliver_get = deliverGet;
      const rate = (["deliver", "deliver_no_ack", "get", "get_no_ack"] as CounterName[]).reduce((sum, name) => sum + (this.rates[name] ?? 0), 0);
      stats.deliver_get_details = { rate: round(rate) };
    }
    return stats;
  }

  private sample(nowMs: number): void {
    const elapsedMs = nowMs - this.previousAtMs;
    if (elapsedMs < RATE_WINDOW_MS) return;
    for (const [name, total] of Object.entries(this.totals) as [CounterName, number][]) {
      this.rates[name] = ((total - (this.previous[name] ?? 0)) * 1000) / elapsedMs;
    }
    this.previous = { ...this.totals };
    this.previousAtMs = nowMs;
  }
}

function round(rate: number): number {
  return Math.round(rate * 10) / 10;
}

export class BrokerStats {
  readonly global: Counters;
  private readonly vhosts = new Map<string, Counters>();
  private readonly exchanges = new Map<string, Counters>();
  private readonly queues = new WeakMap<QueueHandle, Counters>();
  private readonly nowMs: () => number;

  constructor(nowMs: () => number) {
    this.nowMs = nowMs;
    this.global = new Counters(nowMs());
  }

  vhost(name: string): Counters {
    return getOrCreate(this.vhosts, name, () => new Counters(this.nowMs()));
  }

  exchange(vhost: string, name: string): Counters {
    return getOrCreate(this.exchanges, `${vhost}\u0000${name}`, () => new Counters(this.nowMs()));
  }

  queue(queue: QueueHandle): Counters {
    let counters = this.queues.get(queue);
    if (counters === undefined) this.queues.set(queue, (counters = new Counters(this.nowMs())));
    return counters;
  }

  peekQueue(queue: QueueHandle): Counters | undefined {
    return this.queues.get(queue);
  }

  peekExchange(vhost: string, name: string): Counters | undefined {
    return this.exchanges.get(`${vhost}\u0000${name}`);
  }

  forgetExchange(vhost: string, name: string): void {
    this.exchanges.delete(`${vhost}\u0000${name}`);
  }
}

function getOrCreate<Key, Value>(map: Map<Key, Value>, key: Key, create: () => Value): Value {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

const statsByBroker = new WeakMap<Broker, BrokerStats>();

export function brokerStats(broker: Broker): BrokerStats {
  let stats = statsByBroker.get(broker);
  if (stats === undefined) statsByBroker.set(broker, (stats = new BrokerStats(() => Date.now())));
  return stats;
}

// ---- hooks for the protocol adapters (cheap: a few integer additions per message) -------------

/** A message was published to `exchange` and routed to `queues` (none: unroutable). */
export function recordPublish(broker: Broker, vhost: string, exchange: string, queues: Iterable<QueueHandle>): void {
  const stats = brokerStats(broker);
  stats.global.add("publish");
  stats.vhost(vhost).add("publish");
  const exchangeCounters = stats.exchange(vhost, exchange);
  exchangeCounters.add("publish_in");
  let routed = 0;
  for (const queue of queues) {
    stats.queue(queue).add("publish");
    routed++;
  }
  if (routed > 0) exchangeCounters.add("publish_out");
}

/** A message left a queue: to a consumer or through basic.get, acknowledged later or not. */
export function recordDelivery(broker: Broker, vhost: string, queue: QueueHandle, how: "deliver" | "deliver_no_ack" | "get" | "get_no_ack", redelivered: boolean): void {
  const stats = brokerStats(broker);
  for (const counters of [stats.global, stats.vhost(vhost), stats.queue(queue)]) {
    counters.add(how);
    if (redelivered) counters.add("redeliver");
  }
}

export function recordAck(broker: Broker, vhost: string, queue: QueueHandle, count: number): void {
  const stats = brokerStats(broker);
  stats.global.add("ack", count);
  stats.vhost(vhost).add("ack", count);
  stats.queue(queue).add("ack", count);
}

export function recordConfirm(broker: Broker, vhost: string, count: number): void {
  const stats = brokerStats(broker);
  stats.global.add("confirm", count);
  stats.vhost(vhost).add("confirm", count);
}

export function recordUnroutable(broker: Broker, vhost: string, returned: boolean): void {
  const stats = brokerStats(broker);
  const name: CounterName = returned ? "return_unroutable" : "drop_unroutable";
  stats.global.add(name);
  stats.vhost(vhost).add(name);
}

export function recordGetEmpty(broker: Broker, vhost: string): void {
  const stats = brokerStats(broker);
  stats.global.add("get_empty");
  stats.vhost(vhost).add("get_empty");
}
