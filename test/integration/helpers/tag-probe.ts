/**
 * Which user tags may call each route of a management API (RabbitMQ's or Warren's): one user
 * per tag, each with full permissions on a throw-away vhost `probe`, calls every route with
 * plausible parameters. A 401 or 403 means "refused"; any other answer (200, 204, 400, 404)
 * means the request got past authorisation. The vhost and users are re-created after every
 * request that may change something, since an administrator's DELETE may remove them.
 */
export const PROBED_TAGS = ["management", "policymaker", "monitoring", "administrator"] as const;
export type ProbedTag = (typeof PROBED_TAGS)[number];
export type TagAnswers = Record<ProbedTag, number>;

const VALUES: Record<string, string> = { vhost: "probe", user: "probe-target", port: "5672", protocol: "amqp", props: "~", component: "federation-upstream" };

export function probePath(url: string): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => VALUES[name] ?? `probe-${name}`);
}

export function isRefused(status: number): boolean {
  return status === 401 || status === 403;
}

/** The least tag that allows a route, as written in docs/operations.md's endpoint table. */
export function requiredTag(answers: TagAnswers): string {
  const allowed = PROBED_TAGS.filter((tag) => !isRefused(answers[tag]));
  const key = allowed.join(",");
  const labels: Record<string, string> = {
    "management,policymaker,monitoring,administrator": "management",
    "policymaker,administrator": "policymaker",
    "monitoring,administrator": "monitoring",
    administrator: "administrator",
  };
  return labels[key] ?? `(${key || "nobody"})`;
}

export async function probeTagRequirements(base: string, routes: readonly { method: string; url: string }[], adminCredentials = "guest:guest"): Promise<Record<string, TagAnswers>> {
  const call = async (method: string, path: string, credentials: string, body?: unknown): Promise<number> => {
    const headers: Record<string, string> = { authorization: "Basic " + Buffer.from(credentials).toString("base64") };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
  };
  const fixture = async () => {
    await call("PUT", "/api/vhosts/probe", adminCredentials, {});
    await call("PUT", "/api/users/probe-target", adminCredentials, { password: "pw", tags: "" });
    for (const tag of PROBED_TAGS) {
      await call("PUT", `/api/users/probe-${tag}`, adminCredentials, { password: "pw", tags: tag });
      await call("PUT", `/api/permissions/probe/probe-${tag}`, adminCredentials, { configure: ".*", write: ".*", read: ".*" });
    }
  };
  const result: Record<string, TagAnswers> = {};
  await fixture();
  for (const route of routes) {
    if (!route.url.startsWith("/api/")) continue;
    const answers = {} as TagAnswers;
    for (const tag of PROBED_TAGS) {
      const writes = route.method !== "GET";
      answers[tag] = await call(route.method, probePath(route.url), `probe-${tag}:pw`, route.method === "PUT" || route.method === "POST" ? {} : undefined);
      if (writes) await fixture();
    }
    result[`${route.method} ${route.url}`] = answers;
  }
  return result;
}
