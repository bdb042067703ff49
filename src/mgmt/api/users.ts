/**
 * /api/users: list, get, create or update (PUT with `password` or `password_hash` and
 * `hashing_algorithm`, and `tags`), delete, bulk delete, users without permissions, and a
 * user's permissions. Passwords are hashed here, so the definition command (and any log
 * of it) holds only the hash.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ManagementContext, Params } from "../http.js";
import { badRequest, bodyOf, created, notFound, requireAdministrator } from "../http.js";
import { listResponse, type Query } from "../query.js";
import { applyDefinitionCommand } from "../../broker/definitions.js";
import { hashPassword, type HashingAlgorithm } from "../../auth/password.js";
import { parseTags } from "../../auth/tags.js";
import type { User } from "../../auth/users.js";
import { permissionJson, topicPermissionJson } from "./permissions.js";

type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

const ALGORITHMS: readonly HashingAlgorithm[] = ["rabbit_password_hashing_sha256", "rabbit_password_hashing_sha512", "rabbit_password_hashing_md5"];

export function userJson(user: User): Record<string, unknown> {
  return { name: user.name, password_hash: user.passwordHash, hashing_algorithm: user.hashingAlgorithm, tags: user.tags, limits: { ...user.limits } };
}

export function registerUsers(app: FastifyInstance, context: ManagementContext): void {
  const find = (request: Request) => {
    const user = context.broker.users.get(request.params.user);
    if (user === undefined) throw notFound();
    return user;
  };

  app.get("/api/users", async (request: Request) => {
    requireAdministrator(request);
    return listResponse([...context.broker.users.all()].map(userJson), request.query);
  });
  app.get("/api/users/without-permissions", async (request: Request) => {
    requireAdministrator(request);
    return listResponse([...context.broker.users.all()].filter((user) => user.permissions.size === 0).map(userJson), request.query);
  });
  app.post("/api/users/bulk-delete", async (request: Request, reply) => {
    requireAdministrator(request);
    const names = bodyOf(request).users;
    if (!Array.isArray(names)) throw badRequest("users must be a list of user names");
    for (const name of names) if (context.broker.users.has(String(name))) applyDefinitionCommand(context.broker, { type: "user.delete", name: String(name) });
    return reply.code(204).send();
  });
  app.get("/api/users/:user", async (request: Request) => {
    requireAdministrator(request);
    return userJson(find(request));
  });

  app.put("/api/users/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    const name = request.params.user;
    const body = bodyOf(request);
    const existing = context.broker.users.get(name);
    if (body.tags === undefined && existing === undefined) throw badRequest("Missing key: tags");
    const tags = body.tags === undefined ? (existing?.tags ?? []) : parseTags(body.tags);
    let passwordHash: string;
    let hashingAlgorithm: HashingAlgorithm = "rabbit_password_hashing_sha256";
    if (typeof body.password === "string") {
      passwordHash = hashPassword(body.password);
    } else if (typeof body.password_hash === "string") {
      passwordHash = body.password_hash;
      const algorithm = body.hashing_algorithm ?? "rabbit_password_hashing_sha256";
      if (!ALGORITHMS.includes(algorithm as HashingAlgorithm)) throw badRequest(`unsupported hashing algorithm '${String(algorithm)}'`);
      hashingAlgorithm = algorithm as HashingAlgorithm;
    } else if (existing !== undefined) {
      passwordHash = existing.passwordHash;
      hashingAlgorithm = existing.hashingAlgorithm;
    } else {
      throw badRequest("Missing key: password or password_hash");
    }
    applyDefinitionCommand(context.broker, { type: "user.add", name, passwordHash, hashingAlgorithm, tags });
    return created(reply, existing !== undefined);
  });

  app.delete("/api/users/:user", async (request: Request, reply) => {
    requireAdministrator(request);
    find(request);
    applyDefinitionCommand(context.broker, { type: "user.delete", name: request.params.user });
    return reply.code(204).send();
  });

  app.get("/api/users/:user/permissions", async (request: Request) => {
    requireAdministrator(request);
    const user = find(request);
    return listResponse([...user.permissions].map(([vhost, permission]) => permissionJson(user.name, vhost, permission)), request.query);
  });
  app.get("/api/users/:user/topic-permissions", async (request: Request) => {
    requireAdministrator(request);
    const user = find(request);
    return listResponse([...user.topicPermissions].flatMap(([vhost, byExchange]) => [...byExchange.values()].map((permission) => topicPermissionJson(user.name, vhost, permission))), request.query);
  });
}
