/**
 * One MQTT network connection: the parser, the packet dispatch, keep-alive, and closing with
 * the right reason. The session it carries may outlive it (session.ts).
 *
 * Closing follows MQTT 5 §4.13: a protocol breach before CONNACK is answered with a CONNACK
 * reason code (a 3.1.1 return code for older clients), after it with a DISCONNECT reason code
 * (MQTT 5 only; 3.1.1 has no server DISCONNECT), then the socket is closed. The will is sent
 * unless the client ended with a normal DISCONNECT [MQTT-3.14.4-3].
 */
import type { Socket } from "node:net";
import type { Broker, BrokerConnection, ConnectionInfo } from "../../broker/broker.js";
import type { User } from "../../auth/users.js";
import type { Vhost } from "../../broker/vhost.js";
import { FLOW_HOLD_MS_MAX, HANDSHAKE_TIMEOUT_MS, MQTT_KEEP_ALIVE_GRACE_FACTOR, MQTT_PACKET_SIZE_BYTES_UNAUTHENTICATED, SOCKET_WRITE_BUFFER_BYTES_HIGH } from "../../config/limits.js";
import type { FlowControlled, QueueHandle } from "../../queue/queue-type.js";
import { BrokerError } from "../../errors/registry.js";
import type { MqttContext } from "./context.js";
import { PacketParser, type PacketSink } from "./packet-parser.js";
import { PacketType, checkEmpty, decodeAck, decodeConnect, decodeDisconnect, decodeSubscribe, decodeUnsubscribe, type ProtocolLevel, type Will } from "./packets.js";
import { PINGRESP, encodeConnack, encodeDisconnect, encodeSuback, encodeUnsuback } from "./packet-writer.js";
import { MqttProtocolError, ReasonCode, connectReturnCodeV3, malformed, protocolError, reasonCodeOf } from "./reason-codes.js";
import { acceptConnect } from "./connect.js";
import { InboundPublisher } from "./publish.js";
import { subscribe, unsubscribe } from "./subscribe.js";
import type { Session, SessionConnection } from "./session.js";

type State = "awaiting-connect" | "connected" | "closed";

export class MqttConnection implements BrokerConnection, PacketSink, SessionConnection, FlowControlled {
  readonly id: number;
  private readonly broker: Broker;
  private readonly context: MqttContext;
  private readonly socket: Socket;
  private readonly parser: PacketParser;
  private readonly connectedAtMs: number;
  /** RabbitMQ's connection name, "peer -> local", taken at accept time: a closed socket no longer knows its addresses. */
  readonly name: string;
  private state: State = "awaiting-connect";
  protocolLevel: ProtocolLevel = 4;
  private sessionValue: Session | undefined;
  private userValue: User | undefined;
  private vhostValue: Vhost | undefined;
  private publisher: InboundPublisher | undefined;
  private will: Will | undefined;
  private keepAliveSeconds = 0;
  private lastReceivedMs: number;
  clientReceiveMaximum = 0;
  clientMaxPacketSizeBytes = 0;
  /** Packets written while the CONNACK waits for the disk (connect.ts `ready`); undefined otherwise. */
  private heldOutput: Buffer[] | undefined;
  private corked = false;
  private receivedBytes = 0;
  private sentBytes = 0;
  /** Whether the client ever published: only publishers are blocked by alarms (as AMQP's are). */
  private hasPublished = false;
  private blockedByAlarm = false;
  /** Queues holding this connection back until they catch up (flow control), as AMQP's. */
  private readonly flowHolds = new Set<QueueHandle>();
  private flowHeldSinceMs = 0;
  private flowGraceUntilMs = 0;
  /** The client does not read what we send: no more input (whose answers would pile up) until it does. */
  private heldForOutput = false;
  private readingPaused = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(context: MqttContext, socket: Socket) {
    this.context = context;
    this.broker = context.broker;
    this.socket = socket;
    this.id = this.broker.allocateConnectionId();
    this.connectedAtMs = this.lastReceivedMs = this.broker.io.time.nowMs();
    this.name = `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}`;
    this.parser = new PacketParser(this, MQTT_PACKET_SIZE_BYTES_UNAUTHENTICATED);
    socket.setNoDelay(true);
    // Every way into this connection's code (socket events here, the broker's clock in tick(),
    // promises in holdOutputUntil and the publisher's acks, deliveries in the consumer) is
    // fenced: a failure while serving this connection closes this connection, never the node.
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.onDrain());
    socket.on("error", () => undefined); // 'close' follows; a reset peer is not our error
    socket.on("close", () => this.onSocketClose());
    this.broker.attach(this);
  }

  get session(): Session {
    return this.sessionValue as Session;
  }

  get user(): User {
    return this.userValue as User;
  }

  get vhost(): Vhost {
    return this.vhostValue as Vhost;
  }

  get outputBlocked(): boolean {
    return this.heldOutput !== undefined || this.socket.writableLength > SOCKET_WRITE_BUFFER_BYTES_HIGH;
  }

  send(packet: Buffer): void {
    if (this.state === "closed") return;
    if (this.heldOutput !== undefined) {
      this.heldOutput.push(packet);
      return;
    }
    if (!this.corked) {
      // Writes of one event-loop turn leave in one writev.
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.sentBytes += packet.length;
    this.socket.write(packet);
    // Deliveries stop at the high-water mark (outputBlocked); answers to the client's own packets
    // (acks, SUBACK, PINGRESP) do not, so input stops instead: what we write stays bounded by the
    // mark plus the answers to one chunk of input.
    if (!this.heldForOutput && this.socket.writableLength > SOCKET_WRITE_BUFFER_BYTES_HIGH) {
      this.heldForOutput = true;
      this.updateReading();
    }
  }

  private onData(chunk: Buffer): void {
    this.lastReceivedMs = this.broker.io.time.nowMs(); // once per chunk, not per packet: the precise clock is affordable
    this.receivedBytes += chunk.length;
    try {
      this.parser.feed(chunk);
    } catch (error) {
      this.fail(error, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR); // a packet was being handled: "valid but cannot be processed"
      return;
    }
    try {
      this.sessionValue?.resume();
    } catch (error) {
      this.fail(error);
    }
  }

  private onDrain(): void {
    try {
      this.lastReceivedMs = this.broker.io.time.nowMs(); // the client is reading: alive, whatever keep-alive says
      if (this.heldForOutput) {
        this.heldForOutput = false;
        this.updateReading();
      }
      this.sessionValue?.resume();
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- back-pressure on the publisher ---------------------------------------------------------

  /** The client sent a PUBLISH: under an alarm it is blocked from now on. */
  notePublish(): void {
    this.hasPublished = true;
    if (this.broker.resources.blocking) this.alarmChanged(true);
  }

  /**
   * Memory or disk alarm (RabbitMQ's conserve_resources): a connection that publishes is no
   * longer read from, so its publishes wait in the network; deliveries to it go on. MQTT has no
   * connection.blocked; RabbitMQ's MQTT plugin also just stops reading.
   */
  alarmChanged(blocking: boolean): void {
    if (this.state !== "connected" || !this.hasPublished || blocking === this.blockedByAlarm) return;
    this.blockedByAlarm = blocking;
    this.updateReading();
  }

  /**
   * A queue this connection publishes into is far behind its consumers (RabbitMQ's credit
   * flow): stop reading until it catches up. Never for a queue this connection's session
   * consumes from: its PUBACKs travel on the same socket and would hold the queue back too.
   */
  holdForFlow(queue: QueueHandle): void {
    if (this.flowHolds.has(queue) || this.broker.nowMs < this.flowGraceUntilMs) return;
    for (const consumed of this.sessionValue?.queues() ?? []) if (consumed === queue) return;
    if (this.flowHolds.size === 0) this.flowHeldSinceMs = this.broker.nowMs;
    this.flowHolds.add(queue);
    queue.holdPublisher(this);
    this.updateReading();
  }

  flowRelieved(queue: QueueHandle): void {
    if (!this.flowHolds.delete(queue)) return;
    this.updateReading();
  }

  private updateReading(): void {
    const pause = this.state !== "closed" && (this.blockedByAlarm || this.flowHolds.size > 0 || this.heldForOutput);
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) {
      this.parser.pause();
      this.socket.pause();
      return;
    }
    this.lastReceivedMs = this.broker.io.time.nowMs(); // a held client could not be heard: keep-alive starts again
    this.socket.resume();
    // Not now: this may run inside another connection's work (a consumer's ack drained the queue).
    process.nextTick(resumeParsing, this);
  }

  /** Parses what waited while the connection was held, as if it had just been read. */
  resumeParsing(): void {
    if (this.readingPaused || this.state === "closed" || !this.parser.isPaused) return;
    try {
      this.parser.resume();
    } catch (error) {
      this.fail(error, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);
      return;
    }
    try {
      this.sessionValue?.resume();
    } catch (error) {
      this.fail(error);
    }
  }

  private onSocketClose(): void {
    try {
      this.close(true);
    } catch (error) {
      // The socket is gone and the state is "closed": all that is left to do is to say so.
      this.logFailure(error, "while closing");
    }
  }

  /**
   * A failure of Warren's own (not the client's) while serving this connection, reported by
   * code that runs outside the connection's own handlers (a delivery from another client's
   * publish, a timer): closed with DISCONNECT 0x80 in MQTT 5.
   */
  failInternally(error: unknown): void {
    try {
      this.fail(error);
    } catch (closeError) {
      this.logFailure(closeError, "while closing after a failure");
      this.socket.destroy();
    }
  }

  private logFailure(error: unknown, when: string): void {
    this.broker.logger.error({ err: error, connection: this.name, clientId: this.sessionValue?.clientId }, `MQTT connection ${this.name} failed ${when}`);
  }

  onPacket(type: number, flags: number, body: Buffer, owned: boolean): void {
    if (this.state === "awaiting-connect") {
      if (type !== PacketType.CONNECT) throw protocolError("the first packet must be CONNECT"); // [MQTT-3.1.0-1]
      return this.onConnect(flags, body);
    }
    const level = this.protocolLevel;
    switch (type) {
      case PacketType.PUBLISH:
        return (this.publisher as InboundPublisher).onPublish(flags, body, owned);
      case PacketType.PUBACK:
        return this.session.onPuback(decodeAck(type, flags, body, level).packetId);
      case PacketType.PUBREC: {
        const ack = decodeAck(type, flags, body, level);
        return this.session.onPubrec(ack.packetId, ack.reasonCode);
      }
      case PacketType.PUBREL:
        return (this.publisher as InboundPublisher).onPubrel(decodeAck(type, flags, body, level).packetId);
      case PacketType.PUBCOMP:
        return this.session.onPubcomp(decodeAck(type, flags, body, level).packetId);
      case PacketType.SUBSCRIBE: {
        const packet = decodeSubscribe(flags, body, level);
        if (packet.subscriptionIdentifier !== undefined && packet.subscriptionIdentifier > 268_435_455) throw malformed("subscription identifier too large");
        return this.send(encodeSuback(packet.packetId, subscribe(this.context, this.session, packet, level), level));
      }
      case PacketType.UNSUBSCRIBE: {
        const packet = decodeUnsubscribe(flags, body, level);
        return this.send(encodeUnsuback(packet.packetId, unsubscribe(this.context, this.session, packet.filters), level));
      }
      case PacketType.PINGREQ:
        checkEmpty("PINGREQ", flags, body);
        return this.send(PINGRESP);
      case PacketType.DISCONNECT:
        return this.onDisconnect(flags, body);
      case PacketType.CONNECT:
        throw protocolError("second CONNECT"); // [MQTT-3.1.0-2]
      default:
        // AUTH is for enhanced authentication, which CONNECT refused; everything else is not a client packet.
        throw level === 5 && type === PacketType.AUTH ? protocolError("AUTH without enhanced authentication") : malformed(`packet type ${type} from a client`);
    }
  }

  private onConnect(flags: number, body: Buffer): void {
    // Until CONNECT is decoded, guess the level from the body so a refusal is answered in kind.
    this.protocolLevel = body.length >= 7 && body[6] === 5 ? 5 : 4;
    const packet = decodeConnect(flags, body);
    this.protocolLevel = packet.protocolLevel;
    const accepted = acceptConnect(this.context, packet, this.socket.remoteAddress ?? "");
    this.state = "connected";
    this.sessionValue = accepted.session;
    this.userValue = accepted.user;
    this.vhostValue = accepted.vhost;
    this.clientReceiveMaximum = accepted.clientReceiveMaximum;
    this.clientMaxPacketSizeBytes = accepted.clientMaxPacketSizeBytes;
    this.keepAliveSeconds = packet.keepAliveSeconds;
    this.will = packet.will;
    this.publisher = new InboundPublisher(this.context, this);
    this.parser.maxPacketSizeBytes = this.context.options.maxPacketSizeBytes;
    if (accepted.ready !== undefined) this.holdOutputUntil(accepted.ready);
    this.send(encodeConnack(packet.protocolLevel, accepted.sessionPresent, ReasonCode.SUCCESS, accepted.connackProperties));
    accepted.session.attach(this); // after CONNACK: unfinished deliveries are re-sent now [MQTT-4.4.0-1]
  }

  /**
   * Nothing reaches the client until `ready` settles, CONNACK first; packets it sends meanwhile
   * are handled as usual and their answers wait in order. Rare: only a CONNECT right after its
   * client id's session ended with QoS 2 ids on disk waits (for one fdatasync).
   */
  private holdOutputUntil(ready: Promise<void>): void {
    const held: Buffer[] = [];
    this.heldOutput = held;
    const release = (): void => {
      if (this.heldOutput !== held) return;
      this.heldOutput = undefined;
      try {
        for (const packet of held) this.send(packet);
        this.sessionValue?.resume();
      } catch (error) {
        this.failInternally(error);
      }
    };
    ready.then(release, release);
  }

  private onDisconnect(flags: number, body: Buffer): void {
    const packet = decodeDisconnect(flags, body, this.protocolLevel);
    const expiry = packet.properties.sessionExpiryIntervalSeconds;
    if (expiry !== undefined) {
      // A session that ends with its connection cannot be made persistent at DISCONNECT [MQTT-3.14.2-2].
      if (this.session.expiryIntervalSeconds === 0 && expiry > 0) throw protocolError("session expiry set at DISCONNECT after 0 at CONNECT");
      this.session.expiryIntervalSeconds = Math.min(expiry, this.context.options.maxSessionExpirySeconds);
    }
    // Reason 0x04 asks for the will to be sent anyway (MQTT 5 §3.14.2.1).
    if (packet.reasonCode !== ReasonCode.DISCONNECT_WITH_WILL) this.will = undefined;
    this.close(packet.reasonCode !== ReasonCode.SUCCESS);
  }

  /**
   * A protocol breach, a refused CONNECT or a failure of our own: tell the client why if its
   * protocol can, then close. `internalReasonCode` is what an error that is neither the
   * client's nor the core's (a bug) is reported as.
   */
  private fail(error: unknown, internalReasonCode: number = ReasonCode.UNSPECIFIED_ERROR): void {
    if (this.state === "closed") return;
    const internal = !(error instanceof MqttProtocolError) && !(error instanceof BrokerError);
    if (internal) this.logFailure(error, "and was closed");
    else this.broker.logger.debug(`MQTT connection ${this.name} closed: ${(error as Error).message}`);
    const reasonCode = internal ? internalReasonCode : reasonCodeOf(error);
    if (this.state === "awaiting-connect") {
      const v3Code = connectReturnCodeV3(reasonCode);
      // Only a recognised CONNECT gets a CONNACK; 3.1.1 has no code for malformed packets.
      if (this.protocolLevel === 5 || reasonCode !== ReasonCode.MALFORMED_PACKET && reasonCode !== ReasonCode.PROTOCOL_ERROR) {
        this.send(encodeConnack(this.protocolLevel, false, this.protocolLevel === 5 ? reasonCode : v3Code));
      }
    } else if (this.protocolLevel === 5) {
      this.send(encodeDisconnect(reasonCode));
    }
    this.parser.stopped = true;
    this.close(true);
  }

  /** Ends the connection; `abrupt` (no normal DISCONNECT) sends the will. */
  private close(abrupt: boolean): void {
    if (this.state === "closed") return;
    const wasConnected = this.state === "connected";
    this.state = "closed";
    this.parser.stopped = true;
    this.broker.detach(this);
    this.socket.end();
    this.socket.destroySoon();
    if (!wasConnected) return;
    try {
      this.leaveSession(abrupt);
    } catch (error) {
      this.logFailure(error, "while leaving its session");
    }
  }

  private leaveSession(abrupt: boolean): void {
    const session = this.session;
    if (session.connection !== this) return; // taken over: the session has moved on
    const nowMs = this.broker.io.time.nowMs();
    session.detach(nowMs);
    if (abrupt && this.will !== undefined) this.context.scheduleWill(session, this.will, nowMs);
    if (session.expiryIntervalSeconds === 0) this.context.endSession(session);
  }

  /** A broker-side failure (a queue's store failed): DISCONNECT `reasonCode` in MQTT 5, then close. */
  abort(reasonCode: number, reason: string): void {
    this.broker.logger.warn(`MQTT connection ${this.name} closed: ${reason}`);
    this.fail(new MqttProtocolError(reasonCode, reason));
  }

  takeOver(): void {
    if (this.protocolLevel === 5) this.send(encodeDisconnect(ReasonCode.SESSION_TAKEN_OVER));
    this.uncork();
    this.close(true);
  }

  // ---- BrokerConnection ----------------------------------------------------------------------

  tick(nowMs: number): void {
    try {
      this.checkTimeouts(nowMs);
    } catch (error) {
      this.failInternally(error);
    }
  }

  private checkTimeouts(nowMs: number): void {
    if (this.state === "awaiting-connect" && nowMs - this.connectedAtMs > HANDSHAKE_TIMEOUT_MS) {
      this.close(true);
      return;
    }
    if (this.flowHolds.size > 0 && nowMs - this.flowHeldSinceMs >= FLOW_HOLD_MS_MAX) {
      // A bounded hold: two clients publishing into each other's queues must not hold each other for ever.
      for (const queue of this.flowHolds) this.flowHolds.delete(queue);
      this.flowGraceUntilMs = nowMs + FLOW_HOLD_MS_MAX;
      this.updateReading();
    }
    // A client silent for one and a half keep-alive periods is gone [MQTT-3.1.2-24]; one we do
    // not read (alarm, flow control) cannot be heard, and is not judged.
    const heldByUs = this.blockedByAlarm || this.flowHolds.size > 0;
    if (this.state === "connected" && !heldByUs && this.keepAliveSeconds > 0 && nowMs - this.lastReceivedMs > this.keepAliveSeconds * 1000 * MQTT_KEEP_ALIVE_GRACE_FACTOR) {
      this.fail(new MqttProtocolError(ReasonCode.KEEP_ALIVE_TIMEOUT, "keep-alive timeout"));
    }
  }

  shutdown(_reason: string): void {
    try {
      if (this.state === "connected" && this.protocolLevel === 5) this.send(encodeDisconnect(ReasonCode.SERVER_SHUTTING_DOWN));
      this.will = undefined; // the broker going away is not the client's failure
      this.close(false);
    } catch (error) {
      this.logFailure(error, "while shutting down");
      this.socket.destroy();
    }
  }

  terminate(): void {
    this.socket.destroy();
    this.close(true);
  }

  info(): ConnectionInfo {
    const socket = this.socket;
    return {
      id: this.id,
      name: this.name,
      protocol: this.protocolLevel === 5 ? "MQTT 5.0" : this.protocolLevel === 4 ? "MQTT 3.1.1" : "MQTT 3.1", // as RabbitMQ lists them
      user: this.userValue?.name,
      vhost: this.vhostValue?.name,
      host: socket.localAddress ?? "",
      port: socket.localPort ?? 0,
      peerHost: socket.remoteAddress ?? "",
      peerPort: socket.remotePort ?? 0,
      state: this.state === "connected" ? "running" : this.state === "closed" ? "closed" : "starting",
      connectedAtMs: this.connectedAtMs,
      frameMaxBytes: this.parser.maxPacketSizeBytes,
      channelMax: 0,
      heartbeatSeconds: this.keepAliveSeconds,
      receivedBytes: this.receivedBytes,
      sentBytes: this.sentBytes,
      clientProperties: { client_id: this.sessionValue?.clientId },
      channels: [],
    };
  }
}

function resumeParsing(connection: MqttConnection): void {
  connection.resumeParsing();
}
