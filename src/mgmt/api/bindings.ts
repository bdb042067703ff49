/**
 * /api/bindings: list all or one vhost's, and between an exchange and a queue (`/e/{source}/q/{queue}`)
 * or another exchange (`/e/{source}/e/{destination}`): list, create (POST, answered with
 * 201 and a Location ending in the binding's properties_key) and delete by properties_key.
 * Creating needs write on the destination and read on the source, as queue.bind does.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { bodyOf, exchangeName, fieldTableField, notFound, shortStringField, vhostFor, vhostForChange, visibleVhosts } from "../http.js";
import { bindingJson, propertiesKey } from "../format.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import { checkPermitted } from "../../auth/permissions.js";
import { checkTopicPermitted } from "../../auth/topic-permissions.js";
import { tableToJs } from "../../message/field-table.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerBindings(app: FastifyInstance, context: ManagementContext): void {
  app.get("/api/bindings", async (request: Request) => {
    const vhosts = visibleVhosts(request, context.broker);
    return listResponse(vhosts.flatMap((vhost) => [...vhost.bindings()].map((binding) => bindingJson(vhost.name, binding))), request.query);
  });
  app.get("/api/bindings/:vhost", async (request: Request) => {
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    return listResponse([...vhost.bindings()].map((binding) => bindingJson(vhost.name, binding)), request.query);
  });

  for (const [letter, destinationType] of [["q", "queue"], ["e", "exchange"]] as const) {
    const base = `/api/bindings/:vhost/e/:source/${letter}/:destination`;
    const between = (request: Request) => {
      const vhost = vhostFor(request, context.broker, request.params.vhost);
      const source = vhost.exchanges.get(exchangeName(request.params.source));
      const destination = destinationType === "queue" ? vhost.queues.get(request.params.destination) : vhost.exchanges.get(exchangeName(request.params.destination));
      if (source === undefined || destination === undefined) throw notFound();
      const bindings = source.isDefault
        ? [...vhost.bindings()].filter((binding) => binding.source === "" && binding.destination === destination)
        : [...source.routing.bindings()].filter((binding) => binding.destination === destination);
      return { vhost, source, destination, bindings };
    };

    app.get(base, async (request: Request) => {
      const { vhost, bindings } = between(request);
      return listResponse(bindings.map((binding) => bindingJson(vhost.name, binding)), request.query);
    });

    app.post(base, async (request: Request, reply) => {
      const { vhost, source, destination } = between(request);
      vhostForChange(request, context.broker, vhost.name);
      const body = bodyOf(request);
      const routingKey = shortStringField(typeof body.routing_key === "string" ? body.routing_key : "", "routing_key");
      const args = fieldTableField(body.arguments, "arguments");
      checkPermitted(request.user, vhost.name, "write", destinationType, destination.name);
      checkPermitted(request.user, vhost.name, "read", "exchange", source.name);
      // As queue.bind and exchange.bind over AMQP: a topic source's topic permissions apply to the key.
      if (source.typeName === "topic") checkTopicPermitted(request.user, vhost.name, source.name, "read", routingKey);
      applyDefinitionCommand(context.broker, { type: "binding.add", vhost: vhost.name, source: source.name, destination: destination.name, destinationType, routingKey, arguments: args });
      const added = [...source.routing.bindings()].find((binding) => binding.destination === destination && binding.routingKey === routingKey);
      const key = added === undefined ? encodeURIComponent(routingKey) : propertiesKey(added.routingKey, added.arguments);
      return reply.code(201).header("location", key).send();
    });

    const one = (request: Request) => {
      const found = between(request);
      // Clients quote the key again in the path (rabbitmqadmin does) or not (curl users do): accept both.
      const wanted = request.params.props;
      const binding = found.bindings.find((candidate) => {
        const key = propertiesKey(candidate.routingKey, candidate.arguments);
        return key === wanted || safeDecode(key) === wanted;
      });
      if (binding === undefined) throw notFound();
      return { ...found, binding };
    };

    app.get(`${base}/:props`, async (request: Request) => {
      const { vhost, binding } = one(request);
      return bindingJson(vhost.name, binding);
    });

    app.delete(`${base}/:props`, async (request: Request, reply) => {
      const { vhost, source, destination, binding } = one(request);
      vhostForChange(request, context.broker, vhost.name);
      checkPermitted(request.user, vhost.name, "write", destinationType, destination.name);
      checkPermitted(request.user, vhost.name, "read", "exchange", source.name);
      if (source.typeName === "topic") checkTopicPermitted(request.user, vhost.name, source.name, "read", binding.routingKey);
      applyDefinitionCommand(context.broker, {
        type: "binding.remove", vhost: vhost.name, source: source.name, destination: destination.name, destinationType,
        routingKey: binding.routingKey, arguments: tableToJs(binding.arguments),
      });
      return reply.code(204).send();
    });
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
