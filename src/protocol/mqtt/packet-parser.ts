/**
 * MQTT framing as a resumable state machine over the socket's chunks (STYLE.md practice 3).
 *
 * A packet is a fixed header byte, a Variable Byte Integer remaining length (MQTT 5 §1.5.5,
 * 3.1.1 §2.2.3) and that many bytes. The size is known from the first two to five bytes,
 * so the maximum packet size is checked there, before any allocation [MQTT-3.1.2-24 for the
 * client side; the server's own limit is the same check]. A packet wholly inside one chunk
 * is handed out as a `subarray` view of it; only a packet that spans chunks is copied, into
 * one exact-size buffer allocated after the check, which the packet then owns.
 */
import { MqttProtocolError, ReasonCode, malformed } from "./reason-codes.js";

export interface PacketSink {
  /**
   * One complete packet. `body` is the variable header and payload. `owned` says whether
   * `body` is a private buffer (true) or a view of the socket chunk (false).
   */
  onPacket(type: number, flags: number, body: Buffer, owned: boolean): void;
}

const STATE_FIXED_HEADER = 0;
const STATE_REMAINING_LENGTH = 1;
const STATE_BODY = 2;

/** A Variable Byte Integer has at most four bytes (MQTT 5 §1.5.5). */
const REMAINING_LENGTH_BYTES_MAX = 4;

export class PacketParser {
  /** The whole packet (fixed header included), as MQTT 5's Maximum Packet Size counts it (§3.1.2.11.4). */
  maxPacketSizeBytes: number;
  /** Set by the sink to stop parsing the rest of a chunk (the connection is closing). */
  stopped = false;
  private readonly sink: PacketSink;
  private state = STATE_FIXED_HEADER;
  private type = 0;
  private flags = 0;
  private remainingBytes = 0;
  private lengthMultiplier = 1;
  private lengthFieldBytes = 0;
  private partial: Buffer | undefined;
  private partialFilledBytes = 0;

  constructor(sink: PacketSink, maxPacketSizeBytes: number) {
    this.sink = sink;
    this.maxPacketSizeBytes = maxPacketSizeBytes;
  }

  /** Input that arrived or was left over while paused, in order. */
  private readonly pendingChunks: Buffer[] = [];
  private paused = false;

  /** Consumes a chunk; throws MqttProtocolError on malformed framing or an oversized packet. */
  feed(chunk: Buffer): void {
    if (this.paused || this.pendingChunks.length > 0) {
      this.pendingChunks.push(chunk);
      return;
    }
    this.consume(chunk);
  }

  /**
   * Stops at the end of the packet being handled: the rest waits, unparsed, until resume().
   * Flow control and alarms pause a publisher so that it stops at the publish that filled a
   * queue, not 64 KiB of publishes later.
   */
  pause(): void {
    this.paused = true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Parses what waited (until paused again); throws as feed() does. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (!this.paused && !this.stopped && this.pendingChunks.length > 0) this.consume(this.pendingChunks.shift() as Buffer);
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length && !this.stopped) {
      if (this.paused) {
        this.pendingChunks.unshift(chunk.subarray(offset));
        return;
      }
      if (this.state === STATE_FIXED_HEADER) {
        const byte = chunk[offset++];
        this.type = byte >>> 4;
        this.flags = byte & 0x0f;
        this.remainingBytes = 0;
        this.lengthMultiplier = 1;
        this.lengthFieldBytes = 0;
        this.state = STATE_REMAINING_LENGTH;
      } else if (this.state === STATE_REMAINING_LENGTH) {
        const byte = chunk[offset++];
        this.remainingBytes += (byte & 0x7f) * this.lengthMultiplier;
        this.lengthMultiplier *= 128;
        this.lengthFieldBytes++;
        if ((byte & 0x80) !== 0) {
          if (this.lengthFieldBytes === REMAINING_LENGTH_BYTES_MAX) throw malformed("remaining length longer than four bytes");
          continue;
        }
        offset = this.startBody(chunk, offset);
      } else {
        offset = this.continueBody(chunk, offset);
      }
    }
  }

  private startBody(chunk: Buffer, offset: number): number {
    const remaining = this.remainingBytes;
    const packetSizeBytes = 1 + this.lengthFieldBytes + remaining;
    if (packetSizeBytes > this.maxPacketSizeBytes) {
      throw new MqttProtocolError(ReasonCode.PACKET_TOO_LARGE, `packet of ${packetSizeBytes} bytes exceeds the maximum of ${this.maxPacketSizeBytes}`);
    }
    this.state = STATE_FIXED_HEADER;
    if (chunk.length - offset >= remaining) {
      this.sink.onPacket(this.type, this.flags, chunk.subarray(offset, offset + remaining), false);
      return offset + remaining;
    }
    // The packet spans chunks: copy what we have into a buffer of exactly its size.
    const partial = Buffer.allocUnsafe(remaining);
    const available = chunk.copy(partial, 0, offset);
    this.partial = partial;
    this.partialFilledBytes = available;
    this.state = STATE_BODY;
    return chunk.length;
  }

  private continueBody(chunk: Buffer, offset: number): number {
    const partial = this.partial as Buffer;
    const wanted = partial.length - this.partialFilledBytes;
    const copied = chunk.copy(partial, this.partialFilledBytes, offset, offset + wanted);
    this.partialFilledBytes += copied;
    if (this.partialFilledBytes < partial.length) return offset + copied;
    this.partial = undefined;
    this.state = STATE_FIXED_HEADER;
    this.sink.onPacket(this.type, this.flags, partial, true);
    return offset + copied;
  }
}
