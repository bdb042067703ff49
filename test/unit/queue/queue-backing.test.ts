/**
 * Records of a queue's store decode back to the message that was appended, whatever mix of
 * exchanges and routing keys (RecordNames reuses the last strings only when the bytes match),
 * and a damaged record is refused, never turned into a message; a store failure reaches the
 * publishers waiting on it as "lost", never as "durable".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Message } from "../../../src/message/message.js";
import { encodeContentHeader } from "../../../src/message/properties.generated.js";
import { decodeMessage, peekRecord, QueueBacking } from "../../../src/queue/classic/queue-backing.js";
import { seedFromEnvironment, seededRandom } from "../../helpers/random.js";
import { Committer } from "../../../src/store/committer.js";
import { FaultyFileSystem, openStore, tempDirectory } from "../store/helpers.js";

const seed = seedFromEnvironment("QUEUE_BACKING_SEED");

test("readMessage returns each appended message, across changing exchanges and routing keys", async () => {
  const random = seededRandom(seed);
  const { store } = await openStore(tempDirectory(), { sync: false, segmentSizeBytes: 64 * 1024 });
  const backing = new QueueBacking(store);
  const names = ["", "amq.direct", "orders", "ordres", "ørders", "x".repeat(255)];
  const written: { message: Message; position: Parameters<QueueBacking["readMessage"]>[0] }[] = [];
  for (let index = 0; index < 500; index++) {
    const pick = () => (random() < 0.8 ? names[2] : names[Math.floor(random() * names.length)]);
    const body = Buffer.from(`body-${index}-${"b".repeat(Math.floor(random() * 300))}`);
    const message = new Message(pick(), pick(), encodeContentHeader(60, body.length, { messageId: String(index) }), body);
    written.push({ message, position: backing.append(message, random() < 0.5 ? Infinity : index).position });
  }
  for (const { message, position } of written) {
    const read = backing.readMessage(position);
    assert.equal(read.exchange, message.exchange, `seed ${seed}`);
    assert.equal(read.routingKey, message.routingKey, `seed ${seed}`);
    assert.deepEqual(read.header, message.header);
    assert.deepEqual(read.body, message.body);
    assert.equal(read.properties().messageId, message.properties().messageId);
  }
  await store.deleteAll(); // a scratch store (sync: false) is discarded, never closed
});

test("a record cut short anywhere is refused", async () => {
  const { store } = await openStore(tempDirectory(), { sync: false });
  const backing = new QueueBacking(store);
  const body = Buffer.from("hello");
  const message = new Message("ex", "key", encodeContentHeader(60, body.length, { priority: 3 }), body);
  const payload = store.read(backing.append(message, 1234).position);
  assert.equal(peekRecord(payload).expiresAtMs, 1234);
  assert.equal(peekRecord(payload).bodySizeBytes, body.length);
  const whole = decodeMessage(Buffer.from(payload));
  assert.deepEqual([whole.exchange, whole.routingKey, whole.body.toString()], ["ex", "key", "hello"]);
  // Up to the end of the header the record is incomplete; after it, a shorter body is still a body.
  const headerEnd = payload.length - body.length;
  for (let length = 0; length < headerEnd; length++) {
    assert.throws(() => decodeMessage(Buffer.from(payload.subarray(0, length))), /truncated/, `length ${length}`);
  }
  await store.deleteAll(); // a scratch store (sync: false) is discarded, never closed
});

test("a store that fails under a batch tells that batch's waiters their messages are lost, and never durable", { timeout: 20_000 }, async () => {
  const fileSystem = new FaultyFileSystem();
  let backing: QueueBacking | undefined;
  const { store } = await openStore(tempDirectory(), {
    committer: new Committer({ fileSystem }),
    onDurable: (sequence) => backing?.onDurable(sequence),
    onFailure: () => backing?.onFailure(),
    log: () => undefined,
  });
  backing = new QueueBacking(store);
  const outcomes: string[] = [];
  let settle: (() => void) | undefined;
  const waiter = {
    messageDurable: (token: number) => { outcomes.push(`durable ${token}`); settle?.(); },
    messageLost: (token: number) => { outcomes.push(`lost ${token}`); settle?.(); },
  };
  const until = (count: number) => new Promise<void>((resolve) => {
    settle = () => { if (outcomes.length >= count) resolve(); };
    settle();
  });
  const message = (n: number) => {
    const body = Buffer.from(`message ${n}`);
    return new Message("", "q", encodeContentHeader(60, body.length, {}), body);
  };
  backing.waitFor(backing.append(message(1), Infinity).sequence, waiter, 1);
  await until(1);
  // The disk fills up under the next turn's write: neither of its two messages may be confirmed.
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 0 };
  backing.waitFor(backing.append(message(2), Infinity).sequence, waiter, 2);
  backing.waitFor(backing.append(message(3), Infinity).sequence, waiter, 3);
  await until(3);
  assert.deepEqual(outcomes, ["durable 1", "lost 2", "lost 3"]);
  await store.deleteAll();
});
