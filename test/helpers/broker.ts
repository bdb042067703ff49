/**
 * Integration tests run against either an in-process Warren (the default) or an
 * external broker named by WARREN_TEST_AMQP_URL, so the same tests prove Warren and
 * are proven themselves against the real RabbitMQ:
 *
 *   WARREN_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5690 node --import tsx --test test/integration/queue.test.ts
 *
 * Tests on a shared external broker must not collide: every name comes from uniqueName().
 */
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import amqp from "amqplib";
import type { Channel, ChannelModel, Options } from "amqplib";
import { ManualTime } from "../../src/io/manual-time.js";
import type { Io } from "../../src/io/io.js";

export interface TestBrokerOptions {
  heartbeatSeconds?: number;
  frameMaxBytes?: number;
  channelMax?: number;
  maxMessageSizeBytes?: number;
  /**
   * Run the in-process broker on a ManualTime: its clock and timers move only when the test calls
   * passTime(), so a TTL, an x-expires or a consumer timeout passes without sleeping, and always
   * passes (a loaded machine cannot make the test see the wrong side of it). Heartbeats and other
   * timers stand still meanwhile, so only tests that need no timer but the ones they move ask for it.
   */
  manualTime?: boolean;
}

export interface TestBroker {
  url: string;
  host: string;
  port: number;
  /** True when the tests run against WARREN_TEST_AMQP_URL; broker options were not applied. */
  isExternal: boolean;
  /**
   * Lets `durationMs` of the broker's time pass: moves the ManualTime (running every timer that
   * falls due, in order) when the broker has one, else sleeps for real (an external broker, or an
   * in-process one on the real clock).
   */
  passTime(durationMs: number): Promise<void>;
  stop(): Promise<void>;
}

interface EmbeddedBroker { host: string; port: number; url: string; stop(): Promise<void> }

/** The external broker's URL, if the tests were pointed at one. */
export function externalBrokerUrl(): string | undefined {
  const url = process.env.WARREN_TEST_AMQP_URL;
  return url === undefined || url === "" ? undefined : url;
}

export const isExternalBroker = externalBrokerUrl() !== undefined;

/**
 * Every describe() in test/integration passes this as its timeout, so a broker that stops answering
 * fails the suite instead of hanging the run. Individual waits have their own, shorter timeouts.
 */
export const SUITE_TIMEOUT_MS = 120_000;

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const external = externalBrokerUrl();
  if (external !== undefined) {
    const parsed = new URL(external);
    return {
      url: external,
      host: parsed.hostname,
      port: parsed.port === "" ? 5672 : Number(parsed.port),
      isExternal: true,
      passTime: (durationMs) => delay(durationMs),
      stop: async () => {},
    };
  }
  // A variable specifier keeps the type checker from resolving src/index.js, so this helper
  // compiles before (and independently of) the broker's entry point.
  const entryPoint = "../../src/index.js";
  const { startBroker } = (await import(entryPoint)) as {
    startBroker(options: Omit<TestBrokerOptions, "manualTime"> & { host: string; port: number; io?: Partial<Io> }): Promise<EmbeddedBroker>;
  };
  const { manualTime, ...brokerOptions } = options;
  const time = manualTime === true ? new ManualTime() : undefined;
  const broker = await startBroker({ host: "127.0.0.1", port: 0, ...brokerOptions, io: time === undefined ? undefined : { time } });
  const passTime = async (durationMs: number): Promise<void> => {
    if (time === undefined) return delay(durationMs);
    time.advance(durationMs);
    // What the timers set off (deliveries, dead-lettering) reaches the sockets on the next turns.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { url: broker.url, host: broker.host, port: broker.port, isExternal: false, passTime, stop: () => broker.stop() };
}

/**
 * Tests that need broker configuration (a small frame_max, a short heartbeat, ...) call this:
 * it returns a skip message in external mode, undefined otherwise.
 */
export function skipIfExternal(reason: string): string | undefined {
  return isExternalBroker ? `needs broker configuration (${reason}); not applicable to WARREN_TEST_AMQP_URL` : undefined;
}

let nameCounter = 0;
const runId = randomBytes(3).toString("hex");
/** A name no other test (or earlier run against the same external broker) uses. */
export function uniqueName(prefix: string): string {
  nameCounter += 1;
  return `${prefix}-${runId}-${process.pid}-${nameCounter}`;
}

/** Every amqplib connection a test opened and has not seen close, so `closeAllConnections` can end them. */
const openConnections = new Set<ChannelModel>();

/** Closes whatever connections a test left open (a failed assertion skips its clean-up), so the file exits. */
export async function closeAllConnections(): Promise<void> {
  await Promise.all([...openConnections].map((connection) => closeQuietly(connection)));
  openConnections.clear();
}

/** Connects with amqplib; `overrides` are merged into the URL's parameters. */
export async function connect(url: string, overrides: Partial<Options.Connect> = {}): Promise<ChannelModel> {
  const parsed = new URL(url);
  const connection = await amqp.connect({
    protocol: "amqp",
    hostname: parsed.hostname,
    port: parsed.port === "" ? 5672 : Number(parsed.port),
    username: decodeURIComponent(parsed.username || "guest"),
    password: decodeURIComponent(parsed.password || "guest"),
    vhost: parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : "/",
    ...overrides,
  });
  // Errors are asserted through the promises and events tests wait for; an unhandled
  // 'error' event must not crash the test process.
  connection.on("error", () => {});
  openConnections.add(connection);
  connection.on("close", () => openConnections.delete(connection));
  return connection;
}

/** A channel whose 'error' event is swallowed (tests assert on the rejected operation instead). */
export async function openChannel(connection: ChannelModel): Promise<Channel> {
  const channel = await connection.createChannel();
  channel.on("error", () => {});
  return channel;
}

export async function closeQuietly(connection: ChannelModel | undefined): Promise<void> {
  if (connection === undefined) return;
  try {
    await withTimeout(connection.close(), 2_000, "connection.close");
  } catch {
    // Already closed, or the server is not answering: drop the socket so the process can exit.
    (connection as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

export interface AmqpErrorInfo { code: number; text: string }

/** amqplib's message for a server close is `... 404 (NOT-FOUND) with message "NOT_FOUND - ..."`. */
export function amqpErrorInfo(error: unknown): AmqpErrorInfo {
  const candidate = error as { code?: unknown; message?: unknown };
  const message = typeof candidate?.message === "string" ? candidate.message : String(error);
  const match = /with message "(.*)"$/s.exec(message);
  return { code: typeof candidate?.code === "number" ? candidate.code : -1, text: match ? match[1] : message };
}

/**
 * Awaits an operation that the server must refuse; checks the reply code and, when given,
 * the reply text (exact string, or a pattern where the text is not stable).
 */
export async function expectAmqpError(operation: Promise<unknown>, code: number, text?: string | RegExp,
  timeoutMs = 5_000): Promise<AmqpErrorInfo> {
  let info: AmqpErrorInfo | undefined;
  try {
    await withTimeout(operation, timeoutMs, `operation expected to fail with ${code}`);
  } catch (error) {
    info = amqpErrorInfo(error);
  }
  if (info === undefined) throw new Error(`expected the server to refuse with ${code}, but the operation succeeded`);
  if (info.code !== code) throw new Error(`expected reply code ${code}, got ${info.code}: ${info.text}`);
  if (typeof text === "string" && info.text !== text) throw new Error(`expected text ${JSON.stringify(text)}, got ${JSON.stringify(info.text)}`);
  if (text instanceof RegExp && !text.test(info.text)) throw new Error(`expected text matching ${text}, got ${JSON.stringify(info.text)}`);
  return info;
}

/** Resolves with the code and text of the server's connection.close (hard error). */
export function connectionClosed(connection: ChannelModel, timeoutMs = 5_000): Promise<AmqpErrorInfo> {
  return withTimeout(new Promise<AmqpErrorInfo>((resolve) => {
    connection.once("close", (error?: Error) => resolve(error === undefined ? { code: 200, text: "" } : amqpErrorInfo(error)));
  }), timeoutMs, "connection close");
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(timer); }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value other than undefined, or fails after the timeout. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, label: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${label}: not reached within ${timeoutMs} ms`);
    await delay(20);
  }
}

/** Collects messages delivered to a consumer, for tests that wait for N of them. */
export class Inbox<T> {
  readonly items: T[] = [];
  push = (item: T): void => { this.items.push(item); };
  async waitForCount(count: number, timeoutMs = 5_000): Promise<T[]> {
    await waitFor(() => (this.items.length >= count ? true : undefined), timeoutMs, `waiting for ${count} items (have ${this.items.length})`);
    return this.items.slice(0, count);
  }
}

/**
 * The usual suite set-up: one broker and one amqplib connection for the whole file, closed after
 * it. `use` receives both once they are up; the file keeps them in its own variables.
 */
export function sharedBrokerAndConnection(use: (broker: TestBroker, connection: ChannelModel) => void, options: TestBrokerOptions = {}): void {
  let started: TestBroker | undefined;
  before(async () => {
    started = await startTestBroker(options);
    use(started, await connect(started.url));
  });
  after(async () => {
    await closeAllConnections();
    await started?.stop();
  });
}
