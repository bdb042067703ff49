/**
 * Warren as a library: `startBroker()` runs a real broker in-process, which is how
 * Warren's own integration tests run and how other projects can embed it in theirs.
 *
 *   import { startBroker } from "warren";
 *   const broker = await startBroker({ port: 0 });
 *   // connect to broker.url with any AMQP 0-9-1 client
 *   await broker.stop();
 */
import { applyEnvironment, defaultConfig, type BrokerConfig } from "./config/config.js";
import { Broker } from "./broker/broker.js";
import { createLogger } from "./io/logger.js";
import { listenAmqp } from "./protocol/amqp091/listener.js";

export type { BrokerConfig } from "./config/config.js";
export { WARREN_VERSION } from "./version.js";

export interface StartOptions extends Partial<BrokerConfig> {
  /** Read WARREN_* / RABBITMQ_* environment variables (default: false when embedded). */
  useEnvironment?: boolean;
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** amqp://user:pass@host:port/ for the default user and vhost. */
  readonly url: string;
  readonly broker: Broker;
  stop(): Promise<void>;
}

export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const { useEnvironment = false, ...overrides } = options;
  let config: BrokerConfig = { ...defaultConfig(), host: "127.0.0.1", port: 0, logLevel: "silent" };
  if (useEnvironment) config = applyEnvironment(config);
  config = { ...config, ...stripUndefined(overrides) };
  const logger = createLogger({ level: config.logLevel, logDir: config.logDir, nodeName: config.nodeName });
  const broker = new Broker(config, logger);
  broker.start();
  const listening = await listenAmqp(broker, config.host, config.port);
  logger.info(`AMQP 0-9-1 listener started on ${listening.host}:${listening.port}`);
  const hostForUrl = listening.host.includes(":") ? `[${listening.host}]` : listening.host === "0.0.0.0" ? "127.0.0.1" : listening.host;
  let stopped: Promise<void> | undefined;
  return {
    host: listening.host,
    port: listening.port,
    url: `amqp://${encodeURIComponent(config.defaultUser)}:${encodeURIComponent(config.defaultPass)}@${hostForUrl}:${listening.port}`,
    broker,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        listening.server.close(() => resolve());
        broker.stop();
        // Connections get connection.close (320); sockets that do not answer are dropped.
        setTimeout(() => {
          for (const connection of broker.connections) connection.terminate();
        }, 500).unref();
      });
      return stopped;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
