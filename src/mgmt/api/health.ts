/**
 * Health checks with RabbitMQ's paths and answers (200 `{"status":"ok"}`, 503
 * `{"status":"failed","reason":...}`), which load balancers and orchestrators probe
 * (DESIGN.md §7), and the aliveness test, which publishes and gets a message on a vhost.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { notFound, vhostForChange } from "../http.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import { publishFromApi, getFromApi } from "../messages.js";

type Request = FastifyRequest<{ Params: Params }>;

function failed(reply: FastifyReply, body: Record<string, unknown>): FastifyReply {
  return reply.code(503).send({ status: "failed", ...body });
}

export function registerHealth(app: FastifyInstance, context: ManagementContext): void {
  const alarmList = () => {
    const alarms = context.alarms();
    const list: Record<string, unknown>[] = [];
    if (alarms.memory) list.push({ node: context.nodeName, resource: "memory" });
    if (alarms.disk) list.push({ node: context.nodeName, resource: "disk" });
    return list;
  };
  for (const path of ["/api/health/checks/alarms", "/api/health/checks/local-alarms"]) {
    app.get(path, async (_request, reply) => {
      const alarms = alarmList();
      if (alarms.length > 0) return failed(reply, { reason: "There are alarms in effect in the cluster", alarms });
      return { status: "ok" };
    });
  }

  app.get("/api/health/checks/port-listener/:port", async (request: Request, reply) => {
    const port = Number(request.params.port);
    const ports = context.listeners().map((listener) => listener.port);
    if (!ports.includes(port)) return failed(reply, { reason: "No active listener", missing: port, ports });
    return { status: "ok", port };
  });

  app.get("/api/health/checks/protocol-listener/:protocol", async (request: Request, reply) => {
    const wanted = request.params.protocol.toLowerCase().replace(/^amqp0?9?1$|^amqp0-9-1$/, "amqp");
    const protocols = context.listeners().map((listener) => listener.protocol);
    if (!protocols.includes(wanted)) return failed(reply, { reason: "No active listener", missing: request.params.protocol, protocols });
    return { status: "ok", protocol: request.params.protocol };
  });

  app.get("/api/health/checks/virtual-hosts", async () => ({ status: "ok" }));
  // One node holds every queue replica until the cluster exists, so no queue depends on this node's peers.
  app.get("/api/health/checks/node-is-quorum-critical", async () => ({ status: "ok", reason: "single node cluster" }));
  app.get("/api/health/checks/node-is-mirror-sync-critical", async () => ({ status: "ok", reason: "single node cluster" }));
  app.get("/api/health/checks/ready-to-serve-clients", async (_request, reply) => {
    if (!context.listeners().some((listener) => listener.protocol === "amqp")) return failed(reply, { reason: "no AMQP listener is running" });
    return { status: "ok" };
  });
  app.get("/api/healthchecks/node", async () => ({ status: "ok" }));
  app.get("/api/healthchecks/node/:node", async (request: Request) => {
    if (request.params.node !== context.nodeName) throw notFound();
    return { status: "ok" };
  });

  app.get("/api/aliveness-test/:vhost", async (request: Request, reply) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    const name = "aliveness-test";
    if (!vhost.queues.has(name)) applyDefinitionCommand(context.broker, { type: "queue.declare", vhost: vhost.name, name, durable: false, autoDelete: false, arguments: {} });
    const payload = "test_message";
    publishFromApi(context.broker, request.user, vhost, "", { routing_key: name, payload, payload_encoding: "string", properties: {} });
    const queue = vhost.queues.get(name);
    const got = queue === undefined ? [] : getFromApi(context.broker, request.user, vhost, queue, { count: 1, ackmode: "ack_requeue_false", encoding: "auto" });
    if (got.length !== 1 || got[0].payload !== payload) return failed(reply, { reason: "aliveness test message was not received back" });
    return { status: "ok" };
  });
}
