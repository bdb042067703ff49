/**
 * Runtime parameters (/api/parameters/{component}/{vhost}/{name}), global parameters,
 * vhost limits (/api/vhost-limits) and user limits (/api/user-limits). Parameters of
 * components Warren does not run yet (federation, shovels) are stored and exported, so a
 * definitions file keeps them across a round trip.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, created, notFound, requireAdministrator, requirePolicymaker, vhostFor, visibleVhosts } from "../http.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand, operationsState } from "../../broker/definitions.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;
type Json = Record<string, unknown>;

export function registerParameters(app: FastifyInstance, context: ManagementContext): void {
  const state = () => operationsState(context.broker);
  const parameters = (request: Request, component?: string, vhost?: string): Json[] =>
    visibleVhosts(request, context.broker)
      .filter((candidate) => vhost === undefined || candidate.name === vhost)
      .flatMap((candidate) =>
        [...(state().parameters.get(candidate.name) ?? [])]
          .filter(([name]) => component === undefined || name === component)
          .flatMap(([name, values]) => [...values].map(([parameterName, value]) => ({ value, vhost: candidate.name, component: name, name: parameterName }))),
      );

  // Reading parameters needs policymaker, as in RabbitMQ 3.10: they hold shovel and federation URIs with passwords.
  app.get("/api/parameters", async (request: Request) => {
    requirePolicymaker(request);
    return listResponse(parameters(request), request.query);
  });
  app.get("/api/parameters/:component", async (request: Request) => {
    requirePolicymaker(request);
    return listResponse(parameters(request, request.params.component), request.query);
  });
  app.get("/api/parameters/:component/:vhost", async (request: Request) => {
    vhostFor(request, context.broker, request.params.vhost);
    requirePolicymaker(request, request.params.vhost);
    return listResponse(parameters(request, request.params.component, request.params.vhost), request.query);
  });
  app.get("/api/parameters/:component/:vhost/:name", async (request: Request) => {
    requirePolicymaker(request, request.params.vhost);
    const found = parameters(request, request.params.component, request.params.vhost).find((parameter) => parameter.name === request.params.name);
    if (found === undefined) throw notFound();
    return found;
  });
  app.put("/api/parameters/:component/:vhost/:name", async (request: Request, reply) => {
    const { component, vhost, name } = request.params;
    vhostFor(request, context.broker, vhost);
    requirePolicymaker(request, vhost);
    const body = bodyOf(request);
    if (body.value === undefined) throw badRequest("Missing key: value");
    const existed = state().parameters.get(vhost)?.get(component)?.has(name) ?? false;
    applyDefinitionCommand(context.broker, { type: "parameter.set", vhost, component, name, value: body.value });
    return created(reply, existed);
  });
  app.delete("/api/parameters/:component/:vhost/:name", async (request: Request, reply) => {
    const { component, vhost, name } = request.params;
    vhostFor(request, context.broker, vhost);
    requirePolicymaker(request, vhost);
    applyDefinitionCommand(context.broker, { type: "parameter.clear", vhost, component, name });
    return reply.code(204).send();
  });

  // Global parameters are for policymakers in RabbitMQ 3.10 (is_authorized_global_parameters).
  app.get("/api/global-parameters", async (request: Request) => {
    requirePolicymaker(request);
    return listResponse([...state().globalParameters].map(([name, value]) => ({ name, value })), request.query);
  });
  app.get("/api/global-parameters/:name", async (request: Request) => {
    requirePolicymaker(request);
    if (!state().globalParameters.has(request.params.name)) throw notFound();
    return { name: request.params.name, value: state().globalParameters.get(request.params.name) };
  });
  app.put("/api/global-parameters/:name", async (request: Request, reply) => {
    requirePolicymaker(request);
    const body = bodyOf(request);
    if (body.value === undefined) throw badRequest("Missing key: value");
    const existed = state().globalParameters.has(request.params.name);
    applyDefinitionCommand(context.broker, { type: "global_parameter.set", name: request.params.name, value: body.value });
    return created(reply, existed);
  });
  app.delete("/api/global-parameters/:name", async (request: Request, reply) => {
    requirePolicymaker(request);
    applyDefinitionCommand(context.broker, { type: "global_parameter.clear", name: request.params.name });
    return reply.code(204).send();
  });

  const vhostLimits = (request: Request, only?: string) =>
    visibleVhosts(request, context.broker)
      .filter((vhost) => only === undefined || vhost.name === only)
      .flatMap((vhost) => {
        const limits = state().vhostLimits.get(vhost.name);
        return limits === undefined || Object.keys(limits).length === 0 ? [] : [{ vhost: vhost.name, value: limits }];
      });
  // Any management user lists the limits of the vhosts they can see, as in RabbitMQ 3.10.
  app.get("/api/vhost-limits", async (request: Request) => {
    return vhostLimits(request);
  });
  app.get("/api/vhost-limits/:vhost", async (request: Request) => {
    vhostFor(request, context.broker, request.params.vhost);
    return vhostLimits(request, request.params.vhost);
  });
  app.put("/api/vhost-limits/:vhost/:name", async (request: Request, reply) => {
    requireAdministrator(request);
    vhostFor(request, context.broker, request.params.vhost);
    const value = bodyOf(request).value;
    applyDefinitionCommand(context.broker, { type: "vhost.set_limits", vhost: request.params.vhost, limits: { [request.params.name]: typeof value === "string" ? Number(value) : value } });
    return reply.code(204).send();
  });
  app.delete("/api/vhost-limits/:vhost/:name", async (request: Request, reply) => {
    requireAdministrator(request);
    vhostFor(request, context.broker, request.params.vhost);
    applyDefinitionCommand(context.broker, { type: "vhost.clear_limits", vhost: request.params.vhost, name: request.params.name });
    return reply.code(204).send();
  });

  const userLimits = (only?: string) =>
    [...context.broker.users.all()]
      .filter((user) => (only === undefined || user.name === only) && Object.keys(user.limits).length > 0)
      .map((user) => ({ user: user.name, value: { ...user.limits } }));
  // RabbitMQ 3.10 lists every user's limits to any management user; Warren keeps them to
  // administrators, because the list names every user (docs/operations.md, endpoint table).
  app.get("/api/user-limits", async (request: Request) => {
    requireAdministrator(request);
    return userLimits();
  });
  app.get("/api/user-limits/:user", async (request: Request) => {
    requireAdministrator(request);
    return userLimits(request.params.user);
  });
  app.put("/api/user-limits/:user/:name", async (request: Request, reply) => {
    requireAdministrator(request);
    const value = bodyOf(request).value;
    applyDefinitionCommand(context.broker, { type: "user.set_limits", name: request.params.user, limits: { [request.params.name]: typeof value === "string" ? Number(value) : value } });
    return reply.code(204).send();
  });
  app.delete("/api/user-limits/:user/:name", async (request: Request, reply) => {
    requireAdministrator(request);
    applyDefinitionCommand(context.broker, { type: "user.clear_limits", name: request.params.user, limit: request.params.name });
    return reply.code(204).send();
  });
}
