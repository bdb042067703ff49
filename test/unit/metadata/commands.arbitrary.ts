/**
 * Random metadata commands over small name sets, so that sequences collide often: the same
 * queue declared twice with other flags, bindings to deleted queues, users deleted while they
 * hold permissions, reserved and empty names.
 */
import fc from "fast-check";
import type { DefinitionCommand } from "../../../src/metadata/commands.js";

const vhost = fc.oneof({ arbitrary: fc.constantFrom("/", "a"), weight: 8 }, { arbitrary: fc.constantFrom("b", ""), weight: 1 });
const user = fc.constantFrom("guest", "u1", "u2", "");
const queue = fc.oneof({ arbitrary: fc.constantFrom("q1", "q2", "q3"), weight: 8 }, { arbitrary: fc.constantFrom("amq.q", ""), weight: 1 });
const exchange = fc.oneof({ arbitrary: fc.constantFrom("e1", "e2", "amq.topic"), weight: 8 }, { arbitrary: fc.constantFrom("amq.new", ""), weight: 1 });
const owner = fc.constantFrom(undefined, "c1", "c2");
const pattern = fc.constantFrom(".*", "^a", "", "(");
const args = fc.constantFrom({}, { "x-max-length": 5 }, { "x-message-ttl": 1000, "x-dead-letter-exchange": "e1" });
const hash = { passwordHash: "abcd", hashingAlgorithm: "rabbit_password_hashing_sha256" as const };

const definitionArbitraries = [
  fc.record({ type: fc.constant("vhost.add" as const), name: vhost, description: fc.constantFrom(undefined, "d"), tags: fc.constantFrom(undefined, ["t"]) }),
  fc.record({ type: fc.constant("vhost.delete" as const), name: vhost }),
  fc.record({ type: fc.constant("vhost.set_limits" as const), vhost, limits: fc.constantFrom({ "max-queues": 2 }, { "max-connections": 1 }, { "max-queues": -1 }, { bogus: 1 } as never) }),
  fc.record({ type: fc.constant("vhost.clear_limits" as const), vhost, name: fc.constantFrom(undefined, "max-queues", "all") }),
  fc.record({ type: fc.constant("user.add" as const), name: user, ...constants(hash), tags: fc.constantFrom([], ["administrator"]) }),
  fc.record({ type: fc.constant("user.delete" as const), name: user }),
  fc.record({ type: fc.constant("user.set_tags" as const), name: user, tags: fc.constantFrom([], ["management"]) }),
  fc.record({ type: fc.constant("user.set_password_hash" as const), name: user, ...constants(hash) }),
  fc.record({ type: fc.constant("user.set_limits" as const), name: user, limits: fc.constantFrom({ "max-channels": 3 }, { "max-connections": 1.5 } as never) }),
  fc.record({ type: fc.constant("user.clear_limits" as const), name: user, limit: fc.constantFrom(undefined, "max-channels") }),
  fc.record({ type: fc.constant("permission.set" as const), user, vhost, configure: pattern, write: pattern, read: pattern }),
  fc.record({ type: fc.constant("permission.clear" as const), user, vhost }),
  fc.record({ type: fc.constant("topic_permission.set" as const), user, vhost, exchange, write: pattern, read: pattern }),
  fc.record({ type: fc.constant("topic_permission.clear" as const), user, vhost, exchange: fc.constantFrom(undefined, "amq.topic") }),
  fc.record({
    type: fc.constant("policy.set" as const), vhost, name: fc.constantFrom("p1", "p2"), pattern: fc.constantFrom("^q", "("),
    definition: fc.constantFrom({ "max-length": 3 }, { "max-lenght": 3 }, {}), priority: fc.constantFrom(0, 1), applyTo: fc.constantFrom("queues" as const, "all" as const), operator: fc.boolean(),
  }),
  fc.record({ type: fc.constant("policy.clear" as const), vhost, name: fc.constantFrom("p1", "p2"), operator: fc.boolean() }),
  fc.record({ type: fc.constant("parameter.set" as const), vhost, component: fc.constantFrom("federation-upstream", ""), name: fc.constantFrom("up", ""), value: fc.constantFrom({ uri: "amqp://x" }, 1) }),
  fc.record({ type: fc.constant("parameter.clear" as const), vhost, component: fc.constant("federation-upstream"), name: fc.constant("up") }),
  fc.record({ type: fc.constant("global_parameter.set" as const), name: fc.constantFrom("cluster_name", "x"), value: fc.constantFrom("c", 2) }),
  fc.record({ type: fc.constant("global_parameter.clear" as const), name: fc.constantFrom("cluster_name", "x") }),
];

const objectArbitraries = [
  fc.record({
    type: fc.constant("exchange.declare" as const), vhost, name: exchange, exchangeType: fc.constantFrom("direct", "direct", "topic", "bogus"),
    durable: fc.boolean(), autoDelete: fc.boolean(), internal: fc.constant(false), arguments: fc.constant({}),
  }),
  fc.record({ type: fc.constant("exchange.delete" as const), vhost, name: exchange, ifUnused: fc.boolean() }),
  fc.record({ type: fc.constant("queue.declare" as const), vhost, name: queue, durable: fc.boolean(), autoDelete: fc.boolean(), arguments: args, exclusiveOwner: owner }),
  fc.record({ type: fc.constant("queue.delete" as const), vhost, name: queue, ifUnused: fc.constant(false), ifEmpty: fc.constant(false) }),
  ...(["queue", "exchange"] as const).map((destinationType) =>
    fc.record({
      type: fc.constantFrom("binding.add" as const, "binding.add" as const, "binding.remove" as const), vhost, source: exchange,
      destination: destinationType === "queue" ? queue : exchange, destinationType: fc.constant(destinationType), routingKey: fc.constantFrom("k", ""), arguments: fc.constantFrom({}, { "x-match": "all" }),
    }),
  ),
];

/** Queues, exchanges and bindings come four times as often: they interact the most. */
export const commandArbitrary = fc.oneof(
  ...definitionArbitraries.map((arbitrary) => ({ arbitrary, weight: 1 })),
  ...objectArbitraries.map((arbitrary) => ({ arbitrary, weight: 6 })),
) as fc.Arbitrary<DefinitionCommand>;

function constants<T extends Record<string, unknown>>(values: T): { [K in keyof T]: fc.Arbitrary<T[K]> } {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, fc.constant(value)])) as never;
}

/** Most sequences start from a node's first state: the default vhost and user exist. */
export const BOOTSTRAP: readonly DefinitionCommand[] = [
  { type: "vhost.add", name: "/", description: "Default virtual host" },
  { type: "user.add", name: "guest", passwordHash: "abcd", hashingAlgorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] },
  { type: "permission.set", user: "guest", vhost: "/", configure: ".*", write: ".*", read: ".*" },
  { type: "vhost.add", name: "a" },
];

export const commandsArbitrary = fc.array(commandArbitrary, { minLength: 1, maxLength: 80 });
