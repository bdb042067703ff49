/**
 * /api/queues: list, declare (PUT), delete (with if-unused and if-empty), bindings,
 * purge (DELETE .../contents) and get (POST .../get). Counts are read from the queues
 * when asked; the policy names are the ones in force now.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { bodyOf, booleanField, created, notFound, fieldTableField, vhostFor, vhostForChange, visibleVhosts } from "../http.js";
import { bindingJson, queueJson } from "../format.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkDeadLetterExchangePermitted } from "../../auth/argument-permissions.js";
import { checkQueueLimit } from "../../broker/limits-check.js";
import { getFromApi } from "../messages.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerQueues(app: FastifyInstance, context: ManagementContext): void {
  const list = (request: Request, vhostName?: string) => {
    const broker = context.broker;
    const vhosts = vhostName === undefined ? visibleVhosts(request, broker) : [vhostFor(request, broker, vhostName)];
    const nowMs = context.broker.io.time.nowMs();
    return vhosts.flatMap((vhost) => [...vhost.queues.values()].map((queue) => queueJson(broker, context.nodeName, queue, nowMs)));
  };
  const find = (request: Request) => {
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    const queue = vhost.queues.get(request.params.name);
    if (queue === undefined) throw notFound();
    return { vhost, queue };
  };

  app.get("/api/queues", async (request: Request) => listResponse(list(request), request.query));
  app.get("/api/queues/:vhost", async (request: Request) => listResponse(list(request, request.params.vhost), request.query));
  app.get("/api/queues/:vhost/:name", async (request: Request) => {
    const { queue } = find(request);
    const json = queueJson(context.broker, context.nodeName, queue, context.broker.io.time.nowMs());
    const consumerDetails = queue.consumers().map((consumer) => ({
      consumer_tag: consumer.tag, ack_required: !consumer.noAck, exclusive: consumer.exclusive, active: true, activity_status: "up",
      arguments: consumer.priority !== 0 ? { "x-priority": consumer.priority } : {}, queue: { name: queue.name, vhost: queue.vhost },
    }));
    return { ...json, consumer_details: consumerDetails, deliveries: [], incoming: [] };
  });

  app.put("/api/queues/:vhost/:name", async (request: Request, reply) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    const name = request.params.name;
    const body = bodyOf(request);
    checkPermitted(request.user, vhost.name, "configure", "queue", name);
    const existed = vhost.queues.has(name);
    const queueArguments = fieldTableField(body.arguments, "arguments");
    if (!existed) {
      checkQueueLimit(context.broker, vhost.name, name);
      // As over AMQP (RabbitMQ's API declares through its AMQP client): the dead-letter exchange must be the user's to write to.
      checkDeadLetterExchangePermitted(request.user, vhost.name, name, queueArguments);
    }
    applyDefinitionCommand(context.broker, {
      type: "queue.declare", vhost: vhost.name, name,
      durable: booleanField(body.durable, true), autoDelete: booleanField(body.auto_delete, false), arguments: queueArguments,
    });
    // Counted as RabbitMQ counts the management plugin's declares (through a channel).
    context.broker.events.queuesDeclared++;
    if (!existed) context.broker.events.queuesCreated++;
    return created(reply, existed);
  });

  app.delete("/api/queues/:vhost/:name", async (request: Request, reply) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    if (!vhost.queues.has(request.params.name)) throw notFound();
    checkPermitted(request.user, vhost.name, "configure", "queue", request.params.name);
    applyDefinitionCommand(context.broker, {
      type: "queue.delete", vhost: vhost.name, name: request.params.name, ifUnused: request.query["if-unused"] === "true", ifEmpty: request.query["if-empty"] === "true",
    });
    return reply.code(204).send();
  });

  app.get("/api/queues/:vhost/:name/bindings", async (request: Request) => {
    const { vhost, queue } = find(request);
    const bindings = [...vhost.bindings()].filter((binding) => binding.destination === queue);
    return listResponse(bindings.map((binding) => bindingJson(vhost.name, binding)), request.query);
  });

  app.delete("/api/queues/:vhost/:name/contents", async (request: Request, reply) => {
    const { vhost, queue } = find(request);
    vhostForChange(request, context.broker, vhost.name);
    checkPermitted(request.user, vhost.name, "read", "queue", queue.name);
    queue.purge();
    return reply.code(204).send();
  });

  app.post("/api/queues/:vhost/:name/get", async (request: Request) => {
    const { vhost, queue } = find(request);
    vhostForChange(request, context.broker, vhost.name);
    return getFromApi(context.broker, request.user, vhost, queue, bodyOf(request));
  });
}
