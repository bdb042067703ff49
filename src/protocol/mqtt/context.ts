/**
 * What every MQTT connection of one broker shares: the sessions by client id (per vhost, as
 * RabbitMQ registers them), the retained messages, the inbound QoS 2 packet ids of persistent
 * sessions on disk, shared subscription groups, and wills waiting for their delay. One coarse
 * timer per broker expires detached sessions and sends delayed wills (STYLE.md practice 10),
 * instead of a timer per session.
 */
import type { Broker } from "../../broker/broker.js";
import type { Vhost } from "../../broker/vhost.js";
import { Publisher } from "../../broker/publish.js";
import type { DurableWaits } from "../../broker/durable-waits.js";
import type { User } from "../../auth/users.js";
import type { QueueHandle } from "../../queue/queue-type.js";
import { EMPTY_TABLE } from "../../message/field-table.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkTopicPermitted } from "../../auth/topic-permissions.js";
import { RetainedStore } from "./retained-store.js";
import { InboundQos2Store } from "./inbound-qos2-store.js";
import { MqttMessage } from "./message-mapping.js";
import { topicToRoutingKey } from "./topic.js";
import { resolveMqttOptions, type MqttOptions, type ResolvedMqttOptions } from "./options.js";
import type { Session } from "./session.js";
import type { Will } from "./packets.js";
import type { Timer } from "../../io/time.js";

/** Detached sessions and delayed wills are checked this often; both are given in whole seconds. */
const SWEEP_INTERVAL_MS = 1_000;

interface PendingWill {
  readonly will: Will;
  readonly vhost: Vhost;
  readonly user: User;
  readonly publisher: Session;
  readonly dueAtMs: number;
}

const contexts = new WeakMap<Broker, Promise<MqttContext>>();

/** A queue's store failed before the message reached the disk. */
export class MessageLostError extends Error {
  constructor() {
    super("a queue's message store failed before the message reached the disk");
  }
}

export class MqttContext {
  readonly broker: Broker;
  readonly options: ResolvedMqttOptions;
  readonly retained: RetainedStore;
  readonly inboundQos2: InboundQos2Store;
  readonly sessions = new Map<string, Session>();
  private readonly sharedMembers = new Map<QueueHandle, Set<Session>>();
  private readonly pendingWills = new Map<string, PendingWill>();
  /** Every MQTT publish (PUBLISH and wills) goes through the broker's publish path with this. */
  private readonly publisher: Publisher;
  private timer: Timer | undefined;
  private listenerCount = 0;

  private constructor(broker: Broker, options: ResolvedMqttOptions, retained: RetainedStore, inboundQos2: InboundQos2Store) {
    this.broker = broker;
    this.options = options;
    this.retained = retained;
    this.inboundQos2 = inboundQos2;
    this.publisher = new Publisher({ nodeStats: broker.stats });
  }

  /** The broker's MQTT context; the first listener's options set it up. */
  static async acquire(broker: Broker, options: MqttOptions | undefined): Promise<MqttContext> {
    let pending = contexts.get(broker);
    if (pending === undefined) {
      const resolved = resolveMqttOptions(broker, options);
      const { dataDir } = broker.config;
      // The node's disk: a FileSystem that is also a FileRenamer (io/file-system.ts).
      const files = { fileSystem: broker.io.fileSystem, renamer: broker.io.fileSystem };
      pending = Promise.all([RetainedStore.open(dataDir, broker.logger, files), InboundQos2Store.open(dataDir, broker.logger, files)]).then(
        ([retained, inboundQos2]) => new MqttContext(broker, resolved, retained, inboundQos2),
      );
      contexts.set(broker, pending);
      pending.catch(() => contexts.delete(broker));
    }
    const context = await pending;
    if (context.listenerCount++ === 0) {
      const time = broker.io.time;
      context.timer = time.every(SWEEP_INTERVAL_MS, () => context.sweep(time.nowMs()));
    }
    return context;
  }

  /** A listener closed; the last one stops the timer and waits for retained and QoS 2 id writes. */
  async release(): Promise<void> {
    if (--this.listenerCount > 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    await Promise.all([this.retained.flush(), this.inboundQos2.close()]);
  }

  sessionKey(vhost: string, clientId: string): string {
    return `${vhost}\u0000${clientId}`;
  }

  /**
   * Publishes a message through the MQTT exchange (the broker's publish path): how many queues
   * it reached. With `waits` (QoS 1 and 2), every durable queue that must first get it on disk
   * adds a wait to `token`, so the PUBACK/PUBREC keeps the promise an AMQP confirm keeps.
   */
  route(vhost: Vhost, message: MqttMessage, waits?: DurableWaits, token = 0): number {
    return this.publisher.publish(vhost, message, waits, token);
  }

  // ---- sessions ------------------------------------------------------------------------------

  /**
   * A QoS 2 PUBLISH was routed: a persistent session's packet id goes to disk too, so a re-send
   * after a restart is not routed again. Resolves when it is durable; the PUBREC waits for it.
   */
  holdInboundQos2(session: Session, packetId: number): Promise<void> | undefined {
    if (session.expiryIntervalSeconds === 0) return undefined; // a clean session's ids die with it
    return this.inboundQos2.hold(session.key, packetId, session.expiryIntervalSeconds);
  }

  /** Ends a session: queues deleted, shared groups left, a will waiting for the session's end sent now. */
  endSession(session: Session): void {
    if (session.ended) return;
    session.end();
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
    this.inboundQos2.drop(session.key); // the next CONNACK for this client id waits until this is on disk
    const will = this.pendingWills.get(session.key);
    if (will !== undefined && will.publisher === session) this.sendWill(session.key, will); // [MQTT-3.1.3-9]
    for (const queue of [...session.queues()]) {
      const members = this.sharedMembers.get(queue);
      if (members !== undefined) this.leaveShared(session, queue);
      else session.vhost.deleteQueue(queue);
    }
  }

  /** The queue of a shared subscription group (MQTT 5 §4.8.2), declared by its first member. */
  sharedQueue(session: Session, shareName: string, bindingKey: string): QueueHandle {
    const name = `mqtt-shared-${shareName}-${bindingKey}`;
    let queue = session.vhost.queues.get(name);
    if (queue === undefined || !this.sharedMembers.has(queue)) {
      checkPermitted(session.user, session.vhost.name, "configure", "queue", name);
      if (queue !== undefined) session.vhost.deleteQueue(queue); // left over from a group that no longer exists
      queue = session.vhost.declareQueue(name, { durable: true, exclusiveOwner: undefined, autoDelete: false, arguments: EMPTY_TABLE }, this).queue;
      this.sharedMembers.set(queue, new Set());
    }
    (this.sharedMembers.get(queue) as Set<Session>).add(session);
    return queue;
  }

  isShared(queue: QueueHandle): boolean {
    return this.sharedMembers.has(queue);
  }

  /** A member left its group; the group's queue goes with its last member. */
  leaveShared(session: Session, queue: QueueHandle): void {
    session.dropConsumer(queue);
    const members = this.sharedMembers.get(queue);
    if (members === undefined) return;
    members.delete(session);
    if (members.size > 0) return;
    this.sharedMembers.delete(queue);
    session.vhost.deleteQueue(queue);
  }

  // ---- wills ---------------------------------------------------------------------------------

  /** The connection ended without DISCONNECT: the will goes now, or after its delay (MQTT 5 §3.1.3.2.2). */
  scheduleWill(session: Session, will: Will, nowMs: number): void {
    const delaySeconds = will.properties.willDelayIntervalSeconds ?? 0;
    const pending = { will, vhost: session.vhost, user: session.user, publisher: session, dueAtMs: nowMs + delaySeconds * 1000 };
    if (delaySeconds === 0 || session.expiryIntervalSeconds === 0) this.sendWill(session.key, pending);
    else this.pendingWills.set(session.key, pending);
  }

  /** A new connection took the session back before the delay passed: no will [MQTT-3.1.3-9]. */
  cancelWill(sessionKey: string): void {
    this.pendingWills.delete(sessionKey);
  }

  private sendWill(sessionKey: string, pending: PendingWill): void {
    this.pendingWills.delete(sessionKey);
    const { will, vhost, user } = pending;
    try {
      // Permissions can change while a will waits: check them when it is sent, as RabbitMQ does.
      checkPermitted(user, vhost.name, "write", "exchange", this.options.exchange);
      checkTopicPermitted(user, vhost.name, this.options.exchange, "write", topicToRoutingKey(will.topic), { clientId: pending.publisher.clientId });
    } catch {
      this.broker.logger.warn(`will of MQTT client on '${will.topic}' dropped: no write permission on '${this.options.exchange}'`);
      return;
    }
    const expirySeconds = will.properties.messageExpiryIntervalSeconds;
    const { willDelayIntervalSeconds: _delay, ...properties } = will.properties;
    const message = new MqttMessage(this.options.exchange, {
      topic: will.topic,
      qos: will.qos,
      retain: will.retain,
      mqttProperties: properties,
      expiresAtMs: expirySeconds === undefined ? 0 : this.broker.io.time.nowMs() + expirySeconds * 1000,
      publisher: pending.publisher,
      payload: will.payload,
    });
    if (will.retain) {
      const record = { vhost: vhost.name, topic: will.topic, qos: will.qos, expiresAtMs: message.expiresAtMs, properties, payload: will.payload };
      this.retained.set(vhost.name, will.topic, record).catch(() => undefined);
    }
    this.route(vhost, message);
  }

  // ---- the timer -----------------------------------------------------------------------------

  /**
   * Runs from the timer, outside any connection: each will and each session is fenced on its
   * own, so one that fails is logged (with its client id) and the others, and the node, go on.
   */
  sweep(nowMs: number): void {
    for (const [key, pending] of this.pendingWills) {
      if (pending.dueAtMs > nowMs) continue;
      try {
        this.sendWill(key, pending);
      } catch (error) {
        this.pendingWills.delete(key);
        this.broker.logger.error({ err: error, clientId: pending.publisher.clientId }, `will of MQTT client '${pending.publisher.clientId}' failed and was dropped`);
      }
    }
    try {
      this.inboundQos2.sweep(nowMs); // sessions recovered from disk whose client never came back
    } catch (error) {
      this.broker.logger.error({ err: error }, "sweeping expired MQTT QoS 2 packet ids failed");
    }
    for (const session of [...this.sessions.values()]) {
      if (session.connection !== undefined) continue;
      if (nowMs - session.detachedAtMs < session.expiryIntervalSeconds * 1000) continue;
      try {
        this.endSession(session);
      } catch (error) {
        if (this.sessions.get(session.key) === session) this.sessions.delete(session.key); // not tried again every second
        this.broker.logger.error({ err: error, clientId: session.clientId }, `ending the expired session of MQTT client '${session.clientId}' failed`);
      }
    }
  }
}
