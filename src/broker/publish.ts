/**
 * THE publish path (DESIGN.md §3): every message that enters a vhost comes through here, from
 * AMQP basic.publish, MQTT PUBLISH (and wills), dead-lettering and the management API.
 *
 *   1. route: the exchange and every exchange bound behind it give the target queues
 *      (CC/BCC keys too); no exchange, or no binding, is "unroutable";
 *   2. enqueue into every target queue through the queue-type interface (a local classic queue
 *      today; a queue on another node or a replicated one implements the same `enqueue`);
 *   3. count what must be durable before the publisher hears back: every queue that answers
 *      "pending" adds one wait to the publisher's token in its DurableWaits, and reports the
 *      token once the message is safe; a queue that refuses it (x-overflow reject-publish)
 *      fails the token;
 *   4. hand back what the publisher needs to answer: how many queues took the message (0:
 *      unroutable, for basic.return or MQTT 5's "no matching subscribers").
 *
 * One Publisher per publishing party (an AMQP channel, an MQTT connection, a vhost's
 * dead-lettering, the management API): it owns the scratch list of targets, reused from
 * message to message, so publishing allocates nothing (the AMQP confirm path runs this for
 * every message; see docs/internals/latency.md).
 */
import type { Counters } from "../lib/counters.js";
import type { Message } from "../message/message.js";
import type { QueueHandle } from "../queue/queue-type.js";
import type { DurableWaits } from "./durable-waits.js";
import type { Exchange } from "./exchange.js";
import { RoutingTargets } from "./exchange/routing-targets.js";

/** What the publish path needs of a vhost: its exchanges, its counters and its routing. */
export interface PublishVhost {
  readonly exchanges: ReadonlyMap<string, Exchange>;
  readonly stats: Counters;
  routeMessage(exchange: Exchange, message: Message, out: RoutingTargets<QueueHandle>): unknown;
}

export interface PublisherOptions {
  /**
   * The node's counters: given, the publish is counted as RabbitMQ counts a client's publish
   * (publish on node, vhost and queues; publish_in/publish_out on the exchange). Dead-lettering
   * passes none: RabbitMQ does not count a dead-lettered message as published.
   */
  readonly nodeStats?: Counters;
  /** A target queue is far behind its consumers: the publisher should be held (credit flow). */
  readonly onOverloaded?: (queue: QueueHandle) => void;
}

/** Decides per target whether the message goes there (dead-lettering drops automatic cycles). */
export type TargetFilter = (queue: QueueHandle) => boolean;

export class Publisher {
  private readonly targets = new RoutingTargets<QueueHandle>();
  private readonly nodeStats: Counters | undefined;
  private readonly onOverloaded: ((queue: QueueHandle) => void) | undefined;
  /** Whether a publish is under way (see publish()). */
  private publishing = false;

  constructor(options: PublisherOptions = {}) {
    this.nodeStats = options.nodeStats;
    this.onOverloaded = options.onOverloaded;
  }

  /**
   * Routes `message` from its exchange (`message.exchange`) in `vhost` and enqueues it into
   * every target. With `waits`, each target queue that must first get the message on disk adds
   * a wait to `token`, and a queue that refuses it reports `token` refused. Returns how many queues the
   * message was routed to (0: unroutable; a missing exchange routes nowhere).
   */
  publish(vhost: PublishVhost, message: Message, waits?: DurableWaits, token = 0, filter?: TargetFilter): number {
    // Enqueueing can dead-letter at once (x-overflow reject-publish-dlx, drop-head), which
    // publishes again through the vhost's Publisher while its list is in use: a nested call
    // gets a list of its own.
    const targets = this.publishing ? new RoutingTargets<QueueHandle>() : this.targets;
    this.publishing = true;
    try {
      return this.publishTo(targets, vhost, message, waits, token, filter);
    } finally {
      targets.clear();
      if (targets === this.targets) this.publishing = false;
    }
  }

  private publishTo(targets: RoutingTargets<QueueHandle>, vhost: PublishVhost, message: Message, waits: DurableWaits | undefined, token: number, filter: TargetFilter | undefined): number {
    const exchange = vhost.exchanges.get(message.exchange);
    if (exchange !== undefined) vhost.routeMessage(exchange, message, targets);
    const routed = targets.size;
    const nodeStats = this.nodeStats;
    if (nodeStats !== undefined) {
      if (exchange !== undefined) {
        exchange.stats.totals.publish_in++;
        if (routed > 0) exchange.stats.totals.publish_out++;
      }
      vhost.stats.totals.publish++;
      nodeStats.totals.publish++;
    }
    for (let position = 0; position < routed; position++) {
      const queue = targets.at(position);
      if (filter !== undefined && !filter(queue)) continue;
      if (nodeStats !== undefined) queue.stats.totals.publish++;
      const outcome = queue.enqueue(message, waits?.waiter, token);
      if (outcome !== "accepted" && waits !== undefined) {
        if (outcome === "pending") waits.wait(token);
        else waits.refused(token);
      }
      if (this.onOverloaded !== undefined && queue.overloaded) this.onOverloaded(queue);
    }
    return routed;
  }
}
