/**
 * The AMQP listener: accepts TCP connections (or TLS ones, AMQPS, when given TLS options)
 * and gives each an AmqpConnection.
 */
import type { Server } from "node:net";
import type { Broker } from "../../broker/broker.js";
import { createStreamServer, type TlsListenerOptions } from "../tls-server.js";
import { AmqpConnection } from "./connection.js";

export interface Listening {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
}

export function listenAmqp(broker: Broker, host: string, port: number, tls?: TlsListenerOptions): Promise<Listening> {
  const server = createStreamServer(tls, broker.logger, tls === undefined ? "AMQP" : "AMQPS", (socket) => {
    new AmqpConnection(broker, socket);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      const address = server.address();
      const boundPort = typeof address === "object" && address !== null ? address.port : port;
      resolve({ server, host, port: boundPort });
    });
  });
}
