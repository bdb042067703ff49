/**
 * `startNode()`: a whole node in-process — broker, AMQP listeners, management API, metrics
 * and the control port — which `startBroker()` and `warren-server` are meant to use. Every
 * port may be 0 (a free one is picked), so test suites can run many nodes side by side.
 */
// The embedded node's cookie is a secret: it comes from node:crypto, never from io's Random (io/random.ts).
import { randomBytes } from "node:crypto";
import { defaultConfig, type BrokerConfig } from "../config/config.js";
import { loadConfig } from "../config/warren-conf.js";
import { createLogger } from "../io/logger.js";
import { systemIo, type Io } from "../io/io.js";
import { WarrenNode } from "./node.js";
import { startControlServer, type ControlServer } from "./control-server.js";
import { resolveNodeCookie } from "./cookie.js";
import { listenHost } from "./listen-host.js";
import { nodeMethods } from "./rpc.js";
import type { Broker } from "../broker/broker.js";

export { WarrenNode } from "./node.js";

export interface NodeOptions extends Partial<BrokerConfig> {
  /** Read warren.conf and WARREN_* / RABBITMQ_* variables (default: false when embedded). */
  useEnvironment?: boolean;
  /** The shared secret for the control port; by default WARREN_COOKIE or the cookie file (server), or a random one (embedded). */
  cookie?: string;
  enableManagement?: boolean;
  enableMetrics?: boolean;
  enableControl?: boolean;
  /** Called when warrenctl asks the node to stop (the server exits the process then). */
  onStopRequested?: () => void;
  /**
   * Parts of the node's io to replace (a ManualTime for a test that lets a TTL pass, a disk that
   * fails on demand); the rest is the real thing. This is the one place io/ is built.
   */
  io?: Partial<Io>;
}

export interface RunningNode {
  readonly node: WarrenNode;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly broker: Broker;
  readonly managementPort: number | undefined;
  readonly metricsPort: number | undefined;
  readonly controlPort: number | undefined;
  /** The MQTT port, when the node listens for MQTT (mqttPort given, or warren.conf / WARREN_MQTT_PORT). */
  readonly mqttPort: number | undefined;
  readonly cookie: string;
  stop(): Promise<void>;
}

export async function startNode(options: NodeOptions = {}): Promise<RunningNode> {
  const { useEnvironment = false, cookie: cookieOption, enableManagement = true, enableMetrics = true, enableControl = true, onStopRequested, io: ioOverrides, ...overrides } = options;
  let config: BrokerConfig;
  if (useEnvironment) config = loadConfig(process.env);
  else config = { ...defaultConfig(), host: "127.0.0.1", port: 0, managementHost: "127.0.0.1", managementPort: 0, metricsHost: "127.0.0.1", metricsPort: 0, controlHost: "127.0.0.1", controlPort: 0, mqttHost: "127.0.0.1", mqttPort: undefined, logLevel: "silent" };
  config = { ...config, ...stripUndefined(overrides) };
  const logger = createLogger({ level: config.logLevel, logDir: config.logDir, nodeName: config.nodeName });
  const cookie = cookieOption ?? (useEnvironment ? resolveNodeCookie(process.env, config.dataDir, (message) => logger.warn(message)).cookie : randomBytes(20).toString("hex"));
  const io = systemIo(ioOverrides);
  const node = new WarrenNode(config, logger, { enableManagement, enableMetrics, io });
  let control: ControlServer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await node.shutdown();
      await control?.close();
      logger.flush?.();
    })();
    return stopped;
  };
  if (enableControl) {
    control = await startControlServer({ host: listenHost(config.controlHost), port: config.controlPort, cookie, nodeName: config.nodeName, logger, timers: io.time }, nodeMethods(node, () => {
      void stop().then(() => onStopRequested?.());
    }));
    node.controlPort = control.port;
    logger.info(`control port (warrenctl) listening on ${config.controlHost}:${control.port}`);
  }
  try {
    await node.startApp();
  } catch (error) {
    await control?.close();
    throw error;
  }
  const address = node.amqpAddress ?? { host: config.host, port: config.port };
  const hostForUrl = address.host === "0.0.0.0" || address.host === "::" ? "127.0.0.1" : address.host.includes(":") ? `[${address.host}]` : address.host;
  return {
    node,
    host: address.host,
    port: address.port,
    url: `amqp://${encodeURIComponent(config.defaultUser)}:${encodeURIComponent(config.defaultPass)}@${hostForUrl}:${address.port}`,
    get broker() {
      return node.broker;
    },
    managementPort: node.managementPort,
    metricsPort: node.metricsPort,
    mqttPort: node.mqttPort,
    controlPort: control?.port,
    cookie,
    stop,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
