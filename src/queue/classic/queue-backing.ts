/**
 * What ties a durable classic queue to its message store: persistent messages are appended
 * as records, their positions kept on the queue entries, acknowledged when they leave the
 * queue for good; publishers waiting for a confirm are told once their record is on disk.
 *
 * Record payload (opaque to the store), little-endian:
 *   u8 exchangeBytes, exchange, u8 routingKeyBytes, routingKey,
 *   f64 expiresAtMs (Infinity when it never expires), u32 headerBytes, header, body
 */
import { Deque } from "../../lib/deque.js";
import { Message } from "../../broker/message/message.js";
import type { MessageStore } from "../../store/message-store.js";
import type { SegmentPosition } from "../../store/position.js";

/** Told when a message it published is durable (publisher confirms, transactions). */
export interface DurabilityWaiter {
  messageDurable(token: number): void;
}

interface Waiting {
  readonly sequence: number;
  readonly waiter: DurabilityWaiter;
  readonly token: number;
}

export interface RecoveredRecord {
  readonly message: Message;
  readonly expiresAtMs: number;
  readonly position: SegmentPosition;
}

export class QueueBacking {
  readonly store: MessageStore;
  private readonly waiting = new Deque<Waiting>();

  constructor(store: MessageStore) {
    this.store = store;
  }

  append(message: Message, expiresAtMs: number): { position: SegmentPosition; sequence: number } {
    return this.store.append([encodePrefix(message, expiresAtMs), message.header, message.body]);
  }

  /** Registers the waiter to be told once `sequence` is durable; false (and nothing registered) if it already is. */
  waitFor(sequence: number, waiter: DurabilityWaiter, token: number): boolean {
    if (sequence <= this.store.durableSequence) return false;
    this.waiting.push({ sequence, waiter, token });
    return true;
  }

  /** The store's report after a commit round. */
  onDurable(durableSequence: number): void {
    for (let next = this.waiting.peekFirst(); next !== undefined && next.sequence <= durableSequence; next = this.waiting.peekFirst()) {
      this.waiting.shift();
      next.waiter.messageDurable(next.token);
    }
  }

  ack(position: SegmentPosition): void {
    this.store.ack(position);
  }

  read(position: SegmentPosition): RecoveredRecord {
    return { ...decodeRecord(this.store.read(position)), position };
  }
}

function encodePrefix(message: Message, expiresAtMs: number): Buffer {
  const exchangeBytes = Buffer.byteLength(message.exchange);
  const routingKeyBytes = Buffer.byteLength(message.routingKey);
  const prefix = Buffer.allocUnsafe(1 + exchangeBytes + 1 + routingKeyBytes + 8 + 4);
  let offset = prefix.writeUInt8(exchangeBytes, 0);
  offset += prefix.write(message.exchange, offset, "utf8");
  offset = prefix.writeUInt8(routingKeyBytes, offset);
  offset += prefix.write(message.routingKey, offset, "utf8");
  offset = prefix.writeDoubleLE(expiresAtMs, offset);
  prefix.writeUInt32LE(message.header.length, offset);
  return prefix;
}

/** What recovery needs of a record without copying anything: views into `payload`. */
export function peekRecord(payload: Buffer): { expiresAtMs: number; header: Buffer; bodySizeBytes: number } {
  let offset = 1 + payload[0];
  offset += 1 + payload[offset];
  const expiresAtMs = payload.readDoubleLE(offset);
  const headerBytes = payload.readUInt32LE(offset + 8);
  const headerStart = offset + 12;
  if (headerStart + headerBytes > payload.length) throw new Error("message record truncated in its header");
  return { expiresAtMs, header: payload.subarray(headerStart, headerStart + headerBytes), bodySizeBytes: payload.length - headerStart - headerBytes };
}

/** The inverse of append's layout. The store verified the checksum; lengths are still checked. */
export function decodeRecord(payload: Buffer): { message: Message; expiresAtMs: number } {
  let offset = 0;
  const take = (length: number): Buffer => {
    if (offset + length > payload.length) throw new Error(`message record truncated at byte ${offset}`);
    const part = payload.subarray(offset, offset + length);
    offset += length;
    return part;
  };
  const exchange = take(take(1)[0]).toString("utf8");
  const routingKey = take(take(1)[0]).toString("utf8");
  const expiresAtMs = take(8).readDoubleLE(0);
  const header = take(take(4).readUInt32LE(0));
  const body = payload.subarray(offset);
  return { message: new Message(exchange, routingKey, header, body), expiresAtMs };
}
