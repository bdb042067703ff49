/**
 * Dead-lettering as RabbitMQ 3.x does it (rabbit_dead_letter.erl): the message is
 * re-published to the queue's dead-letter exchange with an `x-death` header that
 * records why, where and how often it died, and `x-first-death-*` headers the first
 * time. Its expiration is removed (kept as `original-expiration`). A message that
 * would return to a queue it already died in, through a cycle with no rejection in
 * it, is dropped, as RabbitMQ drops "fully automatic" cycles.
 */
import { Message } from "../message/message.js";
import { decodeContentHeader, encodeContentHeader } from "../message/properties.generated.js";
import type { FieldTable, FieldValue } from "../message/field-table.js";
import type { DeadLetterReason } from "./queue-type.js";

const longString = (text: string): FieldValue => ({ type: "S", value: Buffer.from(text, "utf8") });
const textOf = (value: FieldValue | undefined): string | undefined => (value?.type === "S" ? value.value.toString("utf8") : undefined);

export interface DeathRecord {
  readonly queue: string;
  readonly reason: DeadLetterReason;
  /** Seconds since the epoch (the x-death `time` is an AMQP timestamp). */
  readonly timeSeconds: number;
}

/**
 * The message as it goes to the dead-letter exchange: same body, new header with the death
 * recorded, routed with the dead-letter routing key if the queue has one, else its own key.
 */
export function deadLetteredMessage(message: Message, death: DeathRecord, deadLetterExchange: string, deadLetterRoutingKey: string | undefined): Message {
  const { classId, properties } = decodeContentHeader(message.header);
  const headers: FieldTable = new Map(properties.headers ?? []);
  // The first routing key is the publish's; the others are its CC keys (BCC ones are gone by now).
  const routingKeys = [message.routingKey, ...routingKeysIn(headers.get("CC"))];
  const info: [string, FieldValue][] = [
    ["reason", longString(death.reason)],
    ["queue", longString(death.queue)],
    ["time", { type: "T", value: BigInt(death.timeSeconds) }],
    ["exchange", longString(message.exchange)],
    ["routing-keys", { type: "A", value: routingKeys.map(longString) }],
  ];
  if (properties.expiration !== undefined) info.push(["original-expiration", longString(properties.expiration)]);
  recordDeath(headers, death, message.exchange, info);
  // A dead-letter routing key replaces all the keys, CC included (RabbitMQ removes the header).
  if (deadLetterRoutingKey !== undefined) headers.delete("CC");
  // RabbitMQ 3.10 writes the dead-lettered message's headers sorted by key (checked).
  const sorted: FieldTable = new Map([...headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const rewritten = { ...properties, headers: sorted, expiration: undefined };
  const header = encodeContentHeader(classId, message.bodySizeBytes, rewritten);
  const dead = new Message(deadLetterExchange, deadLetterRoutingKey ?? message.routingKey, header, message.body);
  if (deadLetterRoutingKey === undefined) dead.extraRoutingKeys = message.extraRoutingKeys;
  return dead;
}

/** The keys of a CC or BCC header: an array of long strings (rabbit_basic:header_routes). */
export function routingKeysIn(value: FieldValue | undefined): string[] {
  if (value === undefined || value.type !== "A") return [];
  const keys: string[] = [];
  for (const item of value.value) if (item.type === "S") keys.push(item.value.toString("utf8"));
  return keys;
}

/** rabbit_dead_letter:update_x_death_header, on a decoded header table. */
function recordDeath(headers: FieldTable, death: DeathRecord, exchange: string, info: [string, FieldValue][]): void {
  const existing = headers.get("x-death");
  if (existing === undefined) {
    headers.set("x-first-death-reason", longString(death.reason));
    headers.set("x-first-death-queue", longString(death.queue));
    headers.set("x-first-death-exchange", longString(exchange));
    headers.set("x-death", { type: "A", value: [{ type: "F", value: new Map([["count", { type: "l", value: 1n }], ...info]) }] });
    return;
  }
  if (existing.type !== "A") {
    // A client re-published the message with x-death turned into something else: start over, as RabbitMQ does.
    headers.set("x-death", { type: "A", value: [{ type: "F", value: new Map([["count", { type: "l", value: 1n }], ...info]) }] });
    return;
  }
  const tables = existing.value.filter((value): value is Extract<FieldValue, { type: "F" }> => value.type === "F");
  const matchIndex = tables.findIndex((table) => textOf(table.value.get("queue")) === death.queue && textOf(table.value.get("reason")) === death.reason);
  let first: FieldValue;
  if (matchIndex < 0) {
    // A new entry in an existing array has its keys sorted (rabbit_misc:sort_field_table).
    first = { type: "F", value: sortedTable(new Map([["count", { type: "l", value: 1n }], ...info])) };
  } else {
    // RabbitMQ keeps the old entry's fields, increments its count, sorts its keys and moves it to the front.
    const old = tables[matchIndex].value;
    const count = old.get("count");
    const next = new Map(old);
    next.set("count", { type: "l", value: (count?.type === "l" ? count.value : 0n) + 1n });
    first = { type: "F", value: sortedTable(next) };
  }
  const matched = matchIndex < 0 ? undefined : tables[matchIndex];
  const others = existing.value.filter((value) => value !== matched);
  headers.set("x-death", { type: "A", value: [first, ...others] });
}

function sortedTable(table: FieldTable): FieldTable {
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Whether delivering a dead-lettered message to `queue` closes a cycle with no rejection in it
 * (rabbit_dead_letter:is_cycle). `message` already carries the death just recorded.
 */
export function isAutomaticDeathCycle(message: Message, queue: string): boolean {
  const deaths = message.headers()?.get("x-death");
  if (deaths === undefined || deaths.type !== "A") return false;
  const list = deaths.value;
  const at = list.findIndex((value) => value.type === "F" && textOf(value.value.get("queue")) === queue);
  if (at < 0) return false;
  return list.slice(0, at + 1).every((value) => value.type === "F" && textOf(value.value.get("reason")) !== "rejected");
}
