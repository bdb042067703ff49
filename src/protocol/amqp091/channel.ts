/**
 * An AMQP 0-9-1 channel: turns channel methods into broker calls and carries out
 * what the broker answers (deliveries, returns, confirms). Soft errors thrown here
 * close the channel; hard errors (BrokerError with a hard kind) close the connection.
 * Sections cite AMQP 0-9-1 (the XML spec's class/method names) and RabbitMQ's behaviour.
 */
import { BrokerError, Errors, fail } from "../../errors/registry.js";
import { Message } from "../../message/message.js";
import { decodeContentHeader, encodeContentHeader, validateContentHeader } from "../../message/properties.generated.js";
import { Publisher } from "../../broker/publish.js";
import { DurableWaits } from "../../broker/durable-waits.js";
import { REPLY_TO_QUEUE, type Vhost } from "../../broker/vhost.js";
import type { Permission, User } from "../../auth/users.js";
import type { ChannelInfo } from "../../broker/broker.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkTopicPermitted } from "../../auth/topic-permissions.js";
import { checkAlternateExchangePermitted, checkDeadLetterExchangePermitted } from "../../auth/argument-permissions.js";
import { checkQueueLimit } from "../../broker/limits-check.js";
import { parseConsumerPriority } from "../../queue/queue-arguments.js";
import { routingKeysIn } from "../../queue/dead-letter.js";
import { CLOCK_TICK_MS } from "../../broker/broker.js";
import type { Broker } from "../../broker/broker.js";
import type { CounterName } from "../../lib/counters.js";
import type { DurabilityWaiter, QueueEntry, QueueHandle } from "../../queue/queue-type.js";
import { decodeMethod, type Method, type BasicPublish } from "./methods.generated.js";
import { methodFrame, deliverFramesSizeBytes, writeDeliver, getOkFrames, returnFrames, basicAckFrame, basicNackFrame } from "./frame-writer.js";
import { AmqpConsumer, type ConsumerChannel } from "./consumer.js";
import { UnackedDeliveries, type Delivery } from "./unacked.js";
import { ConfirmReplies } from "./confirms.js";

/** What a channel needs from its connection. */
export interface ChannelConnection {
  readonly broker: Broker;
  readonly vhost: Vhost;
  readonly user: User;
  readonly frameMaxBytes: number;
  readonly maxMessageSizeBytes: number;
  readonly consumerCancelNotify: boolean;
  /** consumer_timeout: an unacked delivery older than this closes the channel (0 = off). */
  readonly consumerTimeoutMs: number;
  /** The broker's coarse clock. */
  readonly nowMs: number;
  /** The socket's write buffer is over its high-water mark: hold deliveries. */
  readonly outputBlocked: boolean;
  send(frame: Buffer): void;
  /** Space for `bytes` in the output buffer, written this turn; returns the buffer and the offset. */
  reserveOutput(bytes: number): { readonly buffer: Buffer; readonly offset: number };
  addExclusiveQueue(queue: QueueHandle): void;
  /** A basic.publish arrived (alarms block publishing connections only). */
  notePublish(): void;
  /** A queue this connection published into is far behind its consumers: stop reading for now. */
  holdForFlow(queue: QueueHandle): void;
  /** Runs `task` once after the current batch of input is handled (coalesces confirms). */
  afterBatch(task: () => void): void;
  /** connection.close with a hard error (e.g. 541 when a store failed under a transaction). */
  closeWithError(error: BrokerError): void;
  /**
   * A failure while serving this connection from outside its own input (a queue delivering, the
   * store confirming): logged, then the connection closes with 541 on the next tick.
   */
  failed(error: unknown, during: string): void;
}

interface PendingPublish {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  /** CC/BCC routing keys (sender-selected distribution), if the headers had any. */
  extraRoutingKeys: string[] | undefined;
  header: Buffer | undefined;
  body: Buffer | undefined;
  bodySizeBytes: number;
  receivedBytes: number;
}

type AckOperation = { kind: "ack" | "reject"; deliveries: Delivery[]; requeue: boolean };

export class AmqpChannel implements ConsumerChannel, DurabilityWaiter {
  readonly number: number;
  private readonly connection: ChannelConnection;
  /** After we send channel.close, everything but close/close-ok is ignored until close-ok. */
  closing = false;
  private flowActive = true;
  private pending: PendingPublish | undefined;
  private lastDeclaredQueue = "";
  private readonly consumers = new Map<string, AmqpConsumer>();
  private readonly unacked = new UnackedDeliveries();
  private nextDeliveryTag = 1;
  private consumerPrefetchCount = 0;
  private channelPrefetchCount = 0;
  /** Set by confirm.select: turns settled publishes into basic.ack/nack frames. */
  private confirms: ConfirmReplies | undefined;
  /**
   * What this channel's publishes wait for before the client hears back: one token per publish
   * in confirm mode, one per tx.commit in a transaction. Set by confirm.select or tx.select.
   */
  private waits: DurableWaits | undefined;
  private flushScheduled = false;
  /** Direct reply-to: this channel's pseudo-queue, once it consumes from amq.rabbitmq.reply-to. */
  private replyQueue: QueueHandle | undefined;
  private transactional = false;
  private txPublishes: Message[] = [];
  private txMandatory: boolean[] = [];
  private txAcks: AckOperation[] = [];
  /** This channel's way into the broker's publish path. */
  private readonly publisher: Publisher;
  private lastPermittedExchange: string | undefined;
  /** The permission record the last check used (see startPublish). */
  private lastPermission: Permission | undefined;

  constructor(number: number, connection: ChannelConnection) {
    this.number = number;
    this.connection = connection;
    this.publisher = new Publisher({ nodeStats: connection.broker.stats, onOverloaded: (queue) => connection.holdForFlow(queue) });
  }

  private get vhost(): Vhost {
    return this.connection.vhost;
  }

  private send(method: Method): void {
    this.connection.send(methodFrame(this.number, method));
  }

  info(): ChannelInfo {
    return {
      number: this.number,
      consumerCount: this.consumers.size,
      unackedCount: this.unacked.count,
      prefetchCount: this.consumerPrefetchCount,
      globalPrefetchCount: this.channelPrefetchCount,
      confirm: this.confirms !== undefined,
      transactional: this.transactional,
      consumers: [...this.consumers.values()].map((consumer) => ({
        tag: consumer.tag,
        queue: consumer.queue.name,
        noAck: consumer.noAck,
        exclusive: consumer.exclusive,
        prefetchCount: consumer.prefetchCount,
        priority: consumer.priority,
      })),
    };
  }

  // ---- frames ----------------------------------------------------------------------------

  onMethod(method: Method): void {
    if (this.pending !== undefined) {
      const headerSeen = this.pending.header !== undefined;
      this.pending = undefined;
      throw headerSeen
        ? fail.unexpectedFrame("expected content body, got non content body frame instead")
        : fail.unexpectedFrame("expected content header for class 60, got non content header frame instead");
    }
    switch (method.method) {
      case "channel.flow":
        // RabbitMQ 3.x does not let a client stop deliveries this way (540 NOT_IMPLEMENTED); it uses prefetch instead.
        if (!method.active) throw fail.notImplemented("active=false");
        this.flowActive = method.active;
        this.send({ method: "channel.flow-ok", active: method.active });
        if (this.flowActive) this.resumeDeliveries();
        return;
      case "channel.flow-ok":
        return;
      case "access.request":
        return this.send({ method: "access.request-ok", ticket: 1 });
      case "exchange.declare":
        return this.exchangeDeclare(method);
      case "exchange.delete":
        return this.exchangeDelete(method);
      case "exchange.bind":
      case "exchange.unbind":
        return this.exchangeBind(method);
      case "queue.declare":
        return this.queueDeclare(method);
      case "queue.bind":
      case "queue.unbind":
        return this.queueBind(method);
      case "queue.purge":
        return this.queuePurge(method);
      case "queue.delete":
        return this.queueDelete(method);
      case "basic.qos":
        return this.basicQos(method);
      case "basic.consume":
        return this.basicConsume(method);
      case "basic.cancel":
        return this.basicCancel(method.consumerTag, method.nowait);
      case "basic.cancel-ok":
        return; // the client's answer to our server-sent basic.cancel
      case "basic.publish":
        return this.basicPublish(method);
      case "basic.get":
        return this.basicGet(method);
      case "basic.ack":
        return this.settle(method.deliveryTag, method.multiple, "ack", false);
      case "basic.nack":
        return this.settle(method.deliveryTag, method.multiple, "reject", method.requeue);
      case "basic.reject":
        return this.settle(method.deliveryTag, false, "reject", method.requeue);
      case "basic.recover":
      case "basic.recover-async":
        this.requeueAll();
        if (method.method === "basic.recover") this.send({ method: "basic.recover-ok" });
        return;
      case "confirm.select":
        if (this.transactional) throw fail.preconditionFailed("cannot switch from tx to confirm mode");
        if (this.confirms === undefined) {
          this.confirms = new ConfirmReplies({
            ack: (upTo, multiple) => {
              this.connection.send(basicAckFrame(this.number, upTo, multiple));
              this.count(undefined, "confirm", 1, false);
            },
            nack: (sequence) => this.connection.send(basicNackFrame(this.number, sequence, false, false)),
          });
          this.waits = new DurableWaits(this.confirms, () => this.scheduleFlush(), { waiter: this });
        }
        if (!method.nowait) this.send({ method: "confirm.select-ok" });
        return;
      case "tx.select":
        if (this.confirms !== undefined) throw fail.preconditionFailed("cannot switch from confirm to tx mode");
        this.transactional = true;
        this.waits ??= new DurableWaits({ settled: (_token, lost) => this.commitSettled(lost) }, () => this.scheduleFlush(), { refusalLoses: false, waiter: this });
        return this.send({ method: "tx.select-ok" });
      case "tx.commit":
        return this.txCommit();
      case "tx.rollback":
        return this.txRollback();
      default:
        throw fail.commandInvalid(`unexpected method '${method.method}' on a channel`);
    }
  }

  /** A content header frame (AMQP 0-9-1 §4.2.6): only after basic.publish. */
  /**
   * A content header frame (AMQP 0-9-1 §4.2.6): only after basic.publish. Its payload is
   * `data[start, end)`, valid only during the call.
   */
  onHeader(data: Buffer, start: number, end: number): void {
    const pending = this.pending;
    if (pending === undefined || pending.header !== undefined) {
      throw fail.unexpectedFrame("expected method frame, got non method frame instead");
    }
    const plain = this.plainHeader;
    if (plain.length === end - start && sameBytes(data, start, plain)) {
      // The bytes of the last header that needed nothing decoded: valid, same body size. Stored
      // headers are never written to, so the messages share that one copy.
      return this.storePublishContent(pending, plain, this.plainHeaderBodySizeBytes);
    }
    let payload = data.subarray(start, end);
    /** Whether `payload` was re-encoded (then it is ours) rather than a view of `data`. */
    let reencoded = false;
    // Validating the whole header now means lazy decoding later cannot fail; it allocates nothing.
    const bodySizeBytes = validateContentHeader(payload);
    if (bodySizeBytes > this.connection.maxMessageSizeBytes) {
      this.pending = undefined;
      throw fail.preconditionFailed(`message size ${bodySizeBytes} is larger than configured max size ${this.connection.maxMessageSizeBytes}`);
    }
    if (!needsDecoding(payload)) {
      // Copied out of the socket's chunk (a view would pin the chunk), and kept for the next publish.
      this.plainHeader = Buffer.from(payload);
      this.plainHeaderBodySizeBytes = bodySizeBytes;
      return this.storePublishContent(pending, this.plainHeader, bodySizeBytes);
    }
    const properties = decodeContentHeader(payload).properties;
    const expirationProblem = properties.expiration === undefined ? undefined : expirationError(properties.expiration);
    if (expirationProblem !== undefined) {
      this.pending = undefined;
      throw fail.preconditionFailed(`invalid expiration '${properties.expiration}': ${expirationProblem}`);
    }
    if (properties.userId !== undefined && properties.userId !== this.connection.user.name) {
      // RabbitMQ validates user-id so a consumer can trust it names the publisher.
      this.pending = undefined;
      throw fail.preconditionFailed(`user_id property set to '${properties.userId}' but authenticated user was '${this.connection.user.name}'`);
    }
    if (properties.replyTo === REPLY_TO_QUEUE) {
      // Direct reply-to: the reply address becomes this channel's pseudo-queue (RabbitMQ rewrites it the same way).
      if (this.replyQueue === undefined) {
        this.pending = undefined;
        throw fail.preconditionFailed("fast reply consumer does not exist");
      }
      payload = encodeContentHeader(60, bodySizeBytes, { ...properties, replyTo: this.replyQueue.name });
      reencoded = true;
    }
    const headers = properties.headers;
    if (headers !== undefined && (headers.has("CC") || headers.has("BCC"))) {
      // Sender-selected distribution (RabbitMQ): CC and BCC keys route too; BCC never reaches a consumer.
      pending.extraRoutingKeys = [...routingKeysIn(headers.get("CC")), ...routingKeysIn(headers.get("BCC"))];
      if (headers.has("BCC")) {
        const withoutBcc = new Map(headers);
        withoutBcc.delete("BCC");
        payload = encodeContentHeader(60, bodySizeBytes, { ...properties, headers: withoutBcc });
        reencoded = true;
      }
    }
    // A header that was not re-encoded is still a view of the socket's chunk: copy it out.
    this.storePublishContent(pending, reencoded ? payload : Buffer.from(payload), bodySizeBytes);
  }

  /**
   * A publisher usually sends one header over and over (same properties, same body size): the
   * last one that needed nothing decoded, as stored, and its body size. 0 bytes until the first
   * (a header has at least 14).
   */
  private plainHeader: Buffer = EMPTY_BODY;
  private plainHeaderBodySizeBytes = 0;

  /** The header (owned, never written to) goes with the message; the body is filled by onBody. */
  private storePublishContent(pending: PendingPublish, header: Buffer, bodySizeBytes: number): void {
    pending.header = header;
    pending.body = bodySizeBytes === 0 ? EMPTY_BODY : Buffer.allocUnsafe(bodySizeBytes);
    pending.bodySizeBytes = bodySizeBytes;
    if (bodySizeBytes === 0) this.completePublish(pending);
  }

  /** A content body frame: `data[start, end)`, valid only during the call. */
  onBody(data: Buffer, start: number, end: number): void {
    const pending = this.pending;
    if (pending === undefined || pending.header === undefined) {
      throw fail.unexpectedFrame("expected method frame, got non method frame instead");
    }
    const length = end - start;
    if (pending.receivedBytes + length > pending.bodySizeBytes) {
      throw fail.frameError(`content body longer than the ${pending.bodySizeBytes} bytes its header announced`);
    }
    copyRange(data, start, end, pending.body as Buffer, pending.receivedBytes);
    pending.receivedBytes += length;
    if (pending.receivedBytes === pending.bodySizeBytes) this.completePublish(pending);
  }

  // ---- exchanges -------------------------------------------------------------------------

  private exchangeDeclare(method: Extract<Method, { method: "exchange.declare" }>): void {
    if (method.exchange === "") throw fail.accessRefused("operation not permitted on the default exchange");
    if (!method.passive) {
      checkPermitted(this.connection.user, this.vhost.name, "configure", "exchange", method.exchange);
      if (!this.vhost.exchanges.has(method.exchange)) checkAlternateExchangePermitted(this.connection.user, this.vhost.name, method.exchange, method.arguments);
    }
    this.vhost.declareExchange(
      { name: method.exchange, typeName: method.type, durable: method.durable, autoDelete: method.autoDelete, internal: method.internal, arguments: method.arguments },
      method.passive,
    );
    if (!method.nowait) this.send({ method: "exchange.declare-ok" });
  }

  private exchangeDelete(method: Extract<Method, { method: "exchange.delete" }>): void {
    checkPermitted(this.connection.user, this.vhost.name, "configure", "exchange", method.exchange);
    this.vhost.deleteExchange(method.exchange, method.ifUnused);
    if (!method.nowait) this.send({ method: "exchange.delete-ok" });
  }

  private exchangeBind(method: Extract<Method, { method: "exchange.bind" | "exchange.unbind" }>): void {
    const user = this.connection.user;
    checkPermitted(user, this.vhost.name, "write", "exchange", method.destination);
    checkPermitted(user, this.vhost.name, "read", "exchange", method.source);
    const destination = this.vhost.exchange(method.destination);
    const source = this.vhost.exchange(method.source);
    if (source.typeName === "topic") checkTopicPermitted(user, this.vhost.name, source.name, "read", method.routingKey);
    if (method.method === "exchange.bind") {
      this.vhost.bind(source, destination, method.routingKey, method.arguments);
      if (!method.nowait) this.send({ method: "exchange.bind-ok" });
    } else {
      this.vhost.unbind(source, destination, method.routingKey, method.arguments);
      if (!method.nowait) this.send({ method: "exchange.unbind-ok" });
    }
  }

  // ---- queues ----------------------------------------------------------------------------

  /** AMQP 0-9-1: an empty queue name means the last queue declared on this channel. */
  private queueNamed(name: string): QueueHandle {
    const resolved = name === "" ? this.lastDeclaredQueue : name;
    if (resolved === "") throw fail.notFound("no previously declared queue");
    const queue = this.vhost.queue(resolved);
    this.vhost.checkQueueAccess(queue, this.connection);
    return queue;
  }

  private queueDeclare(method: Extract<Method, { method: "queue.declare" }>): void {
    let queue: QueueHandle;
    if (method.queue === REPLY_TO_QUEUE) {
      // RabbitMQ 3.10.8 answers any declare of the direct reply-to pseudo-queue with (name, 0, 1).
      if (!method.nowait) this.send({ method: "queue.declare-ok", queue: REPLY_TO_QUEUE, messageCount: 0, consumerCount: 1 });
      return;
    }
    if (method.passive) {
      queue = this.queueNamed(method.queue);
      queue.touch(this.connection.nowMs); // a passive declare is use too (x-expires), as in RabbitMQ
    } else {
      if (method.queue.startsWith("amq.") && !this.vhost.queues.has(method.queue)) {
        throw fail.accessRefused(`queue name '${method.queue}' contains reserved prefix 'amq.*'`);
      }
      const name = method.queue === "" ? `amq.gen-${this.connection.broker.io.random.bytes(16).toString("base64url")}` : method.queue;
      checkPermitted(this.connection.user, this.vhost.name, "configure", "queue", name);
      if (!this.vhost.queues.has(name)) {
        checkQueueLimit(this.connection.broker, this.vhost.name, name);
        checkDeadLetterExchangePermitted(this.connection.user, this.vhost.name, name, method.arguments);
      }
      const declared = this.vhost.declareQueue(
        name,
        { durable: method.durable, autoDelete: method.autoDelete, exclusiveOwner: method.exclusive ? this.connection : undefined, arguments: method.arguments },
        this.connection,
      );
      queue = declared.queue;
      // Counted as RabbitMQ's channel counts them (rabbitmq_queues_declared_total, _created_total).
      const events = this.connection.broker.events;
      events.queuesDeclared++;
      if (declared.created) events.queuesCreated++;
      if (declared.created && method.exclusive) this.connection.addExclusiveQueue(queue);
    }
    this.lastDeclaredQueue = queue.name;
    if (!method.nowait) this.send({ method: "queue.declare-ok", queue: queue.name, messageCount: queue.readyCount, consumerCount: queue.consumerCount });
  }

  private queueBind(method: Extract<Method, { method: "queue.bind" | "queue.unbind" }>): void {
    const queue = this.queueNamed(method.queue);
    const user = this.connection.user;
    checkPermitted(user, this.vhost.name, "write", "queue", queue.name);
    checkPermitted(user, this.vhost.name, "read", "exchange", method.exchange);
    const exchange = this.vhost.exchange(method.exchange);
    // An empty routing key with an empty queue name means the queue's name (AMQP 0-9-1 queue.bind).
    const routingKey = method.queue === "" && method.routingKey === "" ? queue.name : method.routingKey;
    if (exchange.typeName === "topic") checkTopicPermitted(user, this.vhost.name, exchange.name, "read", routingKey);
    if (method.method === "queue.bind") {
      this.vhost.bind(exchange, queue, routingKey, method.arguments);
      if (!method.nowait) this.send({ method: "queue.bind-ok" });
    } else {
      this.vhost.unbind(exchange, queue, routingKey, method.arguments);
      this.send({ method: "queue.unbind-ok" });
    }
  }

  private queuePurge(method: Extract<Method, { method: "queue.purge" }>): void {
    const queue = this.queueNamed(method.queue);
    checkPermitted(this.connection.user, this.vhost.name, "read", "queue", queue.name);
    const messageCount = queue.purge();
    if (!method.nowait) this.send({ method: "queue.purge-ok", messageCount });
  }

  private queueDelete(method: Extract<Method, { method: "queue.delete" }>): void {
    const name = method.queue === "" ? this.lastDeclaredQueue : method.queue;
    const queue = this.vhost.queues.get(name);
    if (queue === undefined) {
      // RabbitMQ 3.x answers delete-ok with 0 for a queue that does not exist.
      if (!method.nowait) this.send({ method: "queue.delete-ok", messageCount: 0 });
      return;
    }
    this.vhost.checkQueueAccess(queue, this.connection);
    checkPermitted(this.connection.user, this.vhost.name, "configure", "queue", queue.name);
    if (method.ifUnused && queue.consumerCount > 0) throw fail.preconditionFailed(`queue '${queue.name}' in vhost '${this.vhost.name}' in use`);
    if (method.ifEmpty && queue.readyCount > 0) throw fail.preconditionFailed(`queue '${queue.name}' in vhost '${this.vhost.name}' not empty`);
    // This channel's own consumers of the queue hear basic.cancel after delete-ok, as from RabbitMQ 3.10.8
    // (checked): py-amqp (kombu, Celery) raises ConsumerCancelled from queue_delete() when the cancel comes first.
    const cancels: string[] = (this.cancelsAfterReply = []);
    try {
      const messageCount = this.vhost.deleteQueue(queue);
      if (!method.nowait) this.send({ method: "queue.delete-ok", messageCount });
    } finally {
      this.cancelsAfterReply = undefined;
      for (const consumerTag of cancels) this.send({ method: "basic.cancel", consumerTag, nowait: true });
    }
  }

  /** While this channel deletes a queue: the tags of its consumers cancelled by that delete, told after the reply. */
  private cancelsAfterReply: string[] | undefined;

  // ---- consuming -------------------------------------------------------------------------

  private basicQos(method: Extract<Method, { method: "basic.qos" }>): void {
    if (method.prefetchSize !== 0) throw fail.notImplemented(`prefetch_size!=0 (${method.prefetchSize})`);
    // RabbitMQ's reinterpretation: global=false limits each new consumer, global=true the whole channel.
    if (method.global) this.channelPrefetchCount = method.prefetchCount;
    else this.consumerPrefetchCount = method.prefetchCount;
    this.send({ method: "basic.qos-ok" });
    this.resumeDeliveries();
  }

  private basicConsume(method: Extract<Method, { method: "basic.consume" }>): void {
    const queue = method.queue === REPLY_TO_QUEUE ? this.replyToQueue(method.noAck) : this.queueNamed(method.queue);
    queue.touch(this.connection.nowMs);
    checkPermitted(this.connection.user, this.vhost.name, "read", "queue", queue.name);
    const tag = method.consumerTag === "" ? `amq.ctag-${this.connection.broker.io.random.bytes(16).toString("base64url")}` : method.consumerTag;
    if (this.consumers.has(tag)) throw fail.notAllowed(`attempt to reuse consumer tag '${tag}'`);
    const existing = queue.consumers();
    if ((method.exclusive && existing.length > 0) || existing.some((consumer) => consumer.exclusive)) {
      throw fail.accessRefused(`queue '${queue.name}' in vhost '${this.vhost.name}' in exclusive use`);
    }
    const consumer = new AmqpConsumer({
      tag,
      queue,
      noAck: method.noAck,
      exclusive: method.exclusive,
      priority: parseConsumerPriority(queue.name, this.vhost.name, method.arguments),
      prefetchCount: this.consumerPrefetchCount,
      channel: this,
    });
    this.consumers.set(tag, consumer);
    // consume-ok goes out before the first delivery (AMQP 0-9-1 basic.consume).
    if (!method.nowait) this.send({ method: "basic.consume-ok", consumerTag: tag });
    queue.addConsumer(consumer);
  }

  /** RabbitMQ's direct reply-to: consuming from the pseudo-queue must be in no-ack mode. */
  private replyToQueue(noAck: boolean): QueueHandle {
    if (!noAck) throw fail.preconditionFailed("reply consumer cannot acknowledge");
    if (this.replyQueue !== undefined) throw fail.preconditionFailed("reply consumer already set");
    this.replyQueue = this.vhost.createReplyQueue(this.connection.broker.io.random.bytes(18).toString("base64url"), this.connection);
    return this.replyQueue;
  }

  private basicCancel(tag: string, nowait: boolean): void {
    const consumer = this.consumers.get(tag);
    if (consumer !== undefined) {
      this.consumers.delete(tag);
      consumer.queue.removeConsumer(consumer);
      if (consumer.queue === this.replyQueue) {
        // Without its reply consumer the channel cannot receive direct replies any more.
        this.vhost.deleteReplyQueue(this.replyQueue);
        this.replyQueue = undefined;
      }
    }
    if (!nowait) this.send({ method: "basic.cancel-ok", consumerTag: tag });
  }

  /** Whether this channel consumes from the queue (a connection is never held by a queue it drains). */
  consumesFrom(queue: QueueHandle): boolean {
    for (const consumer of this.consumers.values()) if (consumer.queue === queue) return true;
    return false;
  }

  channelCanDeliver(): boolean {
    if (!this.flowActive || this.closing || this.connection.outputBlocked) return false;
    return this.channelPrefetchCount === 0 || this.unacked.count < this.channelPrefetchCount;
  }

  /**
   * Called by a queue's dispatch, which may run inside another connection's publish: a failure
   * here must not reach that caller. The entry is recorded as unacked first, so when this
   * connection closes for the failure it goes back to its queue (a no-ack delivery was the
   * queue's to forget: at most once).
   */
  deliver(consumer: AmqpConsumer, queue: QueueHandle, entry: QueueEntry): void {
    const tag = this.nextDeliveryTag++;
    if (!consumer.noAck) {
      consumer.unackedCount++;
      this.unacked.add({ tag, queue, entry, consumer, settled: false, deliveredAtMs: this.connection.nowMs });
    }
    try {
      this.writeDelivery(consumer, queue, entry, tag);
    } catch (error) {
      this.connection.failed(error, `delivering to consumer '${consumer.tag}' on channel ${this.number}`);
    }
  }

  private writeDelivery(consumer: AmqpConsumer, queue: QueueHandle, entry: QueueEntry, tag: number): void {
    this.countDelivery(queue, consumer.noAck, entry.redelivered);
    const message = entry.message;
    const frameMaxBytes = this.connection.frameMaxBytes;
    const encoded = this.delivered;
    // Consecutive deliveries nearly always share exchange and routing key (the same string
    // objects when one publisher sent them): encode them only when they change.
    if (message.exchange !== encoded.exchange) {
      encoded.exchange = message.exchange;
      encoded.exchangeBytes = Buffer.from(message.exchange, "utf8");
    }
    if (message.routingKey !== encoded.routingKey) {
      encoded.routingKey = message.routingKey;
      encoded.routingKeyBytes = Buffer.from(message.routingKey, "utf8");
    }
    const size = deliverFramesSizeBytes(consumer.tagEncoded.length, encoded.exchangeBytes.length, encoded.routingKeyBytes.length, message.header.length, message.body.length, frameMaxBytes);
    const space = this.connection.reserveOutput(size);
    writeDeliver(space.buffer, space.offset, this.number, consumer.tagEncoded, tag, entry.redelivered, encoded.exchangeBytes, encoded.routingKeyBytes,
      message.header, message.body, frameMaxBytes);
  }

  /** The exchange and routing key of the last delivery, and their UTF-8 bytes. */
  private readonly delivered = { exchange: "", exchangeBytes: EMPTY_BODY, routingKey: "", routingKeyBytes: EMPTY_BODY };

  /** Called by a queue being deleted, from whoever deleted it: fenced like deliver(). */
  consumerCancelledByServer(consumer: AmqpConsumer): void {
    try {
      this.tellConsumerCancelled(consumer);
    } catch (error) {
      this.connection.failed(error, `cancelling consumer '${consumer.tag}' on channel ${this.number}`);
    }
  }

  private tellConsumerCancelled(consumer: AmqpConsumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    // RabbitMQ's consumer_cancel_notify: tell the client its consumer is gone (queue deleted).
    if (!this.connection.consumerCancelNotify || this.closing) return;
    if (this.cancelsAfterReply !== undefined) this.cancelsAfterReply.push(consumer.tag);
    else this.send({ method: "basic.cancel", consumerTag: consumer.tag, nowait: true });
  }

  private basicGet(method: Extract<Method, { method: "basic.get" }>): void {
    const queue = this.queueNamed(method.queue);
    checkPermitted(this.connection.user, this.vhost.name, "read", "queue", queue.name);
    queue.touch(this.connection.nowMs);
    const entry = queue.dequeue(method.noAck);
    if (entry === undefined) {
      this.count(undefined, "get_empty", 1, false);
      return this.send({ method: "basic.get-empty", clusterId: "" });
    }
    this.count(queue, method.noAck ? "get_no_ack" : "get", 1, entry.redelivered);
    const tag = this.nextDeliveryTag++;
    if (!method.noAck) this.unacked.add({ tag, queue, entry, consumer: undefined, settled: false, deliveredAtMs: this.connection.nowMs });
    const message = entry.message;
    this.connection.send(
      getOkFrames(this.number, tag, entry.redelivered, message.exchange, message.routingKey, queue.readyCount, message.header, message.body, this.connection.frameMaxBytes),
    );
  }

  // ---- acknowledgements ------------------------------------------------------------------

  private settle(tag: number, multiple: boolean, kind: "ack" | "reject", requeue: boolean): void {
    const deliveries = this.unacked.take(tag, multiple);
    if (deliveries === undefined) throw fail.preconditionFailed(`unknown delivery tag ${tag}`);
    if (this.transactional) {
      this.txAcks.push({ kind, deliveries, requeue });
      return;
    }
    this.applySettlement(deliveries, settlementOf(kind, requeue));
    this.resumeDeliveries();
  }

  /** Hands settled deliveries back to their queues, grouped by queue. */
  private applySettlement(deliveries: readonly Delivery[], settlement: Settlement): void {
    if (deliveries.length === 0) return;
    let queue = deliveries[0].queue;
    let group: QueueEntry[] = [];
    for (const delivery of deliveries) {
      if (delivery.queue !== queue) {
        this.settleGroup(queue, group, settlement);
        queue = delivery.queue;
        group = [];
      }
      group.push(delivery.entry);
    }
    this.settleGroup(queue, group, settlement);
  }

  private settleGroup(queue: QueueHandle, entries: QueueEntry[], settlement: Settlement): void {
    if (settlement === "requeue") queue.requeue(entries);
    else if (settlement === "discard") queue.reject(entries);
    else {
      queue.settle(entries);
      this.count(queue, "ack", entries.length, false);
    }
  }

  private requeueAll(): void {
    this.applySettlement(this.unacked.takeAll(), "requeue");
    this.resumeDeliveries();
  }

  /** Credit came back (ack, qos, flow, socket drained): let the queues we consume from deliver again. */
  resumeDeliveries(): void {
    for (const consumer of this.consumers.values()) consumer.queue.dispatch();
  }

  // ---- publishing ------------------------------------------------------------------------

  private basicPublish(method: BasicPublish): void {
    this.startPublish(method.exchange, method.routingKey, method.mandatory, method.immediate);
  }

  /**
   * basic.publish, read straight from the frame (the hottest method): while a publisher keeps
   * to the same exchange and routing key, their bytes are compared with the last ones and the
   * strings reused; anything else goes through the generated decoder, which validates it.
   */
  onPublishFrame(data: Buffer, start: number, end: number): void {
    if (this.pending !== undefined) return this.onMethod(decodeMethod(data.subarray(start, end)));
    // class, method (4), ticket (2), exchange shortstr, routing-key shortstr, bits (1); offsets from `start`
    const length = end - start;
    const exchangeLength = length > 6 ? data[start + 6] : 0;
    const routingKeyAt = 7 + exchangeLength;
    const routingKeyLength = routingKeyAt < length ? data[start + routingKeyAt] : -1;
    const bitsAt = routingKeyAt + 1 + routingKeyLength;
    const last = this.lastPublish;
    if (
      routingKeyLength < 0 || bitsAt !== length - 1 ||
      last.exchangeBytes.length !== exchangeLength || !sameBytes(data, start + 7, last.exchangeBytes) ||
      last.routingKeyBytes.length !== routingKeyLength || !sameBytes(data, start + routingKeyAt + 1, last.routingKeyBytes)
    ) {
      const method = decodeMethod(data.subarray(start, end)) as BasicPublish;
      this.lastPublish = {
        exchange: method.exchange, exchangeBytes: Buffer.from(data.subarray(start + 7, start + routingKeyAt)),
        routingKey: method.routingKey, routingKeyBytes: Buffer.from(data.subarray(start + routingKeyAt + 1, start + bitsAt)),
      };
      return this.startPublish(method.exchange, method.routingKey, method.mandatory, method.immediate);
    }
    const bits = data[start + bitsAt];
    this.startPublish(last.exchange, last.routingKey, (bits & 1) !== 0, (bits & 2) !== 0);
  }

  /** basic.ack read straight from its 13-byte payload `data[start, end)`: a client may ack every message. */
  onAckFrame(data: Buffer, start: number, end: number): void {
    if (this.pending !== undefined) return this.onMethod(decodeMethod(data.subarray(start, end)));
    // delivery-tag as ByteReader.longlong reads it, then the bits octet (multiple = bit 0).
    const tag = data.readUInt32BE(start + 4) * 0x1_0000_0000 + data.readUInt32BE(start + 8);
    this.settle(tag, (data[start + 12] & 1) !== 0, "ack", false);
  }

  /** The last publish's exchange and routing key and their bytes (replaced, never changed in place). */
  private lastPublish: LastPublish = NO_PUBLISH_YET;
  /** One publish is assembled at a time per channel: its state object is reused. */
  private readonly publishSlot: PendingPublish = { exchange: "", routingKey: "", mandatory: false, extraRoutingKeys: undefined, header: undefined, body: undefined, bodySizeBytes: 0, receivedBytes: 0 };

  private startPublish(exchangeName: string, routingKey: string, mandatory: boolean, immediate: boolean): void {
    if (immediate) throw fail.notImplemented("immediate=true");
    this.connection.notePublish();
    const exchange = this.vhost.exchange(exchangeName);
    // Publishers usually publish to one exchange: check the permission once per exchange name and
    // permission record. Setting or clearing a permission replaces or removes the record, so the
    // next publish is checked again (RabbitMQ 3.10.8 applies a change to the next publish, checked).
    const permission = this.connection.user.permissions.get(this.vhost.name);
    if (exchange.name !== this.lastPermittedExchange || permission !== this.lastPermission) {
      checkPermitted(this.connection.user, this.vhost.name, "write", "exchange", exchange.name);
      this.lastPermittedExchange = exchange.name;
      this.lastPermission = permission;
    }
    if (exchange.internal) throw fail.accessRefused(`cannot publish to internal exchange '${exchange.name}' in vhost '${this.vhost.name}'`);
    if (exchange.typeName === "topic") checkTopicPermitted(this.connection.user, this.vhost.name, exchange.name, "write", routingKey);
    const pending = this.publishSlot;
    pending.exchange = exchangeName;
    pending.routingKey = routingKey;
    pending.mandatory = mandatory;
    pending.extraRoutingKeys = undefined;
    pending.header = undefined;
    pending.body = undefined;
    pending.bodySizeBytes = 0;
    pending.receivedBytes = 0;
    this.pending = pending;
  }

  private completePublish(pending: PendingPublish): void {
    this.pending = undefined;
    const { exchange, routingKey, mandatory } = pending;
    const message = new Message(exchange, routingKey, pending.header as Buffer, pending.body as Buffer);
    message.extraRoutingKeys = pending.extraRoutingKeys;
    if (this.transactional) {
      this.txPublishes.push(message);
      this.txMandatory.push(mandatory);
      return;
    }
    const waits = this.waits;
    if (waits === undefined) {
      this.publish(message, mandatory, undefined, 0);
      return;
    }
    this.publish(message, mandatory, waits, waits.open());
    this.scheduleFlush();
  }

  /** Through the broker's publish path; an unroutable mandatory message is returned (basic.return). */
  private publish(message: Message, mandatory: boolean, waits: DurableWaits | undefined, token: number): void {
    const routed = this.publisher.publish(this.vhost, message, waits, token);
    const events = this.connection.broker.events;
    events.messagesRouted += routed;
    if (waits !== undefined) events.messagesReceivedConfirm++;
    if (routed > 0) return;
    this.count(undefined, mandatory ? "return_unroutable" : "drop_unroutable", 1, false);
    if (mandatory) {
      this.connection.send(returnFrames(this.number, Errors.NO_ROUTE.amqpReplyCode, "NO_ROUTE", message.exchange, message.routingKey, message.header, message.body, this.connection.frameMaxBytes));
    }
  }

  /**
   * A queue has the publish (or transaction) with this token on disk. Called from the store's
   * commit loop, which serves every queue: a failure here is this connection's (fenced).
   */
  messageDurable(token: number): void {
    if (this.waits === undefined || this.closing) return;
    try {
      this.waits.messageDurable(token);
    } catch (error) {
      this.connection.failed(error, `confirming publish ${token} on channel ${this.number}`);
    }
  }

  /** A queue's store failed before the publish with this token reached the disk: it is nacked. Fenced like messageDurable(). */
  messageLost(token: number): void {
    if (this.waits === undefined || this.closing) return;
    try {
      this.waits.messageLost(token);
    } catch (error) {
      this.connection.failed(error, `nacking publish ${token} on channel ${this.number}`);
    }
  }

  /** Confirms (and commit-oks) go out once per batch of input or of fsync reports, coalesced with multiple. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.closing || !this.waits?.hasSettled) return;
    this.flushScheduled = true;
    this.connection.afterBatch(() => {
      this.flushScheduled = false;
      if (!this.closing) this.flushSettled();
    });
  }

  private flushSettled(): void {
    this.waits?.flush();
    this.confirms?.end();
  }

  /** A tx.commit's persistent messages are all on disk (or a store failed first). */
  private commitSettled(lost: boolean): void {
    if (this.closing) return;
    try {
      // A transaction whose messages did not all reach the disk did not commit.
      // 541 is a hard error: the connection closes, as it did when an append failed at once.
      if (lost) this.connection.closeWithError(fail.internalError("a queue's message store failed; the transaction's messages are not all on disk"));
      else this.send({ method: "tx.commit-ok" });
    } catch (error) {
      // Told after the store's commit loop reported: the failure is this connection's.
      this.connection.failed(error, `answering tx.commit on channel ${this.number}`);
    }
  }

  /** Adds to the message counters of the queue (if any), the vhost and the node: a few field increments. */
  private count(queue: QueueHandle | undefined, name: CounterName, amount: number, redelivered: boolean): void {
    const node = this.connection.broker.stats.totals;
    const vhost = this.vhost.stats.totals;
    node[name] += amount;
    vhost[name] += amount;
    if (queue !== undefined) queue.stats.totals[name] += amount;
    if (!redelivered) return;
    node.redeliver += amount;
    vhost.redeliver += amount;
    if (queue !== undefined) queue.stats.totals.redeliver += amount;
  }

  /** count() for one basic.deliver, with every counter named: this runs once per message. */
  private countDelivery(queue: QueueHandle, noAck: boolean, redelivered: boolean): void {
    const node = this.connection.broker.stats.totals;
    const vhost = this.vhost.stats.totals;
    const own = queue.stats.totals;
    if (noAck) {
      node.deliver_no_ack++;
      vhost.deliver_no_ack++;
      own.deliver_no_ack++;
    } else {
      node.deliver++;
      vhost.deliver++;
      own.deliver++;
    }
    if (!redelivered) return;
    node.redeliver++;
    vhost.redeliver++;
    own.redeliver++;
  }

  /** consumer_timeout (RabbitMQ 3.8.15+): the oldest unacked delivery waited too long. */
  checkConsumerTimeout(nowMs: number): BrokerError | undefined {
    const timeoutMs = this.connection.consumerTimeoutMs;
    if (timeoutMs <= 0 || this.closing) return undefined;
    const oldest = this.unacked.oldestDeliveredAtMs();
    // Deliveries are stamped with the coarse clock, which may lag by a tick: allow that, so the
    // channel is never closed before the timeout has really passed (RabbitMQ never closes early).
    if (oldest === undefined || nowMs - oldest <= timeoutMs + CLOCK_TICK_MS) return undefined;
    return fail.preconditionFailed(
      `delivery acknowledgement on channel ${this.number} timed out. Timeout value used: ${timeoutMs} ms. This timeout value can be configured, see consumers doc guide to learn more`,
    );
  }

  // ---- transactions ----------------------------------------------------------------------

  private txCommit(): void {
    if (!this.transactional) throw fail.preconditionFailed("channel is not transactional");
    const publishes = this.txPublishes;
    const mandatory = this.txMandatory;
    const acks = this.txAcks;
    this.txPublishes = [];
    this.txMandatory = [];
    this.txAcks = [];
    // commit-ok only once the transaction's persistent messages are on disk: one token for the
    // whole transaction. A queue refusing a message (reject-publish) does not fail a commit
    // (the DurableWaits of a transactional channel is made so).
    const waits = this.waits as DurableWaits;
    const token = waits.open();
    for (let index = 0; index < publishes.length; index++) this.publish(publishes[index], mandatory[index], waits, token);
    for (const operation of acks) this.applySettlement(operation.deliveries, settlementOf(operation.kind, operation.requeue));
    // With nothing to wait for, commit-ok goes out now, before any delivery the acks made room for.
    this.flushSettled();
    this.resumeDeliveries();
  }

  private txRollback(): void {
    if (!this.transactional) throw fail.preconditionFailed("channel is not transactional");
    this.txPublishes = [];
    this.txMandatory = [];
    // Acks inside a rolled-back transaction never happened: the deliveries are unacked again.
    this.unacked.restore(this.txAcks.flatMap((operation) => operation.deliveries));
    this.txAcks = [];
    this.send({ method: "tx.rollback-ok" });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Channel closed (either side) or connection gone: cancel consumers, requeue unacked messages. */
  release(): void {
    this.closing = true;
    this.pending = undefined;
    for (const consumer of this.consumers.values()) consumer.queue.removeConsumer(consumer);
    this.consumers.clear();
    const restore = this.txAcks.flatMap((operation) => operation.deliveries);
    this.txAcks = [];
    this.applySettlement([...restore, ...this.unacked.takeAll()].sort((a, b) => a.tag - b.tag), "requeue");
    if (this.replyQueue !== undefined) this.vhost.deleteReplyQueue(this.replyQueue);
    this.replyQueue = undefined;
  }

  /** Starts closing the channel because of a soft error (channel.close, then wait for close-ok). */
  closeWithError(error: BrokerError): void {
    this.release();
    this.send({ method: "channel.close", replyCode: error.kind.amqpReplyCode, replyText: error.replyText, classId: error.classId, methodId: error.methodId });
  }
}

type Settlement = "ack" | "requeue" | "discard";

/** Basic property flags (AMQP 0-9-1 §4.2.6.1: the first property is bit 15). */
const FLAG_CONTENT_TYPE = 1 << 15;
const FLAG_CONTENT_ENCODING = 1 << 14;
const FLAG_HEADERS = 1 << 13;
const FLAG_REPLY_TO = 1 << 9;
const FLAG_EXPIRATION = 1 << 8;
const FLAG_USER_ID = 1 << 4;

/**
 * Whether a publish's content header has a property the broker must look at now: expiration
 * (validated), user-id (checked), reply-to (direct reply-to), or a non-empty headers table
 * (CC/BCC). Most messages have none, and are stored without decoding anything.
 */
function needsDecoding(header: Buffer): boolean {
  const flags = header.readUInt16BE(12);
  if ((flags & (FLAG_REPLY_TO | FLAG_EXPIRATION | FLAG_USER_ID)) !== 0) return true;
  if ((flags & FLAG_HEADERS) === 0) return false;
  let offset = 14;
  if ((flags & FLAG_CONTENT_TYPE) !== 0) offset += 1 + header[offset];
  if ((flags & FLAG_CONTENT_ENCODING) !== 0) offset += 1 + header[offset];
  return header.readUInt32BE(offset) !== 0;
}

/** rabbit_basic:parse_expiration's reasons, as RabbitMQ 3.10.8 prints them (checked); undefined if valid. */
function expirationError(expiration: string): string | undefined {
  const match = /^[+-]?[0-9]+/.exec(expiration);
  if (match === null) return "no_integer";
  const rest = expiration.slice(match[0].length);
  if (rest !== "") return `{leftover_string,"${rest}"}`;
  const value = Number(match[0]);
  return value < 0 ? `{value_negative,${value}}` : undefined;
}

/**
 * Whether `payload` holds `expected`'s bytes at `offset` (the caller checked the lengths). A
 * loop beats Buffer#compare for the short names of exchanges and routing keys: no argument
 * checks, no call into C++.
 */
function sameBytes(payload: Buffer, offset: number, expected: Buffer): boolean {
  for (let index = 0; index < expected.length; index++) if (payload[offset + index] !== expected[index]) return false;
  return true;
}

/** Ranges this short are copied by a loop: Buffer#copy makes a view for a range that starts past 0. */
const SHORT_COPY_BYTES_MAX = 32;

/** Copies `source[start, end)` into `target` at `offset`. */
function copyRange(source: Buffer, start: number, end: number, target: Buffer, offset: number): void {
  if (end - start <= SHORT_COPY_BYTES_MAX) {
    for (let index = start; index < end; index++) target[offset + index - start] = source[index];
  } else {
    source.copy(target, offset, start, end);
  }
}

/** The body of every empty message: a Buffer of length 0 cannot be written to. */
const EMPTY_BODY = Buffer.alloc(0);

interface LastPublish { readonly exchange: string; readonly exchangeBytes: Buffer; readonly routingKey: string; readonly routingKeyBytes: Buffer }
/** Before a channel's first publish: 256 bytes is longer than any shortstr, so nothing matches it. Shared by every channel. */
const NO_PUBLISH_YET: LastPublish = { exchange: "", exchangeBytes: Buffer.alloc(256), routingKey: "", routingKeyBytes: Buffer.alloc(256) };

function settlementOf(kind: "ack" | "reject", requeue: boolean): Settlement {
  return kind === "ack" ? "ack" : requeue ? "requeue" : "discard";
}

