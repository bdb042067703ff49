/** Shared by the log's unit tests: a scratch directory, a file system whose fdatasync a test can hold, turns of the event loop. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeFileSystem } from "../../../src/io/file-system.js";
import { nodeFileRenamer } from "../../../src/io/file-rename.js";
import { FaultyFileSystem } from "../store/helpers.js";

export function scratchDirectory(t: { after(fn: () => void): void }, prefix = "warren-wal-"): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** The real file system, except that fdatasync waits while the test holds the gate; counts fdatasyncs. */
export class GatedFileSystem extends FaultyFileSystem {
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
    if (this.syncFailureCode) throw Object.assign(new Error(`${this.syncFailureCode}: injected`), { code: this.syncFailureCode });
    return nodeFileSystem.syncData(fd);
  }
}

export async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise and whether it has settled yet. */
export function tracked(promise: Promise<void>): { settled: boolean; promise: Promise<void> } {
  const state = { settled: false, promise };
  promise.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

/** The real files, as the composition root hands them to a log. */
export const realFiles = { fileSystem: nodeFileSystem, renamer: nodeFileRenamer };
