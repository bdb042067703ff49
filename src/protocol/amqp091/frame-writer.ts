/**
 * Builds outgoing AMQP 0-9-1 frames (§4.2.3: type, channel, size, payload, 0xCE).
 *
 * The hot paths (deliver, get-ok, return, and the acks of publisher confirms)
 * write a whole message, method frame + content header frame + body frames, into
 * one Buffer sized up front: one allocation and one socket write per message.
 * The method payload comes from the generated encoder, which leaves room before
 * and after it for the frame header and the content frames, so the wire layout
 * of every method is defined in one place.
 */
import { FRAME_OVERHEAD_BYTES } from "../../config/limits.js";
import { assert } from "../../lib/assert.js";
import { writeUint64Number } from "../../lib/byte-writer.js";
import { FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD, encodeMethodWithRoom, type MethodInit } from "./methods.generated.js";

/** A message body as stored: one Buffer, or the Buffers of its body frames in order. */
export type Body = Buffer | readonly Buffer[];

const FRAME_HEADER_BYTES = 7;

/** Heartbeat frames are always on channel 0 with an empty payload (§4.2.7). Do not modify. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);

/** A complete method frame. */
export function methodFrame(channel: number, m: MethodInit): Buffer {
  const frame = encodeMethodWithRoom(m, FRAME_HEADER_BYTES, 1);
  writeFrameHeader(frame, 0, FRAME_METHOD, channel, frame.length - FRAME_OVERHEAD_BYTES);
  frame[frame.length - 1] = FRAME_END;
  return frame;
}

/** A content header frame around a header payload (as stored with the message). */
export function headerFrame(channel: number, headerPayload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(headerPayload.length + FRAME_OVERHEAD_BYTES);
  writeFrame(frame, 0, FRAME_HEADER, channel, headerPayload);
  return frame;
}

/**
 * The body frames of a message in one Buffer, each carrying at most
 * `frameSizeMax - 8` bytes (§4.2.6.2). An empty body has no body frame.
 */
export function bodyFrames(channel: number, body: Body, frameSizeMax: number): Buffer {
  const bodyBytes = bodyLength(body);
  const frames = Buffer.allocUnsafe(bodyFramesSizeBytes(bodyBytes, frameSizeMax));
  writeBodyFrames(frames, 0, channel, body, frameSizeMax);
  return frames;
}

/** basic.deliver + content header + body frames, in one Buffer. */
export function deliverFrames(
  channel: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  headerPayload: Buffer,
  body: Body,
  frameSizeMax: number,
): Buffer {
  const method: MethodInit = { method: "basic.deliver", consumerTag, deliveryTag, redelivered, exchange, routingKey };
  return contentFrames(channel, method, headerPayload, body, frameSizeMax);
}

/** basic.get-ok + content header + body frames, in one Buffer. */
export function getOkFrames(
  channel: number,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  messageCount: number,
  headerPayload: Buffer,
  body: Body,
  frameSizeMax: number,
): Buffer {
  const method: MethodInit = { method: "basic.get-ok", deliveryTag, redelivered, exchange, routingKey, messageCount };
  return contentFrames(channel, method, headerPayload, body, frameSizeMax);
}

/** basic.return + content header + body frames, in one Buffer. */
export function returnFrames(
  channel: number,
  replyCode: number,
  replyText: string,
  exchange: string,
  routingKey: string,
  headerPayload: Buffer,
  body: Body,
  frameSizeMax: number,
): Buffer {
  const method: MethodInit = { method: "basic.return", replyCode, replyText, exchange, routingKey };
  return contentFrames(channel, method, headerPayload, body, frameSizeMax);
}

/** basic.ack frame (class 60, method 80): a publisher confirm. 21 bytes. */
export function basicAckFrame(channel: number, deliveryTag: number, multiple: boolean): Buffer {
  return tagFrame(channel, 0x003c_0050, deliveryTag, multiple ? 1 : 0);
}

/** basic.nack frame (class 60, method 120): a negative publisher confirm. 21 bytes. */
export function basicNackFrame(channel: number, deliveryTag: number, multiple: boolean, requeue = false): Buffer {
  return tagFrame(channel, 0x003c_0078, deliveryTag, (multiple ? 1 : 0) | (requeue ? 2 : 0));
}

/** basic.ack and basic.nack share a layout: delivery-tag (longlong), then one octet of bits. */
function tagFrame(channel: number, methodKey: number, deliveryTag: number, bits: number): Buffer {
  const payloadBytes = 4 + 8 + 1;
  const frame = Buffer.allocUnsafe(payloadBytes + FRAME_OVERHEAD_BYTES);
  writeFrameHeader(frame, 0, FRAME_METHOD, channel, payloadBytes);
  frame.writeUInt32BE(methodKey, FRAME_HEADER_BYTES);
  writeUint64Number(frame, deliveryTag, FRAME_HEADER_BYTES + 4);
  frame[FRAME_HEADER_BYTES + 12] = bits;
  frame[FRAME_HEADER_BYTES + payloadBytes] = FRAME_END;
  return frame;
}

/**
 * A content-carrying method and its content in one Buffer: the generated encoder
 * leaves room for the frame header before the method payload and for frame-end,
 * header frame and body frames after it.
 */
function contentFrames(channel: number, method: MethodInit, headerPayload: Buffer, body: Body, frameSizeMax: number): Buffer {
  const bodyBytes = bodyLength(body);
  // The stored header must announce exactly the body we send, or the client's framing breaks.
  assert(headerPayload.length >= 12 && headerPayload.readUInt32BE(4) * 0x1_0000_0000 + headerPayload.readUInt32BE(8) === bodyBytes,
    "content header body-size equals the body length");
  const contentBytes = headerPayload.length + FRAME_OVERHEAD_BYTES + bodyFramesSizeBytes(bodyBytes, frameSizeMax);
  const buffer = encodeMethodWithRoom(method, FRAME_HEADER_BYTES, 1 + contentBytes);
  const methodFrameEnd = buffer.length - contentBytes;
  writeFrameHeader(buffer, 0, FRAME_METHOD, channel, methodFrameEnd - FRAME_OVERHEAD_BYTES);
  buffer[methodFrameEnd - 1] = FRAME_END;
  const headerFrameEnd = writeFrame(buffer, methodFrameEnd, FRAME_HEADER, channel, headerPayload);
  const end = writeBodyFrames(buffer, headerFrameEnd, channel, body, frameSizeMax);
  assert(end === buffer.length, "content frames fill the buffer exactly");
  return buffer;
}

function bodyLength(body: Body): number {
  if (Buffer.isBuffer(body)) return body.length;
  let lengthBytes = 0;
  for (const piece of body as readonly Buffer[]) lengthBytes += piece.length;
  return lengthBytes;
}

function bodyFramesSizeBytes(bodyBytes: number, frameSizeMax: number): number {
  assert(Number.isInteger(frameSizeMax) && frameSizeMax > FRAME_OVERHEAD_BYTES, "frame size maximum leaves room for a payload");
  const frameCount = Math.ceil(bodyBytes / (frameSizeMax - FRAME_OVERHEAD_BYTES));
  return bodyBytes + frameCount * FRAME_OVERHEAD_BYTES;
}

/** Writes the body as frames of at most `frameSizeMax - 8` payload bytes; returns the end offset. */
function writeBodyFrames(buffer: Buffer, offset: number, channel: number, body: Body, frameSizeMax: number): number {
  if (Buffer.isBuffer(body) && body.length <= frameSizeMax - FRAME_OVERHEAD_BYTES) {
    // The common case, one body in one frame, without the general loop's array of pieces.
    if (body.length === 0) return offset;
    writeFrameHeader(buffer, offset, FRAME_BODY, channel, body.length);
    const end = offset + FRAME_HEADER_BYTES + copyBytes(body, buffer, offset + FRAME_HEADER_BYTES);
    buffer[end] = FRAME_END;
    return end + 1;
  }
  const pieces: readonly Buffer[] = Buffer.isBuffer(body) ? [body] : (body as readonly Buffer[]);
  const payloadBytesMax = frameSizeMax - FRAME_OVERHEAD_BYTES;
  let remainingBytes = bodyLength(body);
  let position = offset;
  let pieceIndex = 0;
  let pieceOffset = 0;
  while (remainingBytes > 0) {
    const frameBytes = Math.min(payloadBytesMax, remainingBytes);
    writeFrameHeader(buffer, position, FRAME_BODY, channel, frameBytes);
    position += FRAME_HEADER_BYTES;
    // A frame's payload may come from several stored pieces, and a piece may span frames.
    let missingBytes = frameBytes;
    while (missingBytes > 0) {
      const piece = pieces[pieceIndex];
      const copiedBytes = piece.copy(buffer, position, pieceOffset, Math.min(piece.length, pieceOffset + missingBytes));
      position += copiedBytes;
      missingBytes -= copiedBytes;
      pieceOffset += copiedBytes;
      if (pieceOffset === piece.length) {
        pieceIndex += 1;
        pieceOffset = 0;
      }
    }
    buffer[position++] = FRAME_END;
    remainingBytes -= frameBytes;
  }
  return position;
}

/**
 * Byte stores rather than writeUInt16BE/writeUInt32BE, which check their arguments on every call:
 * the channel (≤ channel_max) and the size (≤ frame_max) are in range by construction.
 */
function writeFrameHeader(buffer: Buffer, offset: number, type: number, channel: number, payloadBytes: number): void {
  buffer[offset] = type;
  buffer[offset + 1] = channel >>> 8;
  buffer[offset + 2] = channel & 0xff;
  buffer[offset + 3] = payloadBytes >>> 24;
  buffer[offset + 4] = (payloadBytes >>> 16) & 0xff;
  buffer[offset + 5] = (payloadBytes >>> 8) & 0xff;
  buffer[offset + 6] = payloadBytes & 0xff;
}

/** Writes a whole frame around `payload`; returns the end offset. */
function writeFrame(buffer: Buffer, offset: number, type: number, channel: number, payload: Buffer): number {
  writeFrameHeader(buffer, offset, type, channel, payload.length);
  const payloadEnd = offset + FRAME_HEADER_BYTES + copyBytes(payload, buffer, offset + FRAME_HEADER_BYTES);
  buffer[payloadEnd] = FRAME_END;
  return payloadEnd + 1;
}

/** Bytes this short are copied by a loop: cheaper than a call into C++ (short names, small headers). */
const SHORT_COPY_BYTES_MAX = 16;

/** Copies all of `source` into `target` at `offset`; returns the length. */
function copyBytes(source: Buffer, target: Buffer, offset: number): number {
  const length = source.length;
  if (length <= SHORT_COPY_BYTES_MAX) {
    for (let index = 0; index < length; index++) target[offset + index] = source[index];
  } else {
    target.set(source, offset);
  }
  return length;
}

/** How many bytes writeDeliver writes: basic.deliver, the content header frame and the body frames. */
export function deliverFramesSizeBytes(consumerTagBytes: number, exchangeBytes: number, routingKeyBytes: number, headerBytes: number, bodyBytes: number, frameSizeMax: number): number {
  const methodPayloadBytes = 4 + 1 + consumerTagBytes + 8 + 1 + 1 + exchangeBytes + 1 + routingKeyBytes;
  return methodPayloadBytes + FRAME_OVERHEAD_BYTES + headerBytes + FRAME_OVERHEAD_BYTES + bodyFramesSizeBytes(bodyBytes, frameSizeMax);
}

/**
 * basic.deliver (class 60, method 60: consumer-tag shortstr, delivery-tag longlong, redelivered
 * bit, exchange shortstr, routing-key shortstr) with its content, written in place into the
 * connection's output buffer. Hand-written because it runs once per delivered message and must
 * not allocate; a unit test checks it byte for byte against deliverFrames, which is built from
 * the generated encoder. The caller sized the space with deliverFramesSizeBytes and passes the
 * consumer tag, exchange and routing key already UTF-8 encoded (each at most 255 bytes; it
 * keeps them from one delivery to the next). Returns the end offset.
 */
export function writeDeliver(
  target: Buffer,
  offset: number,
  channel: number,
  consumerTag: Buffer,
  deliveryTag: number,
  redelivered: boolean,
  exchange: Buffer,
  routingKey: Buffer,
  headerPayload: Buffer,
  body: Buffer,
  frameSizeMax: number,
): number {
  const methodPayloadBytes = 4 + 1 + consumerTag.length + 8 + 1 + 1 + exchange.length + 1 + routingKey.length;
  writeFrameHeader(target, offset, FRAME_METHOD, channel, methodPayloadBytes);
  let position = offset + FRAME_HEADER_BYTES;
  // class 60, method 60
  target[position] = 0;
  target[position + 1] = 60;
  target[position + 2] = 0;
  target[position + 3] = 60;
  position += 4;
  target[position++] = consumerTag.length;
  position += copyBytes(consumerTag, target, position);
  // delivery-tag: the channel's counter, a safe integer; as two 32-bit halves.
  const high = Math.floor(deliveryTag / 0x1_0000_0000);
  const low = deliveryTag >>> 0;
  target[position] = high >>> 24;
  target[position + 1] = (high >>> 16) & 0xff;
  target[position + 2] = (high >>> 8) & 0xff;
  target[position + 3] = high & 0xff;
  target[position + 4] = low >>> 24;
  target[position + 5] = (low >>> 16) & 0xff;
  target[position + 6] = (low >>> 8) & 0xff;
  target[position + 7] = low & 0xff;
  position += 8;
  target[position++] = redelivered ? 1 : 0;
  target[position++] = exchange.length;
  position += copyBytes(exchange, target, position);
  target[position++] = routingKey.length;
  position += copyBytes(routingKey, target, position);
  target[position++] = FRAME_END;
  position = writeFrame(target, position, FRAME_HEADER, channel, headerPayload);
  return writeBodyFrames(target, position, channel, body, frameSizeMax);
}
