/**
 * Message counters, kept on the objects they count (broker, vhost, exchange, queue) so the
 * message path only increments a field: no lookup, no allocation. Rates are computed when
 * someone reads them (management API, /metrics), from the difference with the previous
 * reading, so nothing runs on a timer and an unwatched broker computes nothing (RabbitMQ's
 * regret of statistics on the control plane).
 */

/** RabbitMQ samples every 5 seconds by default (collect_statistics_interval). */
const RATE_WINDOW_MS = 5_000;

export type CounterName =
  | "publish" | "publish_in" | "publish_out" | "confirm" | "deliver" | "deliver_no_ack" | "get" | "get_no_ack" | "get_empty"
  | "ack" | "redeliver" | "return_unroutable" | "drop_unroutable";

export class Counters {
  /** Every counter exists from the start, so the object keeps one shape and increments stay fast. */
  readonly totals: Record<CounterName, number> = {
    publish: 0, publish_in: 0, publish_out: 0, confirm: 0, deliver: 0, deliver_no_ack: 0, get: 0, get_no_ack: 0,
    get_empty: 0, ack: 0, redeliver: 0, return_unroutable: 0, drop_unroutable: 0,
  };
  private previous: Partial<Record<CounterName, number>> = {};
  private previousAtMs: number;
  private rates: Partial<Record<CounterName, number>> = {};

  constructor(nowMs: number) {
    this.previousAtMs = nowMs;
  }

  add(name: CounterName, count = 1): void {
    this.totals[name] += count;
  }

  total(name: CounterName): number {
    return this.totals[name];
  }

  /** RabbitMQ's message_stats object: each counter with its `_details.rate` per second. */
  messageStats(nowMs: number): Record<string, unknown> {
    this.sample(nowMs);
    const stats: Record<string, unknown> = {};
    for (const [name, total] of Object.entries(this.totals) as [CounterName, number][]) {
      if (total === 0) continue; // RabbitMQ lists only what happened
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

/**
 * Node-wide counts of things opened, declared and deleted, for /metrics (RabbitMQ's
 * rabbitmq_connections_opened_total, rabbitmq_channels_opened_total, rabbitmq_queues_*_total,
 * rabbitmq_global_messages_routed_total and _received_confirm_total). Plain fields: the
 * code that opens or routes adds one, the scraper reads them. What was closed is what was
 * opened less what is open now, so closing needs no hook.
 */
export class NodeEventCounters {
  connectionsOpened = 0;
  channelsOpened = 0;
  /** queue.declare calls that were not passive (existing queues included), as RabbitMQ counts them. */
  queuesDeclared = 0;
  queuesCreated = 0;
  queuesDeleted = 0;
  /** Deliveries to queues of published messages (a message routed to three queues counts three, as in RabbitMQ 3.10). */
  messagesRouted = 0;
  /** Messages published on channels in confirm or transaction mode. */
  messagesReceivedConfirm = 0;
}
