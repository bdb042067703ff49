/**
 * Permission checks where RabbitMQ makes them: configure (declare, delete), write
 * (publish to an exchange, bind to a queue), read (consume, get, purge, bind from an
 * exchange). The patterns are compiled once per permission, with the linear-time engine of
 * src/lib/user-pattern.ts: they are users' regular expressions and run on the message path.
 */
import { fail } from "../errors/registry.js";
import { compileStoredPattern, type UserPattern } from "../lib/user-pattern.js";
import type { Permission, User } from "./users.js";

export type Access = "configure" | "write" | "read";

const compiled = new WeakMap<Permission, { configure: UserPattern; write: UserPattern; read: UserPattern }>();

function patterns(permission: Permission): { configure: UserPattern; write: UserPattern; read: UserPattern } {
  let result = compiled.get(permission);
  if (result === undefined) {
    // RabbitMQ matches the name against the pattern as a regex search; an empty pattern matches nothing.
    const toPattern = (pattern: string) => compileStoredPattern(pattern, { emptyMatchesNothing: true });
    result = { configure: toPattern(permission.configure), write: toPattern(permission.write), read: toPattern(permission.read) };
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
