/**
 * Connections, channels and consumers: listed from the connections' snapshots (computed
 * when asked). Management users see their own connections; monitoring users see all.
 * `DELETE /api/connections/{name}` closes one with 320 CONNECTION_FORCED, as RabbitMQ does,
 * with the `X-Reason` header as the reason when given.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ConnectionInfo } from "../../broker/broker.js";
import type { ManagementContext, Params } from "../http.js";
import { notAuthorised, notFound, vhostFor } from "../http.js";
import { channelJson, connectionJson, consumerJson } from "../format.js";
import { channelName } from "../../broker/channel-name.js";
import { listResponse, type Query } from "../query.js";
import { isMonitor, isAdministrator } from "../../auth/tags.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

function visibleConnections(context: ManagementContext, request: FastifyRequest, vhost?: string): ConnectionInfo[] {
  const monitor = isMonitor(request.user);
  return [...context.broker.connections]
    .map((connection) => connection.info())
    .filter((info) => (vhost === undefined || info.vhost === vhost) && (monitor || info.user === request.user.name));
}

function findConnection(context: ManagementContext, request: FastifyRequest, name: string) {
  for (const connection of context.broker.connections) {
    const info = connection.info();
    if (info.name !== name) continue;
    if (!isMonitor(request.user) && info.user !== request.user.name) throw notAuthorised("Not authorised to access this connection");
    return { connection, info };
  }
  throw notFound();
}

export function registerConnections(app: FastifyInstance, context: ManagementContext): void {
  const node = () => context.nodeName;
  const connections = (request: Request, vhost?: string) => visibleConnections(context, request, vhost).map((info) => connectionJson(node(), info));
  const channels = (request: Request, vhost?: string) =>
    visibleConnections(context, request, vhost).flatMap((info) => info.channels.map((channel) => channelJson(node(), info, channel)));
  const consumers = (request: Request, vhost?: string) =>
    visibleConnections(context, request, vhost).flatMap((info) => info.channels.flatMap((channel) => channel.consumers.map((consumer) => consumerJson(node(), info, channel, consumer))));

  app.get("/api/connections", async (request: Request) => listResponse(connections(request), request.query));
  app.get("/api/vhosts/:vhost/connections", async (request: Request) => {
    vhostFor(request, context.broker, request.params.vhost);
    return listResponse(connections(request, request.params.vhost), request.query);
  });
  app.get("/api/connections/:name", async (request: Request) => connectionJson(node(), findConnection(context, request, request.params.name).info));
  app.get("/api/connections/:name/channels", async (request: Request) => {
    const { info } = findConnection(context, request, request.params.name);
    return listResponse(info.channels.map((channel) => channelJson(node(), info, channel)), request.query);
  });
  app.delete("/api/connections/:name", async (request: Request, reply) => {
    const { connection, info } = findConnection(context, request, request.params.name);
    if (!isAdministrator(request.user) && info.user !== request.user.name) throw notAuthorised("Not administrator user");
    const header = request.headers["x-reason"];
    const reason = typeof header === "string" && header !== "" ? header : "Closed via management plugin";
    const closable = connection as { closeByOperator?: (reason: string) => void };
    if (closable.closeByOperator !== undefined) closable.closeByOperator(reason);
    else connection.shutdown(reason);
    return reply.code(204).send();
  });

  app.get("/api/channels", async (request: Request) => listResponse(channels(request), request.query));
  app.get("/api/vhosts/:vhost/channels", async (request: Request) => {
    vhostFor(request, context.broker, request.params.vhost);
    return listResponse(channels(request, request.params.vhost), request.query);
  });
  app.get("/api/channels/:name", async (request: Request) => {
    for (const info of visibleConnections(context, request)) {
      for (const channel of info.channels) if (channelName(info, channel) === request.params.name) return channelJson(node(), info, channel);
    }
    throw notFound();
  });

  app.get("/api/consumers", async (request: Request) => listResponse(consumers(request), request.query));
  app.get("/api/consumers/:vhost", async (request: Request) => {
    vhostFor(request, context.broker, request.params.vhost);
    return listResponse(consumers(request, request.params.vhost), request.query);
  });
}
