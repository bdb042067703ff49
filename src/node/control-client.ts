/**
 * warrenctl's side of the control port: connect, prove knowledge of the cookie and check
 * the node's proof, then call methods. Errors are plain sentences for the operator:
 * a node that is down, a wrong cookie, a refused request.
 */
import { connect, type Socket } from "node:net";
import { LineReader, REQUEST_LINE_BYTES_MAX, freshNonce, proof, proofMatches, send } from "./control-protocol.js";

export class ControlError extends Error {
  /** "unreachable" (node down or wrong address), "authentication", or "remote" (the node refused the request). */
  readonly kind: "unreachable" | "authentication" | "remote";

  constructor(kind: "unreachable" | "authentication" | "remote", message: string) {
    super(message);
    this.name = "ControlError";
    this.kind = kind;
  }
}

export class ControlClient {
  private readonly socket: Socket;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  nodeName = "";

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  static connect(host: string, port: number, cookie: string, timeoutMs: number): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const client = new ControlClient(socket);
      const clientNonce = freshNonce();
      let serverNonce: string | undefined;
      let authenticated = false;
      let settled = false;
      const fail = (error: ControlError) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(error);
        }
        for (const waiter of client.pending.values()) waiter.reject(error);
        client.pending.clear();
        socket.destroy();
      };
      // A real timer: the client runs in warrenctl's own short-lived process, never inside a node, so there is no node io to use.
      const timer = setTimeout(() => fail(new ControlError("unreachable", `timed out after ${timeoutMs} ms waiting for the node at ${host}:${port}`)), timeoutMs);
      socket.on("error", (error: NodeJS.ErrnoException) => fail(new ControlError("unreachable", `cannot connect to ${host}:${port} (${error.code ?? error.message})`)));
      socket.on("close", () => fail(new ControlError(authenticated ? "remote" : "unreachable", `the node at ${host}:${port} closed the connection`)));
      const reader = new LineReader(
        socket,
        (message) => {
          if (!authenticated) {
            if (message.type === "challenge" && typeof message.nonce === "string") {
              serverNonce = message.nonce;
              client.nodeName = String(message.node ?? "");
              return send(socket, { type: "response", nonce: clientNonce, proof: proof(cookie, "client", message.nonce, clientNonce) });
            }
            if (message.type === "refused") return fail(new ControlError("authentication", `the node refused the connection: ${String(message.reason)}`));
            // The node proves it knows the cookie too, so warrenctl never talks to an impostor.
            if (message.type === "welcome" && serverNonce !== undefined && proofMatches(proof(cookie, "server", clientNonce, serverNonce), message.proof)) {
              authenticated = true;
              settled = true;
              clearTimeout(timer);
              return resolve(client);
            }
            return fail(new ControlError("authentication", `the node at ${host}:${port} did not prove it knows our cookie`));
          }
          const waiter = client.pending.get(Number(message.id));
          if (waiter === undefined) return;
          client.pending.delete(Number(message.id));
          const error = message.error as { message?: string } | undefined;
          if (error !== undefined) waiter.reject(new ControlError("remote", error.message ?? "the node reported an error"));
          else waiter.resolve(message.result);
        },
        (reason) => fail(new ControlError("unreachable", `bad answer from ${host}:${port}: ${reason}`)),
      );
      reader.limitBytes = REQUEST_LINE_BYTES_MAX;
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      send(this.socket, { id, method, params });
    });
  }

  close(): void {
    this.socket.end();
  }
}
