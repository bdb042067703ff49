/**
 * The node's control port (RabbitMQ's distribution port, 25672 by default): authenticates
 * each connection with the cookie (see control-protocol.ts), then runs the methods warrenctl
 * asks for. A wrong cookie is refused with a clear reason and logged on the node.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../io/logger.js";
import type { Timers } from "../io/time.js";
import { LineReader, PROTOCOL_VERSION, REQUEST_LINE_BYTES_MAX, freshNonce, proof, proofMatches, send } from "./control-protocol.js";

export type MethodTable = Record<string, (params: Record<string, unknown>) => unknown>;

export interface ControlServerOptions {
  readonly host: string;
  readonly port: number;
  readonly cookie: string;
  readonly nodeName: string;
  readonly logger: Logger;
  /** The node's timers: a client that does not finish the handshake in time is dropped. */
  readonly timers: Timers;
}

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

/** How long a client has to answer the challenge. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export function startControlServer(options: ControlServerOptions, methods: MethodTable): Promise<ControlServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    serve(socket, options, methods);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

function serve(socket: Socket, options: ControlServerOptions, methods: MethodTable): void {
  const serverNonce = freshNonce();
  let clientNonce: string | undefined;
  const peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
  const timer = options.timers.after(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
  const reader = new LineReader(
    socket,
    (message) => {
      if (clientNonce === undefined) {
        if (message.type !== "response" || typeof message.nonce !== "string" || message.nonce.length < 32) return refuse("expected a challenge response");
        if (!proofMatches(proof(options.cookie, "client", serverNonce, message.nonce), message.proof)) {
          options.logger.warn(`control connection from ${peer} refused: the cookie does not match this node's (${options.nodeName})`);
          return refuse(`authentication failed: the cookie does not match the cookie of node ${options.nodeName}`);
        }
        clientNonce = message.nonce;
        timer.cancel();
        reader.limitBytes = REQUEST_LINE_BYTES_MAX;
        return send(socket, { type: "welcome", node: options.nodeName, proof: proof(options.cookie, "server", clientNonce, serverNonce) });
      }
      void handle(socket, methods, message);
    },
    (reason) => refuse(reason),
  );
  send(socket, { type: "challenge", node: options.nodeName, nonce: serverNonce, version: PROTOCOL_VERSION });

  function refuse(reason: string): void {
    timer.cancel();
    send(socket, { type: "refused", reason });
    socket.end();
  }
}

async function handle(socket: Socket, methods: MethodTable, message: Record<string, unknown>): Promise<void> {
  const id = message.id;
  const method = typeof message.method === "string" ? methods[message.method] : undefined;
  if (method === undefined || !Object.hasOwn(methods, String(message.method))) {
    return send(socket, { id, error: { message: `unknown method '${String(message.method)}'` } });
  }
  try {
    const params = message.params !== null && typeof message.params === "object" ? (message.params as Record<string, unknown>) : {};
    const result = await method(params);
    send(socket, { id, result: result ?? null });
  } catch (error) {
    send(socket, { id, error: { message: (error as Error).message ?? String(error) } });
  }
}
