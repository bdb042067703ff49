/**
 * The record log with real files and real fdatasync: replay in order, group commit, a record
 * never reported before its fdatasync, torn and zero-filled tails cut off, a failed write or
 * fdatasync failing the log for good, rewrites that replace the file atomically.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RecordLog } from "../../../src/wal/record-log.js";
import { LogError } from "../../../src/wal/errors.js";
import { LOG_HEADER_BYTES, decodeRecords, encodeRecordBytes } from "../../../src/wal/log-format.js";
import { FaultyFileSystem } from "../store/helpers.js";
import { GatedFileSystem, realFiles, scratchDirectory, tracked, turns } from "./helpers.js";

const payload = (index: number, bytes = 10 + (index % 50)): Buffer => {
  const buffer = Buffer.alloc(bytes, index & 0xff);
  buffer.writeUInt32LE(index, 0);
  return buffer;
};

test("records come back in order after a reopen, byte-exact, parts joined", async (t) => {
  const path = join(scratchDirectory(t), "sub", "test.log");
  const { log, records } = RecordLog.open({ path, tag: "TEST", ...realFiles });
  assert.deepEqual(records, []);
  assert.equal(existsSync(path), false, "nothing written before the first record");
  await Promise.all(Array.from({ length: 50 }, (_, index) => log.append(index % 2 ? payload(index) : [payload(index).subarray(0, 4), payload(index).subarray(4)])));
  await log.append(Buffer.alloc(0));
  await log.close();
  const reopened = RecordLog.open({ path, tag: "TEST", ...realFiles });
  assert.equal(reopened.records.length, 51);
  for (let index = 0; index < 50; index++) assert.ok(reopened.records[index]!.equals(payload(index)), `record ${index}`);
  assert.equal(reopened.records[50]!.length, 0);
  assert.deepEqual(reopened.repairs, []);
  await reopened.log.append(payload(99));
  await reopened.log.close();
  assert.equal(RecordLog.open({ path, tag: "TEST", ...realFiles }).records.length, 52);
});

test("a record is reported only after its fdatasync, and one fdatasync covers every record appended while the last one ran", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const fileSystem = new GatedFileSystem();
  const durableReports: number[] = [];
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles, fileSystem, onDurable: (sequence) => durableReports.push(sequence) });
  await log.append(payload(0));
  const syncsBefore = fileSystem.dataSyncs;

  fileSystem.holdSyncs();
  const first = Array.from({ length: 100 }, (_, index) => tracked(log.append(payload(index + 1))));
  await turns(3); // the round is in its fdatasync now
  const second = Array.from({ length: 100 }, (_, index) => tracked(log.append(payload(index + 101))));
  await turns(3);
  assert.ok([...first, ...second].every((append) => !append.settled), "nothing reported while the fdatasync has not returned");
  assert.equal(log.durableSequence, 1);
  fileSystem.releaseSyncs();
  await Promise.all([...first, ...second].map((append) => append.promise));
  assert.equal(fileSystem.dataSyncs - syncsBefore, 2, "one fdatasync for the first hundred, one for the hundred appended during it");
  assert.deepEqual(durableReports, [1, 101, 201]);
  assert.equal(log.settled(), undefined);
  await log.close();
});

test("nothing reaches the file before the turn's microtasks are over", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles });
  await log.append(payload(0));
  const before = statSync(path).size;
  const appended = log.append(payload(1));
  for (let index = 0; index < 10; index++) await Promise.resolve();
  assert.equal(statSync(path).size, before);
  await appended;
  assert.ok(statSync(path).size > before);
  await log.close();
});

test("a torn tail is cut off at open and the log goes on after the last whole record", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles });
  for (let index = 0; index < 5; index++) await log.append(payload(index));
  await log.close();
  const whole = statSync(path).size;
  const record = encodeRecordBytes(payload(5, 200));
  for (const tornBytes of [1, 11, 12, 100, record.length - 1]) {
    appendFileSync(path, record.subarray(0, tornBytes));
    const messages: string[] = [];
    const reopened = RecordLog.open({ path, tag: "TEST", ...realFiles, log: (message) => messages.push(message) });
    assert.equal(reopened.records.length, 5, `torn after ${tornBytes} bytes`);
    assert.ok(messages.some((message) => message.includes(`cut ${tornBytes} bytes`)), messages.join("; "));
    assert.equal(statSync(path).size, whole, "cut off on disk");
    await reopened.log.close();
  }
  // A zero-filled tail (a file extended but never written, after a power cut) never passes for a record.
  appendFileSync(path, Buffer.alloc(4096));
  const zeroed = RecordLog.open({ path, tag: "TEST", ...realFiles });
  assert.equal(zeroed.records.length, 5);
  assert.match(zeroed.repairs.join(), /cut 4096 bytes/);
  await zeroed.log.append(payload(6));
  await zeroed.log.close();
  const decoded = decodeRecords(readFileSync(path), LOG_HEADER_BYTES);
  assert.equal(decoded.damage, undefined);
  assert.equal(decoded.payloads.length, 6);
});

test("reading stops at the first damaged record, wherever the damage is", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles });
  for (let index = 0; index < 4; index++) await log.append(payload(index, 20));
  await log.close();
  const file = readFileSync(path);
  const ends = [LOG_HEADER_BYTES];
  for (let index = 0; index < 4; index++) ends.push(ends[ends.length - 1]! + 12 + 20);
  for (let offset = LOG_HEADER_BYTES; offset < file.length; offset++) {
    const damaged = Buffer.from(file);
    damaged[offset]! ^= 0x20;
    const decoded = decodeRecords(damaged, LOG_HEADER_BYTES);
    assert.equal(decoded.payloads.length, ends.findIndex((end) => end > offset) - 1, `flipped byte ${offset}`);
    assert.ok(decoded.damage !== undefined);
  }
});

test("a file of another kind, or not a log at all, is refused and left alone", async (t) => {
  const directory = scratchDirectory(t);
  const path = join(directory, "test.log");
  const { log } = RecordLog.open({ path, tag: "AAAA", ...realFiles });
  await log.append(payload(1));
  await log.close();
  assert.throws(() => RecordLog.open({ path, tag: "BBBB", ...realFiles }), (error: unknown) => error instanceof LogError && error.code === "LOG_CORRUPT" && /'AAAA' log/.test(error.message));
  const foreign = join(directory, "foreign.log");
  writeFileSync(foreign, "definitely not a log");
  assert.throws(() => RecordLog.open({ path: foreign, tag: "AAAA", ...realFiles }), /bad magic/);
  assert.equal(readFileSync(foreign, "utf8"), "definitely not a log");
});

test("a failed fdatasync rejects every waiter and every later append; a new log can start over", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const fileSystem = new GatedFileSystem();
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles, fileSystem });
  await log.append(payload(0));
  fileSystem.holdSyncs();
  const inRound = log.append(payload(1));
  await turns(3);
  const waiting = log.append(payload(2)); // appended while the failing fdatasync runs
  fileSystem.syncFailureCode = "EIO";
  fileSystem.releaseSyncs();
  await assert.rejects(inRound, (error: unknown) => error instanceof LogError && error.code === "LOG_FAILED" && error.systemCode === "EIO");
  await assert.rejects(waiting, /LOG_FAILED.*EIO/);
  assert.throws(() => log.append(payload(3)), /LOG_FAILED/);
  assert.throws(() => log.rewrite([]), /LOG_FAILED/);
  assert.ok(log.failed);
  fileSystem.syncFailureCode = undefined;

  const fresh = RecordLog.create({ path, tag: "TEST", ...realFiles, fileSystem });
  await fresh.rewrite([payload(0), payload(1), payload(2)]);
  await fresh.append(payload(3));
  await fresh.close();
  assert.deepEqual(RecordLog.open({ path, tag: "TEST", ...realFiles }).records, [payload(0), payload(1), payload(2), payload(3)]);
});

test("a failed write rejects its waiters; recovery cuts the partial record it left", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const fileSystem = new FaultyFileSystem();
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles, fileSystem });
  await log.append(payload(0));
  fileSystem.writeFailure = { code: "ENOSPC", bytesBeforeFailure: 5 };
  await assert.rejects(log.append(payload(1)), /ENOSPC/);
  assert.throws(() => log.append(payload(2)), /LOG_FAILED/);
  const reopened = RecordLog.open({ path, tag: "TEST", ...realFiles });
  assert.deepEqual(reopened.records, [payload(0)]);
  assert.match(reopened.repairs.join(), /cut 5 bytes/);
  await reopened.log.close();
});

test("a rewrite replaces the log atomically; appends made after it follow it; an interrupted one is removed at open", async (t) => {
  const directory = scratchDirectory(t);
  const path = join(directory, "test.log");
  const fileSystem = new GatedFileSystem();
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles, fileSystem });
  for (let index = 0; index < 20; index++) await log.append(payload(index));
  const sizeBefore = statSync(path).size;

  fileSystem.holdSyncs();
  const dropped = log.append(payload(100)); // not written yet: the rewrite covers it
  const rewritten = tracked(log.rewrite([payload(7)]));
  const after = tracked(log.append(payload(8)));
  await turns(3);
  assert.equal(statSync(path).size, sizeBefore, "the old log stays in force until the rename");
  assert.ok(readdirSync(directory).some((name) => name.endsWith(".tmp")));
  assert.equal(rewritten.settled, false);
  fileSystem.releaseSyncs();
  await Promise.all([dropped, rewritten.promise, after.promise]);
  assert.equal(log.rewrites, 2, "the creation of the file, then this one");
  assert.equal(log.sizeBytes, statSync(path).size);
  await log.close();
  assert.deepEqual(RecordLog.open({ path, tag: "TEST", ...realFiles }).records, [payload(7), payload(8)]);
  assert.deepEqual(readdirSync(directory), ["test.log"]);

  writeFileSync(`${path}.123-4.tmp`, "half a rewrite");
  const reopened = RecordLog.open({ path, tag: "TEST", ...realFiles });
  assert.deepEqual(reopened.records, [payload(7), payload(8)]);
  assert.match(reopened.repairs.join(), /interrupted rewrite/);
  assert.deepEqual(readdirSync(directory), ["test.log"]);
});

test("a closed log refuses appends", async (t) => {
  const path = join(scratchDirectory(t), "test.log");
  const { log } = RecordLog.open({ path, tag: "TEST", ...realFiles });
  const appended = log.append(payload(1));
  await log.close();
  await appended;
  assert.throws(() => log.append(payload(2)), /LOG_CLOSED/);
});
