/**
 * Seeded fuzzing of the management API with random and hostile input (issue 11): list query
 * parameters (`columns`, `sort`, `sort_reverse`, `name`, `use_regex`, `page`, `page_size`),
 * the definitions import, and the bodies of the write endpoints. After every request: no
 * answer is a 500, Object.prototype is untouched, and the node still answers other requests.
 *
 *   FUZZ_SEED=1234 FUZZ_RUNS=500 node --import tsx --test test/fuzz/mgmt-api.test.ts
 *
 * The seed is printed; fast-check shrinks a failure and names the seed and path to replay.
 * Runs are bounded in number and in time (FUZZ_TIME_MS per property).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import amqp from "amqplib";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { managementClient, type ApiAnswer } from "../integration/helpers/management-client.js";
import { seedFromEnvironment } from "../helpers/random.js";

const SEED = seedFromEnvironment("FUZZ_SEED");
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 20_000);
const settings = { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_MS };

let node: RunningNode;
let call: ReturnType<typeof managementClient>;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

before(async () => {
  node = await startNode({ enableControl: false });
  call = managementClient(node.managementPort!);
  await call("PUT", "/api/users/fuzz-management", { password: "pw", tags: "management" });
  await call("PUT", "/api/permissions/%2F/fuzz-management", { configure: ".*", write: ".*", read: ".*" });
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("fuzz-binary", { durable: false, arguments: { "x-bin": Buffer.from("ab"), "x-nested": { a: [1, { b: "c" }] } } });
  await channel.assertExchange("fuzz-topic", "topic", { durable: false });
  await channel.bindQueue("fuzz-binary", "fuzz-topic", "a.#");
  await connection.close();
});
after(() => node.stop());

/** The checks made after every fuzzed request. */
async function checkNodeIsWell(answer: ApiAnswer, what: string): Promise<void> {
  assert.ok(answer.status < 500, `${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys, `${what} changed Object.prototype`);
  const overview = await call("GET", "/api/overview");
  assert.equal(overview.status, 200, `after ${what}, /api/overview answered ${overview.status} ${JSON.stringify(overview.body)}`);
}

const HOSTILE_WORDS = ["__proto__", "constructor", "prototype", "toJSON", "toString", "valueOf", "hasOwnProperty", "length", "0", "", "name", "arguments", "x-bin", "x-nested", "a", "messages", "message_stats", "node", "vhost", "policy", "client_properties"];
const word = fc.oneof(fc.constantFrom(...HOSTILE_WORDS), fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 }));
const dottedPath = fc.array(word, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("."));
const hostileText = fc.oneof(dottedPath, fc.string({ maxLength: 40 }), fc.constantFrom("(a+)+$", "(?!x)", "[", "\\", "%", "%zz", "a{1001}", "(?i)Fuzz", ".*", "^$"));
const numberText = fc.oneof(fc.integer({ min: -5, max: 600 }).map(String), fc.constantFrom("", "0", "-1", "1e3", "1.5", "NaN", "Infinity", "0x10", " 1", "99999999999999999999"), fc.string({ maxLength: 5 }));
const LIST_PATHS = [
  "/api/queues", "/api/queues/%2F", "/api/exchanges", "/api/exchanges/%2F", "/api/bindings", "/api/bindings/%2F", "/api/connections", "/api/channels",
  "/api/consumers", "/api/vhosts", "/api/users", "/api/policies", "/api/parameters", "/api/permissions", "/api/topic-permissions", "/api/operator-policies",
  "/api/queues/%2F/fuzz-binary/bindings", "/api/exchanges/%2F/fuzz-topic/bindings/source", "/api/global-parameters", "/api/vhost-limits",
];
const queryArbitrary = fc.record(
  {
    columns: fc.array(dottedPath, { maxLength: 4 }).map((paths) => paths.join(",")),
    sort: dottedPath,
    sort_reverse: fc.oneof(fc.constantFrom("true", "false"), fc.string({ maxLength: 5 })),
    name: hostileText,
    use_regex: fc.oneof(fc.constantFrom("true", "false"), fc.string({ maxLength: 5 })),
    page: numberText,
    page_size: numberText,
    junk: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: [] },
);

test("list query parameters never give a 500 nor touch Object.prototype", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...LIST_PATHS), queryArbitrary, fc.boolean(), fc.boolean(), async (path, query, asManagementUser, repeatKeys) => {
      const parameters = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        parameters.append(key, value);
        if (repeatKeys) parameters.append(key, value);
      }
      const what = `GET ${path}?${parameters}`;
      const answer = await call("GET", `${path}?${parameters}`, undefined, asManagementUser ? "fuzz-management:pw" : "guest:guest");
      await checkNodeIsWell(answer, what);
    }),
    settings,
  );
});

/** JSON values that tend to break importers: deep nesting, odd types where strings belong, prototype keys. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, "", "amq.x", "/", "__proto__", "x".repeat(300)),
    fc.string({ maxLength: 12 }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "name", "vhost", "arguments", "x-max-length"), fc.string({ maxLength: 6 })), tie("value"), { maxKeys: 4 }),
  ),
})).value;

function deeplyNested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let level = 0; level < depth; level++) value = { inner: value };
  return value;
}

const definitionsArbitrary = fc.record(
  {
    rabbit_version: hostileJson,
    users: fc.array(fc.record({ name: hostileJson, password_hash: hostileJson, hashing_algorithm: hostileJson, tags: hostileJson }, { requiredKeys: [] }), { maxLength: 3 }),
    vhosts: fc.oneof(hostileJson, fc.array(fc.record({ name: hostileJson }, { requiredKeys: [] }), { maxLength: 3 })),
    permissions: fc.array(fc.record({ user: hostileJson, vhost: hostileJson, configure: hostileJson, write: hostileJson, read: hostileJson }, { requiredKeys: [] }), { maxLength: 3 }),
    policies: fc.array(fc.record({ vhost: hostileJson, name: hostileJson, pattern: hostileJson, definition: hostileJson, priority: hostileJson, "apply-to": hostileJson }, { requiredKeys: [] }), { maxLength: 3 }),
    queues: fc.array(
      fc.record({ name: fc.oneof(fc.string({ maxLength: 10 }).map((name) => `fuzz-${name}`), hostileJson), vhost: fc.oneof(fc.constant("/"), hostileJson), durable: hostileJson, auto_delete: hostileJson, arguments: fc.oneof(hostileJson, fc.integer({ min: 10, max: 40 }).map(deeplyNested)) }, { requiredKeys: [] }),
      { maxLength: 3 },
    ),
    exchanges: fc.array(fc.record({ name: hostileJson, vhost: fc.oneof(fc.constant("/"), hostileJson), type: hostileJson, durable: hostileJson, arguments: hostileJson }, { requiredKeys: [] }), { maxLength: 3 }),
    bindings: fc.array(fc.record({ source: hostileJson, vhost: fc.oneof(fc.constant("/"), hostileJson), destination: hostileJson, destination_type: hostileJson, routing_key: hostileJson, arguments: hostileJson }, { requiredKeys: [] }), { maxLength: 3 }),
    parameters: fc.array(fc.record({ component: hostileJson, vhost: hostileJson, name: hostileJson, value: hostileJson }, { requiredKeys: [] }), { maxLength: 2 }),
    global_parameters: fc.array(fc.record({ name: hostileJson, value: hostileJson }, { requiredKeys: [] }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

test("a definitions import of random and hostile JSON never gives a 500", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(definitionsArbitrary, hostileJson), fc.constantFrom("/api/definitions", "/api/definitions/%2F"), async (definitions, path) => {
      const body = JSON.stringify(definitions) ?? "null";
      const answer = await call("POST", path, body);
      await checkNodeIsWell(answer, `POST ${path} ${body.slice(0, 300)}`);
    }),
    settings,
  );
});

const WRITES: readonly [string, string][] = [
  ["PUT", "/api/queues/%2F/fuzz-q"], ["PUT", "/api/exchanges/%2F/fuzz-x"], ["POST", "/api/exchanges/%2F/fuzz-topic/publish"], ["POST", "/api/exchanges/%2F/amq.default/publish"],
  ["POST", "/api/bindings/%2F/e/fuzz-topic/q/fuzz-binary"], ["POST", "/api/queues/%2F/fuzz-binary/get"], ["PUT", "/api/policies/%2F/fuzz-policy"], ["PUT", "/api/users/fuzz-user"],
  ["PUT", "/api/permissions/%2F/fuzz-management"], ["PUT", "/api/topic-permissions/%2F/fuzz-management"], ["PUT", "/api/vhosts/fuzz-vhost"], ["PUT", "/api/parameters/shovel/%2F/fuzz"],
  ["PUT", "/api/global-parameters/fuzz"], ["PUT", "/api/vhost-limits/%2F/max-queues"], ["PUT", "/api/user-limits/fuzz-management/max-connections"], ["PUT", "/api/cluster-name"],
  ["POST", "/api/users/bulk-delete"], ["PUT", "/api/operator-policies/%2F/fuzz-op"],
];
const writeBody = fc.oneof(
  hostileJson,
  fc.record(
    {
      routing_key: fc.oneof(hostileJson, fc.integer({ min: 250, max: 300 }).map((length) => "k".repeat(length))),
      payload: hostileJson, payload_encoding: hostileJson, properties: fc.oneof(hostileJson, fc.record({ headers: fc.oneof(hostileJson, fc.integer({ min: 10, max: 40 }).map(deeplyNested)), delivery_mode: hostileJson, priority: hostileJson, timestamp: hostileJson, expiration: hostileJson, content_type: hostileJson }, { requiredKeys: [] })),
      arguments: fc.oneof(hostileJson, fc.integer({ min: 10, max: 40 }).map(deeplyNested)),
      durable: hostileJson, auto_delete: hostileJson, type: fc.oneof(fc.constantFrom("direct", "topic", "fanout", "headers"), hostileJson),
      count: hostileJson, ackmode: hostileJson, encoding: hostileJson, truncate: hostileJson,
      pattern: hostileJson, definition: hostileJson, priority: hostileJson, "apply-to": hostileJson,
      password: hostileJson, tags: hostileJson, configure: hostileJson, write: hostileJson, read: hostileJson, exchange: hostileJson,
      value: hostileJson, name: hostileJson, users: hostileJson, description: hostileJson, default_queue_type: hostileJson, tracing: hostileJson,
    },
    { requiredKeys: [] },
  ),
);

test("the write endpoints answer random and hostile bodies with a 2xx or a 4xx, never a 500", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...WRITES), writeBody, async ([method, path], body) => {
      const text = JSON.stringify(body) ?? "null";
      const answer = await call(method, path, text);
      await checkNodeIsWell(answer, `${method} ${path} ${text.slice(0, 300)}`);
    }),
    settings,
  );
  // The node also still serves AMQP clients after all of it (the fuzz may have set a queue limit of 0: lift it).
  await call("DELETE", "/api/vhost-limits/%2F/max-queues");
  const connection = await amqp.connect(node.url);
  const channel = await connection.createChannel();
  await channel.assertQueue("fuzz-after", { durable: true });
  await connection.close();
});
