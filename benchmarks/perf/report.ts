/**
 * Turns the roles' raw counts into the figures a run is judged by, and prints them.
 *
 * Rates are taken over the steady part of a timed run: whole seconds from the end of the warm-up
 * to the last whole second, so connection set-up, JIT warm-up and the cut-off at the end do not
 * count. A run bounded by message counts (--pmessages/--cmessages) ends when the work is done, so
 * its rate is the count divided by the time from the first to the last message.
 */
import { warmupSecondsOf, type PerfOptions } from "./options.js";
import type { RoleResult, RunWindow } from "./roles.js";
import { LatencyHistogram } from "./stats.js";

export interface RateFigures { total: number; ratePerSecond: number; perSecond: number[] }

export interface PerfReport {
  options: PerfOptions;
  warmupSeconds: number;
  elapsedSeconds: number;
  sent: RateFigures;
  confirmed: RateFigures & { nacked: number };
  received: RateFigures;
  /** End-to-end, producer stamp to consumer arrival, after the warm-up; null when nothing was timed. */
  latencyUs: { p50: number; p75: number; p95: number; p99: number; p999: number; max: number; count: number } | null;
  /** CPU the generator itself used during the run, all threads and role processes together. */
  generatorCpuSeconds: number;
  /** generatorCpuSeconds per message sent plus received: the generator's own cost. */
  generatorCpuUsPerMessage: number;
  errors: string[];
}

export function summarize(
  options: PerfOptions, window: RunWindow, results: RoleResult[], endedUs: number, generatorCpuSeconds: number,
): PerfReport {
  const countBound = options.producerMessageCount > 0 || options.consumerMessageCount > 0;
  const warmupSeconds = warmupSecondsOf(options);
  const figures = (pick: (r: RoleResult) => number[], total: (r: RoleResult) => number, kind: RoleResult["kind"]): RateFigures => {
    const perSecond = sumSeries(results.map(pick));
    const sum = results.reduce((acc, r) => acc + total(r), 0);
    let ratePerSecond: number;
    if (countBound) {
      const active = results.filter((r) => r.kind === kind && total(r) > 0);
      const first = Math.min(...active.map((r) => r.firstActivityUs));
      const last = Math.max(...active.map((r) => r.lastActivityUs));
      ratePerSecond = active.length === 0 || last <= first ? 0 : sum / ((last - first) / 1e6);
    } else {
      const steadyEnd = Math.max(warmupSeconds + 1, Math.floor(options.durationSeconds));
      let inWindow = 0;
      for (let second = warmupSeconds; second < steadyEnd; second++) inWindow += perSecond[second] ?? 0;
      ratePerSecond = inWindow / (steadyEnd - warmupSeconds);
    }
    return { total: sum, ratePerSecond: Math.round(ratePerSecond), perSecond };
  };
  const messages = results.reduce((sum, r) => sum + r.sent + r.received, 0);
  const histogram = new LatencyHistogram();
  for (const result of results) if (result.latencyCounts.length > 0) histogram.merge(result.latencyCounts);
  return {
    options,
    warmupSeconds,
    elapsedSeconds: (endedUs - window.startUs) / 1e6,
    sent: figures((r) => r.sentPerSecond, (r) => r.sent, "producer"),
    confirmed: { ...figures((r) => r.confirmedPerSecond, (r) => r.confirmed, "producer"), nacked: results.reduce((a, r) => a + r.nacked, 0) },
    received: figures((r) => r.receivedPerSecond, (r) => r.received, "consumer"),
    latencyUs: histogram.total === 0 ? null : {
      p50: histogram.percentileUs(0.5), p75: histogram.percentileUs(0.75), p95: histogram.percentileUs(0.95),
      p99: histogram.percentileUs(0.99), p999: histogram.percentileUs(0.999), max: histogram.maxUs, count: histogram.total,
    },
    generatorCpuSeconds,
    generatorCpuUsPerMessage: messages === 0 ? NaN : (generatorCpuSeconds * 1e6) / messages,
    errors: results.filter((r) => r.error !== null).map((r) => `${r.kind} ${r.index}: ${r.error}`),
  };
}

function sumSeries(series: number[][]): number[] {
  const out: number[] = [];
  for (const counts of series) counts.forEach((count, i) => { out[i] = (out[i] ?? 0) + count; });
  return Array.from(out, (v) => v ?? 0);
}

export function formatReport(report: PerfReport): string {
  const o = report.options;
  const lines = [
    `warren-perf ${o.uri} producers=${o.producers} consumers=${o.consumers} size=${o.sizeBytes}B` +
      ` rate=${o.ratePerSecond || "unlimited"} confirm=${o.confirmWindow || "off"} persistent=${o.persistent}` +
      ` prefetch=${o.prefetch} multi-ack-every=${o.multiAckEvery} autoack=${o.autoAck} mode=${o.mode}`,
  ];
  const seconds = Math.max(report.sent.perSecond.length, report.received.perSecond.length);
  for (let s = 0; s < seconds; s++) {
    const confirmed = o.confirmWindow > 0 ? `, confirmed ${report.confirmed.perSecond[s] ?? 0}` : "";
    lines.push(`  second ${s + 1}: sent ${report.sent.perSecond[s] ?? 0}${confirmed}, received ${report.received.perSecond[s] ?? 0} msg/s`);
  }
  const basis = o.producerMessageCount > 0 || o.consumerMessageCount > 0 ? "first to last message" : `seconds ${report.warmupSeconds + 1}-${Math.floor(o.durationSeconds)}`;
  lines.push(`send rate    ${report.sent.ratePerSecond} msg/s (${report.sent.total} sent; ${basis})`);
  if (o.confirmWindow > 0) lines.push(`confirm rate ${report.confirmed.ratePerSecond} msg/s (${report.confirmed.total} confirmed, ${report.confirmed.nacked} nacked)`);
  lines.push(`receive rate ${report.received.ratePerSecond} msg/s (${report.received.total} received)`);
  const l = report.latencyUs;
  lines.push(l === null ? "latency      not measured" :
    `latency      p50 ${ms(l.p50)} p75 ${ms(l.p75)} p95 ${ms(l.p95)} p99 ${ms(l.p99)} p99.9 ${ms(l.p999)} max ${ms(l.max)} ms (${l.count} timed)`);
  lines.push(`generator    ${report.generatorCpuSeconds.toFixed(2)} CPU s, ${report.generatorCpuUsPerMessage.toFixed(2)} µs per message sent or received`);
  for (const error of report.errors) lines.push(`error        ${error}`);
  return lines.join("\n");
}

function ms(us: number): string {
  return (us / 1000).toFixed(us < 10_000 ? 3 : 1);
}
