/**
 * An AMQP 0-9-1 connection (AMQP 0-9-1 §4.2 and the connection class): protocol
 * header, SASL, tune, open, heartbeats, channel multiplexing and the close
 * handshakes. Frames come from a resumable FrameParser; replies are written
 * into one output buffer per event-loop turn and written to the socket once.
 */
import type { Socket } from "node:net";
import { BrokerError, Errors, fail } from "../../errors/registry.js";
import { CLOSE_OK_TIMEOUT_MS, FLOW_HOLD_MS_MAX, FRAME_SIZE_BYTES_MIN, HANDSHAKE_TIMEOUT_MS, HEARTBEAT_MISSED_MAX, OUTPUT_BUFFER_BYTES_MAX, OUTPUT_BUFFER_BYTES_MIN, SOCKET_WRITE_BUFFER_BYTES_HIGH } from "../../config/limits.js";
import { decodeTable, encodeTable, EMPTY_TABLE, fieldToJs, tableToJs, type FieldTable } from "../../message/field-table.js";
import type { Broker, BrokerConnection, ConnectionInfo } from "../../broker/broker.js";
import type { Vhost } from "../../broker/vhost.js";
import type { User } from "../../auth/users.js";
import type { FlowControlled, QueueHandle } from "../../queue/queue-type.js";
import { decodeMethod, METHOD_IDS, type Method } from "./methods.generated.js";
import { FrameParser, type FrameSink } from "./frame-parser.js";
import { methodFrame, HEARTBEAT_FRAME } from "./frame-writer.js";
import { AmqpChannel, type ChannelConnection } from "./channel.js";
import { parseSaslResponse } from "./sasl.js";
import { connectionStartFrame } from "./server-properties.js";
import { checkChannelLimit, checkConnectionLimits } from "../../broker/limits-check.js";
import { outputBuffers } from "../../lib/output-buffers.js";
import { unmapIpv4 } from "../../lib/ip-address.js";

const FRAME_METHOD = 1;
const FRAME_HEADER = 2;
const FRAME_BODY = 3;
const FRAME_HEARTBEAT = 8;
const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);
/** class 60 (basic), method 40 (publish) and 80 (ack): the methods read on a fast path. */
const BASIC_PUBLISH_KEY = 0x003c_0028;
const BASIC_ACK_KEY = 0x003c_0050;
/** basic.ack's payload: class and method (4), delivery-tag (8), bits (1). */
const BASIC_ACK_PAYLOAD_BYTES = 13;
/** Stands for basic.publish where an error must name the failing method. */
const PUBLISH_FOR_ERRORS: Method = { method: "basic.publish", ticket: 0, exchange: "", routingKey: "", mandatory: false, immediate: false };
const EMPTY_BUFFER = Buffer.alloc(0);
const EMPTY_TABLE_ENCODED = encodeTable(EMPTY_TABLE).toString("latin1");
const ACK_FOR_ERRORS: Method = { method: "basic.ack", deliveryTag: 0, multiple: false };

type State = "awaiting-header" | "awaiting-start-ok" | "awaiting-tune-ok" | "awaiting-open" | "open" | "closing" | "closed";

export class AmqpConnection implements FrameSink, BrokerConnection, ChannelConnection, FlowControlled {
  readonly id: number;
  readonly broker: Broker;
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAtMs: number;
  private readonly parser: FrameParser;
  private state: State = "awaiting-header";
  private readonly channels = new Map<number, AmqpChannel>();
  /** Made at the first exclusive queue, as flowHolds at the first hold: most connections never have one. */
  private exclusiveQueues: Set<QueueHandle> | undefined;
  private userValue: User | undefined;
  private vhostValue: Vhost | undefined;
  /**
   * The client-properties table as it was received (its encoding, held as a one-byte string:
   * compact, and no objects of its own), decoded only when an operator lists connections.
   */
  private clientPropertiesEncoded = EMPTY_TABLE_ENCODED;
  consumerCancelNotify = false;
  private authenticationFailureClose = false;
  frameMaxBytes: number;
  channelMax: number;
  heartbeatSeconds = 0;
  readonly maxMessageSizeBytes: number;
  readonly consumerTimeoutMs: number;
  private lastReceivedMs: number;
  private lastSentMs: number;
  private closeDeadlineMs = 0;
  /** This turn's output, written to the socket once at the end of the turn. */
  private output: Buffer | undefined;
  private outputLength = 0;
  private outputSizeBytes = OUTPUT_BUFFER_BYTES_MIN;
  private flushScheduled = false;
  /** Whether the client ever published: only publishers are blocked by alarms (as in RabbitMQ). */
  private hasPublished = false;
  private blockedByAlarm = false;
  /** Queues holding this connection back until they catch up (flow control). */
  private flowHolds: Set<QueueHandle> | undefined;
  /** When the current flow-control hold began (coarse clock), to bound it. */
  private flowHeldSinceMs = 0;
  /** After a hold ran out, the connection is not held again until then, so its acks get through. */
  private flowGraceUntilMs = 0;
  private readingPaused = false;
  private connectionBlockedCapability = false;
  private batchTasks: (() => void)[] = [];
  private readonly flushBatch = (): void => this.fenced(this.runBatchTasks, undefined, "sending confirms");

  constructor(broker: Broker, socket: Socket) {
    this.broker = broker;
    this.connectedAtMs = broker.io.time.nowMs();
    this.socket = socket;
    this.id = broker.allocateConnectionId();
    this.remoteAddress = unmapIpv4(socket.remoteAddress ?? "");
    this.remotePort = socket.remotePort ?? 0;
    this.frameMaxBytes = broker.config.frameMaxBytes;
    this.channelMax = broker.config.channelMax;
    this.maxMessageSizeBytes = broker.config.maxMessageSizeBytes;
    this.consumerTimeoutMs = broker.config.consumerTimeoutMs;
    this.lastReceivedMs = this.lastSentMs = broker.nowMs;
    this.parser = new FrameParser(this, broker.config.frameMaxBytes);
    socket.setNoDelay(true);
    // Every entry point from the event loop is fenced (see fenced()): a failure while serving this
    // connection closes this connection, never the node.
    socket.on("data", (chunk: Buffer) => this.fenced(this.onData, chunk, "reading from the socket"));
    socket.on("drain", () => this.fenced(this.onDrain, undefined, "resuming after the socket drained"));
    socket.on("error", () => undefined); // 'close' follows; a reset peer is not our error
    socket.on("close", () => this.onSocketClosed());
    broker.attach(this);
  }

  get user(): User {
    return this.userValue as User;
  }

  get clientProperties(): FieldTable {
    return decodeTable(Buffer.from(this.clientPropertiesEncoded, "latin1"), 0).table;
  }

  get vhost(): Vhost {
    return this.vhostValue as Vhost;
  }

  get nowMs(): number {
    return this.broker.nowMs;
  }

  /** No deliveries now: the socket's buffer is over its high-water mark, or the connection failed and is closing. */
  get outputBlocked(): boolean {
    return this.socket.writableLength > SOCKET_WRITE_BUFFER_BYTES_HIGH || this.failure !== undefined;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  info(): ConnectionInfo {
    const socket = this.socket;
    return {
      id: this.id,
      name: this.name,
      protocol: "AMQP 0-9-1",
      user: this.userValue?.name,
      vhost: this.vhostValue?.name,
      host: unmapIpv4(socket.localAddress ?? ""),
      port: socket.localPort ?? 0,
      peerHost: this.remoteAddress,
      peerPort: this.remotePort,
      state: this.state === "open" ? "running" : this.state,
      connectedAtMs: this.connectedAtMs,
      frameMaxBytes: this.frameMaxBytes,
      channelMax: this.channelMax,
      heartbeatSeconds: this.heartbeatSeconds,
      receivedBytes: socket.bytesRead,
      sentBytes: socket.bytesWritten,
      clientProperties: tableToJs(this.clientProperties),
      channels: [...this.channels.values()].map((channel) => channel.info()),
    };
  }

  /** Closes the connection on an operator's request (management API, warrenctl close_connection). */
  closeByOperator(reason: string): void {
    this.closeWithError(new BrokerError(Errors.CONNECTION_FORCED, reason));
    this.runBatchTasks();
  }

  // ---- input -----------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastReceivedMs = this.broker.nowMs;
    if (this.state === "closed") return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      this.onConnectionError(error, true);
    }
    this.runBatchTasks();
  }

  onProtocolHeader(header: Buffer): void {
    if (!header.equals(PROTOCOL_HEADER)) {
      // AMQP 0-9-1 §4.2.2: answer with the protocol header we support, then close.
      this.state = "closed";
      this.socket.end(PROTOCOL_HEADER);
      return;
    }
    this.state = "awaiting-start-ok";
    this.send(connectionStartFrame(this.broker.config.nodeName));
  }

  onFrame(type: number, channelNumber: number, data: Buffer, start: number, end: number): void {
    if (this.state === "closing") return this.onFrameWhileClosing(type, channelNumber, data.subarray(start, end));
    if (this.state === "closed") return;
    if (type === FRAME_HEARTBEAT) {
      // RabbitMQ 3.10.8 answers a heartbeat on another channel with 505 UNEXPECTED_FRAME.
      if (channelNumber !== 0) throw fail.unexpectedFrame(`type 8, heartbeat on channel ${channelNumber}`);
      return;
    }
    if (channelNumber === 0) {
      if (type !== FRAME_METHOD) throw fail.unexpectedFrame(`content frame of type ${type} on channel 0`);
      const method = decodeMethod(data.subarray(start, end));
      // Decoded, so well-formed: the client-properties table is kept as it came (after class and method ids).
      if (method.method === "connection.start-ok" && this.state === "awaiting-start-ok") {
        this.clientPropertiesEncoded = data.toString("latin1", start + 4, start + 8 + data.readUInt32BE(start + 4));
      }
      return this.onConnectionMethod(method);
    }
    if (this.state !== "open") throw fail.commandInvalid("channel frame before the connection was opened");
    const channel = this.channels.get(channelNumber);
    if (type === FRAME_METHOD) {
      // The per-message methods skip the generic decoder, and no closure is made per frame.
      if (channel !== undefined && !channel.closing && end - start >= 4) {
        const key = (data[start] << 24) | (data[start + 1] << 16) | (data[start + 2] << 8) | data[start + 3]; // class, method
        if (key === BASIC_PUBLISH_KEY) {
          try {
            channel.onPublishFrame(data, start, end);
          } catch (error) {
            this.channelFailed(channel, error, PUBLISH_FOR_ERRORS);
          }
          return;
        }
        if (key === BASIC_ACK_KEY && end - start === BASIC_ACK_PAYLOAD_BYTES) {
          try {
            channel.onAckFrame(data, start, end);
          } catch (error) {
            this.channelFailed(channel, error, ACK_FOR_ERRORS);
          }
          return;
        }
      }
      const method = decodeMethod(data.subarray(start, end));
      try {
        return this.onChannelMethod(channelNumber, channel, method);
      } catch (error) {
        throw withMethod(error, method);
      }
    }
    if (type !== FRAME_HEADER && type !== FRAME_BODY) throw fail.frameError(`unknown frame type ${type}`);
    if (channel === undefined) throw fail.channelError("expected 'channel.open'");
    if (channel.closing) return;
    try {
      if (type === FRAME_HEADER) channel.onHeader(data, start, end);
      else channel.onBody(data, start, end);
    } catch (error) {
      // A soft error in a publish's content (user_id, expiration, size, reply-to) names basic.publish,
      // (60, 40), as RabbitMQ 3.10.8 does (checked); framing errors are the connection's and name none.
      this.channelFailed(channel, error, error instanceof BrokerError && !error.kind.hard ? PUBLISH_FOR_ERRORS : undefined);
    }
  }

  /**
   * A channel's method or content failed: a soft error closes the channel, anything else
   * propagates and closes the connection. `method` names the failing method in the close.
   */
  private channelFailed(channel: AmqpChannel, error: unknown, method: Method | undefined): void {
    if (method !== undefined) error = withMethod(error, method);
    if (!(error instanceof BrokerError) || error.kind.hard) throw error;
    channel.closeWithError(error);
  }

  private onChannelMethod(channelNumber: number, channel: AmqpChannel | undefined, method: Method): void {
    if (method.method === "channel.open") {
      if (channel !== undefined) throw fail.channelError("second 'channel.open' seen");
      // RabbitMQ limits how many channels are open, not which numbers they use.
      if (this.channels.size >= this.channelMax) {
        throw fail.notAllowed(`number of channels opened (${this.channels.size}) has reached the negotiated channel_max (${this.channelMax})`);
      }
      checkChannelLimit(this.broker, this.user);
      this.channels.set(channelNumber, new AmqpChannel(channelNumber, this));
      this.broker.events.channelsOpened++;
      return this.sendMethod(channelNumber, { method: "channel.open-ok", channelId: EMPTY_BUFFER });
    }
    if (channel === undefined) throw fail.channelError("expected 'channel.open'");
    if (method.method === "channel.close") {
      channel.release();
      this.channels.delete(channelNumber);
      return this.sendMethod(channelNumber, { method: "channel.close-ok" });
    }
    if (method.method === "channel.close-ok") {
      if (channel.closing) this.channels.delete(channelNumber);
      return;
    }
    if (channel.closing) return; // AMQP 0-9-1: after channel.close, discard all but close and close-ok
    try {
      channel.onMethod(method);
    } catch (error) {
      this.channelFailed(channel, error, method);
    }
  }

  private onConnectionMethod(method: Method): void {
    try {
      this.onConnectionMethodUnguarded(method);
    } catch (error) {
      throw withMethod(error, method);
    }
  }

  private onConnectionMethodUnguarded(method: Method): void {
    switch (method.method) {
      case "connection.start-ok":
        return this.onStartOk(method);
      case "connection.tune-ok":
        return this.onTuneOk(method);
      case "connection.open":
        return this.onOpen(method);
      case "connection.close":
        this.sendMethod(0, { method: "connection.close-ok" });
        return this.finish();
      case "connection.update-secret":
        return this.sendMethod(0, { method: "connection.update-secret-ok" });
      case "connection.blocked":
      case "connection.unblocked":
        return;
      default:
        // RabbitMQ 3.10.8's answer to a channel-class method on channel 0.
        throw fail.channelError(`unexpected method in connection state ${this.state === "open" ? "running" : this.state}`);
    }
  }

  private onStartOk(method: Extract<Method, { method: "connection.start-ok" }>): void {
    if (this.state !== "awaiting-start-ok") throw fail.commandInvalid("connection.start-ok out of order");
    const capabilities = method.clientProperties.get("capabilities");
    if (capabilities?.type === "F") {
      this.consumerCancelNotify = fieldToJs(capabilities.value.get("consumer_cancel_notify") ?? { type: "V", value: null }) === true;
      this.authenticationFailureClose = fieldToJs(capabilities.value.get("authentication_failure_close") ?? { type: "V", value: null }) === true;
      this.connectionBlockedCapability = fieldToJs(capabilities.value.get("connection.blocked") ?? { type: "V", value: null }) === true;
    }
    const credentials = parseSaslResponse(method.mechanism, method.response);
    const user = credentials && this.broker.users.authenticate(credentials.username, credentials.password);
    if (user === undefined) {
      return this.refuseLogin(`Login was refused using authentication mechanism ${method.mechanism}. For details see the broker logfile.`);
    }
    if (this.broker.config.loopbackUsers.includes(user.name) && !isLoopback(this.remoteAddress)) {
      return this.refuseLogin(`user '${user.name}' can only connect via localhost`);
    }
    this.userValue = user;
    this.state = "awaiting-tune-ok";
    this.sendMethod(0, { method: "connection.tune", channelMax: this.channelMax, frameMax: this.frameMaxBytes, heartbeat: this.broker.config.heartbeatSeconds });
  }

  private refuseLogin(text: string): void {
    this.broker.logger.warn({ connection: this.id, remote: this.remoteAddress }, text);
    if (this.authenticationFailureClose) return this.closeWithError(new BrokerError(Errors.ACCESS_REFUSED, text));
    this.finish(); // older clients expect the socket to close
  }

  private onTuneOk(method: Extract<Method, { method: "connection.tune-ok" }>): void {
    if (this.state !== "awaiting-tune-ok") throw fail.commandInvalid("connection.tune-ok out of order");
    const serverFrameMax = this.broker.config.frameMaxBytes;
    const frameMax = method.frameMax === 0 ? serverFrameMax : method.frameMax;
    if (frameMax < FRAME_SIZE_BYTES_MIN) throw fail.notAllowed(`frame_max=${frameMax} < ${FRAME_SIZE_BYTES_MIN} min size`);
    if (frameMax > serverFrameMax) throw fail.notAllowed(`frame_max=${frameMax} > ${serverFrameMax} max size`);
    const serverChannelMax = this.broker.config.channelMax;
    // channel_max 0 means "no limit", which is above ours: RabbitMQ refuses it the same way.
    const channelMax = method.channelMax;
    if (channelMax === 0 || channelMax > serverChannelMax) {
      throw fail.notAllowed(`negotiated channel_max = ${channelMax} is higher than the maximum allowed value (${serverChannelMax})`);
    }
    this.frameMaxBytes = frameMax;
    this.channelMax = channelMax;
    this.heartbeatSeconds = method.heartbeat;
    this.parser.setFrameSizeMax(frameMax);
    this.state = "awaiting-open";
  }

  private onOpen(method: Extract<Method, { method: "connection.open" }>): void {
    if (this.state !== "awaiting-open") throw fail.commandInvalid("connection.open out of order");
    const vhost = this.broker.openVhost(this.user, method.virtualHost);
    checkConnectionLimits(this.broker, this.user, vhost.name, this);
    this.vhostValue = vhost;
    this.state = "open";
    this.sendMethod(0, { method: "connection.open-ok", knownHosts: "" });
  }

  private onFrameWhileClosing(type: number, channelNumber: number, payload: Buffer): void {
    if (type !== FRAME_METHOD || channelNumber !== 0) return;
    const method = decodeMethod(payload);
    if (method.method === "connection.close-ok") return this.finish();
    if (method.method === "connection.close") {
      this.sendMethod(0, { method: "connection.close-ok" });
      this.finish();
    }
  }

  // ---- errors and closing ----------------------------------------------------------------

  private onConnectionError(error: unknown, parserBroken: boolean): void {
    if (!(error instanceof BrokerError)) {
      this.broker.logger.error({ err: error, connection: this.id, name: this.name }, `internal error on connection ${this.name}: closing it with 541`);
      error = new BrokerError(Errors.INTERNAL_ERROR, "internal error");
    }
    const brokerError = error as BrokerError;
    // A soft error where a hard one belongs (e.g. on channel 0) still closes the connection.
    this.closeWithError(brokerError);
    // After a framing error we cannot find the peer's close-ok in the stream: stop reading.
    if (parserBroken && (brokerError.kind === Errors.FRAME_ERROR || brokerError.kind === Errors.SYNTAX_ERROR)) {
      this.flushOutput(); // connection.close must go out before the end of the stream
      this.socket.end();
    }
  }

  /** connection.close with the error's code, then wait (bounded) for close-ok. */
  closeWithError(error: BrokerError): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.releaseChannels();
    this.state = "closing";
    this.closeDeadlineMs = this.broker.nowMs + CLOSE_OK_TIMEOUT_MS;
    this.sendMethod(0, { method: "connection.close", replyCode: error.kind.amqpReplyCode, replyText: error.replyText, classId: error.classId, methodId: error.methodId });
    // A held or blocked connection must still read the peer's close-ok (nothing else is acted on now).
    this.flowHolds = undefined;
    this.blockedByAlarm = false;
    this.updateReading();
  }

  shutdown(reason: string): void {
    this.closeWithError(new BrokerError(Errors.CONNECTION_FORCED, reason));
    this.runBatchTasks();
  }

  terminate(): void {
    this.releaseChannels();
    this.state = "closed";
    this.socket.destroy();
  }

  /** Ends the connection after what is queued to write has been flushed. */
  private finish(): void {
    if (this.state === "closed") return;
    this.releaseChannels();
    this.state = "closed";
    this.flushOutput(); // close-ok (or the close) must go out before the end of the stream
    this.socket.end();
  }

  private releaseChannels(): void {
    for (const channel of this.channels.values()) channel.release();
    this.channels.clear();
    const exclusiveQueues = this.exclusiveQueues;
    this.exclusiveQueues = undefined;
    if (exclusiveQueues !== undefined) for (const queue of exclusiveQueues) this.vhostValue?.deleteQueue(queue);
  }

  private onSocketClosed(): void {
    try {
      this.releaseChannels();
    } catch (error) {
      // Requeueing runs other queues' and consumers' code; whatever fails there, this connection is gone.
      this.broker.logger.error({ err: error, connection: this.id, name: this.name }, "internal error while releasing a closed connection's channels");
    } finally {
      this.state = "closed";
      this.broker.detach(this);
    }
  }

  // ---- fences ----------------------------------------------------------------------------

  /** The first failure while serving this connection; set, the connection is closing with 541. */
  private failure: unknown;

  /** RabbitMQ's connection name, for the log. */
  get name(): string {
    return `${this.remoteAddress}:${this.remotePort} -> ${unmapIpv4(this.socket.localAddress ?? "")}:${this.socket.localPort ?? 0}`;
  }

  /**
   * Runs an entry point from the event loop (socket events, the clock, the store's commit loop,
   * another connection's publish reaching our consumer) so that a failure in it reaches neither
   * the caller nor the process: it becomes this connection's 541 (see failed()).
   */
  fenced<T>(work: (this: AmqpConnection, argument: T) => void, argument: T, during: string): void {
    try {
      work.call(this, argument);
    } catch (error) {
      this.failed(error, during);
    }
  }

  /**
   * A failure while serving this connection (a bug, or input no check caught): logged with the
   * connection's name, then the connection is closed with 541 INTERNAL_ERROR; its unacked
   * deliveries go back to their queues. The close waits for the next tick: the failure may have
   * happened inside a queue's dispatch loop or another connection's work, which must finish
   * first. Until then nothing more is delivered to this connection.
   */
  failed(error: unknown, during: string): void {
    if (this.failure !== undefined || this.state === "closed") return;
    this.failure = error;
    this.broker.logger.error({ err: error, connection: this.id, name: this.name, user: this.userValue?.name }, `internal error on connection ${this.name} while ${during}: closing it with 541`);
    process.nextTick(closeAfterFailure, this);
  }

  /** Second half of failed(): the close itself runs queue code, so a second failure drops the socket. */
  closeAfterFailure(): void {
    try {
      this.closeWithError(fail.internalError("internal error"));
      this.runBatchTasks();
      this.flushOutput();
    } catch (error) {
      this.broker.logger.error({ err: error, connection: this.id, name: this.name }, "internal error while closing a failed connection: dropping it");
      this.state = "closed";
      this.socket.destroy();
    }
  }

  // ---- output ----------------------------------------------------------------------------

  /** Queues a frame for this turn's single write (large ones flush what is gathered and go alone). */
  send(frame: Buffer): void {
    if (this.socket.destroyed) return;
    if (frame.length > OUTPUT_BUFFER_BYTES_MIN) {
      this.flushOutput();
      this.lastSentMs = this.broker.nowMs;
      this.socket.write(frame);
      return;
    }
    const space = this.reserveOutput(frame.length);
    frame.copy(space.buffer, space.offset);
  }

  reserveOutput(bytes: number): { buffer: Buffer; offset: number } {
    let output = this.output;
    if (output !== undefined && this.outputLength + bytes > output.length) {
      this.flushOutput();
      output = undefined;
    }
    if (output === undefined) {
      output = this.output = bytes <= this.outputSizeBytes ? outputBuffers.take(this.outputSizeBytes) : Buffer.allocUnsafe(bytes);
      this.outputLength = 0;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushOutput, this);
    }
    const offset = this.outputLength;
    this.outputLength += bytes;
    this.reserved.buffer = output;
    this.reserved.offset = offset;
    return this.reserved;
  }

  /** Reused answer of reserveOutput: its fields are read at once by the caller. */
  private readonly reserved: { buffer: Buffer; offset: number } = { buffer: EMPTY_BUFFER, offset: 0 };

  /** Writes what this turn gathered, and sizes the next buffer after how full this one got. */
  flushOutput(): void {
    this.flushScheduled = false;
    const output = this.output;
    if (output === undefined || this.outputLength === 0) return;
    const used = this.outputLength;
    const sizeBytes = this.outputSizeBytes;
    this.output = undefined;
    this.outputLength = 0;
    this.reserved.buffer = EMPTY_BUFFER;
    if (used * 4 >= output.length * 3) this.outputSizeBytes = Math.min(this.outputSizeBytes * 2, OUTPUT_BUFFER_BYTES_MAX);
    else if (used * 4 < output.length) this.outputSizeBytes = Math.max(this.outputSizeBytes / 2, OUTPUT_BUFFER_BYTES_MIN);
    if (this.socket.destroyed) return;
    // The acks and publishes handled before these replies reach the OS first (see flushPendingWrites).
    this.vhost?.storage?.flushPendingWrites();
    this.lastSentMs = this.broker.nowMs;
    this.socket.write(used === output.length ? output : output.subarray(0, used));
    // Nothing left queued in the socket: the write completed synchronously and no longer refers
    // to the buffer (a partial write keeps it, and shows as writableLength > 0). Given back, the
    // next turn of any connection writes into it instead of allocating (external memory brings
    // garbage collections on), and an idle connection holds no buffer at all.
    if (this.socket.writableLength === 0 && output.length === sizeBytes) outputBuffers.give(output);
  }

  private sendMethod(channel: number, method: Method): void {
    this.send(methodFrame(channel, method));
  }

  afterBatch(task: () => void): void {
    this.batchTasks.push(task);
    if (this.batchTasks.length === 1) process.nextTick(this.flushBatch);
  }

  private runBatchTasks(): void {
    if (this.batchTasks.length === 0) return;
    const tasks = this.batchTasks;
    this.batchTasks = [];
    for (const task of tasks) task();
  }

  /** The channel saw basic.publish: under an alarm, this connection is blocked from now on. */
  notePublish(): void {
    if (this.hasPublished) return;
    this.hasPublished = true;
    if (this.broker.resources.blocking) this.alarmChanged(true);
  }

  /**
   * RabbitMQ's flow for alarms: a publishing connection gets connection.blocked (if it said it
   * understands it) and is no longer read from, so its publishes wait in the network; consumers
   * keep draining. connection.unblocked and reading again when the alarm clears.
   */
  alarmChanged(blocking: boolean): void {
    if (this.state !== "open" || !this.hasPublished || blocking === this.blockedByAlarm) return;
    this.blockedByAlarm = blocking;
    if (blocking) {
      if (this.connectionBlockedCapability) this.sendMethod(0, { method: "connection.blocked", reason: "low on resources" });
    } else if (this.connectionBlockedCapability) {
      this.sendMethod(0, { method: "connection.unblocked" });
    }
    this.updateReading();
  }

  /**
   * Flow control (RabbitMQ's "flow" state): stop reading while a queue we publish into is far
   * behind its consumers. Never for a queue this connection consumes from: its acks travel on
   * the same socket, and holding them would hold the queue back too.
   */
  holdForFlow(queue: QueueHandle): void {
    const holds = (this.flowHolds ??= new Set());
    if (holds.has(queue) || this.broker.nowMs < this.flowGraceUntilMs) return;
    for (const channel of this.channels.values()) if (channel.consumesFrom(queue)) return;
    if (holds.size === 0) this.flowHeldSinceMs = this.broker.nowMs;
    holds.add(queue);
    queue.holdPublisher(this);
    this.updateReading();
  }

  flowRelieved(queue: QueueHandle): void {
    this.flowHolds?.delete(queue);
    this.updateReading();
  }

  /**
   * Reads from the socket unless an alarm or a queue's flow control holds the connection. A hold
   * also stops the parser at the end of the current frame: the rest of the socket read (up to
   * 64 KB, hundreds of small publishes) waits too, rather than overfilling the queue that asked
   * for the hold (past its in-memory window, those messages would be paged to disk).
   */
  private updateReading(): void {
    const pause = this.state !== "closed" && (this.blockedByAlarm || this.heldForFlow);
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) {
      this.parser.pause();
      this.socket.pause();
    } else {
      this.socket.resume();
      // Not now: this runs inside another connection's work (a consumer's ack drained the queue).
      process.nextTick(resumeParsing, this);
    }
  }

  /** Parses what waited while the connection was held, as if it had just been read. */
  resumeParsing(): void {
    if (this.readingPaused || this.state === "closed" || !this.parser.isPaused) return;
    try {
      this.parser.resume();
    } catch (error) {
      this.onConnectionError(error, true);
    }
    this.runBatchTasks();
  }

  private get heldForFlow(): boolean {
    return this.flowHolds !== undefined && this.flowHolds.size > 0;
  }

  get blocked(): boolean {
    return this.blockedByAlarm;
  }

  addExclusiveQueue(queue: QueueHandle): void {
    (this.exclusiveQueues ??= new Set()).add(queue);
  }

  private onDrain(): void {
    for (const channel of this.channels.values()) channel.resumeDeliveries();
  }

  // ---- time ------------------------------------------------------------------------------

  /** The broker's clock: fenced, so a failure here closes this connection and the timer keeps running. */
  tick(nowMs: number): void {
    this.fenced(this.tickUnfenced, nowMs, "running the clock's tick");
  }

  private tickUnfenced(nowMs: number): void {
    if (this.state === "closed") return;
    if (this.state === "closing") {
      if (nowMs >= this.closeDeadlineMs) this.socket.destroy();
      return;
    }
    if (this.state !== "open") {
      if (nowMs - this.connectedAtMs > HANDSHAKE_TIMEOUT_MS) this.socket.destroy();
      return;
    }
    if (this.heldForFlow && nowMs - this.flowHeldSinceMs >= FLOW_HOLD_MS_MAX) {
      // A bounded hold: publishing into each other's queues must not hold two connections for ever.
      this.flowHolds = undefined;
      this.flowGraceUntilMs = nowMs + FLOW_HOLD_MS_MAX;
      this.updateReading();
    }
    for (const channel of this.channels.values()) {
      const timedOut = channel.checkConsumerTimeout(nowMs);
      if (timedOut !== undefined) channel.closeWithError(timedOut);
    }
    if (this.heartbeatSeconds === 0) return;
    const intervalMs = this.heartbeatSeconds * 1000;
    if (nowMs - this.lastReceivedMs > intervalMs * HEARTBEAT_MISSED_MAX) {
      this.broker.logger.warn({ connection: this.id, remote: this.remoteAddress }, `missed heartbeats from client, timeout: ${this.heartbeatSeconds}s`);
      this.releaseChannels();
      this.state = "closed";
      this.socket.destroy();
      return;
    }
    // Send a heartbeat when we have been quiet for half the interval, so the peer never waits a full one.
    if (nowMs - this.lastSentMs >= intervalMs / 2) this.send(HEARTBEAT_FRAME);
  }
}

/** The close frames name the method that failed (its class-id and method-id), as RabbitMQ's do. */
function withMethod(error: unknown, method: Method): unknown {
  if (error instanceof BrokerError && error.classId === 0 && error.methodId === 0) {
    const ids = METHOD_IDS[method.method];
    error.classId = ids.classId;
    error.methodId = ids.methodId;
  }
  return error;
}

function flushOutput(connection: AmqpConnection): void {
  connection.fenced(connection.flushOutput, undefined, "writing to the socket");
}

function resumeParsing(connection: AmqpConnection): void {
  connection.fenced(connection.resumeParsing, undefined, "resuming reading");
}

function closeAfterFailure(connection: AmqpConnection): void {
  connection.closeAfterFailure();
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}
