/**
 * /api/policies and /api/operator-policies: list (all, or one vhost's), get, set (PUT with
 * pattern, definition, priority, apply-to) and clear. Policymakers manage policies on their
 * vhosts; operator policies are for administrators only, as in RabbitMQ.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, created, integerField, notFound, objectField, requireAdministrator, requirePolicymaker, vhostFor, visibleVhosts } from "../http.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand, operationsState } from "../../broker/definitions.js";
import { policyJson } from "../../broker/definitions-json.js";
import type { ApplyTo } from "../../broker/policies.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerPolicies(app: FastifyInstance, context: ManagementContext): void {
  for (const [path, operator] of [["policies", false], ["operator-policies", true]] as const) {
    const storeOf = (vhost: string) => {
      const store = operationsState(context.broker).policies.get(vhost);
      return store === undefined ? [] : [...(operator ? store.operatorPolicies : store.policies).values()];
    };
    const authorise = (request: Request, vhost: string) => (operator ? requireAdministrator(request) : requirePolicymaker(request, vhost));

    // Lists show the policies of the vhosts a user can see, to any management user (operator
    // policies too), as RabbitMQ 3.10 does; one policy by name needs policymaker (administrator
    // for an operator policy), as there.
    app.get(`/api/${path}`, async (request: Request) => {
      return listResponse(visibleVhosts(request, context.broker).flatMap((vhost) => storeOf(vhost.name).map(policyJson)), request.query);
    });
    app.get(`/api/${path}/:vhost`, async (request: Request) => {
      const vhost = vhostFor(request, context.broker, request.params.vhost);
      return listResponse(storeOf(vhost.name).map(policyJson), request.query);
    });
    app.get(`/api/${path}/:vhost/:name`, async (request: Request) => {
      const vhost = vhostFor(request, context.broker, request.params.vhost);
      authorise(request, vhost.name);
      const policy = storeOf(vhost.name).find((candidate) => candidate.name === request.params.name);
      if (policy === undefined) throw notFound();
      return policyJson(policy);
    });
    app.put(`/api/${path}/:vhost/:name`, async (request: Request, reply) => {
      const vhost = vhostFor(request, context.broker, request.params.vhost);
      authorise(request, vhost.name);
      const body = bodyOf(request);
      if (typeof body.pattern !== "string") throw badRequest("Missing key: pattern");
      if (body.definition === undefined) throw badRequest("Missing key: definition");
      const existed = storeOf(vhost.name).some((candidate) => candidate.name === request.params.name);
      applyDefinitionCommand(context.broker, {
        type: "policy.set", vhost: vhost.name, name: request.params.name, pattern: body.pattern,
        definition: objectField(body.definition, "definition"), priority: integerField(body.priority, 0, "priority"),
        applyTo: (typeof body["apply-to"] === "string" ? body["apply-to"] : "all") as ApplyTo, operator,
      });
      return created(reply, existed);
    });
    app.delete(`/api/${path}/:vhost/:name`, async (request: Request, reply) => {
      const vhost = vhostFor(request, context.broker, request.params.vhost);
      authorise(request, vhost.name);
      if (!storeOf(vhost.name).some((candidate) => candidate.name === request.params.name)) throw notFound();
      applyDefinitionCommand(context.broker, { type: "policy.clear", vhost: vhost.name, name: request.params.name, operator });
      return reply.code(204).send();
    });
  }
}
