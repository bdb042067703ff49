/**
 * Randomness for names the broker makes up (amq.gen-* queues, amq.ctag-* consumer tags, MQTT
 * client ids, scratch directories), handed in like the clock so a simulator can seed it.
 *
 * Secrets are not drawn from here: password salts (auth/password.ts), the Erlang-style cookie and
 * the control port's handshake nonces (node/) always come from node:crypto, so no test or
 * simulator wiring can make them predictable.
 */
import { randomBytes } from "node:crypto";

export interface Random {
  /** `count` random bytes. */
  bytes(count: number): Buffer;
}

/** The operating system's random source. */
export const systemRandom: Random = {
  bytes: (count) => randomBytes(count),
};

/**
 * A seeded generator (xorshift128+) for tests and the simulator: the same seed gives the same
 * bytes. Not for secrets.
 */
export class SeededRandom implements Random {
  private state0: bigint;
  private state1: bigint;

  constructor(seed: number) {
    this.state0 = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n);
    this.state1 = BigInt.asUintN(64, this.state0 * 0xbf58476d1ce4e5b9n + 7n);
  }

  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let offset = 0; offset < count; offset += 8) {
      const value = this.next();
      for (let byte = 0; byte < 8 && offset + byte < count; byte++) out[offset + byte] = Number((value >> BigInt(byte * 8)) & 0xffn);
    }
    return out;
  }

  private next(): bigint {
    let s1 = this.state0;
    const s0 = this.state1;
    this.state0 = s0;
    s1 = BigInt.asUintN(64, s1 ^ (s1 << 23n));
    this.state1 = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return BigInt.asUintN(64, this.state1 + s0);
  }
}
