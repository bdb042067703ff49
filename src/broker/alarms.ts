/**
 * Resource alarms as RabbitMQ has them: `vm_memory_high_watermark` (relative to the machine's
 * memory, or absolute) and `disk_free_limit`. While one is in effect, connections that publish
 * are blocked (connection.blocked, and their sockets are no longer read) and consumers keep
 * draining; when it clears they are unblocked. A publish flood then slows down instead of
 * taking the broker down.
 *
 * Memory is what the broker holds: V8's heap in use plus memory outside the heap (message
 * bodies are Buffers there). While the memory alarm is on, a garbage collection runs before
 * each reading (at most once a second), so freed messages are seen as freed, as RabbitMQ
 * forces a GC before it decides.
 */
import { totalmem, tmpdir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { BrokerConfig } from "../config/config.js";
import type { Io } from "../io/io.js";
import type { PathOperations } from "../io/file-system.js";

/** How often memory is read; RabbitMQ's vm_memory_monitor checks about once a second. */
const MEMORY_CHECK_INTERVAL_MS = 1_000;
/** Free disk space is read less often: statfs is a system call, and disks fill slowly. */
const DISK_CHECK_INTERVAL_MS = 5_000;

/** Free bytes for an unprivileged user on the file system holding `path`; 0 when it cannot be read. */
export function diskFreeBytes(fileSystem: PathOperations, path: string): number {
  try {
    return fileSystem.freeBytes(path);
  } catch {
    return 0;
  }
}

export interface AlarmState {
  readonly memory: boolean;
  readonly disk: boolean;
}

export class ResourceMonitor {
  private readonly config: BrokerConfig;
  private readonly io: Io;
  private readonly onChange: (state: AlarmState) => void;
  private memoryAlarm = false;
  private diskAlarm = false;
  private lastMemoryCheckMs = 0;
  private lastDiskCheckMs = 0;
  private collectGarbage: (() => void) | undefined;
  lastMemoryUsedBytes = 0;
  lastDiskFreeBytes: number | undefined;

  constructor(config: BrokerConfig, io: Io, onChange: (state: AlarmState) => void) {
    this.config = config;
    this.io = io;
    this.onChange = onChange;
  }

  get state(): AlarmState {
    return { memory: this.memoryAlarm, disk: this.diskAlarm };
  }

  get blocking(): boolean {
    return this.memoryAlarm || this.diskAlarm;
  }

  /** The memory limit in force (absolute if set, else the fraction of the machine's memory). */
  get memoryLimitBytes(): number {
    return this.config.memoryHighWatermarkAbsoluteBytes ?? Math.floor(totalmem() * this.config.memoryHighWatermarkRelative);
  }

  tick(nowMs: number): void {
    const before = this.blocking;
    const wasMemory = this.memoryAlarm;
    const wasDisk = this.diskAlarm;
    if (nowMs - this.lastMemoryCheckMs >= MEMORY_CHECK_INTERVAL_MS) {
      this.lastMemoryCheckMs = nowMs;
      this.checkMemory();
    }
    if (nowMs - this.lastDiskCheckMs >= DISK_CHECK_INTERVAL_MS) {
      this.lastDiskCheckMs = nowMs;
      this.checkDisk();
    }
    if (wasMemory !== this.memoryAlarm || wasDisk !== this.diskAlarm || before !== this.blocking) this.onChange(this.state);
  }

  /** Re-reads both at once (a limit was changed at run time). */
  checkNow(): void {
    this.lastMemoryCheckMs = 0;
    this.lastDiskCheckMs = 0;
    this.tick(this.io.time.nowMs());
  }

  private checkMemory(): void {
    if (this.memoryAlarm) this.gc();
    const usage = process.memoryUsage();
    this.lastMemoryUsedBytes = usage.heapUsed + usage.external;
    this.memoryAlarm = this.lastMemoryUsedBytes > this.memoryLimitBytes;
  }

  private checkDisk(): void {
    try {
      this.lastDiskFreeBytes = this.io.fileSystem.freeBytes(this.config.dataDir ?? tmpdir());
      this.diskAlarm = this.lastDiskFreeBytes < this.config.diskFreeLimitBytes;
    } catch {
      // The data directory is not there yet: no reading, no alarm.
    }
  }

  private gc(): void {
    if (this.collectGarbage === undefined) {
      // Node exposes gc() only with --expose-gc; the flag can be set at run time and read from a new context.
      setFlagsFromString("--expose-gc");
      this.collectGarbage = runInNewContext("gc") as () => void;
    }
    this.collectGarbage();
  }
}
