/**
 * warrenctl verbs for users, vhosts, permissions, policies and limits, with rabbitmqctl's
 * arguments, flags and info lines.
 */
import type { CommandSpec } from "./spec.js";

const quoted = (text: string) => `"${text}"`;

export const DEFINITION_COMMANDS: CommandSpec[] = [
  {
    name: "add_user", usage: "add_user <username> <password>", description: "Creates a user", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Adding user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "add_user", params: { name: args[0], password: args[1] } }),
  },
  {
    name: "delete_user", usage: "delete_user <username>", description: "Removes a user", minArgs: 1, maxArgs: 1,
    info: ({ args }) => `Deleting user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "delete_user", params: { name: args[0] } }),
  },
  {
    name: "change_password", usage: "change_password <username> <password>", description: "Changes a user's password", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Changing password for user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "change_password", params: { name: args[0], password: args[1] } }),
  },
  {
    name: "clear_password", usage: "clear_password <username>", description: "Removes a user's password: they can no longer log in with one", minArgs: 1, maxArgs: 1,
    info: ({ args }) => `Clearing password for user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "clear_password", params: { name: args[0] } }),
  },
  {
    name: "authenticate_user", usage: "authenticate_user <username> <password>", description: "Checks a user's credentials", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Authenticating user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "authenticate_user", params: { name: args[0], password: args[1] } }),
    render: (result) => String(result),
  },
  {
    name: "set_user_tags", usage: "set_user_tags <username> <tag> [...]", description: "Sets a user's tags (administrator, monitoring, policymaker, management)", minArgs: 1, maxArgs: Infinity,
    info: ({ args }) => `Setting tags for user ${quoted(args[0])} to [${args.slice(1).join(", ")}] ...`,
    request: ({ args }) => ({ method: "set_user_tags", params: { name: args[0], tags: args.slice(1) } }),
  },
  {
    name: "list_users", usage: "list_users", description: "Lists users and their tags", minArgs: 0, maxArgs: 0,
    info: () => "Listing users ...", columns: { all: ["user", "tags"], defaults: ["user", "tags"] },
    request: () => ({ method: "list_users", params: {} }),
  },
  {
    name: "add_vhost", usage: "add_vhost <vhost> [--description <text>] [--tags <tag,...>] [--default-queue-type <type>]", description: "Creates a virtual host", minArgs: 1, maxArgs: 1,
    flags: { description: "string", tags: "string", "default-queue-type": "string" },
    info: ({ args }) => `Adding vhost ${quoted(args[0])} ...`,
    request: ({ args, flags }) => ({ method: "add_vhost", params: { name: args[0], description: flags.description, tags: flags.tags ?? "", default_queue_type: flags["default-queue-type"] } }),
  },
  {
    name: "delete_vhost", usage: "delete_vhost <vhost>", description: "Deletes a virtual host, its queues, exchanges and permissions", minArgs: 1, maxArgs: 1,
    info: ({ args }) => `Deleting vhost ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "delete_vhost", params: { name: args[0] } }),
  },
  {
    name: "list_vhosts", usage: "list_vhosts [<column> ...]", description: "Lists virtual hosts", minArgs: 0, maxArgs: Infinity,
    info: () => "Listing vhosts ...", columns: { all: ["name", "description", "tags", "tracing", "default_queue_type"], defaults: ["name"] },
    request: () => ({ method: "list_vhosts", params: {} }),
  },
  {
    name: "set_permissions", usage: "set_permissions [-p <vhost>] <username> <conf> <write> <read>", description: "Sets a user's permissions on a vhost", minArgs: 4, maxArgs: 4,
    info: ({ args, vhost }) => `Setting permissions for user ${quoted(args[0])} in vhost ${quoted(vhost)} ...`,
    request: ({ args, vhost }) => ({ method: "set_permissions", params: { vhost, user: args[0], configure: args[1], write: args[2], read: args[3] } }),
  },
  {
    name: "clear_permissions", usage: "clear_permissions [-p <vhost>] <username>", description: "Revokes a user's permissions on a vhost", minArgs: 1, maxArgs: 1,
    info: ({ args, vhost }) => `Clearing permissions for user ${quoted(args[0])} in vhost ${quoted(vhost)} ...`,
    request: ({ args, vhost }) => ({ method: "clear_permissions", params: { vhost, user: args[0] } }),
  },
  {
    name: "list_permissions", usage: "list_permissions [-p <vhost>]", description: "Lists user permissions in a vhost", minArgs: 0, maxArgs: 0,
    info: ({ vhost }) => `Listing permissions for vhost ${quoted(vhost)} ...`, columns: { all: ["user", "configure", "write", "read"], defaults: ["user", "configure", "write", "read"] },
    request: ({ vhost }) => ({ method: "list_permissions", params: { vhost } }),
  },
  {
    name: "list_user_permissions", usage: "list_user_permissions <username>", description: "Lists a user's permissions in every vhost", minArgs: 1, maxArgs: 1,
    info: ({ args }) => `Listing permissions for user ${quoted(args[0])} ...`, columns: { all: ["vhost", "configure", "write", "read"], defaults: ["vhost", "configure", "write", "read"] },
    request: ({ args }) => ({ method: "list_user_permissions", params: { user: args[0] } }),
  },
  {
    name: "set_topic_permissions", usage: "set_topic_permissions [-p <vhost>] <username> <exchange> <write> <read>", description: "Sets a user's topic permissions on an exchange", minArgs: 4, maxArgs: 4,
    info: ({ args, vhost }) => `Setting topic permissions on ${quoted(args[1])} for user ${quoted(args[0])} in vhost ${quoted(vhost)} ...`,
    request: ({ args, vhost }) => ({ method: "set_topic_permissions", params: { vhost, user: args[0], exchange: args[1], write: args[2], read: args[3] } }),
  },
  {
    name: "clear_topic_permissions", usage: "clear_topic_permissions [-p <vhost>] <username> [<exchange>]", description: "Clears a user's topic permissions", minArgs: 1, maxArgs: 2,
    info: ({ args, vhost }) => `Clearing topic permissions for user ${quoted(args[0])} in vhost ${quoted(vhost)} ...`,
    request: ({ args, vhost }) => ({ method: "clear_topic_permissions", params: { vhost, user: args[0], exchange: args[1] } }),
  },
  {
    name: "list_topic_permissions", usage: "list_topic_permissions [-p <vhost>]", description: "Lists topic permissions in a vhost", minArgs: 0, maxArgs: 0,
    info: ({ vhost }) => `Listing topic permissions for vhost ${quoted(vhost)} ...`, columns: { all: ["user", "exchange", "write", "read"], defaults: ["user", "exchange", "write", "read"] },
    request: ({ vhost }) => ({ method: "list_topic_permissions", params: { vhost } }),
  },
  ...policyCommands(false),
  ...policyCommands(true),
  {
    name: "set_vhost_limits", usage: "set_vhost_limits [-p <vhost>] <definition>", description: "Sets max-connections and max-queues of a vhost (JSON)", minArgs: 1, maxArgs: 1,
    info: ({ args, vhost }) => `Setting vhost limits to ${quoted(args[0])} for vhost ${quoted(vhost)} ...`,
    request: ({ args, vhost }) => ({ method: "set_vhost_limits", params: { vhost, definition: args[0] } }),
  },
  {
    name: "clear_vhost_limits", usage: "clear_vhost_limits [-p <vhost>]", description: "Clears a vhost's limits", minArgs: 0, maxArgs: 0,
    info: ({ vhost }) => `Clearing vhost ${quoted(vhost)} limits ...`,
    request: ({ vhost }) => ({ method: "clear_vhost_limits", params: { vhost } }),
  },
  {
    name: "set_user_limits", usage: "set_user_limits <username> <definition>", description: "Sets max-connections and max-channels of a user (JSON)", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Setting user limits to ${quoted(args[1])} for user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "set_user_limits", params: { user: args[0], definition: args[1] } }),
  },
  {
    name: "clear_user_limits", usage: "clear_user_limits <username> <limit>|all", description: "Clears a user's limit", minArgs: 2, maxArgs: 2,
    info: ({ args }) => `Clearing "${args[1]}" limit for user ${quoted(args[0])} ...`,
    request: ({ args }) => ({ method: "clear_user_limits", params: { user: args[0], limit: args[1] } }),
  },
];

function policyCommands(operator: boolean): CommandSpec[] {
  const noun = operator ? "operator policy" : "policy";
  const article = operator ? "an" : "a";
  const prefix = operator ? "operator_polic" : "polic";
  return [
    {
      name: `set_${prefix}y`, usage: `set_${prefix}y [-p <vhost>] <name> <pattern> <definition> [--priority <priority>] [--apply-to <queues|exchanges|all>]`,
      description: `Sets ${article} ${noun}`, minArgs: 3, maxArgs: 3, flags: { priority: "string", "apply-to": "string" },
      info: ({ args, flags, vhost }) => `Setting ${operator ? "operator policy override" : "policy"} ${quoted(args[0])} for pattern ${quoted(args[1])} to ${quoted(args[2])} with priority ${quoted(String(flags.priority ?? 0))} for vhost ${quoted(vhost)} ...`,
      request: ({ args, flags, vhost }) => ({ method: `set_${prefix}y`, params: { vhost, name: args[0], pattern: args[1], definition: args[2], priority: flags.priority ?? 0, apply_to: flags["apply-to"] ?? "all" } }),
    },
    {
      name: `clear_${prefix}y`, usage: `clear_${prefix}y [-p <vhost>] <name>`, description: `Clears ${article} ${noun}`, minArgs: 1, maxArgs: 1,
      info: ({ args, vhost }) => `Clearing ${noun} ${quoted(args[0])} on vhost ${quoted(vhost)} ...`,
      request: ({ args, vhost }) => ({ method: `clear_${prefix}y`, params: { vhost, name: args[0] } }),
    },
    {
      name: `list_${prefix}ies`, usage: `list_${prefix}ies [-p <vhost>]`, description: `Lists ${noun === "policy" ? "policies" : "operator policies"} in a vhost`, minArgs: 0, maxArgs: 0,
      info: ({ vhost }) => `Listing ${operator ? "operator policy overrides" : "policies"} for vhost ${quoted(vhost)} ...`,
      columns: { all: ["vhost", "name", "pattern", "apply-to", "definition", "priority"], defaults: ["vhost", "name", "pattern", "apply-to", "definition", "priority"] },
      request: ({ vhost }) => ({ method: `list_${prefix}ies`, params: { vhost } }),
    },
  ];
}
