import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeFileSystem, type FileSystem } from "../../../src/io/file-system.js";
import { HandleCache } from "../../../src/store/handle-cache.js";
import { tempDirectory } from "./helpers.js";

/** The real file system, with its opens and closes counted (by path and by descriptor). */
function countingFileSystem(): { fileSystem: FileSystem; opened: string[]; closed: number[] } {
  const opened: string[] = [];
  const closed: number[] = [];
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    open: (path, mode) => { opened.push(path); return nodeFileSystem.open(path, mode); },
    close: (fd) => { closed.push(fd); nodeFileSystem.close(fd); },
  };
  return { fileSystem, opened, closed };
}

function segmentsIn(count: number): (segmentId: number) => string {
  const directory = tempDirectory();
  mkdirSync(directory, { recursive: true });
  for (let id = 1; id <= count; id++) writeFileSync(join(directory, `${id}.seg`), `segment ${id}`);
  return (segmentId) => join(directory, `${segmentId}.seg`);
}

test("a segment's descriptor is opened once, and its path made only to open it", () => {
  const { fileSystem, opened, closed } = countingFileSystem();
  const paths: number[] = [];
  const pathOf = segmentsIn(2);
  const cache = new HandleCache(fileSystem, 2, "readWrite", (id) => { paths.push(id); return pathOf(id); });
  const first = cache.get(1);
  assert.equal(cache.get(1), first);
  assert.equal(cache.get(1), first);
  const second = cache.get(2);
  assert.equal(cache.get(1), first);
  assert.equal(cache.get(2), second);
  assert.deepEqual(paths, [1, 2]);
  assert.equal(opened.length, 2);
  cache.closeAll();
  assert.deepEqual(closed.sort(), [first, second].sort());
});

test("the least recently used descriptor is closed first when the cache is full", () => {
  const { fileSystem, opened, closed } = countingFileSystem();
  const cache = new HandleCache(fileSystem, 2, "readWrite", segmentsIn(3));
  const one = cache.get(1);
  cache.get(2);
  cache.get(1); // 2 is now the least recently used
  cache.get(3);
  assert.notEqual(closed[0], one);
  assert.equal(closed.length, 1);
  assert.equal(cache.get(1), one); // still open
  cache.get(2); // reopened: 3 was older than 1
  assert.equal(opened.length, 4);
  cache.closeAll();
});

test("forget closes a segment's descriptor; the next get opens it again", () => {
  const { fileSystem, opened, closed } = countingFileSystem();
  const cache = new HandleCache(fileSystem, 2, "readWrite", segmentsIn(1));
  const fd = cache.get(1);
  cache.forget(1);
  assert.deepEqual(closed, [fd]);
  cache.forget(1);
  assert.equal(closed.length, 1);
  cache.get(1);
  assert.equal(opened.length, 2);
  cache.closeAll();
});
