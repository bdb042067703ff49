/**
 * The MQTT listener (port 1883 by default; `mqtt.listeners.tcp.default`): accepts TCP
 * connections and gives each an MqttConnection over the broker's shared MQTT context.
 */
import { createServer, type Server } from "node:net";
import type { Broker } from "../../broker/broker.js";
import { MqttContext } from "./context.js";
import { MqttConnection } from "./connection.js";
import type { MqttOptions } from "./options.js";

export type { MqttOptions } from "./options.js";

export interface MqttListening {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, closes this listener's connections, and waits for retained messages to be on disk. */
  close(): Promise<void>;
}

export async function listenMqtt(broker: Broker, host: string, port: number, options?: MqttOptions): Promise<MqttListening> {
  const context = await MqttContext.acquire(broker, options);
  const connections = new Set<MqttConnection>();
  const server = createServer({ noDelay: true }, (socket) => {
    let connection: MqttConnection;
    try {
      connection = new MqttConnection(context, socket);
    } catch (error) {
      broker.logger.error({ err: error }, `MQTT connection from ${socket.remoteAddress}:${socket.remotePort} could not be set up`);
      socket.destroy();
      return;
    }
    connections.add(connection);
    socket.once("close", () => connections.delete(connection));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await context.release();
    throw error;
  }
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  let closed: Promise<void> | undefined;
  return {
    server,
    host,
    port: boundPort,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const connection of [...connections]) connection.shutdown("listener closed");
        await stopped;
        await context.release();
      })();
      return closed;
    },
  };
}
