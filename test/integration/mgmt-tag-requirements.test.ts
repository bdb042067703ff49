/**
 * Issue 11: runtime parameters (which hold shovel and federation URIs with passwords) were
 * readable by `management` users; RabbitMQ requires `policymaker`. Every route's tag
 * requirement is now probed here and compared with RabbitMQ 3.10.8's answers to the same
 * probe (RabbitMQ was the reference: test/fixtures/ops/rabbitmq-api/tag-requirements.json,
 * made with test/fixtures/ops/probe-tag-requirements.ts), and with the endpoint table in
 * docs/operations.md, so the table stays true.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { createManagementApp, managementRoutes, type ManagementRoute } from "../../src/mgmt/server.js";
import { managementClient } from "./helpers/management-client.js";
import { isRefused, probeTagRequirements, requiredTag, type TagAnswers } from "./helpers/tag-probe.js";

const rabbitmq: Record<string, TagAnswers> = JSON.parse(readFileSync(new URL("../fixtures/ops/rabbitmq-api/tag-requirements.json", import.meta.url), "utf8"));
const operations = readFileSync(new URL("../../docs/operations.md", import.meta.url), "utf8");
/** Where Warren is stricter than RabbitMQ on purpose (docs/operations.md says why). */
const DELIBERATELY_STRICTER = new Set(["GET /api/user-limits", "GET /api/user-limits/:user"]);

let node: RunningNode;
let call: ReturnType<typeof managementClient>;
let routes: readonly ManagementRoute[];
let warren: Record<string, TagAnswers>;

before(async () => {
  node = await startNode({ enableControl: false });
  call = managementClient(node.managementPort!);
  const app = createManagementApp(node.node.context);
  await app.ready();
  routes = managementRoutes(app);
  await app.close();
  warren = await probeTagRequirements(`http://127.0.0.1:${node.managementPort}`, routes);
});
after(() => node.stop());

test("a management user cannot read runtime parameters; a policymaker can", async () => {
  await call("PUT", "/api/users/reader", { password: "pw", tags: "management" });
  await call("PUT", "/api/users/maker", { password: "pw", tags: "policymaker" });
  for (const user of ["reader", "maker"]) await call("PUT", `/api/permissions/%2F/${user}`, { configure: ".*", write: ".*", read: ".*" });
  assert.equal((await call("PUT", "/api/parameters/shovel/%2F/secret-shovel", { value: { "src-uri": "amqp://user:secret@elsewhere", "src-queue": "q", "dest-uri": "amqp://", "dest-queue": "q" } })).status, 201);
  for (const path of ["/api/parameters", "/api/parameters/shovel", "/api/parameters/shovel/%2F", "/api/parameters/shovel/%2F/secret-shovel"]) {
    const refused = await call("GET", path, undefined, "reader:pw");
    assert.deepEqual([refused.status, refused.body], [401, { error: "not_authorised", reason: "User not authorised to access object" }], path);
    assert.equal((await call("GET", path, undefined, "maker:pw")).status, 200, path);
  }
});

test("every route needs the same tags as in RabbitMQ 3.10.8", () => {
  const differences: string[] = [];
  for (const [route, answers] of Object.entries(warren)) {
    const reference = rabbitmq[route];
    assert.ok(reference !== undefined, `${route} was not probed on RabbitMQ: run test/fixtures/ops/probe-tag-requirements.ts again`);
    const mine = requiredTag(answers);
    const theirs = requiredTag(reference);
    if (mine !== theirs && !DELIBERATELY_STRICTER.has(route)) differences.push(`${route}: Warren ${mine}, RabbitMQ ${theirs}`);
  }
  assert.deepEqual(differences, []);
  for (const route of DELIBERATELY_STRICTER) assert.ok(isRefused(warren[route].management), `${route} should stay administrator-only`);
});

test("docs/operations.md lists every route with the tag it needs", () => {
  const documented = new Map<string, { tag: string; rabbitmq: string }>();
  for (const match of operations.matchAll(/^\| (GET|PUT|POST|DELETE) \| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$/gm)) {
    documented.set(`${match[1]} ${match[2].replace(/\{(\w+)\}/g, ":$1")}`, { tag: match[3].trim(), rabbitmq: match[4].trim() });
  }
  for (const route of routes.filter((candidate) => candidate.url.startsWith("/api/"))) {
    const key = `${route.method} ${route.url}`;
    const row = documented.get(key);
    assert.ok(row !== undefined, `docs/operations.md has no row for ${key}`);
    assert.equal(row.tag, route.public ? "none (public)" : requiredTag(warren[key]), key);
    if (row.rabbitmq === "same") continue;
    if (row.rabbitmq.startsWith("not in")) assert.ok(rabbitmq[key] === undefined || Object.values(rabbitmq[key]).every((status) => status === 404), key);
    else assert.equal(row.rabbitmq, requiredTag(rabbitmq[key]), key);
  }
  assert.equal(documented.size, routes.filter((candidate) => candidate.url.startsWith("/api/")).length, "the table has rows for routes that do not exist");
});
