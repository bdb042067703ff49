/**
 * Everything nondeterministic a node touches, in one bundle: time, randomness and the disk.
 * node/ builds it once (systemIo) and hands it down; a test builds a node with parts of it
 * replaced (a ManualTime, a SeededRandom, a FileSystem that fails on demand). Sockets are not
 * here yet: the listeners are opened by node/ itself.
 */
import { nodeFileSystem, type FileSystem, type PathOperations } from "./file-system.js";
import { systemRandom, type Random } from "./random.js";
import { systemTime, type Time } from "./time.js";

export interface Io {
  readonly time: Time;
  readonly random: Random;
  readonly fileSystem: FileSystem & PathOperations;
}

/** The real clock, timers, random source and disk, with any part replaced by `overrides`. */
export function systemIo(overrides: Partial<Io> = {}): Io {
  return { time: overrides.time ?? systemTime, random: overrides.random ?? systemRandom, fileSystem: overrides.fileSystem ?? nodeFileSystem };
}
