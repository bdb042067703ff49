/**
 * Issue 11: the authentication hook looked at the raw URL while the router matched the decoded
 * path, so `/%61pi/cluster-name` answered 200 with no credentials and `/%61pi/users` reached
 * its handler. Authentication is now decided on the matched route; these tests send every
 * route of the API, plainly and percent-encoded, with no credentials and with a user whose
 * tags do not allow the management API.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startNode, type RunningNode } from "../../src/node/index.js";
import { createManagementApp, managementRoutes, type ManagementRoute } from "../../src/mgmt/server.js";
import { managementClient } from "./helpers/management-client.js";

let node: RunningNode;
let call: ReturnType<typeof managementClient>;
let routes: readonly ManagementRoute[];

before(async () => {
  node = await startNode({ enableControl: false });
  call = managementClient(node.managementPort!);
  // The same app the node serves, built again only to list its routes; requests go to the node over HTTP.
  const app = createManagementApp(node.node.context);
  await app.ready();
  routes = managementRoutes(app);
  await app.close();
  assert.equal((await call("PUT", "/api/users/no-tags", { password: "pw", tags: "" })).status, 201);
});
after(() => node.stop());

/** A concrete path for a route: each parameter filled with a plausible value. */
function concretePath(url: string): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => (name === "vhost" ? "%2F" : name === "port" ? "5672" : `some-${name}`));
}

/** The same path with one character of each segment percent-encoded, as the router decodes it. */
function percentEncoded(path: string): string {
  return path.split("/").map((segment) => (/^[a-z]/.test(segment) ? `%${segment.charCodeAt(0).toString(16)}${segment.slice(1)}` : segment)).join("/");
}

test("the paths of the report need credentials", async () => {
  for (const path of ["/%61pi/health/checks/alarms", "/%61pi/cluster-name", "/%61pi/users", "/api/%75sers", "/%61%70%69/overview"]) {
    const answer = await call("GET", path, undefined, null);
    assert.equal(answer.status, 401, `${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.equal(answer.headers.get("www-authenticate"), 'Basic realm="RabbitMQ Management"');
  }
  assert.equal((await call("GET", "/%61pi/users", undefined, "guest:guest")).status, 200, "encoded paths still reach the route when authenticated");
});

test("every route but the UI's page refuses a request without credentials, however the path is written", async () => {
  assert.ok(routes.length > 50, `only ${routes.length} routes listed`);
  for (const route of routes) {
    const path = concretePath(route.url);
    for (const written of [path, percentEncoded(path)]) {
      const answer = await call(route.method, written, route.method === "GET" || route.method === "DELETE" ? undefined : {}, null);
      if (route.public) assert.notEqual(answer.status, 401, `${route.method} ${written}`);
      else assert.equal(answer.status, 401, `${route.method} ${written} (route ${route.url}) answered ${answer.status} without credentials`);
    }
  }
});

test("every route refuses a user without a management tag", async () => {
  for (const route of routes.filter((candidate) => !candidate.public)) {
    const answer = await call(route.method, percentEncoded(concretePath(route.url)), route.method === "GET" || route.method === "DELETE" ? undefined : {}, "no-tags:pw");
    assert.deepEqual([answer.status, answer.body], [401, { error: "not_authorised", reason: "Not management user" }], `${route.method} ${route.url}`);
  }
});
