/**
 * The state as JSON and back, for snapshots: every Map becomes a list of its values (records
 * carry their own names) or of [key, value] pairs. A snapshot holds the whole state, transient
 * objects included, so that a snapshot plus the log's tail replays to exactly the live state;
 * recovery then keeps what survives a restart (`durableState`).
 */
import type { MetadataState, UserRecord, VhostRecord } from "./state.js";
import type { Policy } from "./policies.js";

export const SNAPSHOT_FORMAT = "warren-metadata-state";
export const SNAPSHOT_VERSION = 1;

type Json = Record<string, unknown>;

export function stateToJson(state: MetadataState): Json {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    vhosts: [...state.vhosts.values()].map(vhostToJson),
    users: [...state.users.values()].map((user) => ({
      name: user.name, passwordHash: user.passwordHash, hashingAlgorithm: user.hashingAlgorithm, tags: user.tags, limits: user.limits,
      permissions: [...user.permissions],
      topicPermissions: [...user.topicPermissions].map(([vhost, byExchange]) => [vhost, [...byExchange.values()]]),
    })),
    globalParameters: [...state.globalParameters],
  };
}

function vhostToJson(vhost: VhostRecord): Json {
  return {
    name: vhost.name, description: vhost.description, tags: vhost.tags, defaultQueueType: vhost.defaultQueueType ?? null, tracing: vhost.tracing, limits: vhost.limits,
    policies: [...vhost.policies.values()],
    operatorPolicies: [...vhost.operatorPolicies.values()],
    parameters: [...vhost.parameters].map(([component, names]) => [component, [...names]]),
    exchanges: [...vhost.exchanges.values()],
    queues: [...vhost.queues.values()].map((queue) => ({ ...queue, exclusiveOwner: queue.exclusiveOwner ?? null })),
    bindings: [...vhost.bindings],
  };
}

export function isStateSnapshot(json: unknown): json is Json {
  return json !== null && typeof json === "object" && (json as Json).format === SNAPSHOT_FORMAT;
}

/** The state a snapshot holds; throws on a snapshot of another version (the caller refuses to start). */
export function stateFromJson(json: Json): MetadataState {
  if (json.format !== SNAPSHOT_FORMAT || json.version !== SNAPSHOT_VERSION) throw new Error(`metadata snapshot has format ${String(json.format)} version ${String(json.version)}; this node reads ${SNAPSHOT_FORMAT} version ${SNAPSHOT_VERSION}`);
  const vhosts = new Map<string, VhostRecord>();
  for (const item of json.vhosts as Json[]) {
    const vhost: VhostRecord = {
      name: item.name as string, description: item.description as string, tags: item.tags as string[],
      defaultQueueType: (item.defaultQueueType as string | null) ?? undefined, tracing: item.tracing as boolean, limits: item.limits as Json,
      policies: new Map((item.policies as Policy[]).map((policy) => [policy.name, policy])),
      operatorPolicies: new Map((item.operatorPolicies as Policy[]).map((policy) => [policy.name, policy])),
      parameters: new Map((item.parameters as [string, [string, unknown][]][]).map(([component, names]) => [component, new Map(names)])),
      exchanges: new Map((item.exchanges as { name: string }[]).map((exchange) => [exchange.name, exchange as never])),
      queues: new Map((item.queues as Json[]).map((queue) => [queue.name as string, { ...queue, exclusiveOwner: (queue.exclusiveOwner as string | null) ?? undefined } as never])),
      bindings: new Map(item.bindings as [string, never][]),
    };
    vhosts.set(vhost.name, vhost);
  }
  const users = new Map<string, UserRecord>();
  for (const item of json.users as Json[]) {
    users.set(item.name as string, {
      name: item.name as string, passwordHash: item.passwordHash as string, hashingAlgorithm: item.hashingAlgorithm as UserRecord["hashingAlgorithm"],
      tags: item.tags as string[], limits: item.limits as Json,
      permissions: new Map(item.permissions as [string, never][]),
      topicPermissions: new Map((item.topicPermissions as [string, { exchange: string }[]][]).map(([vhost, list]) => [vhost, new Map(list.map((permission) => [permission.exchange, permission as never]))])),
    });
  }
  return { vhosts, users, globalParameters: new Map(json.globalParameters as [string, unknown][]) };
}
