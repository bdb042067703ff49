/**
 * The AMQP 0-9-1 frame parser: a resumable state machine over the Buffers a
 * socket delivers (STYLE.md practice 3, after NATS parser.go and undici's
 * client-h1.js). See docs/internals/amqp-codec.md.
 *
 * A connection starts with the 8-byte protocol header, then frames:
 * type (octet), channel (short), size (long), payload, frame-end (0xCE) (§4.2.3).
 * A frame that lies entirely inside one chunk is handed to the sink as a range of
 * that chunk (no view is made: a Buffer view costs an allocation per frame); only a
 * frame that spans reads is copied, into one reusable buffer that grows up to the
 * negotiated frame size. The stream is never concatenated.
 */
import { fail } from "../../errors/registry.js";
import { FRAME_OVERHEAD_BYTES } from "../../config/limits.js";
import { FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD } from "./methods.generated.js";

export { FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD };

/** "AMQP" 0 0 9 1: the only protocol header Warren speaks (§4.2.2). Do not modify. */
export const PROTOCOL_HEADER: Buffer = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

export interface FrameSink {
  /**
   * The first 8 bytes of the connection (a copy), valid or not. When the first
   * bytes already differ from PROTOCOL_HEADER it is called before 8 bytes have
   * arrived, with the missing bytes zero, so a client that sent a few wrong bytes
   * and waits is refused at once.
   */
  onProtocolHeader(header: Buffer): void;
  /**
   * A frame whose payload is `data[start, end)`. The range is valid ONLY during the call:
   * `data` may be the socket's chunk or a reused buffer.
   */
  onFrame(type: number, channel: number, data: Buffer, start: number, end: number): void;
}

const PROTOCOL_HEADER_BYTES = 8;
/** type (1) + channel (2) + size (4); the frame-end octet follows the payload. */
const FRAME_HEADER_BYTES = 7;

const STATE_PROTOCOL_HEADER = 0;
const STATE_FRAME_HEADER = 1;
const STATE_PAYLOAD = 2;
const STATE_FRAME_END = 3;
/** After a framing error or a protocol header other than 0-9-1: all further input is ignored. */
const STATE_STOPPED = 4;

const EMPTY_PAYLOAD = Buffer.alloc(0);

export class FrameParser {
  private readonly sink: FrameSink;
  private frameSizeBytesMax: number;
  private state = STATE_PROTOCOL_HEADER;

  private protocolHeaderFilledBytes = 0;
  private frameHeaderFilledBytes = 0;
  /**
   * The protocol header, or a frame header split across reads, is gathered here: made when
   * first needed (most reads hold whole headers) so that an idle connection carries no buffer.
   */
  private gathered: Buffer | undefined;

  private frameType = 0;
  private frameChannel = 0;
  private payloadSizeBytes = 0;
  /** A payload split across reads is gathered here; reused for every such frame. */
  private payloadBuffer: Buffer = EMPTY_PAYLOAD;
  private payloadFilledBytes = 0;

  /**
   * Input not yet parsed because the sink threw: the rest of that chunk, then any
   * chunk pushed since. Parsing resumes there at the next push, so an error the
   * connection answers with connection.close does not desynchronise framing
   * while it waits for close-ok.
   */
  private readonly pendingChunks: Buffer[] = [];

  /** Set by pause(): parsing stops at the next frame boundary and input waits in pendingChunks. */
  private paused = false;

  constructor(sink: FrameSink, frameSizeBytesMax: number) {
    this.sink = sink;
    this.frameSizeBytesMax = frameSizeBytesMax;
    this.checkFrameSizeMax(frameSizeBytesMax);
  }

  /** The negotiated frame_max (after tune-ok); applies from the next frame header on. */
  setFrameSizeMax(bytes: number): void {
    this.checkFrameSizeMax(bytes);
    this.frameSizeBytesMax = bytes;
  }

  /** True after a framing error or a rejected protocol header: push() ignores its input. */
  get stopped(): boolean {
    return this.state === STATE_STOPPED;
  }

  /**
   * Parses `chunk`, calling the sink for the protocol header and each complete frame.
   * The chunk must not be modified afterwards (a socket's chunks never are): a frame
   * view of it is handed out, and input after a sink error is kept until the next push.
   * A framing error throws BrokerError FRAME_ERROR and stops the parser for good;
   * an error thrown by the sink propagates and parsing resumes at the next push.
   */
  push(chunk: Buffer): void {
    if (this.state === STATE_STOPPED) return;
    if (this.pendingChunks.length === 0 && !this.paused) return this.consumeGuarded(chunk);
    this.pendingChunks.push(chunk);
    this.consumePending();
  }

  /**
   * Stops parsing at the end of the frame being handed out (or before the next one, if called
   * between pushes): what follows waits, unparsed, until resume(). The connection pauses while
   * flow control holds it, so a publisher stops at the publish that filled the queue instead of
   * running on through the rest of its socket read.
   */
  pause(): void {
    this.paused = true;
  }

  /** Parses the input that waited while paused (until paused again); throws as push() does. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumePending();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private consumePending(): void {
    while (!this.paused && this.state !== STATE_STOPPED && this.pendingChunks.length > 0) this.consumeGuarded(this.pendingChunks.shift() as Buffer);
  }

  private consumeGuarded(chunk: Buffer): void {
    try {
      this.consume(chunk);
    } catch (error) {
      if (error instanceof SinkError && this.state !== STATE_STOPPED) {
        if (error.remainder.length > 0) this.pendingChunks.unshift(error.remainder);
        throw error.cause;
      }
      this.state = STATE_STOPPED;
      this.pendingChunks.length = 0;
      throw error instanceof SinkError ? error.cause : error;
    }
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.paused) {
        this.pendingChunks.unshift(offset === 0 ? chunk : chunk.subarray(offset));
        return;
      }
      switch (this.state) {
        case STATE_FRAME_HEADER:
          offset = this.consumeFrameHeader(chunk, offset);
          break;
        case STATE_PAYLOAD:
          offset = this.consumePayload(chunk, offset);
          break;
        case STATE_FRAME_END:
          offset = this.consumeFrameEnd(chunk, offset);
          break;
        case STATE_PROTOCOL_HEADER:
          offset = this.consumeProtocolHeader(chunk, offset);
          break;
        default:
          return;
      }
    }
  }

  private consumeProtocolHeader(chunk: Buffer, offset: number): number {
    const filled = this.protocolHeaderFilledBytes;
    const count = Math.min(PROTOCOL_HEADER_BYTES - filled, chunk.length - offset);
    const gathered = (this.gathered ??= Buffer.alloc(PROTOCOL_HEADER_BYTES));
    chunk.copy(gathered, filled, offset, offset + count);
    this.protocolHeaderFilledBytes = filled + count;
    const next = offset + count;
    const complete = this.protocolHeaderFilledBytes === PROTOCOL_HEADER_BYTES;
    const prefixMatches = gathered.compare(PROTOCOL_HEADER, 0, this.protocolHeaderFilledBytes, 0, this.protocolHeaderFilledBytes) === 0;
    if (!complete && prefixMatches) return next;
    // Bytes not yet received are zero already (the buffer was zero-filled). The sink keeps it.
    this.state = complete && prefixMatches ? STATE_FRAME_HEADER : STATE_STOPPED;
    const header = gathered;
    this.gathered = undefined;
    try {
      this.sink.onProtocolHeader(header);
    } catch (error) {
      throw new SinkError(error, chunk.subarray(next));
    }
    return next;
  }

  private consumeFrameHeader(chunk: Buffer, offset: number): number {
    if (this.frameHeaderFilledBytes === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
      const type = chunk[offset];
      // Byte reads: the 7 bytes are there, and readUInt*BE would check that again per frame.
      const channel = (chunk[offset + 1] << 8) | chunk[offset + 2];
      const sizeBytes = chunk[offset + 3] * 0x100_0000 + ((chunk[offset + 4] << 16) | (chunk[offset + 5] << 8) | chunk[offset + 6]);
      this.checkFrameHeader(type, sizeBytes);
      const payloadStart = offset + FRAME_HEADER_BYTES;
      const payloadEnd = payloadStart + sizeBytes;
      if (payloadEnd < chunk.length) {
        // The whole frame, frame-end included, is in this chunk: hand out a view.
        if (chunk[payloadEnd] !== FRAME_END) throw this.badFrameEnd(type, chunk[payloadEnd]);
        this.deliver(chunk, payloadEnd + 1, type, channel, chunk, payloadStart, payloadEnd);
        return payloadEnd + 1;
      }
      this.startPayload(type, channel, sizeBytes);
      return payloadStart;
    }
    const count = Math.min(FRAME_HEADER_BYTES - this.frameHeaderFilledBytes, chunk.length - offset);
    const gathered = (this.gathered ??= Buffer.alloc(FRAME_HEADER_BYTES));
    chunk.copy(gathered, this.frameHeaderFilledBytes, offset, offset + count);
    this.frameHeaderFilledBytes += count;
    if (this.frameHeaderFilledBytes === FRAME_HEADER_BYTES) {
      this.frameHeaderFilledBytes = 0;
      const type = gathered[0];
      const sizeBytes = gathered.readUInt32BE(3);
      this.checkFrameHeader(type, sizeBytes);
      this.startPayload(type, gathered.readUInt16BE(1), sizeBytes);
    }
    return offset + count;
  }

  private startPayload(type: number, channel: number, sizeBytes: number): void {
    this.frameType = type;
    this.frameChannel = channel;
    this.payloadSizeBytes = sizeBytes;
    this.payloadFilledBytes = 0;
    this.state = sizeBytes === 0 ? STATE_FRAME_END : STATE_PAYLOAD;
  }

  private consumePayload(chunk: Buffer, offset: number): number {
    const missingBytes = this.payloadSizeBytes - this.payloadFilledBytes;
    const availableBytes = chunk.length - offset;
    if (this.payloadFilledBytes === 0 && availableBytes > missingBytes) {
      // Only the frame header was split: the payload and frame-end are whole in this chunk.
      const payloadEnd = offset + missingBytes;
      if (chunk[payloadEnd] !== FRAME_END) throw this.badFrameEnd(this.frameType, chunk[payloadEnd]);
      this.deliver(chunk, payloadEnd + 1, this.frameType, this.frameChannel, chunk, offset, payloadEnd);
      return payloadEnd + 1;
    }
    if (this.payloadFilledBytes === 0) this.reservePayloadBuffer(this.payloadSizeBytes);
    const count = Math.min(missingBytes, availableBytes);
    chunk.copy(this.payloadBuffer, this.payloadFilledBytes, offset, offset + count);
    this.payloadFilledBytes += count;
    if (this.payloadFilledBytes === this.payloadSizeBytes) this.state = STATE_FRAME_END;
    return offset + count;
  }

  private consumeFrameEnd(chunk: Buffer, offset: number): number {
    if (chunk[offset] !== FRAME_END) throw this.badFrameEnd(this.frameType, chunk[offset]);
    const data = this.payloadSizeBytes === 0 ? EMPTY_PAYLOAD : this.payloadBuffer;
    this.deliver(chunk, offset + 1, this.frameType, this.frameChannel, data, 0, this.payloadSizeBytes);
    return offset + 1;
  }

  /**
   * Grows the reusable buffer to hold `sizeBytes`, doubling so that a stream of
   * growing frames reallocates only a few times; never beyond the largest payload
   * frame_max allows, which checkFrameHeader has already enforced.
   */
  private reservePayloadBuffer(sizeBytes: number): void {
    if (this.payloadBuffer.length >= sizeBytes) return;
    const payloadBytesMax = this.frameSizeBytesMax - FRAME_OVERHEAD_BYTES;
    // allocUnsafeSlow: a long-lived buffer of its own, not a slice that pins Node's shared pool.
    this.payloadBuffer = Buffer.allocUnsafeSlow(Math.max(sizeBytes, Math.min(this.payloadBuffer.length * 2, payloadBytesMax)));
  }

  /** Checked on the frame header, before any byte of the payload is buffered. */
  private checkFrameHeader(type: number, sizeBytes: number): void {
    const payloadBytesMax = this.frameSizeBytesMax - FRAME_OVERHEAD_BYTES;
    if (sizeBytes > payloadBytesMax) {
      throw fail.frameError(`type ${type}: frame of ${sizeBytes} payload bytes; frame_max ${this.frameSizeBytesMax} allows ${payloadBytesMax}`);
    }
    if (type === FRAME_METHOD || type === FRAME_HEADER || type === FRAME_BODY) return;
    if (type !== FRAME_HEARTBEAT) throw fail.frameError(`unknown frame type ${type}`);
    // RabbitMQ answers a heartbeat that carries a payload with FRAME_ERROR as well.
    if (sizeBytes !== 0) throw fail.frameError(`heartbeat frame with ${sizeBytes} payload bytes`);
  }

  private badFrameEnd(type: number, octet: number): Error {
    return fail.frameError(`type ${type}: frame-end octet 0x${octet.toString(16).padStart(2, "0")} instead of 0xce`);
  }

  /** The state moves on before the sink runs, so the parser is consistent whatever the sink does. */
  private deliver(chunk: Buffer, next: number, type: number, channel: number, data: Buffer, start: number, end: number): void {
    this.state = STATE_FRAME_HEADER;
    try {
      this.sink.onFrame(type, channel, data, start, end);
    } catch (error) {
      throw new SinkError(error, chunk.subarray(next));
    }
  }

  private checkFrameSizeMax(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes <= FRAME_OVERHEAD_BYTES) {
      throw new RangeError(`frame size maximum must be an integer above ${FRAME_OVERHEAD_BYTES} bytes, got ${bytes}`);
    }
  }
}

/** Carries an error thrown by the sink through consume(), with the input not yet parsed. */
class SinkError {
  constructor(
    readonly cause: unknown,
    readonly remainder: Buffer,
  ) {}
}
