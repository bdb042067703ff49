/**
 * SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 §3.8-3.11, MQTT 5 §3.8-3.11) mapped onto queues and
 * bindings as RabbitMQ's plugin does: a client's subscriptions of QoS n bind the exchange to
 * its queue `mqtt-subscription-<clientid>qos<n>`, with the filter translated to a binding key.
 * QoS 2 subscriptions get their own `qos2` queue (RabbitMQ downgrades them to QoS 1).
 *
 * Permissions are RabbitMQ's for the same operations: configure on a queue to declare it,
 * write on the queue and read on the exchange to bind, read on the queue to consume.
 */
import { EMPTY_TABLE } from "../../message/field-table.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkTopicPermitted } from "../../auth/topic-permissions.js";
import { BrokerError } from "../../errors/registry.js";
import type { QueueHandle } from "../../queue/queue-type.js";
import { MQTT_SUBSCRIPTIONS_PER_SESSION_MAX } from "../../config/limits.js";
import type { MqttContext } from "./context.js";
import type { Session, SessionSubscription } from "./session.js";
import type { ProtocolLevel, Qos, SubscribePacket } from "./packets.js";
import { filterToBindingKey, parseFilter, routingKeyToTopic } from "./topic.js";
import { Session as SessionClass } from "./session.js";
import type { Vhost } from "../../broker/vhost.js";
import type { User } from "../../auth/users.js";
import { ReasonCode, protocolError } from "./reason-codes.js";
import type { MqttView } from "./message-mapping.js";

export function ownQueueName(clientId: string, qos: Qos): string {
  return `mqtt-subscription-${clientId}qos${qos}`;
}

/** Subscribes each filter; returns the SUBACK codes, in order [MQTT-3.8.4-6]. Retained messages wait in the session's backlog. */
export function subscribe(context: MqttContext, session: Session, packet: SubscribePacket, level: ProtocolLevel): number[] {
  const codes: number[] = [];
  for (const subscription of packet.subscriptions) {
    const parsed = parseFilter(subscription.filter);
    if (parsed === undefined) {
      codes.push(level === 5 ? ReasonCode.TOPIC_FILTER_INVALID : ReasonCode.UNSPECIFIED_ERROR);
      continue;
    }
    if (parsed.shareName !== undefined && subscription.noLocal) throw protocolError("No Local on a shared subscription"); // [MQTT-3.8.3-4]
    const existing = session.subscriptions.get(subscription.filter);
    if (existing === undefined && session.subscriptions.size >= MQTT_SUBSCRIPTIONS_PER_SESSION_MAX) {
      codes.push(level === 5 ? ReasonCode.QUOTA_EXCEEDED : ReasonCode.UNSPECIFIED_ERROR);
      continue;
    }
    try {
      const bindingKey = filterToBindingKey(parsed.filter);
      checkTopicPermitted(session.user, session.vhost.name, context.options.exchange, "read", bindingKey, { clientId: session.clientId });
      const queue = parsed.shareName === undefined ? ownQueue(context, session, subscription.qos) : context.sharedQueue(session, parsed.shareName, bindingKey);
      const { user, vhost } = session;
      checkPermitted(user, vhost.name, "write", "queue", queue.name);
      checkPermitted(user, vhost.name, "read", "exchange", context.options.exchange);
      checkPermitted(user, vhost.name, "read", "queue", queue.name);
      if (existing !== undefined) removeSubscription(context, session, existing);
      vhost.bind(vhost.exchange(context.options.exchange), queue, bindingKey, EMPTY_TABLE);
      const entry: SessionSubscription = { ...subscription, shareName: parsed.shareName, topicFilter: parsed.filter, bindingKey, queue, subscriptionIdentifier: packet.subscriptionIdentifier };
      session.subscriptions.set(subscription.filter, entry);
      session.ensureConsumer(queue, subscription.qos, parsed.shareName === undefined && subscription.qos === 0);
      codes.push(subscription.qos);
      // Retained messages go to new subscribers, never to shared subscriptions (MQTT 5 §4.8.2).
      const sendRetained = subscription.retainHandling === 0 || (subscription.retainHandling === 1 && existing === undefined);
      if (parsed.shareName === undefined && sendRetained) queueRetained(context, session, entry);
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      context.broker.logger.debug(`MQTT subscribe to '${subscription.filter}' refused: ${error.message}`);
      codes.push(level === 5 ? error.kind.mqttReasonCode : ReasonCode.UNSPECIFIED_ERROR);
    }
  }
  session.subscriptionsChanged();
  return codes;
}

/**
 * A persistent session the broker no longer has in memory (it restarted) is still there if its
 * durable queues are: RabbitMQ decides "session present" the same way. Its subscriptions are
 * read back from the queues' bindings to the MQTT exchange, and consumption resumes. It is also
 * there if it held inbound QoS 2 packet ids (kept on disk until PUBREL): they come back to it.
 */
export function restoreSession(context: MqttContext, key: string, clientId: string, vhost: Vhost, user: User): Session | undefined {
  const exchange = vhost.exchanges.get(context.options.exchange);
  let session: Session | undefined;
  for (const qos of [0, 1, 2] as const) {
    const queue = vhost.queues.get(ownQueueName(clientId, qos));
    if (queue === undefined || !queue.durable) continue;
    // Queues do not remember who made them: resuming one takes what subscribing to it takes
    // (configure, write and read on the queue), so nobody resumes a session they could not build.
    for (const permission of ["configure", "write", "read"] as const) checkPermitted(user, vhost.name, permission, "queue", queue.name);
    session ??= new SessionClass(key, clientId, vhost, user, context.broker.io.time);
    for (const binding of exchange?.routing.bindings() ?? []) {
      if (binding.destination !== queue) continue;
      const filter = routingKeyToTopic(binding.routingKey);
      session.subscriptions.set(filter, {
        filter, qos, noLocal: false, retainAsPublished: false, retainHandling: 2, shareName: undefined, topicFilter: filter,
        bindingKey: binding.routingKey, queue, subscriptionIdentifier: undefined,
      });
    }
    session.ensureConsumer(queue, qos, qos === 0);
  }
  const heldIds = context.inboundQos2.claim(key);
  if (heldIds !== undefined) {
    session ??= new SessionClass(key, clientId, vhost, user, context.broker.io.time);
    for (const packetId of heldIds) session.inboundQos2.add(packetId);
  }
  session?.subscriptionsChanged();
  return session;
}

/** UNSUBSCRIBE: returns MQTT 5's reason code per filter. */
export function unsubscribe(context: MqttContext, session: Session, filters: readonly string[]): number[] {
  const codes = filters.map((filter) => {
    const existing = session.subscriptions.get(filter);
    if (existing === undefined) return ReasonCode.NO_SUBSCRIPTION_EXISTED;
    removeSubscription(context, session, existing);
    return ReasonCode.SUCCESS;
  });
  session.subscriptionsChanged();
  return codes;
}

function ownQueue(context: MqttContext, session: Session, qos: Qos): QueueHandle {
  const name = ownQueueName(session.clientId, qos);
  const existing = session.vhost.queues.get(name);
  if (existing !== undefined && [...session.queues()].includes(existing)) return existing;
  checkPermitted(session.user, session.vhost.name, "configure", "queue", name);
  // A persistent session's queue is durable and stays while the client is away;
  // a clean session's goes with the session (RabbitMQ: auto-delete).
  const persistent = session.expiryIntervalSeconds > 0;
  if (existing !== undefined) session.vhost.deleteQueue(existing); // not this session's: left by an ended one
  return session.vhost.declareQueue(name, { durable: persistent, exclusiveOwner: undefined, autoDelete: !persistent, arguments: EMPTY_TABLE }, context).queue;
}

function removeSubscription(context: MqttContext, session: Session, subscription: SessionSubscription): void {
  session.subscriptions.delete(subscription.filter);
  const { queue, bindingKey } = subscription;
  let queueStillUsed = false;
  let keyStillUsed = false;
  for (const other of session.subscriptions.values()) {
    if (other.queue !== queue) continue;
    queueStillUsed = true;
    if (other.bindingKey === bindingKey) keyStillUsed = true;
  }
  if (!keyStillUsed && !queue.deleted) {
    const exchange = session.vhost.exchanges.get(context.options.exchange);
    if (exchange !== undefined) session.vhost.unbind(exchange, queue, bindingKey, EMPTY_TABLE);
  }
  if (!queueStillUsed && context.isShared(queue)) context.leaveShared(session, queue);
}

function queueRetained(context: MqttContext, session: Session, subscription: SessionSubscription): void {
  const records = context.retained.match(session.vhost.name, subscription.topicFilter, context.broker.io.time.nowMs());
  const identifiers = subscription.subscriptionIdentifier === undefined ? undefined : [subscription.subscriptionIdentifier];
  for (const record of records) {
    const view: MqttView = {
      topic: record.topic,
      topicBytes: Buffer.from(record.topic),
      qos: record.qos,
      retain: true,
      mqttProperties: record.properties,
      expiresAtMs: record.expiresAtMs,
      publisher: undefined,
      payload: record.payload,
    };
    session.enqueueRetained(view, (record.qos < subscription.qos ? record.qos : subscription.qos) as Qos, identifiers);
  }
}
