/**
 * Warren as a library: `startBroker()` runs a real broker in-process, which is how
 * Warren's own integration tests run and how other projects can embed it in theirs.
 *
 *   import { startBroker } from "warren";
 *   const broker = await startBroker({ port: 0 });
 *   // connect to broker.url with any AMQP 0-9-1 client
 *   await broker.stop();
 *
 * By default only AMQP listens (on 127.0.0.1, a free port); pass `mqttPort: 0` for MQTT too.
 * `startNode()` is the whole node: management API, metrics and the warrenctl control port.
 */
import { startNode, type NodeOptions, type RunningNode } from "./node/index.js";
import type { Broker } from "./broker/broker.js";

export type { BrokerConfig } from "./config/config.js";
export { WARREN_VERSION } from "./version.js";
export { startNode, type NodeOptions, type RunningNode } from "./node/index.js";

export type StartOptions = Omit<NodeOptions, "enableManagement" | "enableMetrics" | "enableControl"> & {
  enableManagement?: boolean;
  enableMetrics?: boolean;
  enableControl?: boolean;
};

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** amqp://user:pass@host:port for the default user and vhost. */
  readonly url: string;
  readonly broker: Broker;
  /** Set when MQTT listens (`mqttPort` given). */
  readonly mqttPort: number | undefined;
  readonly node: RunningNode;
  stop(): Promise<void>;
}

export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const running = await startNode({ enableManagement: false, enableMetrics: false, enableControl: false, ...options });
  return {
    host: running.host,
    port: running.port,
    url: running.url,
    get broker() {
      return running.broker;
    },
    mqttPort: running.mqttPort,
    node: running,
    stop: () => running.stop(),
  };
}
