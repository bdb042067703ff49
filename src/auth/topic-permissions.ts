/**
 * Topic permissions (RabbitMQ 3.7+): on a topic exchange, a user's routing keys may be
 * restricted for publishing (write) and for binding/consuming (read). Without a topic
 * permission for the exchange, everything is allowed, as in RabbitMQ. Patterns may use
 * the variables {username}, {vhost} and {client_id}, expanded before matching.
 */
import { fail } from "../errors/registry.js";
import { compileStoredPattern } from "../lib/user-pattern.js";
import type { User } from "./users.js";

export interface TopicVariables {
  readonly clientId?: string;
}

function expand(pattern: string, user: User, vhost: string, variables: TopicVariables): string {
  return pattern
    .replaceAll("{username}", escapeRegExp(user.name))
    .replaceAll("{vhost}", escapeRegExp(vhost))
    .replaceAll("{client_id}", escapeRegExp(variables.clientId ?? ""));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function isTopicPermitted(user: User, vhost: string, exchange: string, access: "write" | "read", routingKey: string, variables: TopicVariables = {}): boolean {
  const permission = user.topicPermissions.get(vhost)?.get(exchange);
  if (permission === undefined) return true;
  // The linear-time engine (src/lib/user-pattern.ts): this runs for every publish to the exchange.
  return compileStoredPattern(expand(permission[access], user, vhost, variables), { emptyMatchesNothing: true }).test(routingKey);
}

/** Throws RabbitMQ's 403: `write access to topic 'k' in exchange 'amq.topic' in vhost '/' refused for user 'u'`. */
export function checkTopicPermitted(user: User, vhost: string, exchange: string, access: "write" | "read", routingKey: string, variables: TopicVariables = {}): void {
  if (!isTopicPermitted(user, vhost, exchange, access, routingKey, variables)) {
    throw fail.accessRefused(`${access} access to topic '${routingKey}' in exchange '${exchange}' in vhost '${vhost}' refused for user '${user.name}'`);
  }
}
