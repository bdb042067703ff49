/**
 * A tiny, self-contained AMQP 0-9-1 client for protocol-level tests.
 *
 * It deliberately shares no code with src/: a test that uses the broker's own
 * codec to check the broker's own codec proves nothing. It builds frames by hand,
 * can send arbitrary bytes, reads frames back one at a time and reports how the
 * server closed the connection. Only what the integration tests need is here.
 */
import net from "node:net";

export const AMQP_PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);
export const FRAME_END = 0xce;
export const FrameType = { method: 1, header: 2, body: 3, heartbeat: 8 } as const;

/** [classId, methodId] pairs for the methods the tests send or expect. */
export const Method = {
  connectionStart: [10, 10], connectionStartOk: [10, 11], connectionSecure: [10, 20],
  connectionTune: [10, 30], connectionTuneOk: [10, 31], connectionOpen: [10, 40], connectionOpenOk: [10, 41],
  connectionClose: [10, 50], connectionCloseOk: [10, 51],
  channelOpen: [20, 10], channelOpenOk: [20, 11], channelFlow: [20, 20], channelFlowOk: [20, 21],
  channelClose: [20, 40], channelCloseOk: [20, 41],
  exchangeDeclare: [40, 10], exchangeDeclareOk: [40, 11],
  queueDeclare: [50, 10], queueDeclareOk: [50, 11], queueBind: [50, 20], queueBindOk: [50, 21],
  queueDelete: [50, 40], queueDeleteOk: [50, 41],
  basicQos: [60, 10], basicQosOk: [60, 11], basicConsume: [60, 20], basicConsumeOk: [60, 21],
  basicCancel: [60, 30], basicCancelOk: [60, 31],
  basicPublish: [60, 40], basicReturn: [60, 50], basicDeliver: [60, 60], basicGet: [60, 70],
  basicGetOk: [60, 71], basicGetEmpty: [60, 72], basicAck: [60, 80], basicReject: [60, 90], basicNack: [60, 120],
  confirmSelect: [85, 10], confirmSelectOk: [85, 11],
  txSelect: [90, 10], txSelectOk: [90, 11], txCommit: [90, 20], txCommitOk: [90, 21], txRollback: [90, 30], txRollbackOk: [90, 31],
} as const satisfies Record<string, readonly [number, number]>;
export type MethodId = readonly [number, number];

// ---------------------------------------------------------------- encoding

/** A field value with its explicit AMQP type tag, so tests control the exact bytes. */
export type FieldValue =
  | { type: "t"; value: boolean }
  | { type: "b" | "B" | "s" | "u" | "I" | "i"; value: number }
  | { type: "l"; value: bigint }
  | { type: "f" | "d"; value: number }
  | { type: "D"; scale: number; value: number }
  | { type: "S" | "x"; value: Buffer | string }
  | { type: "T"; value: bigint }
  | { type: "A"; value: FieldValue[] }
  | { type: "F"; value: FieldTable }
  | { type: "V" };
export type FieldTable = Array<[string, FieldValue]>;

/** Appends AMQP primitive types to a growing list of chunks. */
export class ArgWriter {
  private readonly chunks: Buffer[] = [];
  private bitByte = -1;
  private bitCount = 0;

  private flushBits(): void {
    if (this.bitCount > 0) this.chunks.push(Buffer.from([this.bitByte]));
    this.bitByte = -1;
    this.bitCount = 0;
  }
  private push(buffer: Buffer): this { this.flushBits(); this.chunks.push(buffer); return this; }

  octet(value: number): this { return this.push(Buffer.from([value & 0xff])); }
  short(value: number): this { const b = Buffer.alloc(2); b.writeUInt16BE(value); return this.push(b); }
  long(value: number): this { const b = Buffer.alloc(4); b.writeUInt32BE(value); return this.push(b); }
  longlong(value: bigint | number): this { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(value)); return this.push(b); }
  shortstr(value: string | Buffer): this {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");
    if (bytes.length > 255) throw new RangeError("shortstr over 255 bytes");
    return this.push(Buffer.concat([Buffer.from([bytes.length]), bytes]));
  }
  longstr(value: string | Buffer): this {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");
    return this.long(bytes.length).push(bytes);
  }
  /** Consecutive bits pack into one octet, low bit first (AMQP 0-9-1 §4.2.5.2). */
  bit(value: boolean): this {
    if (this.bitCount === 0 || this.bitCount === 8) { this.flushBits(); this.bitByte = 0; }
    if (value) this.bitByte |= 1 << this.bitCount;
    this.bitCount += 1;
    return this;
  }
  table(table: FieldTable): this { return this.push(encodeTable(table)); }
  raw(bytes: Buffer): this { return this.push(bytes); }
  toBuffer(): Buffer { this.flushBits(); return Buffer.concat(this.chunks); }
}

function encodeFieldValue(field: FieldValue): Buffer {
  const tag = Buffer.from(field.type, "latin1");
  let body: Buffer;
  switch (field.type) {
    case "t": body = Buffer.from([field.value ? 1 : 0]); break;
    case "b": body = Buffer.alloc(1); body.writeInt8(field.value); break;
    case "B": body = Buffer.alloc(1); body.writeUInt8(field.value); break;
    case "s": body = Buffer.alloc(2); body.writeInt16BE(field.value); break;
    case "u": body = Buffer.alloc(2); body.writeUInt16BE(field.value); break;
    case "I": body = Buffer.alloc(4); body.writeInt32BE(field.value); break;
    case "i": body = Buffer.alloc(4); body.writeUInt32BE(field.value); break;
    case "l": body = Buffer.alloc(8); body.writeBigInt64BE(field.value); break;
    case "f": body = Buffer.alloc(4); body.writeFloatBE(field.value); break;
    case "d": body = Buffer.alloc(8); body.writeDoubleBE(field.value); break;
    case "D": body = Buffer.alloc(5); body.writeUInt8(field.scale); body.writeInt32BE(field.value, 1); break;
    case "S": case "x": body = new ArgWriter().longstr(field.value).toBuffer(); break;
    case "T": body = Buffer.alloc(8); body.writeBigUInt64BE(field.value); break;
    case "A": {
      const items = Buffer.concat(field.value.map(encodeFieldValue));
      body = new ArgWriter().long(items.length).raw(items).toBuffer();
      break;
    }
    case "F": body = encodeTable(field.value); break;
    case "V": body = Buffer.alloc(0); break;
  }
  return Buffer.concat([tag, body]);
}

export function encodeTable(table: FieldTable): Buffer {
  const entries = table.map(([name, value]) =>
    Buffer.concat([new ArgWriter().shortstr(name).toBuffer(), encodeFieldValue(value)]));
  const content = Buffer.concat(entries);
  return Buffer.concat([new ArgWriter().long(content.length).toBuffer(), content]);
}

export function buildFrame(type: number, channel: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt8(type, 0);
  header.writeUInt16BE(channel, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([FRAME_END])]);
}

export function buildMethodFrame(channel: number, method: MethodId, args: Buffer = Buffer.alloc(0)): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt16BE(method[0], 0);
  id.writeUInt16BE(method[1], 2);
  return buildFrame(FrameType.method, channel, Buffer.concat([id, args]));
}

/** The 14 basic properties, in their flag order (bit 15 down to bit 2). */
export interface BasicProperties {
  contentType?: string; contentEncoding?: string; headers?: FieldTable; deliveryMode?: number;
  priority?: number; correlationId?: string; replyTo?: string; expiration?: string; messageId?: string;
  timestamp?: bigint; type?: string; userId?: string; appId?: string; clusterId?: string;
}

/** The payload of a basic content header frame (class 60, weight 0). */
export function encodeContentHeaderPayload(bodySizeBytes: number, properties: BasicProperties = {}): Buffer {
  let flags = 0;
  const writer = new ArgWriter();
  const fields: Array<[keyof BasicProperties, (value: never) => void]> = [
    ["contentType", (v: string) => writer.shortstr(v)], ["contentEncoding", (v: string) => writer.shortstr(v)],
    ["headers", (v: FieldTable) => writer.table(v)], ["deliveryMode", (v: number) => writer.octet(v)],
    ["priority", (v: number) => writer.octet(v)], ["correlationId", (v: string) => writer.shortstr(v)],
    ["replyTo", (v: string) => writer.shortstr(v)], ["expiration", (v: string) => writer.shortstr(v)],
    ["messageId", (v: string) => writer.shortstr(v)], ["timestamp", (v: bigint) => writer.longlong(v)],
    ["type", (v: string) => writer.shortstr(v)], ["userId", (v: string) => writer.shortstr(v)],
    ["appId", (v: string) => writer.shortstr(v)], ["clusterId", (v: string) => writer.shortstr(v)],
  ];
  fields.forEach(([name, write], index) => {
    const value = properties[name];
    if (value === undefined) return;
    flags |= 1 << (15 - index);
    write(value as never);
  });
  return new ArgWriter().short(60).short(0).longlong(bodySizeBytes).short(flags).raw(writer.toBuffer()).toBuffer();
}

// ---------------------------------------------------------------- decoding

export type DecodedValue = { type: string; value: unknown };

/** Reads AMQP primitive types from a method's argument bytes. */
export class ArgReader {
  offset = 0;
  private bitByte = 0;
  private bitIndex = 8;
  constructor(private readonly buffer: Buffer) {}
  octet(): number { this.bitIndex = 8; return this.buffer.readUInt8(this.offset++); }
  short(): number { this.bitIndex = 8; const v = this.buffer.readUInt16BE(this.offset); this.offset += 2; return v; }
  long(): number { this.bitIndex = 8; const v = this.buffer.readUInt32BE(this.offset); this.offset += 4; return v; }
  longlong(): bigint { this.bitIndex = 8; const v = this.buffer.readBigUInt64BE(this.offset); this.offset += 8; return v; }
  shortstr(): string { const n = this.octet(); const s = this.buffer.toString("utf8", this.offset, this.offset + n); this.offset += n; return s; }
  longstrBytes(): Buffer { const n = this.long(); const b = this.buffer.subarray(this.offset, this.offset + n); this.offset += n; return b; }
  longstr(): string { return this.longstrBytes().toString("utf8"); }
  bit(): boolean {
    if (this.bitIndex === 8) { this.bitByte = this.buffer.readUInt8(this.offset++); this.bitIndex = 0; }
    return (this.bitByte & (1 << this.bitIndex++)) !== 0;
  }
  table(): Record<string, DecodedValue> { return decodeTable(this.longstrBytes()); }
}

function decodeFieldValue(reader: ArgReader, buffer: Buffer): DecodedValue {
  const type = String.fromCharCode(buffer.readUInt8(reader.offset++));
  const at = reader.offset;
  const take = (n: number): number => { reader.offset += n; return at; };
  switch (type) {
    case "t": return { type, value: buffer.readUInt8(take(1)) !== 0 };
    case "b": return { type, value: buffer.readInt8(take(1)) };
    case "B": return { type, value: buffer.readUInt8(take(1)) };
    case "s": return { type, value: buffer.readInt16BE(take(2)) };
    case "u": return { type, value: buffer.readUInt16BE(take(2)) };
    case "I": return { type, value: buffer.readInt32BE(take(4)) };
    case "i": return { type, value: buffer.readUInt32BE(take(4)) };
    case "l": return { type, value: buffer.readBigInt64BE(take(8)) };
    case "f": return { type, value: buffer.readFloatBE(take(4)) };
    case "d": return { type, value: buffer.readDoubleBE(take(8)) };
    case "D": { const p = take(5); return { type, value: { scale: buffer.readUInt8(p), value: buffer.readInt32BE(p + 1) } }; }
    case "S": case "x": return { type, value: reader.longstrBytes() };
    case "T": return { type, value: buffer.readBigUInt64BE(take(8)) };
    case "V": return { type, value: null };
    case "F": return { type, value: reader.table() };
    case "A": {
      const bytes = reader.longstrBytes();
      const inner = new ArgReader(bytes);
      const items: DecodedValue[] = [];
      while (inner.offset < bytes.length) items.push(decodeFieldValue(inner, bytes));
      return { type, value: items };
    }
    default: throw new Error(`unknown field type ${JSON.stringify(type)}`);
  }
}

export function decodeTable(bytes: Buffer): Record<string, DecodedValue> {
  const reader = new ArgReader(bytes);
  const table: Record<string, DecodedValue> = {};
  while (reader.offset < bytes.length) {
    const name = reader.shortstr();
    table[name] = decodeFieldValue(reader, bytes);
  }
  return table;
}

export interface RawFrame {
  type: number;
  channel: number;
  payload: Buffer;
  /** For method frames: class and method ids, and a reader positioned at the arguments. */
  classId: number;
  methodId: number;
}

export function methodArgs(frame: RawFrame): ArgReader {
  const reader = new ArgReader(frame.payload);
  reader.offset = 4;
  return reader;
}

export function isMethod(frame: RawFrame, method: MethodId): boolean {
  return frame.type === FrameType.method && frame.classId === method[0] && frame.methodId === method[1];
}

export function describeFrame(frame: RawFrame): string {
  if (frame.type === FrameType.method) return `method ${frame.classId}.${frame.methodId} on channel ${frame.channel}`;
  return `frame type ${frame.type} on channel ${frame.channel} (${frame.payload.length} bytes)`;
}

export interface RawContent { headerPayload: Buffer; body: Buffer; bodyFrameSizes: number[] }
export interface RawGetResult extends RawContent {
  deliveryTag: bigint; redelivered: boolean; exchange: string; routingKey: string; messageCount: number;
}
export interface CloseInfo { code: number; text: string; classId: number; methodId: number }
export interface HandshakeOptions {
  mechanism?: "PLAIN" | "AMQPLAIN";
  username?: string;
  password?: string;
  vhost?: string;
  /** Values for tune-ok; by default the server's proposals are accepted (heartbeat 0). */
  channelMax?: number;
  frameMax?: number;
  heartbeatSeconds?: number;
  /** Announce consumer_cancel_notify, so the server sends basic.cancel when a consumed queue goes. */
  consumerCancelNotify?: boolean;
}
export interface HandshakeResult {
  serverProperties: Record<string, DecodedValue>;
  mechanisms: string;
  tune: { channelMax: number; frameMax: number; heartbeatSeconds: number };
}

// ---------------------------------------------------------------- the client

/**
 * One TCP connection. Incoming bytes are split into frames as they arrive and queued;
 * `nextFrame` takes them in order. Every wait has a timeout so a test never hangs.
 */
export class RawAmqpClient {
  private pending = Buffer.alloc(0);
  private readonly frames: RawFrame[] = [];
  private waiter: (() => void) | undefined;
  private parseError: Error | undefined;
  /** Every byte received, for tests that look at what the server sent before a frame parse was possible. */
  received = Buffer.alloc(0);
  socketClosed = false;
  readonly closedPromise: Promise<void>;
  frameMaxBytes = 131_072;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.pending = Buffer.concat([this.pending, chunk]);
      this.parseFrames();
      this.wake();
    });
    socket.on("error", () => { /* a reset is reported as a close */ });
    this.closedPromise = new Promise((resolve) => socket.on("close", () => {
      this.socketClosed = true;
      this.wake();
      resolve();
    }));
  }

  static connect(port: number, host = "127.0.0.1", timeoutMs = 5_000): Promise<RawAmqpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); }, timeoutMs);
      socket.once("connect", () => { clearTimeout(timer); socket.setNoDelay(true); resolve(new RawAmqpClient(socket)); });
      socket.once("error", (error) => { clearTimeout(timer); reject(error); });
    });
  }

  private wake(): void { const waiter = this.waiter; this.waiter = undefined; waiter?.(); }

  private parseFrames(): void {
    while (this.parseError === undefined && this.pending.length >= 7) {
      const size = this.pending.readUInt32BE(3);
      if (this.pending.length < size + 8) return;
      const type = this.pending.readUInt8(0);
      const channel = this.pending.readUInt16BE(1);
      const payload = Buffer.from(this.pending.subarray(7, 7 + size));
      if (this.pending.readUInt8(7 + size) !== FRAME_END) {
        this.parseError = new Error(`server sent a frame without frame-end (type ${type})`);
        return;
      }
      this.pending = this.pending.subarray(size + 8);
      const isMethodFrame = type === FrameType.method && payload.length >= 4;
      this.frames.push({
        type, channel, payload,
        classId: isMethodFrame ? payload.readUInt16BE(0) : 0,
        methodId: isMethodFrame ? payload.readUInt16BE(2) : 0,
      });
    }
  }

  write(bytes: Buffer): void { if (!this.socket.destroyed) this.socket.write(bytes); }
  sendProtocolHeader(header: Buffer = AMQP_PROTOCOL_HEADER): void { this.write(header); }
  sendMethod(channel: number, method: MethodId, args: Buffer = Buffer.alloc(0)): void {
    this.write(buildMethodFrame(channel, method, args));
  }
  sendHeartbeat(): void { this.write(buildFrame(FrameType.heartbeat, 0, Buffer.alloc(0))); }

  /** Publishes one message; the body is split into frames of at most frame_max - 8 bytes. */
  publish(channel: number, exchange: string, routingKey: string, body: Buffer, properties: BasicProperties = {},
    flags: { mandatory?: boolean } = {}): void {
    const args = new ArgWriter().short(0).shortstr(exchange).shortstr(routingKey).bit(flags.mandatory ?? false).bit(false).toBuffer();
    const frames = [buildMethodFrame(channel, Method.basicPublish, args),
      buildFrame(FrameType.header, channel, encodeContentHeaderPayload(body.length, properties))];
    const chunkBytes = this.frameMaxBytes - 8;
    for (let offset = 0; offset < body.length; offset += chunkBytes) {
      frames.push(buildFrame(FrameType.body, channel, body.subarray(offset, offset + chunkBytes)));
    }
    this.write(Buffer.concat(frames));
  }

  /** The next frame, heartbeats skipped unless asked for. Rejects on timeout or when the socket closes first. */
  async nextFrame(timeoutMs = 5_000, options: { includeHeartbeats?: boolean } = {}): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.frames.length > 0) {
        const frame = this.frames.shift() as RawFrame;
        if (frame.type === FrameType.heartbeat && !options.includeHeartbeats) continue;
        return frame;
      }
      if (this.parseError) throw this.parseError;
      if (this.socketClosed) throw new SocketClosedError();
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`no frame from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.waiter = undefined; resolve(); }, remainingMs);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /** The next frame must be this method; anything else (a close included) fails the test with a description. */
  async expectMethod(method: MethodId, timeoutMs = 5_000): Promise<RawFrame> {
    const frame = await this.nextFrame(timeoutMs);
    if (!isMethod(frame, method)) {
      let detail = describeFrame(frame);
      if (isMethod(frame, Method.connectionClose) || isMethod(frame, Method.channelClose)) {
        const close = readClose(frame);
        detail += ` (${close.code} ${close.text})`;
      }
      throw new Error(`expected method ${method[0]}.${method[1]}, got ${detail}`);
    }
    return frame;
  }

  /** Opening handshake up to connection.open-ok (or whatever the server sends instead, as an error). */
  async handshake(options: HandshakeOptions = {}): Promise<HandshakeResult> {
    this.sendProtocolHeader();
    const start = methodArgs(await this.expectMethod(Method.connectionStart));
    start.octet(); start.octet();
    const serverProperties = start.table();
    const mechanisms = start.longstr();
    const username = options.username ?? "guest";
    const password = options.password ?? "guest";
    const mechanism = options.mechanism ?? "PLAIN";
    const response = mechanism === "PLAIN"
      ? Buffer.from(`\0${username}\0${password}`, "utf8")
      : encodeTable([["LOGIN", { type: "S", value: username }], ["PASSWORD", { type: "S", value: password }]]).subarray(4);
    const clientProperties: FieldTable = [
      ["product", { type: "S", value: "warren-raw-test-client" }],
      ["capabilities", { type: "F", value: [
        ["authentication_failure_close", { type: "t", value: true }],
        ...(options.consumerCancelNotify === true ? [["consumer_cancel_notify", { type: "t", value: true }] as [string, FieldValue]] : []),
      ] }],
    ];
    this.sendMethod(0, Method.connectionStartOk,
      new ArgWriter().table(clientProperties).shortstr(mechanism).longstr(response).shortstr("en_US").toBuffer());
    const tuneFrame = await this.expectMethod(Method.connectionTune);
    const tuneArgs = methodArgs(tuneFrame);
    const tune = { channelMax: tuneArgs.short(), frameMax: tuneArgs.long(), heartbeatSeconds: tuneArgs.short() };
    const agreed = {
      channelMax: options.channelMax ?? tune.channelMax,
      frameMax: options.frameMax ?? tune.frameMax,
      heartbeatSeconds: options.heartbeatSeconds ?? 0,
    };
    this.frameMaxBytes = agreed.frameMax === 0 ? 131_072 : agreed.frameMax;
    this.sendMethod(0, Method.connectionTuneOk,
      new ArgWriter().short(agreed.channelMax).long(agreed.frameMax).short(agreed.heartbeatSeconds).toBuffer());
    this.sendMethod(0, Method.connectionOpen, new ArgWriter().shortstr(options.vhost ?? "/").shortstr("").bit(false).toBuffer());
    await this.expectMethod(Method.connectionOpenOk);
    return { serverProperties, mechanisms, tune };
  }

  async openChannel(channel: number): Promise<void> {
    this.sendMethod(channel, Method.channelOpen, new ArgWriter().shortstr("").toBuffer());
    await this.expectMethod(Method.channelOpenOk);
  }

  /** queue.declare (not passive, not durable); returns declare-ok's fields. */
  async declareQueue(channel: number, name: string, flags: { exclusive?: boolean; autoDelete?: boolean } = {}):
    Promise<{ queue: string; messageCount: number; consumerCount: number }> {
    this.sendMethod(channel, Method.queueDeclare, new ArgWriter().short(0).shortstr(name)
      .bit(false).bit(false).bit(flags.exclusive ?? false).bit(flags.autoDelete ?? false).bit(false).table([]).toBuffer());
    const reply = methodArgs(await this.expectMethod(Method.queueDeclareOk));
    return { queue: reply.shortstr(), messageCount: reply.long(), consumerCount: reply.long() };
  }

  /** Reads a content header and its body frames (after a deliver, get-ok or return). */
  async readContent(timeoutMs = 5_000): Promise<RawContent> {
    const header = await this.nextFrame(timeoutMs);
    if (header.type !== FrameType.header) throw new Error(`expected a content header, got ${describeFrame(header)}`);
    const bodySizeBytes = Number(header.payload.readBigUInt64BE(4));
    const parts: Buffer[] = [];
    let receivedBytes = 0;
    while (receivedBytes < bodySizeBytes) {
      const frame = await this.nextFrame(timeoutMs);
      if (frame.type !== FrameType.body) throw new Error(`expected a body frame, got ${describeFrame(frame)}`);
      parts.push(frame.payload);
      receivedBytes += frame.payload.length;
    }
    return { headerPayload: header.payload, body: Buffer.concat(parts), bodyFrameSizes: parts.map((p) => p.length) };
  }

  /** basic.get; null for get-empty. */
  async basicGet(channel: number, queue: string, noAck = true): Promise<RawGetResult | null> {
    this.sendMethod(channel, Method.basicGet, new ArgWriter().short(0).shortstr(queue).bit(noAck).toBuffer());
    const frame = await this.nextFrame();
    if (isMethod(frame, Method.basicGetEmpty)) return null;
    if (!isMethod(frame, Method.basicGetOk)) throw new Error(`expected get-ok or get-empty, got ${describeFrame(frame)}`);
    const args = methodArgs(frame);
    const deliveryTag = args.longlong();
    const redelivered = args.bit();
    const exchange = args.shortstr();
    const routingKey = args.shortstr();
    const messageCount = args.long();
    return { deliveryTag, redelivered, exchange, routingKey, messageCount, ...(await this.readContent()) };
  }

  /**
   * Reads frames until the server's connection.close, answers close-ok, and returns
   * the reply code and text. Fails if the socket closes without a connection.close.
   */
  async expectConnectionClose(timeoutMs = 5_000): Promise<CloseInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let frame: RawFrame;
      try {
        frame = await this.nextFrame(Math.max(1, deadline - Date.now()));
      } catch (error) {
        if (error instanceof SocketClosedError) throw new Error("socket closed without a connection.close from the server");
        throw error;
      }
      if (frame.channel === 0 && isMethod(frame, Method.connectionClose)) {
        this.sendMethod(0, Method.connectionCloseOk);
        return readClose(frame);
      }
    }
  }

  /** Like expectConnectionClose but for a channel.close on `channel`; answers close-ok. */
  async expectChannelClose(channel: number, timeoutMs = 5_000): Promise<CloseInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.nextFrame(Math.max(1, deadline - Date.now()));
      if (isMethod(frame, Method.connectionClose)) {
        const close = readClose(frame);
        throw new Error(`expected channel.close, got connection.close ${close.code} ${close.text}`);
      }
      if (frame.channel === channel && isMethod(frame, Method.channelClose)) {
        this.sendMethod(channel, Method.channelCloseOk);
        return readClose(frame);
      }
    }
  }

  /** Resolves when the server closes the TCP connection; rejects after the timeout. */
  async waitForSocketClose(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try { await Promise.race([this.closedPromise, timeout]); } finally { clearTimeout(timer); }
  }

  /** Closes politely when possible, then drops the socket. */
  async close(): Promise<void> {
    if (this.socketClosed) return;
    this.sendMethod(0, Method.connectionClose, new ArgWriter().short(200).shortstr("bye").short(0).short(0).toBuffer());
    try { await this.waitForSocketClose(1_000); } catch { /* destroyed below */ }
    this.destroy();
  }

  destroy(): void { this.socket.destroy(); }
}

export class SocketClosedError extends Error {
  constructor() { super("the server closed the socket"); this.name = "SocketClosedError"; }
}

export function readClose(frame: RawFrame): CloseInfo {
  const args = methodArgs(frame);
  return { code: args.short(), text: args.shortstr(), classId: args.short(), methodId: args.short() };
}

/**
 * A raw client for one test: connected to `target`, destroyed when the test ends; with
 * `handshake` (options, or {} for the defaults) it is past connection.open, then `channels` are opened.
 */
export async function rawClientForTest(
  t: { after(fn: () => void): void },
  target: { readonly host: string; readonly port: number },
  options: { handshake?: HandshakeOptions | false; channels?: readonly number[] } = {},
): Promise<RawAmqpClient> {
  const client = await RawAmqpClient.connect(target.port, target.host);
  t.after(() => client.destroy());
  if (options.handshake !== undefined && options.handshake !== false) await client.handshake(options.handshake);
  for (const channel of options.channels ?? []) await client.openChannel(channel);
  return client;
}
