/**
 * /api/exchanges: list, declare (PUT), delete, their bindings as source or destination,
 * and publish. Declaring and deleting go through definition commands, with the user's
 * configure permission checked as RabbitMQ's internal AMQP client would.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, booleanField, created, exchangeName, fieldTableField, vhostFor, vhostForChange, visibleVhosts } from "../http.js";
import { bindingJson, exchangeJson } from "../format.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkAlternateExchangePermitted } from "../../auth/argument-permissions.js";
import { publishFromApi } from "../messages.js";
import { notFound } from "../http.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerExchanges(app: FastifyInstance, context: ManagementContext): void {
  const list = (request: Request, vhostName?: string) => {
    const broker = context.broker;
    const vhosts = vhostName === undefined ? visibleVhosts(request, broker) : [vhostFor(request, broker, vhostName)];
    const nowMs = context.broker.io.time.nowMs();
    return vhosts.flatMap((vhost) => [...vhost.exchanges.values()].map((exchange) => exchangeJson(broker, vhost.name, exchange, nowMs)));
  };
  const find = (request: Request) => {
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    const exchange = vhost.exchanges.get(exchangeName(request.params.name));
    if (exchange === undefined) throw notFound();
    return { vhost, exchange };
  };

  app.get("/api/exchanges", async (request: Request) => listResponse(list(request), request.query));
  app.get("/api/exchanges/:vhost", async (request: Request) => listResponse(list(request, request.params.vhost), request.query));
  app.get("/api/exchanges/:vhost/:name", async (request: Request) => {
    const { vhost, exchange } = find(request);
    return { ...exchangeJson(context.broker, vhost.name, exchange, context.broker.io.time.nowMs()), incoming: [], outgoing: [] };
  });

  app.put("/api/exchanges/:vhost/:name", async (request: Request, reply) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    const name = exchangeName(request.params.name);
    const body = bodyOf(request);
    if (typeof body.type !== "string" || body.type === "") throw badRequest("Missing key: type");
    checkPermitted(request.user, vhost.name, "configure", "exchange", name);
    const existed = vhost.exchanges.has(name);
    const exchangeArguments = fieldTableField(body.arguments, "arguments");
    // As over AMQP (RabbitMQ's API declares through its AMQP client): the alternate exchange must be the user's to write to.
    if (!existed) checkAlternateExchangePermitted(request.user, vhost.name, name, exchangeArguments);
    applyDefinitionCommand(context.broker, {
      type: "exchange.declare", vhost: vhost.name, name, exchangeType: body.type,
      durable: booleanField(body.durable, true), autoDelete: booleanField(body.auto_delete, false), internal: booleanField(body.internal, false),
      arguments: exchangeArguments,
    });
    return created(reply, existed);
  });

  app.delete("/api/exchanges/:vhost/:name", async (request: Request, reply) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    const name = exchangeName(request.params.name);
    if (!vhost.exchanges.has(name)) throw notFound();
    checkPermitted(request.user, vhost.name, "configure", "exchange", name);
    applyDefinitionCommand(context.broker, { type: "exchange.delete", vhost: vhost.name, name, ifUnused: request.query["if-unused"] === "true" });
    return reply.code(204).send();
  });

  app.get("/api/exchanges/:vhost/:name/bindings/source", async (request: Request) => {
    const { vhost, exchange } = find(request);
    return listResponse([...exchange.routing.bindings()].map((binding) => bindingJson(vhost.name, binding)), request.query);
  });

  app.get("/api/exchanges/:vhost/:name/bindings/destination", async (request: Request) => {
    const { vhost, exchange } = find(request);
    const bindings = [...vhost.bindings()].filter((binding) => binding.destination === exchange);
    return listResponse(bindings.map((binding) => bindingJson(vhost.name, binding)), request.query);
  });

  app.post("/api/exchanges/:vhost/:name/publish", async (request: Request) => {
    const vhost = vhostForChange(request, context.broker, request.params.vhost);
    const name = exchangeName(request.params.name);
    if (!vhost.exchanges.has(name)) throw notFound();
    return { routed: publishFromApi(context.broker, request.user, vhost, name, bodyOf(request)) };
  });
}
