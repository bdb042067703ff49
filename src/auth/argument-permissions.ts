/**
 * Arguments that name another exchange let whoever declares them publish into it later: a queue's
 * `x-dead-letter-exchange` (a message that expires or is rejected goes there) and an exchange's
 * `alternate-exchange` (what it cannot route goes there). RabbitMQ 3.10.8 (checked with its
 * rabbitmqctl and pika) checks, when such a queue or exchange is created (not when an existing one
 * is declared again): read on the queue or exchange itself, then write on the named exchange;
 * the empty name is the default exchange, checked as `amq.default`. Its refusal names no access
 * kind: `access to exchange 'x' in vhost '/' refused for user 'u'`. Policies are an operator's
 * (policymaker) business and are not checked, as in RabbitMQ.
 */
import { fail } from "../errors/registry.js";
import { isPermitted } from "./permissions.js";
import type { User } from "./users.js";

/**
 * A declare's arguments: as AMQP decoded them (a field table; auth/ sits below message/, so the
 * shape is given here), or as the management API's JSON.
 */
type DeclareArguments = ReadonlyMap<string, { readonly type: string; readonly value: unknown }> | Readonly<Record<string, unknown>>;

/** Before creating queue `queue` with `queueArguments`: throws 403 if its dead-letter exchange is not the user's to write to. */
export function checkDeadLetterExchangePermitted(user: User, vhost: string, queue: string, queueArguments: DeclareArguments): void {
  checkTargetPermitted(user, vhost, "queue", queue, namedExchange(queueArguments, "x-dead-letter-exchange"));
}

/** Before creating exchange `exchange` with `exchangeArguments`: throws 403 if its alternate exchange is not the user's to write to. */
export function checkAlternateExchangePermitted(user: User, vhost: string, exchange: string, exchangeArguments: DeclareArguments): void {
  checkTargetPermitted(user, vhost, "exchange", exchange, namedExchange(exchangeArguments, "alternate-exchange"));
}

function checkTargetPermitted(user: User, vhost: string, kind: "queue" | "exchange", name: string, target: string | undefined): void {
  if (target === undefined) return;
  if (!isPermitted(user, vhost, "read", name)) throw refused(user, vhost, kind, name);
  const targetName = target === "" ? "amq.default" : target;
  if (!isPermitted(user, vhost, "write", targetName)) throw refused(user, vhost, "exchange", targetName);
}

/** The exchange an argument names; undefined when absent or not a string (the declare's own validation refuses those). */
function namedExchange(table: DeclareArguments, key: string): string | undefined {
  if (!(table instanceof Map)) {
    const value = Object.hasOwn(table, key) ? (table as Readonly<Record<string, unknown>>)[key] : undefined;
    return typeof value === "string" ? value : undefined;
  }
  const field = table.get(key);
  if (field?.type !== "S") return undefined;
  return Buffer.isBuffer(field.value) ? field.value.toString("utf8") : typeof field.value === "string" ? field.value : undefined;
}

function refused(user: User, vhost: string, kind: "queue" | "exchange", name: string): Error {
  return fail.accessRefused(`access to ${kind} '${name}' in vhost '${vhost}' refused for user '${user.name}'`);
}
