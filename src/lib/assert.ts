/**
 * Invariant assertions (TIGER_STYLE): they stay on in production. A broken
 * invariant is a bug in Warren, never a client's fault: clients that break the
 * protocol get a BrokerError with a reply code instead.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = "InvariantError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
