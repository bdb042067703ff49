/**
 * Vhost and user limits (RabbitMQ's `set_vhost_limits` and `set_user_limits`), as functions
 * the protocol adapters call where RabbitMQ checks them: at connection.open (vhost and user
 * max-connections), at channel.open (user max-channels) and before a new queue is declared
 * (vhost max-queues). Counting walks the connections, which is cheap next to opening one.
 * A negative limit, or none, means no limit.
 */
import type { Broker, BrokerConnection } from "./broker.js";
import type { User } from "../auth/users.js";
import { fail } from "../errors/registry.js";
import { operationsState } from "./definitions.js";

function limited(limit: number | undefined): limit is number {
  return limit !== undefined && limit >= 0;
}

function channelCount(connection: BrokerConnection): number {
  const counted = connection as { channelCount?: number };
  return counted.channelCount ?? connection.info().channels.length;
}

/**
 * Called at connection.open, before the connection counts as open on the vhost. Throws
 * NOT_ALLOWED (530) with RabbitMQ's text when a vhost or user connection limit is reached.
 */
export function checkConnectionLimits(broker: Broker, user: User, vhost: string, opening?: BrokerConnection): void {
  const vhostLimit = operationsState(broker).vhostLimits.get(vhost)?.["max-connections"];
  const userLimit = user.limits["max-connections"];
  if (!limited(vhostLimit) && !limited(userLimit)) return;
  let onVhost = 0;
  let ofUser = 0;
  for (const connection of broker.connections) {
    if (connection === opening) continue;
    const info = connection.info();
    if (info.vhost === vhost) onVhost++;
    if (info.user === user.name && info.vhost !== undefined) ofUser++;
  }
  if (limited(vhostLimit) && onVhost >= vhostLimit) {
    throw fail.notAllowed(`access to vhost '${vhost}' refused for user '${user.name}': connection limit (${vhostLimit}) is reached`);
  }
  if (limited(userLimit) && ofUser >= userLimit) {
    throw fail.notAllowed(`Connection refused for user '${user.name}'. User connection limit (${userLimit}) is reached`);
  }
}

/** Called at channel.open: the user's channels across all its connections, against max-channels. */
export function checkChannelLimit(broker: Broker, user: User): void {
  const limit = user.limits["max-channels"];
  if (!limited(limit)) return;
  let channels = 0;
  for (const connection of broker.connections) {
    if (connection.info().user === user.name) channels += channelCount(connection);
  }
  if (channels >= limit) {
    throw fail.notAllowed(`number of channels opened for user '${user.name}' has reached the maximum allowed user limit of (${limit})`);
  }
}

/** Called before a queue is created (not when an existing one is redeclared). */
export function checkQueueLimit(broker: Broker, vhost: string, queueName: string): void {
  const limit = operationsState(broker).vhostLimits.get(vhost)?.["max-queues"];
  if (!limited(limit)) return;
  const count = broker.vhosts.get(vhost)?.queues.size ?? 0;
  if (count >= limit) throw fail.preconditionFailed(`cannot declare queue '${queueName}': queue limit in vhost '${vhost}' (${limit}) is reached`);
}
