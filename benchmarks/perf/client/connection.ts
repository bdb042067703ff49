/**
 * A minimal AMQP 0-9-1 connection: handshake (spec §2.2.4), channels, and synchronous methods
 * matched to their replies in order. Per-message work (deliveries, confirms) is delegated to the
 * Channel's hooks without allocating; see channel.ts.
 */
import net from "node:net";
import { Channel } from "./channel.js";
import { FrameParser } from "./frame-parser.js";
import { ArgsReader, ArgsWriter, FRAME_HEARTBEAT, FRAME_METHOD, M, PROTOCOL_HEADER, type Table } from "./wire.js";

/** RabbitMQ's default frame_max; we accept whatever smaller value the server proposes. */
const FRAME_SIZE_BYTES_DEFAULT = 131_072;
const CONNECT_TIMEOUT_MS = 10_000;

export interface ConnectOptions {
  uri: string;
  /** Shown by `rabbitmqctl list_connections client_properties`; helps tell generator roles apart. */
  connectionName?: string;
}

export interface ParsedUri { host: string; port: number; user: string; password: string; vhost: string }

export function parseAmqpUri(uri: string): ParsedUri {
  const url = new URL(uri);
  if (url.protocol !== "amqp:") throw new Error(`only amqp:// URIs are supported, got ${url.protocol}`);
  const path = url.pathname;
  return {
    host: url.hostname || "127.0.0.1",
    port: url.port === "" ? 5672 : Number(url.port),
    user: url.username === "" ? "guest" : decodeURIComponent(url.username),
    password: url.password === "" ? "guest" : decodeURIComponent(url.password),
    vhost: path === "" || path === "/" ? "/" : decodeURIComponent(path.slice(1)),
  };
}

export class AmqpConnection {
  readonly channels = new Map<number, Channel>();
  serverProperties: Table = {};
  frameSizeBytesMax = FRAME_SIZE_BYTES_DEFAULT;
  blocked = false;
  onBlockedChange: ((blocked: boolean) => void) | null = null;
  /** Called around every socket chunk so a consumer can stamp arrival once and flush acks once. */
  beforeChunk: (() => void) | null = null;
  afterChunk: (() => void) | null = null;
  /** Set once the connection is unusable; later writes are dropped and rpcs fail with it. */
  error: Error | null = null;
  readonly closed: Promise<void>;

  readonly #socket: net.Socket;
  readonly #parser: FrameParser;
  readonly #control: Channel;
  #nextChannelId = 1;
  #closing = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#control = new Channel(this, 0);
    this.#parser = new FrameParser((type, channel, buffer, start, size) => {
      if (type === FRAME_HEARTBEAT) return;
      if (channel === 0 && type === FRAME_METHOD) return this.#onControlMethod(buffer, start, size);
      const target = this.channels.get(channel);
      if (target === undefined) throw new Error(`frame for unknown channel ${channel}`);
      target.handleFrame(type, buffer, start, size);
    }, FRAME_SIZE_BYTES_DEFAULT);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      try {
        this.beforeChunk?.();
        this.#parser.feed(chunk);
        this.afterChunk?.();
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("connection closed by peer")));
  }

  static async connect(options: ConnectOptions): Promise<AmqpConnection> {
    const target = parseAmqpUri(options.uri);
    // Nagle would hold back small acks and lone publishes by up to 40 ms and distort latency.
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connect to ${target.host}:${target.port} timed out`)), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => { clearTimeout(timer); resolve(); });
      socket.once("error", (error) => { clearTimeout(timer); reject(error); });
    });
    const connection = new AmqpConnection(socket);
    try {
      await connection.#handshake(target, options.connectionName ?? "warren-perf");
    } catch (error) {
      connection.fail(error as Error);
      throw new Error(`AMQP handshake with ${target.host}:${target.port} (vhost ${target.vhost}, user ${target.user}) failed: ${(error as Error).message}`);
    }
    return connection;
  }

  async #handshake(target: ParsedUri, connectionName: string): Promise<void> {
    const started = this.#control.expect(M.connectionStart);
    this.#socket.write(PROTOCOL_HEADER);
    const start = await started;
    start.octet(); start.octet(); // version-major, version-minor
    this.serverProperties = start.table();
    const capabilities: Table = {
      publisher_confirms: true, "basic.nack": true, consumer_cancel_notify: true, "connection.blocked": true,
      // Ask for connection.close with ACCESS_REFUSED on a bad login instead of a bare disconnect.
      authentication_failure_close: true,
    };
    const tuned = this.#control.expect(M.connectionTune);
    this.write(new ArgsWriter()
      .table({ product: "warren-perf", connection_name: connectionName, capabilities })
      .shortstr("PLAIN").longstr(`\0${target.user}\0${target.password}`).shortstr("en_US")
      .frame(0, M.connectionStartOk));
    const tune = await tuned;
    const channelMax = tune.short();
    const serverFrameMax = tune.long();
    this.frameSizeBytesMax = serverFrameMax === 0 ? FRAME_SIZE_BYTES_DEFAULT : Math.min(serverFrameMax, FRAME_SIZE_BYTES_DEFAULT);
    this.#parser.setFrameMax(this.frameSizeBytesMax);
    // Heartbeat 0: a benchmark run is short and a late heartbeat under load would only add noise.
    this.write(new ArgsWriter().short(channelMax).long(this.frameSizeBytesMax).short(0).frame(0, M.connectionTuneOk));
    await this.#control.rpc(new ArgsWriter().shortstr(target.vhost).shortstr("").bit(false).frame(0, M.connectionOpen), M.connectionOpenOk);
  }

  async openChannel(): Promise<Channel> {
    const channel = new Channel(this, this.#nextChannelId++);
    this.channels.set(channel.id, channel);
    await channel.rpc(new ArgsWriter().shortstr("").frame(channel.id, M.channelOpen), M.channelOpenOk);
    return channel;
  }

  /** Returns false when the socket's buffer is full: the caller waits for `drained()`. */
  write(bytes: Buffer): boolean {
    if (this.error !== null) return true;
    return this.#socket.write(bytes);
  }

  drained(): Promise<void> {
    if (!this.#socket.writableNeedDrain || this.error !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { this.#socket.off("drain", done); this.#socket.off("close", done); resolve(); };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
  }

  get bufferedBytes(): number { return this.#socket.writableLength; }

  /** connection.close and wait for close-ok (bounded), then drop the socket. */
  async close(): Promise<void> {
    if (this.error !== null || this.#closing) { this.#socket.destroy(); return; }
    this.#closing = true;
    const frame = new ArgsWriter().short(200).shortstr("Goodbye").short(0).short(0).frame(0, M.connectionClose);
    const timeout = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([this.#control.rpc(frame, M.connectionCloseOk).catch(() => undefined), timeout]);
    this.#socket.destroy();
  }

  fail(error: Error): void {
    if (this.error !== null) return;
    this.error = this.#closing ? new Error("connection closed") : error;
    for (const channel of [this.#control, ...this.channels.values()]) channel.fail(this.error);
    this.#socket.destroy();
  }

  #onControlMethod(buffer: Buffer, start: number, size: number): void {
    const method = buffer.readUInt32BE(start);
    const args = new ArgsReader(buffer, start + 4, start + size);
    if (method === M.connectionClose) {
      const code = args.short();
      const text = args.shortstr();
      this.write(new ArgsWriter().frame(0, M.connectionCloseOk));
      this.fail(new Error(`server closed the connection: ${code} ${text}`));
    } else if (method === M.connectionBlocked || method === M.connectionUnblocked) {
      this.blocked = method === M.connectionBlocked;
      this.onBlockedChange?.(this.blocked);
    } else {
      this.#control.handleFrame(FRAME_METHOD, buffer, start, size);
    }
  }
}
