/**
 * An MQTT session (MQTT 5 §4.1): subscriptions, the queues behind them, QoS 1 and 2
 * deliveries in flight and QoS 2 packet ids received but not yet released. A persistent
 * session outlives its connection; while detached its queues keep collecting messages and its
 * in-flight deliveries wait to be re-sent with their original packet ids and DUP set
 * [MQTT-4.4.0-1], which is what makes QoS 2 exactly-once across a reconnect.
 *
 * Outbound QoS 2: the queue entry is settled when the client's PUBREC arrives (the client
 * then owns the message); only the packet id is kept until PUBCOMP (§4.3.3).
 */
import { Deque } from "../../lib/deque.js";
import type { Vhost } from "../../broker/vhost.js";
import type { User } from "../../auth/users.js";
import type { QueueEntry, QueueHandle } from "../../queue/queue-type.js";
import { MqttConsumer } from "./consumer.js";
import { PacketType, type ProtocolLevel, type Qos, type Subscription } from "./packets.js";
import { EMPTY_PROPERTIES_BLOCK, encodeAck, encodePublish, propertiesBlock, publishSizeBytes } from "./packet-writer.js";
import { forwardedPropertiesBlock, mqttView, type MqttView } from "./message-mapping.js";
import { topicMatchesFilter } from "./topic.js";
import { ReasonCode } from "./reason-codes.js";
import type { Clock } from "../../io/time.js";
import { MQTT_FOUR_BYTE_INTEGER_MAX } from "../../config/limits.js";

/** What a session needs from the connection it is attached to. */
export interface SessionConnection {
  readonly protocolLevel: ProtocolLevel;
  /** The socket's write buffer is over its high-water mark: hold deliveries. */
  readonly outputBlocked: boolean;
  /** MQTT 5 Receive Maximum, capped by MQTT_OUTBOUND_INFLIGHT_MAX. */
  readonly clientReceiveMaximum: number;
  readonly clientMaxPacketSizeBytes: number;
  send(packet: Buffer): void;
  /** A newer connection with the same client id takes the session: close this one [MQTT-3.1.4-3]. */
  takeOver(): void;
  /** Serving this connection failed in Warren's own code: close it (MQTT 5: DISCONNECT 0x80) and log why. */
  failInternally(error: unknown): void;
}

export interface SessionSubscription extends Subscription {
  /** The filter without a `$share/<name>/` prefix. */
  readonly topicFilter: string;
  readonly shareName: string | undefined;
  readonly bindingKey: string;
  readonly queue: QueueHandle;
  readonly subscriptionIdentifier: number | undefined;
}

interface InFlight {
  readonly queue: QueueHandle | undefined;
  readonly entry: QueueEntry | undefined;
  readonly view: MqttView;
  readonly qos: 1 | 2;
  readonly retain: boolean;
  readonly subscriptionIdentifiers: number[] | undefined;
  /** PUBREC received and PUBREL sent: the message is the client's, only the packet id is held. */
  released: boolean;
}

interface Backlogged {
  readonly view: MqttView;
  readonly qos: Qos;
  readonly subscriptionIdentifiers: number[] | undefined;
}

export class Session {
  readonly key: string;
  readonly clientId: string;
  readonly vhost: Vhost;
  user: User;
  /** 0: the session ends with its connection. */
  expiryIntervalSeconds = 0;
  detachedAtMs = 0;
  connection: SessionConnection | undefined;
  ended = false;
  readonly subscriptions = new Map<string, SessionSubscription>();
  /**
   * QoS 2 packet ids whose PUBLISH was routed and whose PUBREL has not come yet (§4.3.3 method B).
   * A persistent session's are also on disk (inbound-qos2-store.ts) and come back after a restart.
   */
  readonly inboundQos2 = new Set<number>();
  private readonly consumers = new Map<QueueHandle, MqttConsumer>();
  private readonly inFlight = new Map<number, InFlight>();
  private readonly backlog = new Deque<Backlogged>();
  private nextPacketId = 1;
  /** A delivery failed: nothing more is taken from the queues until a connection attaches again. */
  private deliveriesHeld = false;
  /** Some subscription uses No Local, Retain As Published or a subscription identifier. */
  private needsMatching = false;
  /** The node's clock: message expiry is checked, and the remaining interval computed, on delivery. */
  private readonly clock: Clock;

  constructor(key: string, clientId: string, vhost: Vhost, user: User, clock: Clock) {
    this.key = key;
    this.clock = clock;
    this.clientId = clientId;
    this.vhost = vhost;
    this.user = user;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  queues(): IterableIterator<QueueHandle> {
    return this.consumers.keys();
  }

  // ---- consumers -----------------------------------------------------------------------------

  /**
   * Consumes from `queue` (once per queue); `grantedQos` caps the QoS of its deliveries.
   * `noAck` for a QoS 0 queue: nothing delivered from it is ever acknowledged.
   */
  ensureConsumer(queue: QueueHandle, grantedQos: Qos, noAck: boolean): void {
    const existing = this.consumers.get(queue);
    if (existing !== undefined) {
      existing.grantedQos = Math.max(existing.grantedQos, grantedQos) as Qos;
      return;
    }
    const consumer = new MqttConsumer(this, `mqtt-${this.clientId}-${queue.name}`, grantedQos, noAck);
    this.consumers.set(queue, consumer);
    if (this.connection !== undefined) queue.addConsumer(consumer);
  }

  dropConsumer(queue: QueueHandle): void {
    const consumer = this.consumers.get(queue);
    if (consumer === undefined) return;
    this.consumers.delete(queue);
    queue.removeConsumer(consumer);
    this.releaseInFlight((flight) => flight.queue === queue);
  }

  subscriptionsChanged(): void {
    this.needsMatching = false;
    for (const subscription of this.subscriptions.values()) {
      if (subscription.noLocal || subscription.retainAsPublished || subscription.subscriptionIdentifier !== undefined) this.needsMatching = true;
    }
  }

  queueDeleted(queue: QueueHandle): void {
    this.consumers.delete(queue);
    for (const [filter, subscription] of this.subscriptions) if (subscription.queue === queue) this.subscriptions.delete(filter);
    this.subscriptionsChanged();
  }

  // ---- connection lifecycle ----------------------------------------------------------------

  /** A connection takes the session: unfinished deliveries go out again, then the queues resume. */
  attach(connection: SessionConnection): void {
    this.connection = connection;
    this.deliveriesHeld = false;
    const level = connection.protocolLevel;
    for (const [packetId, flight] of [...this.inFlight].sort((a, b) => a[0] - b[0])) {
      if (flight.released) {
        connection.send(encodeAck(PacketType.PUBREL, packetId, ReasonCode.SUCCESS, level));
        continue;
      }
      const packet = this.publishPacket(flight.view, flight.qos, true, flight.retain, packetId, flight.subscriptionIdentifiers);
      if (packet !== undefined) {
        connection.send(packet);
        continue;
      }
      this.inFlight.delete(packetId); // expired while the client was away
      if (flight.queue !== undefined && flight.entry !== undefined) flight.queue.settle([flight.entry]);
    }
    for (const [queue, consumer] of this.consumers) queue.addConsumer(consumer);
  }

  /** The connection is gone; a persistent session keeps everything for the next one. */
  detach(nowMs: number): void {
    this.connection = undefined;
    this.detachedAtMs = nowMs;
    for (const [queue, consumer] of this.consumers) queue.removeConsumer(consumer);
  }

  /** The session is over: unacknowledged messages go back to their queues (others may share them). */
  end(): void {
    this.ended = true;
    if (this.connection !== undefined) this.detach(0);
    this.releaseInFlight(() => true);
    this.backlog.clear();
  }

  private releaseInFlight(predicate: (flight: InFlight) => boolean): void {
    for (const [packetId, flight] of this.inFlight) {
      if (!predicate(flight)) continue;
      this.inFlight.delete(packetId);
      if (!flight.released && flight.queue !== undefined && flight.entry !== undefined) flight.queue.requeue([flight.entry]);
    }
  }

  // ---- outbound ------------------------------------------------------------------------------

  canTake(grantedQos: Qos): boolean {
    const connection = this.connection;
    if (connection === undefined || connection.outputBlocked || this.deliveriesHeld) return false;
    return grantedQos === 0 || (this.backlog.length === 0 && this.inFlight.size < connection.clientReceiveMaximum);
  }

  /** Retained messages for a new subscription wait here for credit, before queue deliveries. */
  enqueueRetained(view: MqttView, qos: Qos, subscriptionIdentifiers: number[] | undefined): void {
    this.backlog.push({ view, qos, subscriptionIdentifiers });
  }

  /** Credit came back (acks, drained socket, new retained messages): deliver what waits. */
  resume(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    while (this.backlog.length > 0 && !connection.outputBlocked) {
      const next = this.backlog.peekFirst() as Backlogged;
      if (next.qos > 0 && this.inFlight.size >= connection.clientReceiveMaximum) break;
      this.backlog.shift();
      this.send(next.view, next.qos, true, next.subscriptionIdentifiers, undefined, undefined);
    }
    for (const queue of this.consumers.keys()) queue.dispatch();
  }

  deliverEntry(consumer: MqttConsumer, queue: QueueHandle, entry: QueueEntry): void {
    const view = mqttView(entry.message, this.clock.nowMs());
    if (view === undefined) {
      // Published over AMQP with a routing key no MQTT client may be sent as a topic: skipped, as if delivered.
      if (!consumer.noAck) queue.settle([entry]);
      return;
    }
    let qos = (view.qos < consumer.grantedQos ? view.qos : consumer.grantedQos) as Qos;
    let retain = false;
    let identifiers: number[] | undefined;
    // AMQP's '#' and '*' match topics starting with '$'; MQTT's leading wildcards must not [MQTT-4.7.2-1].
    if (view.topic.startsWith("$") && !this.anyFilterMatches(queue, view.topic)) {
      if (!consumer.noAck) queue.settle([entry]);
      return;
    }
    if (this.needsMatching) {
      const matched: SessionSubscription[] = [];
      for (const subscription of this.subscriptions.values()) {
        if (subscription.queue === queue && topicMatchesFilter(subscription.topicFilter, view.topic)) matched.push(subscription);
      }
      // No Local: never send a client its own publishes back [MQTT-3.8.3-3].
      if (matched.length > 0 && view.publisher === this && matched.every((subscription) => subscription.noLocal)) {
        if (!consumer.noAck) queue.settle([entry]);
        return;
      }
      retain = view.retain && matched.some((subscription) => subscription.retainAsPublished); // [MQTT-3.3.1-12, -13]
      for (const subscription of matched) {
        if (subscription.subscriptionIdentifier !== undefined) (identifiers ??= []).push(subscription.subscriptionIdentifier);
        if (subscription.qos > qos && subscription.qos <= view.qos) qos = subscription.qos;
      }
    }
    this.send(view, qos, retain, identifiers, queue, consumer.noAck ? undefined : entry);
  }

  /**
   * deliverEntry threw (a bug, or a message no check foresaw). The queue that called may be in
   * the middle of its dispatch loop, on behalf of another client: the entry goes back to its
   * queue and the connection is closed once that loop is over, and the queue, its publisher and
   * every other consumer carry on. Until then this session takes nothing more.
   */
  deliveryFailed(queue: QueueHandle, entry: QueueEntry, noAck: boolean, error: unknown): void {
    this.deliveriesHeld = true;
    const connection = this.connection;
    process.nextTick(() => {
      let inFlight = false;
      for (const flight of this.inFlight.values()) if (flight.entry === entry) inFlight = true;
      if (!noAck && !inFlight && !queue.deleted) queue.requeue([entry]);
      connection?.failInternally(error);
    });
  }

  private anyFilterMatches(queue: QueueHandle, topic: string): boolean {
    for (const subscription of this.subscriptions.values()) if (subscription.queue === queue && topicMatchesFilter(subscription.topicFilter, topic)) return true;
    return false;
  }

  private send(view: MqttView, qos: Qos, retain: boolean, identifiers: number[] | undefined, queue: QueueHandle | undefined, entry: QueueEntry | undefined): void {
    const connection = this.connection as SessionConnection;
    const packetId = qos === 0 ? 0 : this.allocatePacketId();
    const packet = this.publishPacket(view, qos, false, retain, packetId, identifiers);
    if (packet === undefined) {
      // Expired, or larger than the client accepts [MQTT-3.1.2-25]: discarded as if delivered.
      if (queue !== undefined && entry !== undefined) queue.settle([entry]);
      return;
    }
    if (qos === 0) {
      connection.send(packet);
      if (queue !== undefined && entry !== undefined) queue.settle([entry]);
      return;
    }
    this.inFlight.set(packetId, { queue, entry, view, qos, retain, subscriptionIdentifiers: identifiers, released: false });
    connection.send(packet);
  }

  private publishPacket(view: MqttView, qos: Qos, dup: boolean, retain: boolean, packetId: number, identifiers: number[] | undefined): Buffer | undefined {
    const connection = this.connection as SessionConnection;
    let properties: Buffer | undefined;
    const nowMs = this.clock.nowMs();
    if (view.expiresAtMs !== 0 && view.expiresAtMs <= nowMs) return undefined; // [MQTT-3.3.2-5]
    if (connection.protocolLevel === 5) {
      if (view.expiresAtMs === 0 && identifiers === undefined) {
        properties = Object.keys(view.mqttProperties).length === 0 ? EMPTY_PROPERTIES_BLOCK : forwardedPropertiesBlock(view);
      } else {
        const remainingSeconds = view.expiresAtMs === 0 ? undefined : Math.min(MQTT_FOUR_BYTE_INTEGER_MAX, Math.max(1, Math.ceil((view.expiresAtMs - nowMs) / 1000)));
        properties = propertiesBlock({ ...view.mqttProperties, messageExpiryIntervalSeconds: remainingSeconds, subscriptionIdentifiers: identifiers });
      }
    }
    const sizeBytes = publishSizeBytes(view.topicBytes.length, view.payload.length, qos, properties?.length ?? 0);
    if (sizeBytes > connection.clientMaxPacketSizeBytes) return undefined;
    return encodePublish(view.topicBytes, view.payload, qos, dup, retain, packetId, properties);
  }

  private allocatePacketId(): number {
    // At most MQTT_OUTBOUND_INFLIGHT_MAX ids are in use, so a free one is always near.
    for (;;) {
      const packetId = this.nextPacketId;
      this.nextPacketId = packetId === 65_535 ? 1 : packetId + 1;
      if (!this.inFlight.has(packetId)) return packetId;
    }
  }

  // ---- acknowledgements from the client ----------------------------------------------------

  onPuback(packetId: number): void {
    const flight = this.inFlight.get(packetId);
    if (flight === undefined || flight.qos !== 1) return; // a late or duplicate ack changes nothing
    this.inFlight.delete(packetId);
    if (flight.queue !== undefined && flight.entry !== undefined) flight.queue.settle([flight.entry]);
  }

  onPubrec(packetId: number, reasonCode: number): void {
    const connection = this.connection as SessionConnection;
    const flight = this.inFlight.get(packetId);
    if (flight === undefined || flight.qos !== 2) {
      connection.send(encodeAck(PacketType.PUBREL, packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, connection.protocolLevel));
      return;
    }
    if (!flight.released && flight.queue !== undefined && flight.entry !== undefined) flight.queue.settle([flight.entry]);
    if (reasonCode >= 0x80) {
      this.inFlight.delete(packetId); // the client refused the message: the flow ends with this PUBREC (MQTT 5 §4.3.3)
      return;
    }
    flight.released = true;
    connection.send(encodeAck(PacketType.PUBREL, packetId, ReasonCode.SUCCESS, connection.protocolLevel));
  }

  onPubcomp(packetId: number): void {
    const flight = this.inFlight.get(packetId);
    if (flight !== undefined && flight.released) this.inFlight.delete(packetId);
  }
}

