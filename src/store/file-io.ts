/**
 * Whole reads and writes over the FileSystem interface, which (like the syscalls) may move fewer
 * bytes than asked: a short write to a regular file usually means the disk filled up mid-way, and
 * the next call reports ENOSPC.
 */
import type { FileSystem } from "../io/file-system.js";

/** Writes every byte of `buffers` at `positionBytes`, or throws. */
export function writeFully(fileSystem: FileSystem, fd: number, buffers: readonly Buffer[], positionBytes: number): void {
  let remaining = buffers;
  let position = positionBytes;
  let left = 0;
  for (const buffer of buffers) left += buffer.length;
  while (left > 0) {
    const written = fileSystem.writev(fd, remaining, position);
    if (written <= 0) throw new Error(`write made no progress at byte ${position}`);
    position += written;
    left -= written;
    if (left > 0) remaining = dropBytes(remaining, written);
  }
}

function dropBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = count;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}

/** Reads `buffer.length` bytes at `positionBytes`; returns how many there were before the end of the file. */
export function readFully(fileSystem: FileSystem, fd: number, buffer: Buffer, positionBytes: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const count = fileSystem.read(fd, buffer, filled, buffer.length - filled, positionBytes + filled);
    if (count === 0) break;
    filled += count;
  }
  return filled;
}

/** Reads a whole file of at most `maxBytes` (the rest, if any, is left out). */
export function readFile(fileSystem: FileSystem, fd: number, maxBytes: number): { bytes: Buffer; fileBytes: number } {
  const fileBytes = fileSystem.sizeBytes(fd);
  const bytes = Buffer.allocUnsafe(Math.min(fileBytes, maxBytes));
  const filled = readFully(fileSystem, fd, bytes, 0);
  return { bytes: bytes.subarray(0, filled), fileBytes };
}
