/**
 * The control port's wire format and handshake, shared by the node and warrenctl.
 *
 * Messages are JSON objects, one per line. The handshake is a mutual challenge–response:
 *   node → client  {type:"challenge", node, nonce: Ns}
 *   client → node  {type:"response", nonce: Nc, proof: HMAC(cookie, "client|Ns|Nc")}
 *   node → client  {type:"welcome", proof: HMAC(cookie, "server|Nc|Ns")}  or {type:"refused", reason}
 * Both nonces are fresh random 32 bytes, so a recorded exchange cannot be replayed, and
 * each side proves it knows the cookie without sending it. Then requests
 * {id, method, params} get {id, result} or {id, error: {message}}.
 */
// Handshake nonces are secrets: they come from node:crypto, never from io's Random (io/random.ts).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";

export const PROTOCOL_VERSION = 1;
/** Before authentication a peer may send one short line only: nobody unauthenticated makes us buffer much. */
export const HANDSHAKE_LINE_BYTES_MAX = 4 * 1024;
/** After authentication a request may carry a definitions file (the API accepts 20 MB). */
export const REQUEST_LINE_BYTES_MAX = 64 * 1024 * 1024;

export function freshNonce(): string {
  return randomBytes(32).toString("hex");
}

export function proof(cookie: string, role: "client" | "server", first: string, second: string): string {
  return createHmac("sha256", cookie).update(`warren-control|${role}|${first}|${second}`).digest("hex");
}

export function proofMatches(expected: string, received: unknown): boolean {
  if (typeof received !== "string" || received.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(received));
}

/** Splits a socket's bytes into JSON messages; a line over the current limit ends the connection. */
export class LineReader {
  private buffered = "";
  limitBytes = HANDSHAKE_LINE_BYTES_MAX;

  constructor(socket: Socket, onMessage: (message: Record<string, unknown>) => void, onError: (reason: string) => void) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffered += chunk;
      let newline: number;
      while ((newline = this.buffered.indexOf("\n")) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          return onError("malformed message (not JSON)");
        }
        if (message === null || typeof message !== "object") return onError("malformed message (not an object)");
        onMessage(message as Record<string, unknown>);
      }
      if (this.buffered.length > this.limitBytes) onError(`message longer than ${this.limitBytes} bytes`);
    });
  }
}

export function send(socket: Socket, message: Record<string, unknown>): void {
  if (!socket.destroyed) socket.write(JSON.stringify(message) + "\n");
}
