/**
 * /api/definitions (and per vhost): export as RabbitMQ's definitions JSON, and import a
 * file exported from RabbitMQ 3.x or Warren. Administrator only. An import applies what it
 * can and answers 400 listing what failed, so an operator sees every problem at once.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, requireAdministrator, vhostFor } from "../http.js";
import type { Query } from "../query.js";
import { exportDefinitions, exportVhostDefinitions, importDefinitions } from "../../broker/definitions-json.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

export function registerDefinitions(app: FastifyInstance, context: ManagementContext): void {
  const download = (request: Request, reply: { header(name: string, value: string): unknown }) => {
    const name = request.query.download;
    if (name !== undefined && name !== "") reply.header("content-disposition", `attachment; filename="${name.replaceAll('"', "")}"`);
  };
  const answerImport = (result: { errors: string[] }, reply: { code(status: number): { send(body?: unknown): unknown } }) => {
    if (result.errors.length > 0) throw badRequest(`Definitions import failed for ${result.errors.length} item(s): ${result.errors.join("; ")}`);
    return reply.code(204).send();
  };

  for (const path of ["/api/definitions", "/api/all-configuration"]) {
    app.get(path, async (request: Request, reply) => {
      requireAdministrator(request);
      download(request, reply);
      return exportDefinitions(context.broker);
    });
    app.post(path, async (request: Request, reply) => {
      requireAdministrator(request);
      return answerImport(importDefinitions(context.broker, bodyOf(request)), reply);
    });
  }

  app.get("/api/definitions/:vhost", async (request: Request, reply) => {
    requireAdministrator(request);
    download(request, reply);
    return exportVhostDefinitions(context.broker, vhostFor(request, context.broker, request.params.vhost));
  });
  app.post("/api/definitions/:vhost", async (request: Request, reply) => {
    requireAdministrator(request);
    const vhost = vhostFor(request, context.broker, request.params.vhost);
    const body = bodyOf(request);
    // A vhost's file carries only its objects; users, vhosts and permissions are not imported through it.
    const { parameters, policies, queues, exchanges, bindings } = body;
    return answerImport(importDefinitions(context.broker, { parameters, policies, queues, exchanges, bindings }, vhost.name), reply);
  });
}
