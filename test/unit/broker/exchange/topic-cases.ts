/**
 * The topic matching table: every pattern below is tried against every key in `topicKeys`,
 * and must match exactly the keys listed with it.
 *
 * Verified against RabbitMQ 3.10.8 (Debian's rabbitmq-server, over 127.0.0.1 with amqplib):
 * one queue bound per pattern to a topic exchange, every key published once, and each queue's
 * messages compared with `matches`; the whole matrix agreed.
 *
 * RabbitMQ splits a key on every `.`, so `a..b` has an empty middle word, `a.` ends with an empty
 * word and `.` is two empty words; the empty key alone has no words at all (not one empty word),
 * which is why `*` does not match it and `` (the empty pattern) matches nothing else.
 */
export const topicKeys: readonly string[] = [
  "", ".", "..", "a", "b", "A", "*", "#",
  "a.b", "a.b.c", "a..b", "a.", ".a", "a.x.b", "a.x.y.b", "b.a", "a.a", "a.*", "x.y.z",
];

const allKeys = topicKeys;
const nonEmptyKeys = topicKeys.filter((key) => key !== "");

export const topicCases: ReadonlyArray<{ readonly pattern: string; readonly matches: readonly string[] }> = [
  { pattern: "", matches: [""] },
  { pattern: "#", matches: allKeys },
  { pattern: "#.#", matches: allKeys },
  { pattern: "#.#.#", matches: allKeys },
  { pattern: "*", matches: ["a", "b", "A", "*", "#"] },
  { pattern: "*.#", matches: nonEmptyKeys },
  { pattern: "#.*", matches: nonEmptyKeys },
  { pattern: "*.#.*", matches: [".", "..", "a.b", "a.b.c", "a..b", "a.", ".a", "a.x.b", "a.x.y.b", "b.a", "a.a", "a.*", "x.y.z"] },
  { pattern: "*.*", matches: [".", "a.b", "a.", ".a", "b.a", "a.a", "a.*"] },
  { pattern: "*.*.*", matches: ["..", "a.b.c", "a..b", "a.x.b", "x.y.z"] },
  { pattern: "*.*.*.*", matches: ["a.x.y.b"] },
  { pattern: "a", matches: ["a"] },
  { pattern: "A", matches: ["A"] },
  { pattern: "a.b", matches: ["a.b"] },
  { pattern: "a.b.c", matches: ["a.b.c"] },
  { pattern: "a.*", matches: ["a.b", "a.", "a.a", "a.*"] },
  { pattern: "*.b", matches: ["a.b"] },
  { pattern: "a.#", matches: ["a", "a.b", "a.b.c", "a..b", "a.", "a.x.b", "a.x.y.b", "a.a", "a.*"] },
  { pattern: "a.*.#", matches: ["a.b", "a.b.c", "a..b", "a.", "a.x.b", "a.x.y.b", "a.a", "a.*"] },
  { pattern: "a.b.#.#", matches: ["a.b", "a.b.c"] },
  { pattern: "#.a", matches: ["a", ".a", "b.a", "a.a"] },
  { pattern: "#.#.a", matches: ["a", ".a", "b.a", "a.a"] },
  { pattern: "#.b", matches: ["b", "a.b", "a..b", "a.x.b", "a.x.y.b"] },
  { pattern: "#.#.b", matches: ["b", "a.b", "a..b", "a.x.b", "a.x.y.b"] },
  { pattern: "a.#.b", matches: ["a.b", "a..b", "a.x.b", "a.x.y.b"] },
  { pattern: "a.*.b", matches: ["a..b", "a.x.b"] },
  { pattern: "#.a.#", matches: ["a", "a.b", "a.b.c", "a..b", "a.", ".a", "a.x.b", "a.x.y.b", "b.a", "a.a", "a.*"] },
  { pattern: "#.b.#", matches: ["b", "a.b", "a.b.c", "a..b", "a.x.b", "a.x.y.b", "b.a"] },
  { pattern: ".", matches: ["."] },
  { pattern: "..", matches: [".."] },
  { pattern: "a.", matches: ["a."] },
  { pattern: ".a", matches: [".a"] },
  { pattern: "a..b", matches: ["a..b"] },
  { pattern: "*.", matches: [".", "a."] },
  { pattern: ".*", matches: [".", ".a"] },
  { pattern: "#.", matches: [".", "..", "a."] },
  { pattern: ".#", matches: [".", "..", ".a"] },
];
