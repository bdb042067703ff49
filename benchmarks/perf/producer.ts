/**
 * A producer role: publishes batches as fast as the socket, the confirm window, the broker's
 * flow control (connection.blocked, TCP back-pressure) and the optional rate allow.
 */
import { AmqpConnection } from "./client/connection.js";
import { ConfirmTracker, PublishTemplate } from "./client/publisher.js";
import { emptyResult, type PreparedRole, type ProducerSpec, type RoleResult, type RunWindow } from "./roles.js";
import { monotonicNowUs, sleepUntil, Timeline } from "./stats.js";

/** A rate-limited producer wakes at most this often; at 5,000 msg/s that is ~5 messages a tick. */
const RATE_TICK_MS = 1;
/** After a count-bound producer's last publish, how long it waits for the outstanding confirms. */
const CONFIRM_DRAIN_TIMEOUT_US = 30_000_000;

export async function prepareProducer(spec: ProducerSpec): Promise<PreparedRole> {
  const connection = await AmqpConnection.connect({ uri: spec.uri, connectionName: `warren-perf producer ${spec.index}` });
  const channel = await connection.openChannel();
  const template = new PublishTemplate(channel.id, spec, connection.frameSizeBytesMax);
  let wakeUp: (() => void) | null = null;
  const wake = (): void => wakeUp?.();
  const tracker = spec.confirmWindow > 0 ? new ConfirmTracker(channel, wake) : null;
  await tracker?.enable();
  connection.onBlockedChange = wake;

  async function run(window: RunWindow): Promise<RoleResult> {
    const result = emptyResult(spec);
    const sentTimeline = new Timeline(window.startUs);
    const confirmedTimeline = new Timeline(window.startUs);
    let confirmedSeen = 0;
    // Sleeps until something that could let the loop progress happens: a confirm, a drain, an
    // unblock, the end of the run, or the timeout. One pending pause at a time.
    const pause = (waitMs: number): Promise<void> => new Promise((resolve) => {
      const finish = (): void => { clearTimeout(timer); wakeUp = null; resolve(); };
      const timer = setTimeout(finish, waitMs);
      wakeUp = finish;
    });
    const endTimer = setTimeout(wake, Math.max(0, (window.endUs - monotonicNowUs()) / 1000));
    await sleepUntil(window.startUs);
    result.firstActivityUs = monotonicNowUs();
    try {
      for (;;) {
        const nowUs = monotonicNowUs();
        if (tracker !== null && tracker.confirmed > confirmedSeen) {
          confirmedTimeline.add(tracker.confirmed - confirmedSeen, nowUs);
          confirmedSeen = tracker.confirmed;
        }
        if (connection.error !== null) throw connection.error;
        if (nowUs >= window.endUs) break;
        const remaining = spec.messageCountMax > 0 ? spec.messageCountMax - result.sent : Infinity;
        if (remaining <= 0) {
          if (tracker === null || tracker.confirmed >= result.sent) break;
          if (nowUs - result.lastActivityUs > CONFIRM_DRAIN_TIMEOUT_US) throw new Error("confirms did not arrive");
          await pause(1000);
          continue;
        }
        let count = Math.min(template.batchMessages, remaining);
        if (tracker !== null) count = Math.min(count, spec.confirmWindow - (result.sent - tracker.confirmed));
        if (spec.ratePerSecond > 0) {
          const dueCount = Math.floor(((nowUs - window.startUs) * spec.ratePerSecond) / 1e6) + 1;
          count = Math.min(count, dueCount - result.sent);
        }
        if (connection.blocked || count <= 0) {
          await pause(spec.ratePerSecond > 0 && !connection.blocked ? RATE_TICK_MS : 1000);
          continue;
        }
        const flushed = connection.write(template.encode(count, nowUs));
        result.sent += count;
        result.lastActivityUs = nowUs;
        sentTimeline.add(count, nowUs);
        if (!flushed) {
          const drained = pause(1000);
          void connection.drained().then(wake);
          await drained;
        } else {
          // Yield so this thread's reads (confirms, and deliveries when roles share the thread) run.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } catch (error) {
      result.error = (error as Error).message;
    } finally {
      clearTimeout(endTimer);
    }
    result.sentPerSecond = sentTimeline.counts;
    result.confirmedPerSecond = confirmedTimeline.counts;
    result.confirmed = tracker?.confirmed ?? 0;
    result.nacked = tracker?.nacked ?? 0;
    if (tracker !== null && result.sent > 0) result.lastActivityUs = monotonicNowUs();
    return result;
  }

  return { run, close: () => connection.close() };
}
