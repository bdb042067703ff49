/**
 * /api/vhosts: list (each with its message totals), create or update (PUT with description,
 * tags, default_queue_type, tracing), delete, and the vhost's permissions. Creating a vhost
 * through the API gives the creating user full permissions on it, as RabbitMQ does.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { bodyOf, booleanField, created, notFound, requireAdministrator, vhostFor, visibleVhosts } from "../http.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand, vhostMetadata } from "../../broker/definitions.js";
import { brokerStats } from "../stats.js";
import { parseTags } from "../../auth/tags.js";
import { permissionJson, topicPermissionJson } from "./permissions.js";
import type { Vhost } from "../../broker/vhost.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerVhosts(app: FastifyInstance, context: ManagementContext): void {
  const json = (vhost: Vhost) => {
    const metadata = vhostMetadata(context.broker, vhost.name);
    let ready = 0;
    let unacked = 0;
    for (const queue of vhost.queues.values()) {
      ready += queue.readyCount;
      unacked += queue.unackedCount;
    }
    return {
      cluster_state: { [context.nodeName]: "running" },
      default_queue_type: metadata.defaultQueueType ?? "undefined",
      description: metadata.description,
      message_stats: brokerStats(context.broker).vhost(vhost.name).messageStats(context.broker.io.time.nowMs()),
      messages: ready + unacked,
      messages_details: { rate: 0 },
      messages_ready: ready,
      messages_ready_details: { rate: 0 },
      messages_unacknowledged: unacked,
      messages_unacknowledged_details: { rate: 0 },
      metadata: { description: metadata.description, tags: metadata.tags, ...(metadata.defaultQueueType === undefined ? {} : { default_queue_type: metadata.defaultQueueType }) },
      name: vhost.name,
      tags: metadata.tags,
      tracing: metadata.tracing,
    };
  };

  app.get("/api/vhosts", async (request: Request) => listResponse(visibleVhosts(request, context.broker).map(json), request.query));
  // One vhost by name is for administrators in RabbitMQ 3.10 (the list is for everyone, filtered).
  app.get("/api/vhosts/:vhost", async (request: Request) => {
    requireAdministrator(request);
    return json(vhostFor(request, context.broker, request.params.vhost));
  });

  app.put("/api/vhosts/:vhost", async (request: Request, reply) => {
    requireAdministrator(request);
    const name = request.params.vhost;
    const body = bodyOf(request);
    const existed = context.broker.vhosts.has(name);
    applyDefinitionCommand(context.broker, {
      type: "vhost.add", name,
      description: typeof body.description === "string" ? body.description : undefined,
      tags: body.tags === undefined ? undefined : parseTags(body.tags),
      defaultQueueType: typeof body.default_queue_type === "string" ? body.default_queue_type : undefined,
      tracing: body.tracing === undefined ? undefined : booleanField(body.tracing, false),
    });
    if (!existed) {
      applyDefinitionCommand(context.broker, { type: "permission.set", user: request.user.name, vhost: name, configure: ".*", write: ".*", read: ".*" });
    }
    return created(reply, existed);
  });

  app.delete("/api/vhosts/:vhost", async (request: Request, reply) => {
    requireAdministrator(request);
    if (!context.broker.vhosts.has(request.params.vhost)) throw notFound();
    applyDefinitionCommand(context.broker, { type: "vhost.delete", name: request.params.vhost });
    return reply.code(204).send();
  });

  app.get("/api/vhosts/:vhost/permissions", async (request: Request) => {
    requireAdministrator(request);
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    const users = [...context.broker.users.all()];
    return listResponse(users.flatMap((user) => {
      const permission = user.permissions.get(vhost.name);
      return permission === undefined ? [] : [permissionJson(user.name, vhost.name, permission)];
    }), request.query);
  });

  app.get("/api/vhosts/:vhost/topic-permissions", async (request: Request) => {
    requireAdministrator(request);
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    const users = [...context.broker.users.all()];
    return listResponse(users.flatMap((user) => [...(user.topicPermissions.get(vhost.name)?.values() ?? [])].map((permission) => topicPermissionJson(user.name, vhost.name, permission))), request.query);
  });
}
