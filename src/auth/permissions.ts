/**
 * Permission checks where RabbitMQ makes them: configure (declare, delete), write
 * (publish to an exchange, bind to a queue), read (consume, get, purge, bind from an
 * exchange). The regular expressions are compiled once per permission.
 */
import { fail } from "../errors/registry.js";
import type { Permission, User } from "./users.js";

export type Access = "configure" | "write" | "read";

const compiled = new WeakMap<Permission, { configure: RegExp; write: RegExp; read: RegExp }>();

function patterns(permission: Permission): { configure: RegExp; write: RegExp; read: RegExp } {
  let result = compiled.get(permission);
  if (result === undefined) {
    // RabbitMQ matches the whole name against the pattern as a regex search; an empty pattern matches nothing.
    const toRegExp = (pattern: string) => (pattern === "" ? /(?!)/ : new RegExp(pattern));
    result = { configure: toRegExp(permission.configure), write: toRegExp(permission.write), read: toRegExp(permission.read) };
    compiled.set(permission, result);
  }
  return result;
}

export function isPermitted(user: User, vhost: string, access: Access, name: string): boolean {
  const permission = user.permissions.get(vhost);
  if (permission === undefined) return false;
  return patterns(permission)[access].test(name);
}

/** Throws RabbitMQ's 403: `access to queue 'q' in vhost '/' refused for user 'u'`. */
export function checkPermitted(user: User, vhost: string, access: Access, resourceKind: "queue" | "exchange", name: string): void {
  if (!isPermitted(user, vhost, access, name)) {
    throw fail.accessRefused(`${access} access to ${resourceKind} '${name}' in vhost '${vhost}' refused for user '${user.name}'`);
  }
}
