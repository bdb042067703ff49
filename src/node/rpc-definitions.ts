/**
 * Control-port methods that change definitions (users, vhosts, permissions, policies,
 * limits), each as rabbitmqctl's verb of the same name does it. Every change goes through
 * applyDefinitionCommand, like the management API's.
 */
import type { WarrenNode } from "./node.js";
import type { MethodTable } from "./control-server.js";
import { applyDefinitionCommand, operationsState, vhostMetadata } from "../broker/definitions.js";
import { hashPassword } from "../auth/password.js";
import { parseTags } from "../auth/tags.js";
import type { ApplyTo } from "../broker/policies.js";
import { policyJson } from "../broker/definitions-json.js";

type Params = Record<string, unknown>;

export function text(params: Params, name: string, fallback?: string): string {
  const value = params[name];
  if (typeof value === "string") return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`missing argument: ${name}`);
}

function jsonObject(value: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${what} is not valid JSON: ${value}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${what} must be a JSON object: ${value}`);
  return parsed as Record<string, unknown>;
}

export function definitionMethods(node: WarrenNode): MethodTable {
  const apply = (command: Parameters<typeof applyDefinitionCommand>[1]) => applyDefinitionCommand(node.broker, command);
  const vhost = (params: Params) => text(params, "vhost", "/");
  const user = (name: string) => {
    const found = node.broker.users.get(name);
    if (found === undefined) throw new Error(`user '${name}' does not exist`);
    return found;
  };
  return {
    add_user: (params) => {
      const name = text(params, "name");
      if (node.broker.users.has(name)) throw new Error(`user '${name}' already exists`);
      apply({ type: "user.add", name, passwordHash: hashPassword(text(params, "password")), hashingAlgorithm: "rabbit_password_hashing_sha256", tags: [] });
    },
    delete_user: (params) => apply({ type: "user.delete", name: text(params, "name") }),
    change_password: (params) => {
      user(text(params, "name"));
      apply({ type: "user.set_password_hash", name: text(params, "name"), passwordHash: hashPassword(text(params, "password")), hashingAlgorithm: "rabbit_password_hashing_sha256" });
    },
    clear_password: (params) => apply({ type: "user.set_password_hash", name: text(params, "name"), passwordHash: "", hashingAlgorithm: "rabbit_password_hashing_sha256" }),
    authenticate_user: (params) => {
      const name = text(params, "name");
      if (node.broker.users.authenticate(name, text(params, "password")) === undefined) throw new Error(`user '${name}' - invalid credentials`);
      return "Success";
    },
    set_user_tags: (params) => apply({ type: "user.set_tags", name: text(params, "name"), tags: parseTags(params.tags) }),
    list_users: () => [...node.broker.users.all()].map((entry) => ({ user: entry.name, tags: entry.tags })),
    add_vhost: (params) => {
      const name = text(params, "name");
      if (node.broker.vhosts.has(name)) throw new Error(`vhost '${name}' already exists`);
      apply({ type: "vhost.add", name, description: text(params, "description", ""), tags: parseTags(params.tags), defaultQueueType: typeof params.default_queue_type === "string" ? params.default_queue_type : undefined });
    },
    delete_vhost: (params) => apply({ type: "vhost.delete", name: text(params, "name") }),
    list_vhosts: () =>
      [...node.broker.vhosts.keys()].map((name) => {
        const metadata = vhostMetadata(node.broker, name);
        return { name, description: metadata.description, tags: metadata.tags, tracing: metadata.tracing, default_queue_type: metadata.defaultQueueType ?? "undefined" };
      }),
    set_permissions: (params) =>
      apply({ type: "permission.set", user: text(params, "user"), vhost: vhost(params), configure: text(params, "configure"), write: text(params, "write"), read: text(params, "read") }),
    clear_permissions: (params) => apply({ type: "permission.clear", user: text(params, "user"), vhost: vhost(params) }),
    list_permissions: (params) => {
      const name = vhost(params);
      if (!node.broker.vhosts.has(name)) throw new Error(`vhost '${name}' does not exist`);
      return [...node.broker.users.all()].flatMap((entry) => {
        const permission = entry.permissions.get(name);
        return permission === undefined ? [] : [{ user: entry.name, configure: permission.configure, write: permission.write, read: permission.read }];
      });
    },
    list_user_permissions: (params) =>
      [...user(text(params, "user")).permissions].map(([name, permission]) => ({ vhost: name, configure: permission.configure, write: permission.write, read: permission.read })),
    set_topic_permissions: (params) =>
      apply({ type: "topic_permission.set", user: text(params, "user"), vhost: vhost(params), exchange: text(params, "exchange"), write: text(params, "write"), read: text(params, "read") }),
    clear_topic_permissions: (params) =>
      apply({ type: "topic_permission.clear", user: text(params, "user"), vhost: vhost(params), exchange: typeof params.exchange === "string" ? params.exchange : undefined }),
    list_topic_permissions: (params) =>
      [...node.broker.users.all()].flatMap((entry) =>
        [...(entry.topicPermissions.get(vhost(params))?.values() ?? [])].map((permission) => ({ user: entry.name, exchange: permission.exchange, write: permission.write, read: permission.read }))),
    set_policy: (params) => setPolicy(params, false),
    set_operator_policy: (params) => setPolicy(params, true),
    clear_policy: (params) => apply({ type: "policy.clear", vhost: vhost(params), name: text(params, "name"), operator: false }),
    clear_operator_policy: (params) => apply({ type: "policy.clear", vhost: vhost(params), name: text(params, "name"), operator: true }),
    list_policies: (params) => listPolicies(vhost(params), false),
    list_operator_policies: (params) => listPolicies(vhost(params), true),
    set_vhost_limits: (params) => apply({ type: "vhost.set_limits", vhost: vhost(params), limits: jsonObject(text(params, "definition"), "the limits") }),
    clear_vhost_limits: (params) => apply({ type: "vhost.clear_limits", vhost: vhost(params) }),
    list_vhost_limits: (params) => [{ vhost: vhost(params), limits: operationsState(node.broker).vhostLimits.get(vhost(params)) ?? {} }],
    set_user_limits: (params) => apply({ type: "user.set_limits", name: text(params, "user"), limits: jsonObject(text(params, "definition"), "the limits") }),
    clear_user_limits: (params) => apply({ type: "user.clear_limits", name: text(params, "user"), limit: text(params, "limit", "all") }),
    list_user_limits: (params) => [...node.broker.users.all()].filter((entry) => params.user === undefined || entry.name === params.user).map((entry) => ({ user: entry.name, limits: entry.limits })),
  };

  function setPolicy(params: Params, operator: boolean): void {
    const priority = Number(params.priority ?? 0);
    if (!Number.isInteger(priority)) throw new Error(`priority must be an integer, got '${String(params.priority)}'`);
    apply({
      type: "policy.set", vhost: vhost(params), name: text(params, "name"), pattern: text(params, "pattern"),
      definition: jsonObject(text(params, "definition"), "the policy definition"), priority, applyTo: text(params, "apply_to", "all") as ApplyTo, operator,
    });
  }

  function listPolicies(name: string, operator: boolean): Record<string, unknown>[] {
    const store = operationsState(node.broker).policies.get(name);
    return [...((operator ? store?.operatorPolicies : store?.policies)?.values() ?? [])].map(policyJson);
  }
}
