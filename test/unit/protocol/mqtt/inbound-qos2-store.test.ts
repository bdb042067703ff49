/**
 * The inbound QoS 2 packet id log of persistent sessions: what comes back after a reopen,
 * that a hold or release is reported only after its fdatasync, group commit, compaction,
 * torn tails, failed writes, and sessions that never come back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { InboundQos2Store } from "../../../../src/protocol/mqtt/inbound-qos2-store.js";
import { INBOUND_QOS2_MAGIC, Qos2RecordKind, decodeQos2File, encodeEnd, encodeHold, encodeRelease } from "../../../../src/protocol/mqtt/inbound-qos2-file.js";
import { nodeFileSystem } from "../../../../src/io/file-system.js";
import { FaultyFileSystem } from "../../store/helpers.js";
import { seedFromEnvironment, seededRandom } from "../../../helpers/random.js";

function dataDirectory(t: { after(fn: () => void): void }): string {
  const directory = mkdtempSync(join(tmpdir(), "warren-qos2-log-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }), lines };
}

const silent = pino({ level: "silent" });
const logPath = (dataDir: string): string => join(dataDir, "mqtt", "inbound-qos2.log");

/** The real file system, except that fdatasync waits until the test opens the gate. */
class GatedFileSystem extends FaultyFileSystem {
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  dataSyncs = 0;

  holdSyncs(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  releaseSyncs(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  override async syncData(fd: number): Promise<void> {
    this.dataSyncs++;
    if (this.gate !== undefined) await this.gate;
    return nodeFileSystem.syncData(fd);
  }
}

async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index++) await new Promise((resolve) => setImmediate(resolve));
}

function tracked(promise: Promise<void> | undefined): { settled: boolean; promise: Promise<void> } {
  assert.ok(promise !== undefined);
  const state = { settled: false, promise };
  promise.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

test("held ids come back after a reopen; released and ended ones do not", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await InboundQos2Store.open(dataDir, silent);
  await Promise.all([store.hold("/\u0000a", 1, 60), store.hold("/\u0000a", 2, 60), store.hold("/\u0000b", 7, 60), store.hold("/\u0000c", 9, 60)]);
  await store.release("/\u0000a", 1);
  await store.drop("/\u0000c");
  assert.equal(store.release("/\u0000a", 1), undefined, "not held any more: nothing to write");
  assert.equal(store.drop("/\u0000nobody"), undefined);
  await store.close();

  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.equal(reopened.sessionCount, 2);
  assert.deepEqual(reopened.claim("/\u0000a"), [2]);
  assert.deepEqual(reopened.claim("/\u0000b"), [7]);
  assert.equal(reopened.claim("/\u0000c"), undefined);
  await reopened.close();
});

test("a hold and a release are reported only after their fdatasync, and records of one turn share it", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new GatedFileSystem();
  const store = await InboundQos2Store.open(dataDir, silent, { fileSystem });
  await store.hold("/\u0000warm", 1, 60); // the first round creates the file
  const syncsBefore = fileSystem.dataSyncs;

  fileSystem.holdSyncs();
  const holds = Array.from({ length: 100 }, (_, index) => tracked(store.hold("/\u0000s", index + 1, 60)));
  await turns(5);
  assert.ok(holds.every((hold) => !hold.settled), "not reported while the fdatasync has not returned");
  fileSystem.releaseSyncs();
  await Promise.all(holds.map((hold) => hold.promise));
  assert.equal(fileSystem.dataSyncs - syncsBefore, 1, "one fdatasync for the hundred records");

  fileSystem.holdSyncs();
  const release = tracked(store.release("/\u0000s", 50));
  await turns(5);
  assert.equal(release.settled, false, "the PUBCOMP would wait");
  fileSystem.releaseSyncs();
  await release.promise;
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.equal(reopened.heldIds("/\u0000s").length, 99);
  assert.ok(!reopened.heldIds("/\u0000s").includes(50));
  await reopened.close();
});

test("a record reaches the file only after the turn's microtasks, where the queue stores write the turn's messages", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await InboundQos2Store.open(dataDir, silent);
  await store.hold("/\u0000order", 1, 60);
  const before = readFileSync(logPath(dataDir)).length;
  const held = store.hold("/\u0000order", 2, 60);
  for (let index = 0; index < 10; index++) await Promise.resolve(); // microtasks of this turn
  assert.equal(readFileSync(logPath(dataDir)).length, before, "not written before the messages of the turn");
  await held;
  assert.ok(readFileSync(logPath(dataDir)).length > before);
  await store.close();
});

test("an END is pending until it is durable; the next CONNACK waits for it", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new GatedFileSystem();
  const store = await InboundQos2Store.open(dataDir, silent, { fileSystem });
  await store.hold("/\u0000gone", 3, 60);
  fileSystem.holdSyncs();
  store.drop("/\u0000gone");
  const pending = tracked(store.pendingEnd("/\u0000gone"));
  await turns(5);
  assert.equal(pending.settled, false);
  fileSystem.releaseSyncs();
  await pending.promise;
  assert.equal(store.pendingEnd("/\u0000gone"), undefined);
  await store.close();
});

test("settled: an ack answering a re-send waits for whatever is still on its way to the disk", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new GatedFileSystem();
  const store = await InboundQos2Store.open(dataDir, silent, { fileSystem });
  assert.equal(store.settled(), undefined, "nothing written: nothing to wait for");
  fileSystem.holdSyncs();
  void store.hold("/\u0000resend", 8, 60);
  await turns(2); // the round is running now, held in its fdatasync
  const settled = tracked(store.settled());
  await turns(5);
  assert.equal(settled.settled, false);
  fileSystem.releaseSyncs();
  await settled.promise;
  assert.equal(store.settled(), undefined);
  await store.close();
});

test("the log is rewritten with the live ids once it has grown: its size follows the ids held", async (t) => {
  const dataDir = dataDirectory(t);
  const compactBytesMin = 4096;
  const store = await InboundQos2Store.open(dataDir, silent, { compactBytesMin });
  await store.hold("/\u0000keeper", 100, 3600);
  let largest = 0;
  for (let index = 0; index < 2000; index++) {
    const packetId = (index % 50) + 1;
    await store.hold("/\u0000busy", packetId, 60);
    await store.release("/\u0000busy", packetId);
    largest = Math.max(largest, statSync(logPath(dataDir)).size);
  }
  assert.ok(store.rewrites >= 10, `rewritten ${store.rewrites} times`);
  assert.ok(largest < compactBytesMin, `largest ${largest} bytes`);
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.claim("/\u0000keeper"), [100]);
  assert.equal(reopened.claim("/\u0000busy"), undefined);
  await reopened.close();
});

test("a large live set is rewritten too: the threshold grows with it", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await InboundQos2Store.open(dataDir, silent, { compactBytesMin: 1024 });
  await Promise.all(Array.from({ length: 3000 }, (_, index) => store.hold("/\u0000big", index + 1, 60)));
  const rewritesAfterFill = store.rewrites;
  for (let index = 0; index < 200; index++) await store.release("/\u0000big", index + 1);
  assert.ok(store.rewrites - rewritesAfterFill <= 1, "releasing a few does not rewrite the big set each round");
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.equal(reopened.heldIds("/\u0000big").length, 2800);
  await reopened.close();
});

test("a torn or damaged tail is ignored and logged; the next write starts a clean file", async (t) => {
  const dataDir = dataDirectory(t);
  const path = logPath(dataDir);
  const store = await InboundQos2Store.open(dataDir, silent);
  await store.hold("/\u0000x", 1, 60);
  await store.hold("/\u0000x", 2, 60);
  await store.close();
  appendFileSync(path, encodeHold("/\u0000x", 3, 60).subarray(0, 10)); // a write cut short

  const { logger, lines } = capturingLogger();
  const reopened = await InboundQos2Store.open(dataDir, logger);
  assert.deepEqual(reopened.heldIds("/\u0000x").sort(), [1, 2]);
  assert.ok(lines.some((line) => line.includes("torn record")), lines.join(""));
  await reopened.hold("/\u0000x", 4, 60);
  await reopened.close();
  const decoded = decodeQos2File(readFileSync(path));
  assert.equal(decoded.damage, undefined, "rewritten without the torn bytes");
  assert.deepEqual(decoded.records.map((record) => record.packetId).sort(), [1, 2, 4]);
});

test("the decoder stops at the first damaged record, whatever the damage", () => {
  const records = [encodeHold("/\u0000k", 1, 60), encodeHold("/\u0000k", 2, 60), encodeRelease("/\u0000k", 1), encodeEnd("/\u0000other")];
  const file = Buffer.concat([INBOUND_QOS2_MAGIC, ...records]);
  const ends = [INBOUND_QOS2_MAGIC.length];
  for (const record of records) ends.push(ends[ends.length - 1] + record.length);
  for (let length = 0; length <= file.length; length++) {
    const decoded = decodeQos2File(file.subarray(0, length));
    const whole = ends.filter((end) => end <= length).length - 1;
    assert.equal(decoded.records.length, Math.max(0, whole), `cut at ${length}`);
  }
  for (let offset = INBOUND_QOS2_MAGIC.length; offset < file.length; offset++) {
    const damaged = Buffer.from(file);
    damaged[offset] ^= 0x40;
    const decoded = decodeQos2File(damaged);
    const recordIndex = ends.findIndex((end) => end > offset) - 1;
    assert.equal(decoded.records.length, recordIndex, `flipped byte ${offset}`);
    assert.ok(decoded.damage !== undefined);
  }
  assert.deepEqual(decodeQos2File(file).records[3], { kind: Qos2RecordKind.END, key: "/\u0000other", packetId: 0, expirySeconds: 0 });
});

test("a failed fdatasync rejects its waiters; the next round rewrites a fresh file with everything", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new FaultyFileSystem();
  const { logger, lines } = capturingLogger();
  const store = await InboundQos2Store.open(dataDir, logger, { fileSystem });
  await store.hold("/\u0000f", 1, 60);
  fileSystem.syncFailureCode = "EIO";
  await assert.rejects(store.hold("/\u0000f", 2, 60) as Promise<void>, /EIO/);
  await assert.rejects(store.hold("/\u0000f", 3, 60) as Promise<void>, /EIO/);
  assert.equal(lines.filter((line) => line.includes("failed")).length, 1, "logged once per failure streak");
  fileSystem.syncFailureCode = undefined;
  const rewritesBefore = store.rewrites;
  await store.hold("/\u0000f", 4, 60);
  assert.equal(store.rewrites, rewritesBefore + 1, "a fresh file, not an append after bytes that may be lost");
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.heldIds("/\u0000f").sort(), [1, 2, 3, 4]);
  await reopened.close();
});

test("a failed write rejects its waiters and does not leave a torn log behind", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new FaultyFileSystem();
  const store = await InboundQos2Store.open(dataDir, silent, { fileSystem });
  await store.hold("/\u0000w", 1, 60);
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 5 };
  await assert.rejects(store.hold("/\u0000w", 2, 60) as Promise<void>, /ENOSPC/);
  await store.hold("/\u0000w", 3, 60);
  await store.close();
  const decoded = decodeQos2File(readFileSync(logPath(dataDir)));
  assert.equal(decoded.damage, undefined);
  assert.deepEqual(decoded.records.map((record) => record.packetId).sort(), [1, 2, 3]);
});

test("recovered sessions whose client never comes back are dropped after their expiry; claimed ones stay", async (t) => {
  const dataDir = dataDirectory(t);
  const store = await InboundQos2Store.open(dataDir, silent);
  await store.hold("/\u0000away", 1, 10);
  await store.hold("/\u0000back", 2, 10);
  await store.hold("/\u0000forever", 3, 0xffff_ffff);
  await store.close();

  const startMs = Date.now();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.claim("/\u0000back"), [2]);
  reopened.sweep(startMs + 5_000);
  assert.equal(reopened.sessionCount, 3, "not yet");
  reopened.sweep(startMs + 11_000);
  assert.deepEqual(reopened.heldIds("/\u0000away"), []);
  assert.deepEqual(reopened.heldIds("/\u0000back"), [2], "resumed: its own session's expiry applies");
  assert.deepEqual(reopened.heldIds("/\u0000forever"), [3]);
  reopened.sweep(startMs + 10 * 365 * 86_400_000);
  assert.deepEqual(reopened.heldIds("/\u0000forever"), [3]);
  await reopened.close();
  const again = await InboundQos2Store.open(dataDir, silent);
  assert.equal(again.claim("/\u0000away"), undefined, "the drop is on disk");
  await again.close();
});

test("an unclaimed session keeps its deadline when the log is rewritten, so restarts do not extend it", async (t) => {
  const dataDir = dataDirectory(t);
  const path = logPath(dataDir);
  const store = await InboundQos2Store.open(dataDir, silent);
  await store.hold("/\u0000waiting", 5, 1000);
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  await reopened.hold("/\u0000other", 1, 60); // the first write after a start rewrites the file
  await reopened.close();
  const hold = decodeQos2File(readFileSync(path)).records.find((record) => record.key === "/\u0000waiting");
  assert.ok(hold !== undefined && hold.expirySeconds <= 1000 && hold.expirySeconds > 990);
});

test("without a data directory nothing is written and nothing waits", async () => {
  const store = await InboundQos2Store.open(undefined, silent);
  assert.equal(store.hold("/\u0000m", 1, 60), undefined);
  assert.equal(store.release("/\u0000m", 1), undefined);
  assert.equal(store.drop("/\u0000m"), undefined);
  assert.equal(store.claim("/\u0000m"), undefined);
  await store.close();
});

test("a rewrite interrupted before its rename leaves the old log in force", async (t) => {
  const dataDir = dataDirectory(t);
  const path = logPath(dataDir);
  const store = await InboundQos2Store.open(dataDir, silent);
  await store.hold("/\u0000r", 1, 60);
  await store.close();
  writeFileSync(`${path}.tmp`, Buffer.concat([INBOUND_QOS2_MAGIC, encodeHold("/\u0000r", 2, 60)]).subarray(0, 12));
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.heldIds("/\u0000r"), [1]);
  assert.equal(existsSync(`${path}.tmp`), false);
  await reopened.close();
});

test("compaction while a round is still syncing the old file loses nothing", async (t) => {
  const dataDir = dataDirectory(t);
  const fileSystem = new GatedFileSystem();
  const store = await InboundQos2Store.open(dataDir, silent, { fileSystem, compactBytesMin: 512 });
  await store.hold("/\u0000first", 1, 60);
  fileSystem.holdSyncs();
  const waits: Array<Promise<void> | undefined> = [];
  for (let index = 1; index <= 300; index++) {
    const packetId = (index % 60) + 1;
    waits.push(store.hold("/\u0000busy", packetId, 60));
    if (index % 7 !== 0) waits.push(store.release("/\u0000busy", packetId));
    if (index % 20 === 0) await turns(1); // new rounds wait behind the held one; the file is replaced meanwhile
  }
  const rewritesWhileHeld = store.rewrites;
  fileSystem.releaseSyncs();
  await Promise.all(waits);
  assert.ok(store.rewrites > rewritesWhileHeld, `a new file was started while the first round waited, and renamed after it`);
  const expected = store.heldIds("/\u0000busy").sort((a, b) => a - b);
  await store.close();
  const reopened = await InboundQos2Store.open(dataDir, silent);
  assert.deepEqual(reopened.heldIds("/\u0000busy").sort((a, b) => a - b), expected);
  assert.deepEqual(reopened.heldIds("/\u0000first"), [1]);
  await reopened.close();
});

/**
 * What a kill -9 leaves is what had been written to the files: copies of the directory taken at
 * random moments must recover to the ids after some prefix of the operations, one that includes
 * every operation already reported durable.
 */
test("copies taken at any moment recover a prefix of the history that covers everything reported durable", async (t) => {
  const seed = seedFromEnvironment("QOS2_LOG_SEED");
  const random = seededRandom(seed);
  const dataDir = dataDirectory(t);
  const store = await InboundQos2Store.open(dataDir, silent, { compactBytesMin: 600 });
  const keys = ["/\u0000a", "/\u0000b", "/\u0000c"];
  type Model = Map<string, Set<number>>;
  const states: string[] = [];
  const model: Model = new Map();
  const describe = (state: Model): string => JSON.stringify([...state].filter(([, ids]) => ids.size > 0).map(([key, ids]) => [key, [...ids].sort((x, y) => x - y)]).sort());
  states.push(describe(model));
  let durableUpTo = 0;
  for (let step = 0; step < 600; step++) {
    const key = keys[Math.floor(random() * keys.length)];
    const ids = model.get(key) ?? new Set<number>();
    const choice = random();
    let promise: Promise<void> | undefined;
    if (choice < 0.55) {
      const packetId = 1 + Math.floor(random() * 40);
      promise = store.hold(key, packetId, 60);
      ids.add(packetId);
      model.set(key, ids);
    } else if (choice < 0.95 && ids.size > 0) {
      const packetId = [...ids][Math.floor(random() * ids.size)];
      promise = store.release(key, packetId);
      ids.delete(packetId);
    } else {
      promise = store.drop(key);
      model.delete(key);
    }
    states.push(describe(model));
    const index = states.length - 1;
    promise?.then(() => (durableUpTo = Math.max(durableUpTo, index)), () => assert.fail("no failure injected"));
    if (random() < 0.3) await turns(1 + Math.floor(random() * 3));
    if (random() < 0.05) {
      const copy = mkdtempSync(join(tmpdir(), "warren-qos2-copy-"));
      try {
        const mustInclude = durableUpTo;
        const issued = states.length - 1;
        cpSync(dataDir, copy, { recursive: true });
        const recovered = await InboundQos2Store.open(copy, silent);
        const state: Model = new Map(keys.map((name) => [name, new Set(recovered.heldIds(name))]));
        const found = describe(state);
        const matches = states.slice(mustInclude, issued + 1).includes(found);
        assert.ok(matches, `seed ${seed}, step ${step}: recovered ${found} is not a state between operation ${mustInclude} and ${issued}`);
        await recovered.close();
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
  }
  await store.close();
});
