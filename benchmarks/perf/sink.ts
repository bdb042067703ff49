/**
 * The sink: the least a broker can do, to measure warren-perf's own ceiling. It completes the
 * AMQP handshake, answers every synchronous method with its -ok, confirms publishes (one
 * multiple-ack per socket chunk), and hands each published message straight to a consumer of the
 * queue it was routed to (default exchange by queue name; other exchanges through the bindings
 * it was told of, fanout or by routing key). It stores nothing, enforces no prefetch and ignores
 * acks; a slow consumer pauses the publishers' sockets.
 *   node --import tsx benchmarks/perf/sink.ts [--port N]    prints "sink listening on 127.0.0.1:PORT"
 */
import net from "node:net";
import { fileURLToPath } from "node:url";
import { FrameParser } from "./client/frame-parser.js";
import { ArgsReader, ArgsWriter, FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_METHOD, M } from "./client/wire.js";

/** A consumer's socket holding more than this pauses every publisher until it drains. */
const CONSUMER_BUFFER_BYTES_MAX = 4 * 1024 * 1024;
const FRAME_SIZE_BYTES_MAX = 131_072;

interface Consumer {
  session: Session; channel: number; tag: string; nextTag: number;
  /** basic.deliver for the last (exchange, routing key) seen, with the delivery tag at tagOffset. */
  templateKey: string; template: Buffer; tagOffset: number;
}
interface Binding { queue: string; routingKey: string }
interface PublishingChannel { confirm: boolean; published: number; confirmedThrough: number; targets: Consumer[] }

const consumersByQueue = new Map<string, Consumer[]>();
const bindingsByExchange = new Map<string, { type: string; bindings: Binding[] }>();
const pausedPublishers = new Set<Session>();
/** Sessions with output waiting; flushed once per input chunk, so one write carries many frames. */
const dirtySessions = new Set<Session>();
let generatedQueues = 0;

class Session {
  readonly channels = new Map<number, PublishingChannel>();
  #out: Buffer[] = [];
  #current: PublishingChannel | null = null;
  readonly #parser = new FrameParser((type, channel, buffer, start, size) => this.#onFrame(type, channel, buffer, start, size), FRAME_SIZE_BYTES_MAX);
  #headerSeen = false;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.#forget());
    socket.on("drain", () => { for (const session of pausedPublishers) session.socket.resume(); pausedPublishers.clear(); });
  }

  push(bytes: Buffer): void { this.#out.push(bytes); dirtySessions.add(this); }

  flush(): void {
    if (this.#out.length === 0) return;
    this.socket.write(this.#out.length === 1 ? this.#out[0] : Buffer.concat(this.#out));
    this.#out = [];
  }

  #onData(chunk: Buffer): void {
    try {
      if (!this.#headerSeen) {
        if (chunk.length < 8) throw new Error("protocol header split across reads"); // never seen in practice on loopback
        this.#headerSeen = true;
        this.#reply(0, M.connectionStart, new ArgsWriter().octet(0).octet(9)
          .table({ product: "warren-perf sink", version: "0", capabilities: { publisher_confirms: true, "basic.nack": true, consumer_cancel_notify: true } })
          .longstr("PLAIN").longstr("en_US"));
        chunk = chunk.subarray(8);
      }
      this.#parser.feed(chunk);
    } catch (error) {
      console.error(`sink: ${(error as Error).message}`);
      this.socket.destroy();
      return;
    }
    for (const [id, channel] of this.channels) {
      if (channel.confirm && channel.published > channel.confirmedThrough) {
        channel.confirmedThrough = channel.published;
        this.push(ackFrame(id, channel.published));
      }
    }
    for (const session of dirtySessions) {
      session.flush();
      if (session !== this && session.socket.writableLength > CONSUMER_BUFFER_BYTES_MAX && !pausedPublishers.has(this)) {
        this.socket.pause();
        pausedPublishers.add(this);
      }
    }
    dirtySessions.clear();
  }

  #onFrame(type: number, channelId: number, buffer: Buffer, start: number, size: number): void {
    if (type === FRAME_METHOD) return this.#onMethod(channelId, buffer, start, size);
    if (type !== FRAME_HEADER && type !== FRAME_BODY) return;
    // Content of the publish in progress: copy it to its consumers with their channel number.
    const channel = this.#current;
    if (channel === null) return;
    for (const consumer of channel.targets) consumer.session.push(rechannel(type, consumer.channel, buffer, start, size));
  }

  #onMethod(channelId: number, buffer: Buffer, start: number, size: number): void {
    const method = buffer.readUInt32BE(start);
    const args = new ArgsReader(buffer, start + 4, start + size);
    if (method === M.basicPublish) return this.#onPublish(channelId, args);
    if (method === M.basicAck || method === M.basicNack) return;
    switch (method) {
      case M.connectionStartOk: return this.#reply(0, M.connectionTune, new ArgsWriter().short(2047).long(FRAME_SIZE_BYTES_MAX).short(0));
      case M.connectionTuneOk: return;
      case M.connectionOpen: return this.#reply(0, M.connectionOpenOk, new ArgsWriter().shortstr(""));
      case M.connectionClose: this.#reply(0, M.connectionCloseOk, new ArgsWriter()); this.flush(); this.socket.end(); return;
      case M.channelOpen:
        this.channels.set(channelId, { confirm: false, published: 0, confirmedThrough: 0, targets: [] });
        return this.#reply(channelId, M.channelOpenOk, new ArgsWriter().longstr(""));
      case M.channelClose: this.channels.delete(channelId); return this.#reply(channelId, M.channelCloseOk, new ArgsWriter());
      case M.confirmSelect: this.channels.get(channelId)!.confirm = true; return this.#reply(channelId, M.confirmSelectOk, new ArgsWriter());
      case M.basicQos: return this.#reply(channelId, M.basicQosOk, new ArgsWriter());
      case M.exchangeDeclare: {
        args.short();
        const name = args.shortstr();
        if (!bindingsByExchange.has(name)) bindingsByExchange.set(name, { type: args.shortstr(), bindings: [] });
        return this.#reply(channelId, M.exchangeDeclareOk, new ArgsWriter());
      }
      case M.exchangeDelete: return this.#reply(channelId, M.exchangeDeleteOk, new ArgsWriter());
      case M.queueDeclare: {
        args.short();
        const name = args.shortstr() || `sink.gen-${++generatedQueues}`;
        args.bit(); args.bit(); args.bit(); args.bit();
        if (args.bit()) return; // no-wait
        return this.#reply(channelId, M.queueDeclareOk, new ArgsWriter().shortstr(name).long(0).long(0));
      }
      case M.queueBind: {
        args.short();
        const queue = args.shortstr();
        const exchange = args.shortstr();
        const entry = bindingsByExchange.get(exchange) ?? { type: "direct", bindings: [] };
        entry.bindings.push({ queue, routingKey: args.shortstr() });
        bindingsByExchange.set(exchange, entry);
        return this.#reply(channelId, M.queueBindOk, new ArgsWriter());
      }
      case M.queuePurge: return this.#reply(channelId, M.queuePurgeOk, new ArgsWriter().long(0));
      case M.queueDelete: return this.#reply(channelId, M.queueDeleteOk, new ArgsWriter().long(0));
      case M.basicConsume: {
        args.short();
        const queue = args.shortstr();
        const tag = args.shortstr() || `sink.ctag-${channelId}-${Date.now()}`;
        const list = consumersByQueue.get(queue) ?? [];
        list.push({ session: this, channel: channelId, tag, nextTag: 1, templateKey: "", template: Buffer.alloc(0), tagOffset: 0 });
        consumersByQueue.set(queue, list);
        return this.#reply(channelId, M.basicConsumeOk, new ArgsWriter().shortstr(tag));
      }
      case M.basicCancel: return this.#reply(channelId, M.basicCancelOk, new ArgsWriter().shortstr(args.shortstr()));
      default: throw new Error(`the sink does not handle method ${method >>> 16}.${method & 0xffff}`);
    }
  }

  #onPublish(channelId: number, args: ArgsReader): void {
    args.short();
    const exchange = args.shortstr();
    const routingKey = args.shortstr();
    const channel = this.channels.get(channelId)!;
    channel.published++;
    channel.targets.length = 0;
    for (const queue of route(exchange, routingKey)) {
      const consumers = consumersByQueue.get(queue);
      if (consumers === undefined || consumers.length === 0) continue;
      const consumer = consumers[channel.published % consumers.length]; // round-robin
      channel.targets.push(consumer);
      consumer.session.push(deliverFrame(consumer, exchange, routingKey));
    }
    this.#current = channel;
  }

  #reply(channel: number, method: number, args: ArgsWriter): void { this.push(args.frame(channel, method)); this.flush(); }

  #forget(): void {
    pausedPublishers.delete(this);
    for (const [queue, list] of consumersByQueue) consumersByQueue.set(queue, list.filter((c) => c.session !== this));
  }
}

function route(exchange: string, routingKey: string): string[] {
  if (exchange === "") return [routingKey];
  const entry = bindingsByExchange.get(exchange);
  if (entry === undefined) return [];
  return entry.bindings.filter((b) => entry.type === "fanout" || b.routingKey === routingKey).map((b) => b.queue);
}

function deliverFrame(consumer: Consumer, exchange: string, routingKey: string): Buffer {
  const key = `${exchange}\0${routingKey}`;
  if (consumer.templateKey !== key) {
    consumer.template = new ArgsWriter().shortstr(consumer.tag).longlong(0).bit(false).shortstr(exchange).shortstr(routingKey)
      .frame(consumer.channel, M.basicDeliver);
    consumer.tagOffset = 7 + 4 + 1 + Buffer.byteLength(consumer.tag);
    consumer.templateKey = key;
  }
  const frame = Buffer.allocUnsafe(consumer.template.length);
  consumer.template.copy(frame);
  const tag = consumer.nextTag++;
  frame.writeUInt32BE(Math.floor(tag / 4_294_967_296), consumer.tagOffset);
  frame.writeUInt32BE(tag >>> 0, consumer.tagOffset + 4);
  return frame;
}

function rechannel(type: number, channel: number, buffer: Buffer, start: number, size: number): Buffer {
  const frame = Buffer.allocUnsafe(size + 8);
  frame[0] = type;
  frame.writeUInt16BE(channel, 1);
  frame.writeUInt32BE(size, 3);
  buffer.copy(frame, 7, start, start + size);
  frame[size + 7] = FRAME_END;
  return frame;
}

function ackFrame(channel: number, tag: number): Buffer {
  return new ArgsWriter().longlong(tag).bit(true).frame(channel, M.basicAck);
}

export function startSink(port = 0): Promise<net.Server> {
  const server = net.createServer((socket) => new Session(socket));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const portIndex = process.argv.indexOf("--port");
  const server = await startSink(portIndex > 0 ? Number(process.argv[portIndex + 1]) : 0);
  console.log(`sink listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  process.once("SIGTERM", () => process.exit(0));
  process.once("SIGINT", () => process.exit(0));
}
