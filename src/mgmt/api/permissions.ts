/**
 * /api/permissions and /api/topic-permissions: list, and per vhost and user get, set (PUT)
 * and clear (DELETE). Administrator only, as in RabbitMQ.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, created, notFound, requireAdministrator } from "../http.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import type { Permission, TopicPermission } from "../../auth/users.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function permissionJson(user: string, vhost: string, permission: Permission): Record<string, unknown> {
  return { user, vhost, configure: permission.configure, write: permission.write, read: permission.read };
}

export function topicPermissionJson(user: string, vhost: string, permission: TopicPermission): Record<string, unknown> {
  return { user, vhost, exchange: permission.exchange, write: permission.write, read: permission.read };
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string") throw badRequest(`Missing key: ${name}`);
  return value;
}

export function registerPermissions(app: FastifyInstance, context: ManagementContext): void {
  const users = () => [...context.broker.users.all()];
  const userAndVhost = (request: Request) => {
    const user = context.broker.users.get(request.params.user);
    if (user === undefined || !context.broker.vhosts.has(request.params.vhost)) throw notFound();
    return user;
  };

  app.get("/api/permissions", async (request: Request) => {
    requireAdministrator(request);
    return listResponse(users().flatMap((user) => [...user.permissions].map(([vhost, permission]) => permissionJson(user.name, vhost, permission))), request.query);
  });
  app.get("/api/permissions/:vhost/:user", async (request: Request) => {
    requireAdministrator(request);
    const permission = userAndVhost(request).permissions.get(request.params.vhost);
    if (permission === undefined) throw notFound();
    return permissionJson(request.params.user, request.params.vhost, permission);
  });
  app.put("/api/permissions/:vhost/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    const user = userAndVhost(request);
    const existed = user.permissions.has(request.params.vhost);
    const body = bodyOf(request);
    applyDefinitionCommand(context.broker, {
      type: "permission.set", user: user.name, vhost: request.params.vhost,
      configure: requiredString(body, "configure"), write: requiredString(body, "write"), read: requiredString(body, "read"),
    });
    return created(reply, existed);
  });
  app.delete("/api/permissions/:vhost/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    const user = userAndVhost(request);
    if (!user.permissions.has(request.params.vhost)) throw notFound();
    applyDefinitionCommand(context.broker, { type: "permission.clear", user: user.name, vhost: request.params.vhost });
    return reply.code(204).send();
  });

  app.get("/api/topic-permissions", async (request: Request) => {
    requireAdministrator(request);
    return listResponse(users().flatMap((user) =>
      [...user.topicPermissions].flatMap(([vhost, byExchange]) => [...byExchange.values()].map((permission) => topicPermissionJson(user.name, vhost, permission)))), request.query);
  });
  app.get("/api/topic-permissions/:vhost/:user", async (request: Request) => {
    requireAdministrator(request);
    const byExchange = userAndVhost(request).topicPermissions.get(request.params.vhost);
    if (byExchange === undefined || byExchange.size === 0) throw notFound();
    return [...byExchange.values()].map((permission) => topicPermissionJson(request.params.user, request.params.vhost, permission));
  });
  app.put("/api/topic-permissions/:vhost/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    const user = userAndVhost(request);
    const body = bodyOf(request);
    const exchange = requiredString(body, "exchange");
    const existed = user.topicPermissions.get(request.params.vhost)?.has(exchange) ?? false;
    applyDefinitionCommand(context.broker, {
      type: "topic_permission.set", user: user.name, vhost: request.params.vhost, exchange, write: requiredString(body, "write"), read: requiredString(body, "read"),
    });
    return created(reply, existed);
  });
  app.delete("/api/topic-permissions/:vhost/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    const user = userAndVhost(request);
    if (!user.topicPermissions.has(request.params.vhost)) throw notFound();
    applyDefinitionCommand(context.broker, { type: "topic_permission.clear", user: user.name, vhost: request.params.vhost });
    return reply.code(204).send();
  });
}
