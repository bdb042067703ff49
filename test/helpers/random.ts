/** A small seeded generator (mulberry32) so a failing run can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed from `name` in the environment, or a fresh one; printed so the run can be repeated. */
export function seedFromEnvironment(name: string): number {
  const given = process.env[name];
  const seed = given !== undefined ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  console.log(`# ${name}=${seed}`);
  return seed;
}
