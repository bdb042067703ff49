/**
 * One AMQP channel: synchronous methods answered in order (spec §2.3.5.1), content assembly for
 * deliveries (method frame, then header frame, then body frames: spec §4.2.6), and publisher
 * confirms. The hot-path hooks receive numbers and a view of the first body frame, never objects.
 */
import type { AmqpConnection } from "./connection.js";
import { ArgsReader, ArgsWriter, FRAME_BODY, FRAME_HEADER, FRAME_METHOD, M, type Table } from "./wire.js";

/** Called for each delivery at its first body frame (or its header when the body is empty). */
export type DeliveryHandler = (deliveryTag: number, buffer: Buffer, bodyStart: number, bodyFrameBytes: number) => void;
/** basic.ack / basic.nack from the broker on a channel in confirm mode (RabbitMQ extension). */
export type ConfirmHandler = (deliveryTag: number, multiple: boolean, nack: boolean) => void;

interface Waiter { method: number; resolve: (args: ArgsReader) => void; reject: (error: Error) => void }

const TWO_POW_32 = 4_294_967_296;

export class Channel {
  onDelivery: DeliveryHandler | null = null;
  onConfirm: ConfirmHandler | null = null;
  onCancel: (() => void) | null = null;
  error: Error | null = null;

  readonly #waiters: Waiter[] = [];
  /** Content assembly: the delivery tag being assembled and the body bytes still to come. */
  #contentTag = 0;
  #contentIsDelivery = false;
  #bodyBytesRemaining = 0;
  #awaitingHeader = false;

  constructor(readonly connection: AmqpConnection, readonly id: number) {}

  /** Waits for `method` without sending anything (used for connection.start). */
  expect(method: number): Promise<ArgsReader> {
    if (this.error !== null) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.#waiters.push({ method, resolve, reject }));
  }

  rpc(frame: Buffer, replyMethod: number): Promise<ArgsReader> {
    const reply = this.expect(replyMethod);
    this.connection.write(frame);
    return reply;
  }

  // The setup methods the generator uses, with the spec's field order.
  async declareQueue(name: string, options: { durable?: boolean; exclusive?: boolean; autoDelete?: boolean; args?: Table } = {}): Promise<string> {
    const reply = await this.rpc(new ArgsWriter().short(0).shortstr(name).bit(false).bit(options.durable ?? false)
      .bit(options.exclusive ?? false).bit(options.autoDelete ?? false).bit(false).table(options.args ?? {})
      .frame(this.id, M.queueDeclare), M.queueDeclareOk);
    return reply.shortstr();
  }
  /** queue.declare with no-wait: nothing comes back unless it fails, so thousands can be pipelined. */
  declareQueueNoWait(name: string, durable: boolean): boolean {
    return this.connection.write(new ArgsWriter().short(0).shortstr(name).bit(false).bit(durable).bit(false).bit(false)
      .bit(true).table({}).frame(this.id, M.queueDeclare));
  }
  deleteQueueNoWait(name: string): boolean {
    return this.connection.write(new ArgsWriter().short(0).shortstr(name).bit(false).bit(false).bit(true)
      .frame(this.id, M.queueDelete));
  }
  async deleteQueue(name: string): Promise<number> {
    const reply = await this.rpc(new ArgsWriter().short(0).shortstr(name).bit(false).bit(false).bit(false)
      .frame(this.id, M.queueDelete), M.queueDeleteOk);
    return reply.long();
  }
  async purgeQueue(name: string): Promise<number> {
    const reply = await this.rpc(new ArgsWriter().short(0).shortstr(name).bit(false).frame(this.id, M.queuePurge), M.queuePurgeOk);
    return reply.long();
  }
  async declareExchange(name: string, type: string, durable: boolean): Promise<void> {
    await this.rpc(new ArgsWriter().short(0).shortstr(name).shortstr(type).bit(false).bit(durable).bit(false).bit(false)
      .bit(false).table({}).frame(this.id, M.exchangeDeclare), M.exchangeDeclareOk);
  }
  async deleteExchange(name: string): Promise<void> {
    await this.rpc(new ArgsWriter().short(0).shortstr(name).bit(false).bit(false).frame(this.id, M.exchangeDelete), M.exchangeDeleteOk);
  }
  async bindQueue(queue: string, exchange: string, routingKey: string): Promise<void> {
    await this.rpc(new ArgsWriter().short(0).shortstr(queue).shortstr(exchange).shortstr(routingKey).bit(false).table({})
      .frame(this.id, M.queueBind), M.queueBindOk);
  }
  async qos(prefetchCount: number): Promise<void> {
    await this.rpc(new ArgsWriter().long(0).short(prefetchCount).bit(false).frame(this.id, M.basicQos), M.basicQosOk);
  }
  async consume(queue: string, noAck: boolean): Promise<string> {
    const reply = await this.rpc(new ArgsWriter().short(0).shortstr(queue).shortstr("").bit(false).bit(noAck).bit(false)
      .bit(false).table({}).frame(this.id, M.basicConsume), M.basicConsumeOk);
    return reply.shortstr();
  }
  async confirmSelect(): Promise<void> {
    await this.rpc(new ArgsWriter().bit(false).frame(this.id, M.confirmSelect), M.confirmSelectOk);
  }
  async close(): Promise<void> {
    await this.rpc(new ArgsWriter().short(200).shortstr("").short(0).short(0).frame(this.id, M.channelClose), M.channelCloseOk);
    this.connection.channels.delete(this.id);
  }

  handleFrame(type: number, buffer: Buffer, start: number, size: number): void {
    if (type === FRAME_BODY) return this.#onBody(buffer, start, size);
    if (type === FRAME_HEADER) return this.#onHeader(buffer, start);
    if (type !== FRAME_METHOD) throw new Error(`unexpected frame type ${type} on channel ${this.id}`);
    const method = buffer.readUInt32BE(start);
    if (method === M.basicDeliver) {
      // consumer-tag (shortstr), then delivery-tag (longlong): read as two halves, no BigInt.
      const tagAt = start + 5 + buffer[start + 4];
      this.#beginContent(buffer.readUInt32BE(tagAt) * TWO_POW_32 + buffer.readUInt32BE(tagAt + 4), true);
    } else if (method === M.basicAck || method === M.basicNack) {
      const tag = buffer.readUInt32BE(start + 4) * TWO_POW_32 + buffer.readUInt32BE(start + 8);
      this.onConfirm?.(tag, (buffer[start + 12] & 1) === 1, method === M.basicNack);
    } else if (method === M.basicReturn) {
      this.#beginContent(0, false);
    } else if (method === M.basicCancel) {
      this.onCancel?.();
    } else if (method === M.channelClose) {
      const args = new ArgsReader(buffer, start + 4, start + size);
      const code = args.short();
      const text = args.shortstr();
      this.connection.write(new ArgsWriter().frame(this.id, M.channelCloseOk));
      this.connection.channels.delete(this.id);
      this.fail(new Error(`server closed channel ${this.id}: ${code} ${text}`));
    } else {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) throw new Error(`unexpected method ${method >>> 16}.${method & 0xffff} on channel ${this.id}`);
      if (waiter.method !== method) {
        waiter.reject(new Error(`expected ${waiter.method >>> 16}.${waiter.method & 0xffff}, got ${method >>> 16}.${method & 0xffff}`));
        return;
      }
      waiter.resolve(new ArgsReader(buffer, start + 4, start + size));
    }
  }

  fail(error: Error): void {
    if (this.error !== null) return;
    this.error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #beginContent(tag: number, isDelivery: boolean): void {
    this.#contentTag = tag;
    this.#contentIsDelivery = isDelivery;
    this.#awaitingHeader = true;
  }

  #onHeader(buffer: Buffer, start: number): void {
    if (!this.#awaitingHeader) throw new Error(`content header without a method on channel ${this.id}`);
    this.#awaitingHeader = false;
    // class-id (2), weight (2), body-size (8): spec §4.2.6.1.
    this.#bodyBytesRemaining = buffer.readUInt32BE(start + 4) * TWO_POW_32 + buffer.readUInt32BE(start + 8);
    if (this.#bodyBytesRemaining === 0 && this.#contentIsDelivery) this.onDelivery?.(this.#contentTag, buffer, start, 0);
  }

  #onBody(buffer: Buffer, start: number, size: number): void {
    if (this.#bodyBytesRemaining < size) throw new Error(`body frame larger than the announced body on channel ${this.id}`);
    if (this.#contentIsDelivery && this.#contentTag !== 0) {
      this.onDelivery?.(this.#contentTag, buffer, start, size);
      this.#contentTag = 0; // only the first body frame carries the timestamp
    }
    this.#bodyBytesRemaining -= size;
  }
}
