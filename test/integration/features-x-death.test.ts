/**
 * The x-death header exactly as RabbitMQ 3.10.8 builds it (rabbit_dead_letter), read from
 * the raw content header so field types and order are seen as they are on the wire:
 *
 * - each entry: count (long, 'l'), reason, queue, time (timestamp, 'T', seconds), exchange,
 *   routing-keys (array of longstr: the routing key and the CC keys), original-expiration (when
 *   the message had an expiration); an entry created when x-death is first set keeps that order,
 *   an entry added to or updated in an existing x-death array has its keys sorted;
 * - an existing entry (same queue and reason) has its count incremented, keeps its other fields
 *   (time included) and moves to the front;
 * - x-first-death-reason/queue/exchange are set once; the whole headers table is sorted by key;
 *   the CC header and the expiration property are removed.
 *
 * Every expectation here was taken from RabbitMQ 3.10.8's answers (raw frames, same scenario).
 */
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Channel, ChannelModel } from "amqplib";
import { closeAllConnections, connect, delay, openChannel, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, type TestBroker } from "../helpers/broker.js";
import { ArgReader, ArgWriter, Method, RawAmqpClient, type DecodedValue, type RawGetResult } from "../helpers/raw-amqp.js";

let broker: TestBroker;
let connection: ChannelModel;
/** The raw connection of the running test (queues are not exclusive, so both connections can use them). */
let raw: RawAmqpClient;
/** Queues to delete after each test. */
const declared: string[] = [];
before(async () => {
  broker = await startTestBroker();
  connection = await connect(broker.url);
});
beforeEach(async () => {
  raw = await RawAmqpClient.connect(broker.port, broker.host);
  await raw.handshake();
  await raw.openChannel(1);
});
afterEach(async () => {
  await raw.close();
  const ch = await openChannel(connection);
  for (const queue of declared.splice(0)) await ch.deleteQueue(queue);
  await ch.close();
});
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

const channel = (): Promise<Channel> => openChannel(connection);

/** A field value as a comparable shape: "S:text", "l:1", "T" (times are checked separately), nested lists. */
type Shape = string | Shape[] | Array<[string, Shape]>;
function shape(value: DecodedValue, times: bigint[]): Shape {
  switch (value.type) {
    case "S": return `S:${(value.value as Buffer).toString("utf8")}`;
    case "T": times.push(value.value as bigint); return "T";
    case "A": return (value.value as DecodedValue[]).map((item) => shape(item, times));
    case "F": return tableShape(value.value as Record<string, DecodedValue>, times);
    default: return `${value.type}:${String(value.value)}`;
  }
}
function tableShape(table: Record<string, DecodedValue>, times: bigint[]): Array<[string, Shape]> {
  return Object.entries(table).map(([key, value]) => [key, shape(value, times)]);
}

interface DecodedProperties { headers?: Record<string, DecodedValue>; expiration?: string; flags: number }
/** Decodes the basic properties of a content header payload (class, weight, body size, flags, fields). */
function properties(payload: Buffer): DecodedProperties {
  const flags = payload.readUInt16BE(12);
  const reader = new ArgReader(payload);
  reader.offset = 14;
  const result: DecodedProperties = { flags };
  const names = ["contentType", "contentEncoding", "headers", "deliveryMode", "priority", "correlationId", "replyTo", "expiration"];
  names.forEach((name, index) => {
    if ((flags & (1 << (15 - index))) === 0) return;
    if (name === "headers") result.headers = reader.table();
    else if (name === "deliveryMode" || name === "priority") reader.octet();
    else if (name === "expiration") result.expiration = reader.shortstr();
    else reader.shortstr();
  });
  return result;
}

async function rawGet(queue: string, noAck: boolean): Promise<RawGetResult> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const message = await raw.basicGet(1, queue, noAck);
    if (message !== null) return message;
    await delay(20);
  }
  throw new Error(`no message in ${queue}`);
}

function rawReject(message: RawGetResult): void {
  raw.sendMethod(1, Method.basicReject, new ArgWriter().longlong(message.deliveryTag).bit(false).toBuffer());
}

/** Work queue (rejects go to `wait` through a direct DLX) and wait queue (expiries go back through it). */
async function retryPair(ch: Channel, waitTtlMs: number): Promise<{ dlx: string; work: string; wait: string }> {
  const dlx = uniqueName("xd-dlx");
  const work = uniqueName("xd-work");
  const wait = uniqueName("xd-wait");
  await ch.assertExchange(dlx, "direct", { autoDelete: true });
  declared.push(work, wait);
  await ch.assertQueue(work, { durable: false, arguments: { "x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "to-wait" } });
  await ch.assertQueue(wait, { durable: false, arguments: { "x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "to-work", "x-message-ttl": waitTtlMs } });
  await ch.bindQueue(wait, dlx, "to-wait");
  await ch.bindQueue(work, dlx, "to-work");
  await ch.bindQueue(work, "amq.direct", `orig-${work}`);
  return { dlx, work, wait };
}

/**
 * Compares a headers table in three steps, so a difference is reported where it is: the x-death
 * array alone, then every header regardless of order, then the order (RabbitMQ sorts by key).
 */
function assertHeaders(actual: Array<[string, Shape]>, expected: Array<[string, Shape]>): void {
  const deathOf = (table: Array<[string, Shape]>) => table.find(([key]) => key === "x-death")?.[1];
  assert.deepEqual(deathOf(actual), deathOf(expected), "the x-death array");
  const byKey = (table: Array<[string, Shape]>) => [...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(byKey(actual), byKey(expected), "the headers, in any order");
  assert.deepEqual(actual.map(([key]) => key), expected.map(([key]) => key), "the order of the headers (RabbitMQ sorts them by key)");
}

function assertTimesBetween(times: bigint[], fromSeconds: number, toSeconds: number): void {
  for (const time of times) {
    assert.ok(Number(time) >= fromSeconds && Number(time) <= toSeconds, `time ${time} outside [${fromSeconds}, ${toSeconds}]`);
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe("x-death on the wire", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("first death: entry fields, types and order; x-first-death-*; headers sorted; expiration removed", async () => {
    const ch = await channel();
    const { dlx, work, wait } = await retryPair(ch, 60_000);
    const startSeconds = nowSeconds();
    ch.publish("amq.direct", `orig-${work}`, Buffer.from("m"), { expiration: "60000", headers: { zzz: "z", app: "x", "x-first": "f" } });
    rawReject(await rawGet(work, false));
    const dead = await rawGet(wait, true);
    assert.equal(dead.exchange, dlx);
    assert.equal(dead.routingKey, "to-wait");
    const decoded = properties(dead.headerPayload);
    assert.equal(decoded.expiration, undefined, "the expiration property is removed");
    const times: bigint[] = [];
    assertHeaders(tableShape(decoded.headers ?? {}, times), [
      ["app", "S:x"],
      ["x-death", [[
        ["count", "l:1"], ["reason", "S:rejected"], ["queue", `S:${work}`], ["time", "T"], ["exchange", "S:amq.direct"],
        ["routing-keys", [`S:orig-${work}`]], ["original-expiration", "S:60000"],
      ]]],
      ["x-first", "S:f"],
      ["x-first-death-exchange", "S:amq.direct"],
      ["x-first-death-queue", `S:${work}`],
      ["x-first-death-reason", "S:rejected"],
      ["zzz", "S:z"],
    ]);
    assert.equal(times.length, 1);
    assertTimesBetween(times, startSeconds, nowSeconds());
  });

  test("repeated cycles: counts incremented, latest death first, entries sorted, first death kept", async () => {
    const ch = await channel();
    const { dlx, work, wait } = await retryPair(ch, 100);
    ch.publish("amq.direct", `orig-${work}`, Buffer.from("m"), { expiration: "60000", headers: { app: "x" } });
    rawReject(await rawGet(work, false));
    const seen: Array<Array<[string, Shape]>> = [];
    for (let round = 1; round <= 2; round += 1) {
      const message = await rawGet(work, false);
      assert.equal(message.exchange, dlx);
      assert.equal(message.routingKey, "to-work");
      seen.push(tableShape(properties(message.headerPayload).headers ?? {}, []));
      rawReject(message);
    }
    const waitEntry = (count: number): Array<[string, Shape]> => [
      ["count", `l:${count}`], ["exchange", `S:${dlx}`], ["queue", `S:${wait}`], ["reason", "S:expired"], ["routing-keys", ["S:to-wait"]], ["time", "T"],
    ];
    const firstHeaders = (deathList: Shape): Array<[string, Shape]> => [
      ["app", "S:x"], ["x-death", deathList],
      ["x-first-death-exchange", "S:amq.direct"], ["x-first-death-queue", `S:${work}`], ["x-first-death-reason", "S:rejected"],
    ];
    // After one rejection and one expiry: the expiry entry was added to an existing array (sorted keys);
    // the rejection entry is as first written.
    assertHeaders(seen[0], firstHeaders([
      waitEntry(1),
      [["count", "l:1"], ["reason", "S:rejected"], ["queue", `S:${work}`], ["time", "T"], ["exchange", "S:amq.direct"],
        ["routing-keys", [`S:orig-${work}`]], ["original-expiration", "S:60000"]],
    ]));
    // After the second round both entries were updated: count 2, keys sorted, original fields kept.
    assertHeaders(seen[1], firstHeaders([
      waitEntry(2),
      [["count", "l:2"], ["exchange", "S:amq.direct"], ["original-expiration", "S:60000"], ["queue", `S:${work}`],
        ["reason", "S:rejected"], ["routing-keys", [`S:orig-${work}`]], ["time", "T"]],
    ]));
  });

  test("an updated entry keeps the time of its first death", async () => {
    const ch = await channel();
    const { work, wait } = await retryPair(ch, 1_100); // each round crosses at least one second boundary
    ch.publish("amq.direct", `orig-${work}`, Buffer.from("m"));
    const firstRejectSeconds = nowSeconds();
    rawReject(await rawGet(work, false));
    const back = await rawGet(work, false);
    const firstTimes: bigint[] = [];
    tableShape(properties(back.headerPayload).headers ?? {}, firstTimes); // [wait expired, work rejected]
    rawReject(back);
    const again = await rawGet(work, true);
    const secondTimes: bigint[] = [];
    tableShape(properties(again.headerPayload).headers ?? {}, secondTimes);
    assert.deepEqual(secondTimes, firstTimes, "count went up, time stayed");
    assert.ok(Number(firstTimes[1]) <= firstRejectSeconds + 1);
    void wait;
  });

  test("a maxlen death and an expired death record their own reason, exchange and routing keys", async () => {
    const ch = await channel();
    const target = uniqueName("xd-target");
    const bounded = uniqueName("xd-bounded");
    declared.push(target, bounded);
    await ch.assertQueue(target, { durable: false });
    await ch.assertQueue(bounded, { durable: false, arguments: { "x-max-length": 1, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": target } });
    ch.sendToQueue(bounded, Buffer.from("oldest"), { headers: { n: 1 } });
    ch.sendToQueue(bounded, Buffer.from("newest"));
    const dead = await rawGet(target, true);
    assert.equal(dead.body.toString(), "oldest");
    assertHeaders(tableShape(properties(dead.headerPayload).headers ?? {}, []), [
      ["n", "b:1"],
      ["x-death", [[["count", "l:1"], ["reason", "S:maxlen"], ["queue", `S:${bounded}`], ["time", "T"], ["exchange", "S:"], ["routing-keys", [`S:${bounded}`]]]]],
      ["x-first-death-exchange", "S:"], ["x-first-death-queue", `S:${bounded}`], ["x-first-death-reason", "S:maxlen"],
    ]);
  });
});

describe("CC and x-death", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("routing-keys lists the routing key and the CC keys; the CC header is removed", async () => {
    const ch = await channel();
    const { dlx, work, wait } = await retryPair(ch, 60_000);
    ch.publish("amq.direct", `orig-${work}`, Buffer.from("m"), { headers: { app: "x", CC: ["cc-key"] } });
    rawReject(await rawGet(work, false));
    const dead = await rawGet(wait, true);
    assert.equal(dead.exchange, dlx);
    assertHeaders(tableShape(properties(dead.headerPayload).headers ?? {}, []), [
      ["app", "S:x"],
      ["x-death", [[["count", "l:1"], ["reason", "S:rejected"], ["queue", `S:${work}`], ["time", "T"], ["exchange", "S:amq.direct"],
        ["routing-keys", [`S:orig-${work}`, "S:cc-key"]]]]],
      ["x-first-death-exchange", "S:amq.direct"], ["x-first-death-queue", `S:${work}`], ["x-first-death-reason", "S:rejected"],
    ]);
  });
});
