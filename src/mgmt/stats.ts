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
import { Counters, type CounterName } from "../lib/counters.js";

export { Counters, type CounterName } from "../lib/counters.js";

export class BrokerStats {
  private readonly broker: Broker;
  /** Counters of a vhost or exchange that no longer exists: read as zero. */
  private readonly gone: Counters;

  constructor(broker: Broker) {
    this.broker = broker;
    this.gone = new Counters(broker.io.time.nowMs());
  }

  get global(): Counters {
    return this.broker.stats;
  }

  vhost(name: string): Counters {
    return this.broker.vhosts.get(name)?.stats ?? this.gone;
  }

  exchange(vhost: string, name: string): Counters {
    return this.broker.vhosts.get(vhost)?.exchanges.get(name)?.stats ?? this.gone;
  }

  queue(queue: QueueHandle): Counters {
    return queue.stats;
  }

  peekQueue(queue: QueueHandle): Counters | undefined {
    return queue.stats;
  }

  peekExchange(vhost: string, name: string): Counters | undefined {
    return this.broker.vhosts.get(vhost)?.exchanges.get(name)?.stats;
  }

  forgetExchange(): void {
    // Counters live on the exchange object and go with it.
  }
}

const statsByBroker = new WeakMap<Broker, BrokerStats>();

export function brokerStats(broker: Broker): BrokerStats {
  let stats = statsByBroker.get(broker);
  if (stats === undefined) statsByBroker.set(broker, (stats = new BrokerStats(broker)));
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
