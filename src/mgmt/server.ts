/**
 * The management HTTP API (port 15672) on fastify: HTTP basic authentication against the
 * broker's users, tag-based access (see src/auth/tags.ts), RabbitMQ's error bodies, and one
 * file per resource under api/. Bodies are JSON; a body without a content type is read as
 * JSON too, because scripts written for RabbitMQ (which accepts that) send them.
 */
import { fastify, type FastifyInstance } from "fastify";
import type { ManagementContext } from "./http.js";
import { HttpError, httpErrorFrom, notAuthorised } from "./http.js";
import { canUseManagement } from "../auth/tags.js";
import type { User } from "../auth/users.js";
import { registerOverview } from "./api/overview.js";
import { registerConnections } from "./api/connections.js";
import { registerExchanges } from "./api/exchanges.js";
import { registerQueues } from "./api/queues.js";
import { registerBindings } from "./api/bindings.js";
import { registerVhosts } from "./api/vhosts.js";
import { registerUsers } from "./api/users.js";
import { registerPermissions } from "./api/permissions.js";
import { registerPolicies } from "./api/policies.js";
import { registerParameters } from "./api/parameters.js";
import { registerDefinitions } from "./api/definitions.js";
import { registerHealth } from "./api/health.js";
import { registerUserInterface } from "./ui.js";

/** RabbitMQ's default management.http.max_body_size is about 20 MB: room for a large definitions file. */
const BODY_BYTES_MAX = 20 * 1024 * 1024;

export interface ManagementRoute {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
}

const routesByApp = new WeakMap<FastifyInstance, ManagementRoute[]>();

/** Every route of an app, so a test can check each one's authentication and tag requirement. */
export function managementRoutes(app: FastifyInstance): readonly ManagementRoute[] {
  return routesByApp.get(app) ?? [];
}

export function createManagementApp(context: ManagementContext): FastifyInstance {
  const app = fastify({ bodyLimit: BODY_BYTES_MAX, logger: false, routerOptions: { ignoreTrailingSlash: true, querystringParser: parseQuery } });
  const routes: ManagementRoute[] = [];
  routesByApp.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") routes.push({ method, url: route.url, public: route.config?.public === true });
  });
  app.decorateRequest("user", null as unknown as User);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HttpError(400, "bad_request", "the request body is not valid JSON"), undefined);
    }
  });

  // Fastify has matched the route before this hook runs, on the decoded path, so the decision
  // is taken on the route, never on the raw URL (`/%61pi/users` is the route `/api/users`).
  // Every route needs a user except those registered as public (the UI's page) and requests
  // that matched no route, which get the 404 body and nothing else.
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404 || request.routeOptions.config.public === true) return;
    const user = authenticate(context, request.headers.authorization, request.socket.remoteAddress ?? "");
    if (user instanceof HttpError) {
      reply.header("www-authenticate", 'Basic realm="RabbitMQ Management"');
      throw user;
    }
    request.user = user;
  });

  app.setErrorHandler((error, _request, reply) => {
    const httpError = httpErrorFrom(error);
    if (httpError.status >= 500) context.broker.logger.error({ err: error }, "management API error");
    return reply.code(httpError.status).send({ error: httpError.error, reason: httpError.reason });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "Object Not Found", reason: "Not Found" }));

  registerOverview(app, context);
  registerConnections(app, context);
  registerExchanges(app, context);
  registerQueues(app, context);
  registerBindings(app, context);
  registerVhosts(app, context);
  registerUsers(app, context);
  registerPermissions(app, context);
  registerPolicies(app, context);
  registerParameters(app, context);
  registerDefinitions(app, context);
  registerHealth(app, context);
  registerUserInterface(app);
  return app;
}

/**
 * The query string as single strings: a repeated key keeps its first value, as RabbitMQ's
 * handlers read it (`proplists:get_value`), so `?sort=a&sort=b` never hands a handler an
 * array where it expects text. The object has no prototype: a key named `__proto__` is data.
 */
export function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) if (!(key in query)) query[key] = value;
  return query;
}

/** The user of an Authorization header, or the 401 RabbitMQ answers with. */
function authenticate(context: ManagementContext, header: string | undefined, remoteAddress: string): User | HttpError {
  const loginFailed = new HttpError(401, "not_authorized", "Login failed");
  if (header === undefined || !header.startsWith("Basic ")) return loginFailed;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return loginFailed;
  const user = context.broker.users.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  if (user === undefined) return loginFailed;
  if (context.broker.config.loopbackUsers.includes(user.name) && !isLoopback(remoteAddress)) return notAuthorised("User can only log in via localhost");
  if (!canUseManagement(user)) return notAuthorised("Not management user");
  return user;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}

export interface RunningHttpServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts an app on host:port (0 picks a free port). */
export async function listenHttp(app: FastifyInstance, host: string, port: number): Promise<RunningHttpServer> {
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  return { host, port: boundPort, close: () => app.close() };
}

export async function startManagement(context: ManagementContext, host: string, port: number): Promise<RunningHttpServer> {
  return listenHttp(createManagementApp(context), host, port);
}
