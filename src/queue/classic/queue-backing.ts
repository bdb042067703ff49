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
import { Message } from "../../message/message.js";
import type { MessageStore } from "../../store/message-store.js";
import type { SegmentPosition } from "../../store/position.js";
import type { DurabilityWaiter } from "../queue-type.js";

interface Waiting {
  readonly sequence: number;
  readonly waiter: DurabilityWaiter;
  readonly token: number;
}

export class QueueBacking {
  readonly store: MessageStore;
  private readonly waiting = new Deque<Waiting>();
  /** A queue's records nearly all repeat one exchange and routing key: their strings are decoded once. */
  private readonly names = new RecordNames();

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
    // Every waiter is told even if one throws (a connection's bug must not hold back the others'
    // confirms); the first failure is rethrown after, for the committer to report.
    let failure: unknown;
    for (let next = this.waiting.peekFirst(); next !== undefined && next.sequence <= durableSequence; next = this.waiting.peekFirst()) {
      this.waiting.shift();
      try {
        next.waiter.messageDurable(next.token);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * The store failed: every waiter from its `failedSequence` on is told its message is lost.
   * Those before it are still reported durable by `onDurable` (the store syncs what it wrote
   * before the failure), so they keep waiting.
   */
  onFailure(): void {
    const failedSequence = this.store.failedSequence;
    if (failedSequence === undefined) return;
    const kept: Waiting[] = [];
    let failure: unknown;
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      if (next.sequence < failedSequence) kept.push(next);
      else {
        try {
          next.waiter.messageLost(next.token);
        } catch (error) {
          failure ??= error; // as in onDurable: the other waiters are still told
        }
      }
    }
    for (const waiting of kept) this.waiting.push(waiting);
    if (failure !== undefined) throw failure;
  }

  ack(position: SegmentPosition): void {
    this.store.ack(position);
  }

  /** The message of the record at `position`: its header and body are views into one buffer read from the store. */
  readMessage(position: SegmentPosition): Message {
    return decodeMessage(this.store.read(position), this.names);
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
export function decodeMessage(payload: Buffer, names?: RecordNames): Message {
  const end = payload.length;
  let offset = 0;
  if (offset + 1 > end) truncated(offset);
  const exchangeBytes = payload[offset++];
  if (offset + exchangeBytes + 1 > end) truncated(offset);
  const exchange = names !== undefined ? names.exchange(payload, offset, exchangeBytes) : payload.toString("utf8", offset, offset + exchangeBytes);
  offset += exchangeBytes;
  const routingKeyBytes = payload[offset++];
  if (offset + routingKeyBytes + 12 > end) truncated(offset);
  const routingKey = names !== undefined ? names.routingKey(payload, offset, routingKeyBytes) : payload.toString("utf8", offset, offset + routingKeyBytes);
  offset += routingKeyBytes + 8; // expiresAtMs: the queue keeps its own copy
  const headerBytes = payload.readUInt32LE(offset);
  offset += 4;
  if (offset + headerBytes > end) truncated(offset);
  return new Message(exchange, routingKey, payload.subarray(offset, offset + headerBytes), payload.subarray(offset + headerBytes));
}

function truncated(offset: number): never {
  throw new Error(`message record truncated at byte ${offset}`);
}

/**
 * The last exchange and routing key decoded, as bytes and string: a record naming the same ones
 * gets the same strings without decoding or allocating.
 */
export class RecordNames {
  private exchangeBytes = Buffer.alloc(0);
  private exchangeText = "";
  private routingKeyBytes = Buffer.alloc(0);
  private routingKeyText = "";

  exchange(payload: Buffer, start: number, length: number): string {
    if (!sameBytes(this.exchangeBytes, payload, start, length)) {
      this.exchangeText = payload.toString("utf8", start, start + length);
      this.exchangeBytes = Buffer.from(payload.subarray(start, start + length));
    }
    return this.exchangeText;
  }

  routingKey(payload: Buffer, start: number, length: number): string {
    if (!sameBytes(this.routingKeyBytes, payload, start, length)) {
      this.routingKeyText = payload.toString("utf8", start, start + length);
      this.routingKeyBytes = Buffer.from(payload.subarray(start, start + length));
    }
    return this.routingKeyText;
  }
}

function sameBytes(known: Buffer, payload: Buffer, start: number, length: number): boolean {
  if (known.length !== length) return false;
  for (let index = 0; index < length; index++) if (known[index] !== payload[start + index]) return false;
  return true;
}
