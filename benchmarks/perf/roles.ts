/**
 * What a producer or consumer role is told, and what it reports back. These objects cross
 * worker_threads and process boundaries, so they hold only plain JSON-able values.
 */

export interface ProducerSpec {
  kind: "producer";
  index: number;
  uri: string;
  exchange: string;
  routingKey: string;
  bodySizeBytes: number;
  persistent: boolean;
  /** Outstanding unconfirmed messages allowed; 0 = no publisher confirms. */
  confirmWindow: number;
  /** Messages per second for this producer (PerfTest's --rate is per producer too); 0 = unlimited. */
  ratePerSecond: number;
  /** Stop after this many messages; 0 = until the end of the run. */
  messageCountMax: number;
}

export interface ConsumerSpec {
  kind: "consumer";
  index: number;
  uri: string;
  queue: string;
  /** basic.qos prefetch-count; 0 = unlimited. */
  prefetch: number;
  /** Ack with multiple=true every N deliveries; 0 or 1 acks each delivery on its own. */
  multiAckEvery: number;
  autoAck: boolean;
  messageCountMax: number;
}

export type RoleSpec = ProducerSpec | ConsumerSpec;

/** All times are CLOCK_MONOTONIC microseconds (stats.ts). */
export interface RunWindow {
  startUs: number;
  /** Latency is recorded only for messages received after this. */
  warmupEndUs: number;
  endUs: number;
}

export interface RoleResult {
  kind: RoleSpec["kind"];
  index: number;
  /** Per second since startUs. */
  sentPerSecond: number[];
  confirmedPerSecond: number[];
  receivedPerSecond: number[];
  sent: number;
  confirmed: number;
  nacked: number;
  received: number;
  /** LatencyHistogram buckets (only consumers fill them). */
  latencyCounts: number[];
  /** When the role did its first and last unit of work; gives average rates for count-bound runs. */
  firstActivityUs: number;
  lastActivityUs: number;
  /** CPU used by the role's own process during run(); 0 when it shares the generator's process. */
  processCpuUs: number;
  error: string | null;
}

export function emptyResult(spec: RoleSpec): RoleResult {
  return {
    kind: spec.kind, index: spec.index, sentPerSecond: [], confirmedPerSecond: [], receivedPerSecond: [],
    sent: 0, confirmed: 0, nacked: 0, received: 0, latencyCounts: [], firstActivityUs: 0, lastActivityUs: 0, processCpuUs: 0, error: null,
  };
}

export interface PreparedRole {
  /** Resolves when the window ends or the role's message count is reached. */
  run(window: RunWindow): Promise<RoleResult>;
  close(): Promise<void>;
}
