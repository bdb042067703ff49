/**
 * The publish hot path. A message's frames (basic.publish method, content header, body) never
 * change except for the 8-byte timestamp at the start of the body, so they are encoded once into
 * a template of `batchMessages` back-to-back copies. Publishing a batch is then one memcpy of the
 * template, one double written per message, and one socket write.
 */
import type { Channel } from "./channel.js";
import { ArgsWriter, FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_OVERHEAD_BYTES, M } from "./wire.js";

/** Big enough that a write carries hundreds of small messages; small enough to stay in L2. */
const BATCH_BYTES_TARGET = 64 * 1024;
/** The producer stamps this many leading body bytes with its send time (a float64, µs). */
export const TIMESTAMP_BYTES = 8;

export interface MessageShape {
  exchange: string;
  routingKey: string;
  bodySizeBytes: number;
  /** delivery-mode 2 (spec §4.2.6.1 basic properties, bit 12 of the property flags). */
  persistent: boolean;
}

export class PublishTemplate {
  readonly messageBytes: number;
  readonly batchMessages: number;
  /** Offset of the timestamp inside one message's bytes, or -1 when the body is too small. */
  readonly stampOffset: number;
  readonly #batch: Buffer;

  constructor(channelId: number, shape: MessageShape, frameSizeBytesMax: number) {
    const method = new ArgsWriter().short(0).shortstr(shape.exchange).shortstr(shape.routingKey).bit(false).bit(false)
      .frame(channelId, M.basicPublish);
    const header = contentHeaderFrame(channelId, shape.bodySizeBytes, shape.persistent);
    const bodyFrames = bodyFramesOf(channelId, shape.bodySizeBytes, frameSizeBytesMax);
    const one = Buffer.concat([method, header, bodyFrames]);
    this.messageBytes = one.length;
    this.stampOffset = shape.bodySizeBytes >= TIMESTAMP_BYTES ? method.length + header.length + 7 : -1;
    this.batchMessages = Math.max(1, Math.floor(BATCH_BYTES_TARGET / one.length));
    this.#batch = Buffer.alloc(one.length * this.batchMessages);
    for (let i = 0; i < this.batchMessages; i++) one.copy(this.#batch, i * one.length);
  }

  /** `count` messages stamped with `nowUs`; a fresh Buffer, because the socket keeps it until sent. */
  encode(count: number, nowUs: number): Buffer {
    const bytes = count * this.messageBytes;
    const out = Buffer.allocUnsafe(bytes);
    this.#batch.copy(out, 0, 0, bytes);
    if (this.stampOffset >= 0) {
      for (let at = this.stampOffset; at < bytes; at += this.messageBytes) out.writeDoubleLE(nowUs, at);
    }
    return out;
  }
}

function contentHeaderFrame(channelId: number, bodySizeBytes: number, persistent: boolean): Buffer {
  const payloadBytes = 14 + (persistent ? 1 : 0);
  const frame = Buffer.alloc(FRAME_OVERHEAD_BYTES + payloadBytes);
  frame.writeUInt8(FRAME_HEADER, 0);
  frame.writeUInt16BE(channelId, 1);
  frame.writeUInt32BE(payloadBytes, 3);
  frame.writeUInt16BE(60, 7); // class basic; weight (2 bytes) stays 0
  frame.writeBigUInt64BE(BigInt(bodySizeBytes), 11);
  frame.writeUInt16BE(persistent ? 0x1000 : 0, 19);
  if (persistent) frame.writeUInt8(2, 21);
  frame.writeUInt8(FRAME_END, frame.length - 1);
  return frame;
}

/** The body split into frames of at most frame_max bytes (spec §4.2.6.2); zero-filled. */
function bodyFramesOf(channelId: number, bodySizeBytes: number, frameSizeBytesMax: number): Buffer {
  const chunkBytesMax = frameSizeBytesMax - FRAME_OVERHEAD_BYTES;
  const frames: Buffer[] = [];
  for (let done = 0; done < bodySizeBytes; done += chunkBytesMax) {
    const size = Math.min(chunkBytesMax, bodySizeBytes - done);
    const frame = Buffer.alloc(FRAME_OVERHEAD_BYTES + size);
    frame.writeUInt8(FRAME_BODY, 0);
    frame.writeUInt16BE(channelId, 1);
    frame.writeUInt32BE(size, 3);
    frame.writeUInt8(FRAME_END, frame.length - 1);
    frames.push(frame);
  }
  return Buffer.concat(frames);
}

/**
 * Counts confirms exactly, whether the broker acks one tag at a time, several at once
 * (`multiple`), or out of order. Tags confirmed singly above the contiguous prefix wait in a set.
 */
export class ConfirmTracker {
  confirmed = 0;
  nacked = 0;
  #contiguousThrough = 0;
  readonly #above = new Set<number>();

  constructor(private readonly channel: Channel, private readonly onProgress: (newlyConfirmed: number) => void) {}

  async enable(): Promise<void> {
    await this.channel.confirmSelect();
    this.channel.onConfirm = (tag, multiple, nack) => this.#settle(tag, multiple, nack);
  }

  #settle(tag: number, multiple: boolean, nack: boolean): void {
    let newly = 0;
    if (multiple) {
      if (this.#above.size === 0) {
        newly = Math.max(0, tag - this.#contiguousThrough);
      } else {
        for (let t = this.#contiguousThrough + 1; t <= tag; t++) if (!this.#above.delete(t)) newly++;
      }
      this.#contiguousThrough = Math.max(this.#contiguousThrough, tag);
    } else if (tag === this.#contiguousThrough + 1) {
      newly = 1;
      this.#contiguousThrough = tag;
    } else if (tag > this.#contiguousThrough && !this.#above.has(tag)) {
      newly = 1;
      this.#above.add(tag);
    }
    while (this.#above.delete(this.#contiguousThrough + 1)) this.#contiguousThrough++;
    this.confirmed += newly;
    if (nack) this.nacked += newly;
    if (newly > 0) this.onProgress(newly);
  }
}
