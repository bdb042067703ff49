/**
 * Inbound PUBLISH and PUBREL (MQTT 3.1.1 §3.3-3.7, MQTT 5 §3.3-3.7, §4.3).
 *
 * QoS 2 is exactly-once inside the broker (§4.3.3, method B): the first PUBLISH with a packet
 * id is routed at once and its id remembered in the session; a re-sent PUBLISH with the same id
 * (DUP, perhaps on a new connection of a persistent session) is only acknowledged again, until
 * PUBREL frees the id. A persistent session's ids are also kept on disk (inbound-qos2-store.ts):
 * the PUBREC waits until the id is durable and the PUBCOMP until its release is, so the same
 * holds across a restart or a crash. RabbitMQ downgrades QoS 2 to 1 and so may duplicate.
 *
 * Acknowledgements go out in the order of the packets they answer [MQTT-4.6.0-2, -3, -4], even
 * when one of them waits for a retained message to reach the disk.
 */
import { checkPermitted } from "../../auth/permissions.js";
import { checkTopicPermitted } from "../../auth/topic-permissions.js";
import type { Vhost } from "../../broker/vhost.js";
import type { User } from "../../auth/users.js";
import { MQTT_TOPIC_ALIAS_MAXIMUM } from "../../config/limits.js";
import { Deque } from "../../lib/deque.js";
import { DurableWaits } from "../../broker/durable-waits.js";
import { Publisher } from "../../broker/publish.js";
import type { QueueHandle } from "../../queue/queue-type.js";
import { MessageLostError, type MqttContext } from "./context.js";
import type { Session } from "./session.js";
import { MqttMessage } from "./message-mapping.js";
import { PacketType, decodePublish, type ProtocolLevel } from "./packets.js";
import { encodeAck } from "./packet-writer.js";
import { MqttProtocolError, ReasonCode } from "./reason-codes.js";
import { checkTopicName, topicToRoutingKey } from "./topic.js";
import type { MqttProperties } from "./properties.js";
import { isUtf8 } from "node:buffer";

export interface PublishingConnection {
  readonly protocolLevel: ProtocolLevel;
  readonly session: Session;
  readonly user: User;
  readonly vhost: Vhost;
  send(packet: Buffer): void;
  /** Closes the connection for a broker-side failure (MQTT 5: DISCONNECT with `reasonCode`). */
  abort(reasonCode: number, reason: string): void;
  /** A PUBLISH arrived: alarms block this connection from now on. */
  notePublish(): void;
  /** A queue it published into is far behind its consumers: stop reading until it catches up. */
  holdForFlow(queue: QueueHandle): void;
  /** Serving the connection failed in Warren's own code: close it and log why. */
  failInternally(error: unknown): void;
}

/** Payloads below this are copied out of the socket chunk: a copy costs less than keeping a 64 KiB chunk alive. */
const PAYLOAD_COPY_BYTES_MAX = 4_096;

function withoutAlias(properties: MqttProperties): MqttProperties {
  const { topicAlias: _alias, ...rest } = properties;
  return rest;
}

/** Settles when both have settled (a failed write is logged where it failed; the ack goes anyway). */
function both(first: Promise<void> | undefined, second: Promise<void> | undefined): Promise<void> | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return Promise.allSettled([first, second]).then(() => undefined);
}

interface PendingAck {
  packet: Buffer;
  ready: boolean;
}

export class InboundPublisher {
  private readonly context: MqttContext;
  private readonly connection: PublishingConnection;
  private readonly aliases = new Map<number, string>();
  private lastTopic = "";
  private lastTopicBytes = Buffer.alloc(0);
  private lastRoutingKey = "";
  private permitted = false;
  /** Acks held behind one that waits for the disk; empty almost always. */
  private readonly pendingAcks = new Deque<PendingAck>();
  /**
   * One token per QoS 1/2 PUBLISH: the durable queues it waits for. A queue refusing it
   * (reject-publish) does not hold the acknowledgement back, as before the one publish path.
   */
  private readonly waits = new DurableWaits({ settled: (token, lost) => this.queuesSettled(token, lost) }, () => this.waits.flush(), { refusalLoses: false });
  /** The PUBLISHes whose acknowledgement waits for durable queues, by token. */
  private readonly waitingForQueues = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  /** This connection's way into the broker's publish path: it holds the connection when a target queue is overloaded. */
  private readonly publisher: Publisher;

  constructor(context: MqttContext, connection: PublishingConnection) {
    this.context = context;
    this.connection = connection;
    this.publisher = new Publisher({ nodeStats: context.broker.stats, onOverloaded: (queue) => connection.holdForFlow(queue) });
  }

  /** Publishes through the broker's publish path; for QoS 1/2 also what the ack waits for. */
  private publish(message: MqttMessage, qos: number): { count: number; durable: Promise<void> | undefined } {
    const vhost = this.connection.vhost;
    if (qos === 0) return { count: this.publisher.publish(vhost, message), durable: undefined };
    const waits = this.waits;
    const token = waits.open();
    const count = this.publisher.publish(vhost, message, waits, token);
    if (waits.waitingFor(token) === 0) {
      waits.flush();
      return { count, durable: undefined };
    }
    const durable = new Promise<void>((resolve, reject) => this.waitingForQueues.set(token, { resolve, reject }));
    return { count, durable };
  }

  private queuesSettled(token: number, lost: boolean): void {
    const waiting = this.waitingForQueues.get(token);
    if (waiting === undefined) return;
    this.waitingForQueues.delete(token);
    if (lost) waiting.reject(new MessageLostError());
    else waiting.resolve();
  }

  onPublish(flags: number, body: Buffer, owned: boolean): void {
    const connection = this.connection;
    const level = connection.protocolLevel;
    const packet = decodePublish(flags, body, level);
    const topic = this.resolveTopic(packet.topic, packet.properties.topicAlias);
    if (!this.permitted) {
      checkPermitted(connection.user, connection.vhost.name, "write", "exchange", this.context.options.exchange);
      this.permitted = true;
      connection.notePublish();
    }
    const session = connection.session;
    if (packet.qos === 2 && session.inboundQos2.has(packet.packetId)) {
      // A re-sent PUBLISH: routed already. Its id may still be on its way to the disk.
      this.ack(PacketType.PUBREC, packet.packetId, ReasonCode.SUCCESS, this.context.inboundQos2.settled());
      return;
    }
    const properties = packet.properties;
    if (properties.payloadFormatIndicator === 1 && !isUtf8(packet.payload)) {
      throw new MqttProtocolError(ReasonCode.PAYLOAD_FORMAT_INVALID, "payload is not UTF-8 as its format indicator says");
    }
    // The alias is this connection's business, never forwarded (MQTT 5 §3.3.2.3.4).
    const forwarded = properties.topicAlias === undefined ? properties : withoutAlias(properties);
    const payload = owned || packet.payload.length > PAYLOAD_COPY_BYTES_MAX ? packet.payload : Buffer.from(packet.payload);
    const expirySeconds = properties.messageExpiryIntervalSeconds;
    const message = new MqttMessage(this.context.options.exchange, {
      topic,
      topicBytes: this.lastTopicBytes,
      routingKey: this.lastRoutingKey,
      qos: packet.qos,
      retain: packet.retain,
      mqttProperties: forwarded,
      expiresAtMs: expirySeconds === undefined ? 0 : this.context.broker.io.time.nowMs() + expirySeconds * 1000,
      publisher: session,
      payload,
    });
    const retained = packet.retain ? this.retain(message) : undefined;
    const routed = this.publish(message, packet.qos);
    const queueCount = routed.count;
    if (packet.qos === 0) return;
    // The acknowledgement waits for the retained store, the durable queues and the held id alike.
    let durable = both(retained, routed.durable);
    if (packet.qos === 2) {
      session.inboundQos2.add(packet.packetId);
      durable = both(durable, this.context.holdInboundQos2(session, packet.packetId));
    }
    // MQTT 5 tells a publisher that nobody was listening (0x10), as RabbitMQ does.
    const reasonCode = queueCount === 0 && level === 5 ? ReasonCode.NO_MATCHING_SUBSCRIBERS : ReasonCode.SUCCESS;
    this.ack(packet.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC, packet.packetId, reasonCode, durable);
  }

  /**
   * PUBREL: the QoS 2 packet id is free again; PUBCOMP confirms [MQTT-4.3.3-11]. After PUBCOMP
   * the client may reuse the id for a new message, so a persistent session's PUBCOMP waits
   * until the release is on disk: a HOLD surviving a crash would make that message look re-sent.
   */
  onPubrel(packetId: number): void {
    const session = this.connection.session;
    const known = session.inboundQos2.delete(packetId);
    // An unknown id is a re-sent PUBREL: its release may still be on its way to the disk.
    const released = known ? this.context.inboundQos2.release(session.key, packetId) : this.context.inboundQos2.settled();
    const reasonCode = known || this.connection.protocolLevel !== 5 ? ReasonCode.SUCCESS : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
    this.ack(PacketType.PUBCOMP, packetId, reasonCode, released);
  }

  /** Topic Alias (MQTT 5 §3.3.2.3.4): a topic sets an alias, an empty topic uses it. */
  private resolveTopic(topic: string, alias: number | undefined): string {
    if (alias !== undefined) {
      if (alias === 0 || alias > MQTT_TOPIC_ALIAS_MAXIMUM) throw new MqttProtocolError(ReasonCode.TOPIC_ALIAS_INVALID, `topic alias ${alias}`); // [MQTT-3.3.2-8, -9]
      if (topic.length === 0) {
        const known = this.aliases.get(alias);
        if (known === undefined) throw new MqttProtocolError(ReasonCode.PROTOCOL_ERROR, `unknown topic alias ${alias}`);
        topic = known;
      } else {
        this.aliases.set(alias, topic);
      }
    }
    if (topic !== this.lastTopic) {
      checkTopicName(topic);
      const routingKey = topicToRoutingKey(topic);
      // RabbitMQ's topic permissions: write on the routing key, checked once per new topic.
      const { user, vhost, session } = this.connection;
      checkTopicPermitted(user, vhost.name, this.context.options.exchange, "write", routingKey, { clientId: session.clientId });
      this.lastTopic = topic;
      this.lastTopicBytes = Buffer.from(topic);
      this.lastRoutingKey = routingKey;
    }
    return topic;
  }

  private retain(message: MqttMessage): Promise<void> {
    const vhost = this.connection.vhost.name;
    const record = { vhost, topic: message.topic, qos: message.qos, expiresAtMs: message.expiresAtMs, properties: message.mqttProperties, payload: message.body };
    return this.context.retained.set(vhost, message.topic, record);
  }

  private ack(type: number, packetId: number, reasonCode: number, durable: Promise<void> | undefined): void {
    const packet = encodeAck(type, packetId, reasonCode, this.connection.protocolLevel);
    if (durable === undefined && this.pendingAcks.length === 0) {
      this.connection.send(packet);
      return;
    }
    const pending: PendingAck = { packet, ready: durable === undefined };
    this.pendingAcks.push(pending);
    if (durable !== undefined) {
      // These run from a promise, outside the connection's socket handlers: fenced, so that a
      // failure closes this connection instead of becoming an unhandled rejection.
      const release = (): void => {
        pending.ready = true;
        try {
          this.flushAcks();
        } catch (error) {
          this.connection.failInternally(error);
        }
      };
      // A queue's store failed before the message was on disk: no acknowledgement (neither
      // version has a negative PUBACK that makes the client retry); the connection is closed
      // so that the client sends the message again on its next one. A failed retained-file
      // write is only logged by its store: the message was routed, so the ack still goes.
      durable.then(release, (error: unknown) => {
        if (error instanceof MessageLostError) this.connection.abort(ReasonCode.UNSPECIFIED_ERROR, error.message);
        else release();
      }).catch((error: unknown) => this.connection.failInternally(error));
    }
  }

  private flushAcks(): void {
    while (this.pendingAcks.length > 0 && (this.pendingAcks.peekFirst() as PendingAck).ready) {
      this.connection.send((this.pendingAcks.shift() as PendingAck).packet);
    }
  }
}
