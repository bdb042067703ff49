/**
 * What every management API resource shares: the context it reads from, RabbitMQ's error
 * bodies and status codes, the authenticated user of a request, and parsing of the loose
 * JSON that tools send (rabbitmqadmin sends booleans and numbers as strings).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Broker } from "../broker/broker.js";
import type { User } from "../auth/users.js";
import type { Vhost } from "../broker/vhost.js";
import { BrokerError } from "../errors/registry.js";
import { encodeTable, tableFromJs } from "../message/field-table.js";
import { SHORT_STRING_BYTES_MAX } from "../config/limits.js";
import { canSeeVhost, isAdministrator, isMonitor, isPolicymaker } from "../auth/tags.js";

export interface ListenerInfo {
  readonly protocol: string;
  readonly interface: string;
  readonly port: number;
  readonly purpose: string;
}

/** What the API knows of the node it runs in. */
export interface ManagementContext {
  /** A getter in a running node: `warrenctl reset` replaces the broker. */
  readonly broker: Broker;
  readonly nodeName: string;
  readonly startedAtMs: number;
  /** Every listener of the node (AMQP, HTTP API, metrics, control port). */
  listeners(): ListenerInfo[];
  /** Resource alarms in force (memory, disk); the alarm work fills this in. */
  alarms(): { memory: boolean; disk: boolean };
}

/** An API error with RabbitMQ's body: `{"error": ..., "reason": ...}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly error: string;
  readonly reason: string;

  constructor(status: number, error: string, reason: string) {
    super(reason);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }
}

export const notFound = (): HttpError => new HttpError(404, "Object Not Found", "Not Found");
export const badRequest = (reason: string): HttpError => new HttpError(400, "bad_request", reason);
export const notAuthorised = (reason: string): HttpError => new HttpError(401, "not_authorised", reason);

/** A BrokerError becomes RabbitMQ's answer: 404 for NOT_FOUND, 400 with the detail for the rest of the 4xx. */
export function httpErrorFrom(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof BrokerError) {
    if (error.kind.httpStatus === 404) return notFound();
    if (error.kind.httpStatus === 403) return notAuthorised(error.detail);
    if (error.kind.httpStatus < 500) return badRequest(error.detail);
    return new HttpError(error.kind.httpStatus, error.kind.name.toLowerCase(), error.detail);
  }
  const withStatus = error as { statusCode?: number; message?: string };
  if (typeof withStatus.statusCode === "number" && withStatus.statusCode < 500) return badRequest(withStatus.message ?? "bad request");
  return new HttpError(500, "internal_server_error", (error as Error)?.message ?? String(error));
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook on every request to a route that is not public. */
    user: User;
  }
  interface FastifyContextConfig {
    /** A route anyone may call without credentials (the UI's page); every other route authenticates. */
    public?: boolean;
  }
}

export function requireAdministrator(request: FastifyRequest): void {
  if (!isAdministrator(request.user)) throw notAuthorised("Not administrator user");
}

export function requireMonitor(request: FastifyRequest): void {
  if (!isMonitor(request.user)) throw notAuthorised("Not monitor user");
}

/**
 * Policymakers may read and change policies and parameters on the vhosts they have
 * permissions on (RabbitMQ's is_authorized_policies: "User not authorised to access object").
 * Runtime parameters hold shovel and federation URIs with passwords, so mere `management`
 * users do not see them.
 */
export function requirePolicymaker(request: FastifyRequest, vhost?: string): void {
  if (isAdministrator(request.user)) return;
  if (!isPolicymaker(request.user)) throw notAuthorised("User not authorised to access object");
  if (vhost !== undefined && !request.user.permissions.has(vhost)) throw notAuthorised("User not authorised to access virtual host");
}

/** The vhost named in a path, or 404; management users only reach the vhosts they have permissions on. */
export function vhostFor(request: FastifyRequest, broker: Broker, name: string): Vhost {
  const vhost = broker.vhosts.get(name);
  if (vhost === undefined) throw notFound();
  if (!canSeeVhost(request.user, name)) throw notAuthorised("User not authorised to access virtual host");
  return vhost;
}

/** For operations on a vhost's objects (declare, delete, publish): the user needs permissions there, as in RabbitMQ. */
export function vhostForChange(request: FastifyRequest, broker: Broker, name: string): Vhost {
  const vhost = broker.vhosts.get(name);
  if (vhost === undefined) throw notFound();
  if (!request.user.permissions.has(name)) throw notAuthorised("User not authorised to access virtual host");
  return vhost;
}

export function visibleVhosts(request: FastifyRequest, broker: Broker): Vhost[] {
  return [...broker.vhosts.values()].filter((vhost) => canSeeVhost(request.user, vhost.name));
}

/** The body as an object ({} when empty), or a 400. */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body)) throw badRequest("the request body must be a JSON object");
  return body as Record<string, unknown>;
}

export function booleanField(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw badRequest(`expected a boolean, got ${JSON.stringify(value)}`);
}

export function integerField(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null || value === "") return fallback;
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number)) throw badRequest(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return number;
}

export function objectField(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null || value === "") return {};
  if (typeof value === "string") {
    try {
      return objectField(JSON.parse(value), name);
    } catch {
      throw badRequest(`${name} must be a JSON object`);
    }
  }
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * x-arguments (queue, exchange, binding) or message headers: a JSON object that must also fit
 * an AMQP field table (nesting depth, key lengths, value types), since that is what it becomes
 * and what clients receive. A value that does not fit is the caller's mistake: 400 with why.
 */
export function fieldTableField(value: unknown, name: string): Record<string, unknown> {
  const object = objectField(value, name);
  try {
    encodeTable(tableFromJs(object));
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw badRequest(`${name} cannot be an AMQP field table: ${error.message}`);
    throw error;
  }
  return object;
}

/** Text that travels as an AMQP short string (routing keys, most message properties): at most 255 bytes of UTF-8. */
export function shortStringField(value: string, name: string): string {
  const lengthBytes = Buffer.byteLength(value, "utf8");
  if (lengthBytes > SHORT_STRING_BYTES_MAX) throw badRequest(`${name} is ${lengthBytes} bytes long; at most ${SHORT_STRING_BYTES_MAX} bytes fit an AMQP short string`);
  return value;
}

/** An integer within [minimum, maximum], or a 400 naming the range. */
export function boundedIntegerField(value: unknown, fallback: number, name: string, minimum: number, maximum: number): number {
  const number = integerField(value, fallback, name);
  if (number < minimum || number > maximum) throw badRequest(`${name} must be from ${minimum} to ${maximum}, got ${number}`);
  return number;
}

/** RabbitMQ's answer to a PUT that created an object is 201, to one that changed an existing object 204. */
export function created(reply: FastifyReply, existed: boolean): FastifyReply {
  return reply.code(existed ? 204 : 201).send();
}

/** Route params are decoded by fastify; "amq.default" names the default exchange in the API. */
export function exchangeName(name: string): string {
  return name === "amq.default" ? "" : name;
}

export type Params = Record<string, string>;
