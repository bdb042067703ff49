/**
 * The server under an AMQP or MQTT listener: plain TCP, or TLS with the node's ssl_options.
 * Either way the connection code gets a net.Socket (a TLSSocket is one, decrypted) with
 * Nagle off, so AMQPS and MQTTS run exactly the code AMQP and MQTT do.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from "node:tls";
import type { SslOptions } from "../config/config.js";
import type { Logger } from "../io/logger.js";

export interface TlsListenerOptions {
  /** tls.createServer's options, built from ssl_options by config/tls-context.ts. */
  readonly server: TlsOptions;
  readonly ssl: SslOptions;
}

export function createStreamServer(tls: TlsListenerOptions | undefined, logger: Logger, label: string, onSocket: (socket: Socket) => void): Server {
  if (tls === undefined) return createServer({ noDelay: true }, onSocket);
  const server = createTlsServer({ ...tls.server, noDelay: true }, (socket) => {
    if (rejectsUnverifiedPeer(tls.ssl, socket)) {
      logger.warn(`${label}: refused ${socket.remoteAddress}:${socket.remotePort}: its certificate is not signed by ssl_options.cacertfile (${String(socket.authorizationError)})`);
      socket.destroy();
      return;
    }
    onSocket(socket);
  });
  // A failed handshake (wrong CA on the client's side, a refused version, plain TCP on a TLS port)
  // concerns that client only; the log says why, as RabbitMQ's does.
  server.on("tlsClientError", (error, socket) => {
    logger.warn(`${label}: TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`);
  });
  return server;
}

/**
 * verify_peer without fail_if_no_peer_cert, as Erlang's ssl does it: a client may come without a
 * certificate, but one that presents a certificate the CA did not sign is refused.
 */
function rejectsUnverifiedPeer(ssl: SslOptions, socket: TLSSocket): boolean {
  if (ssl.verify !== "verify_peer" || socket.authorized) return false;
  return Object.keys(socket.getPeerCertificate()).length > 0;
}
