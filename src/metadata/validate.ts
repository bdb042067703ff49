/**
 * `validate(state, command)`: RabbitMQ's error for a command that must be refused, or
 * undefined. It reads the state and changes nothing. `apply` calls it first, so a command
 * that is refused live is refused in every replay too, with the same error and no change.
 *
 * What needs more than the state is checked by the proposer before it proposes: the types of
 * x-arguments (the queue types know them), whether a queue has consumers or messages
 * (`if-unused`, `if-empty`), and the caller's permissions.
 */
import { BrokerError, Errors, fail } from "../errors/registry.js";
import { METADATA_COMMAND_BYTES_MAX, NAME_BYTES_MAX } from "../config/limits.js";
import { USER_LIMIT_NAMES, VHOST_LIMIT_NAMES, type DefinitionCommand } from "./commands.js";
import { validatePolicy } from "./policies.js";
import { userPatternProblem } from "../lib/user-pattern.js";
import { type MetadataState, type VhostRecord } from "./state.js";

/** The exchange types a vhost can create (RabbitMQ's built-in four; names are case-sensitive). */
export const EXCHANGE_TYPE_NAMES: ReadonlySet<string> = new Set(["direct", "fanout", "topic", "headers"]);

export function validate(state: MetadataState, command: DefinitionCommand): BrokerError | undefined {
  try {
    checkSize(command);
    check(state, command);
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    return fail.preconditionFailed(String((error as Error).message ?? error));
  }
}

/** The size the command takes in the metadata log; over the record limit it could never be read back. */
export function commandBytes(command: DefinitionCommand): number {
  return Buffer.byteLength(JSON.stringify(command), "utf8");
}

function checkSize(command: DefinitionCommand): void {
  const bytes = commandBytes(command);
  if (bytes > METADATA_COMMAND_BYTES_MAX) {
    throw fail.preconditionFailed(`definition of ${bytes} bytes is over the metadata log's record limit of ${METADATA_COMMAND_BYTES_MAX} bytes (METADATA_COMMAND_BYTES_MAX)`);
  }
}

function check(state: MetadataState, command: DefinitionCommand): void {
  switch (command.type) {
    case "vhost.add":
      return checkName("vhost", command.name);
    case "vhost.delete":
      return void requireVhost(state, command.name);
    case "vhost.set_limits":
      requireVhost(state, command.vhost);
      return checkLimits(command.limits, VHOST_LIMIT_NAMES);
    case "vhost.clear_limits":
      return;
    case "user.add":
      return checkName("user", command.name);
    case "user.delete":
    case "user.set_password_hash":
    case "user.set_tags":
    case "user.clear_limits":
      return void requireUser(state, command.name);
    case "user.set_limits":
      requireUser(state, command.name);
      return checkLimits(command.limits, USER_LIMIT_NAMES);
    case "permission.set":
      requireUser(state, command.user);
      requireVhost(state, command.vhost);
      return checkPatterns([command.configure, command.write, command.read]);
    case "topic_permission.set":
      requireUser(state, command.user);
      requireVhost(state, command.vhost);
      return checkPatterns([command.write, command.read]);
    case "permission.clear":
    case "topic_permission.clear":
      return void requireUser(state, command.user);
    case "policy.set": {
      requireVhost(state, command.vhost);
      checkName("policy", command.name);
      const problems = validatePolicy(command, command.operator);
      if (problems.length > 0) throw fail.preconditionFailed(`Validation failed: ${problems.join("; ")}`);
      return;
    }
    case "policy.clear": {
      const policies = state.vhosts.get(command.vhost)?.[command.operator ? "operatorPolicies" : "policies"];
      if (policies?.has(command.name) !== true) throw fail.notFound(`${command.operator ? "operator policy" : "policy"} '${command.name}' not found in vhost '${command.vhost}'`);
      return;
    }
    case "parameter.set":
      requireVhost(state, command.vhost);
      checkName("component", command.component);
      return checkName("parameter", command.name);
    case "parameter.clear":
      if (state.vhosts.get(command.vhost)?.parameters.get(command.component)?.has(command.name) !== true) {
        throw fail.notFound(`parameter '${command.name}' of component '${command.component}' not found in vhost '${command.vhost}'`);
      }
      return;
    case "global_parameter.set":
      return checkName("global parameter", command.name);
    case "global_parameter.clear":
      if (!state.globalParameters.has(command.name)) throw fail.notFound(`global parameter '${command.name}' not found`);
      return;
    case "exchange.declare":
      return checkExchangeDeclare(requireVhost(state, command.vhost), command);
    case "exchange.delete":
      return checkExchangeDelete(requireVhost(state, command.vhost), command);
    case "queue.declare":
      return checkQueueDeclare(requireVhost(state, command.vhost), command);
    case "queue.delete":
      return void requireQueue(requireVhost(state, command.vhost), command.name);
    case "binding.add":
    case "binding.remove":
      return checkBinding(requireVhost(state, command.vhost), command);
  }
}

function checkName(kind: string, name: unknown): void {
  if (typeof name !== "string" || name === "") throw fail.preconditionFailed(`a ${kind} name must be a non-empty string`);
  if (Buffer.byteLength(name, "utf8") > NAME_BYTES_MAX) throw fail.preconditionFailed(`${kind} name '${name.slice(0, 40)}...' is longer than ${NAME_BYTES_MAX} bytes`);
}

function requireVhost(state: MetadataState, name: string): VhostRecord {
  const vhost = state.vhosts.get(name);
  if (vhost === undefined) throw fail.notFound(`vhost '${name}' does not exist`);
  return vhost;
}

function requireUser(state: MetadataState, name: string): void {
  if (!state.users.has(name)) throw fail.notFound(`user '${name}' does not exist`);
}

function requireExchange(vhost: VhostRecord, name: string): void {
  if (!vhost.exchanges.has(name)) throw fail.notFound(`no exchange '${name}' in vhost '${vhost.name}'`);
}

function requireQueue(vhost: VhostRecord, name: string): void {
  if (!vhost.queues.has(name)) throw fail.notFound(`no queue '${name}' in vhost '${vhost.name}'`);
}

/** Permission patterns are matched by the linear-time engine (src/lib/user-pattern.ts): its syntax decides. */
function checkPatterns(patterns: string[]): void {
  for (const pattern of patterns) {
    const problem = userPatternProblem(pattern);
    if (problem !== undefined) throw fail.preconditionFailed(problem);
  }
}

function checkLimits(limits: object, names: readonly string[]): void {
  if (limits === null || typeof limits !== "object") throw fail.preconditionFailed("limits must be an object");
  for (const [name, value] of Object.entries(limits)) {
    if (!names.includes(name)) throw fail.preconditionFailed(`unknown limit '${name}': expected one of ${names.join(", ")}`);
    if (!Number.isInteger(value)) throw fail.preconditionFailed(`limit '${name}' must be an integer, got ${JSON.stringify(value)}`);
  }
}

function checkExchangeDeclare(vhost: VhostRecord, command: Extract<DefinitionCommand, { type: "exchange.declare" }>): void {
  const existing = vhost.exchanges.get(command.name);
  if (command.name === "") throw fail.accessRefused("operation not permitted on the default exchange");
  if (existing === undefined && command.name.startsWith("amq.")) throw fail.accessRefused(`exchange name '${command.name}' contains reserved prefix 'amq.*'`);
  if (!EXCHANGE_TYPE_NAMES.has(command.exchangeType)) throw new BrokerError(Errors.COMMAND_INVALID, `unknown exchange type '${command.exchangeType}'`);
  checkName("exchange", command.name);
  if (existing === undefined) return;
  const where = `for exchange '${existing.name}' in vhost '${vhost.name}'`;
  inequivalent("type", command.exchangeType, existing.exchangeType, where);
  inequivalent("durable", command.durable, existing.durable, where);
  inequivalent("auto_delete", command.autoDelete, existing.autoDelete, where);
  inequivalent("internal", command.internal, existing.internal, where);
}

function checkExchangeDelete(vhost: VhostRecord, command: Extract<DefinitionCommand, { type: "exchange.delete" }>): void {
  if (command.name === "") throw fail.accessRefused("operation not permitted on the default exchange");
  if (command.name.startsWith("amq.")) throw fail.accessRefused(`exchange '${command.name}' in vhost '${vhost.name}' is reserved`);
  if (!command.ifUnused || !vhost.exchanges.has(command.name)) return;
  // Only bindings the exchange routes through count: being another exchange's destination is not use (RabbitMQ 3.10.8).
  for (const binding of vhost.bindings.values()) {
    if (binding.source === command.name) throw fail.preconditionFailed(`exchange '${command.name}' in vhost '${vhost.name}' in use`);
  }
}

function checkQueueDeclare(vhost: VhostRecord, command: Extract<DefinitionCommand, { type: "queue.declare" }>): void {
  checkName("queue", command.name);
  const existing = vhost.queues.get(command.name);
  if (existing === undefined) {
    const limit = vhost.limits["max-queues"];
    if (limit !== undefined && limit >= 0 && vhost.queues.size >= limit) {
      throw fail.preconditionFailed(`cannot declare queue '${command.name}': queue limit in vhost '${vhost.name}' (${limit}) is reached`);
    }
    return;
  }
  // RabbitMQ's strict check: another connection's exclusive queue, or an exclusive flag that does not match, is locked (405; 3.10.8).
  if (existing.exclusiveOwner !== command.exclusiveOwner) {
    throw fail.resourceLocked(
      `cannot obtain exclusive access to locked queue '${existing.name}' in vhost '${vhost.name}'. ` +
        "It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
    );
  }
  const where = `for queue '${existing.name}' in vhost '${vhost.name}'`;
  inequivalent("durable", command.durable, existing.durable, where);
  inequivalent("auto_delete", command.autoDelete, existing.autoDelete, where);
}

function checkBinding(vhost: VhostRecord, command: Extract<DefinitionCommand, { type: "binding.add" | "binding.remove" }>): void {
  if (command.source === "" || (command.destinationType === "exchange" && command.destination === "")) {
    throw fail.accessRefused("operation not permitted on the default exchange");
  }
  requireExchange(vhost, command.source);
  if (command.destinationType === "queue") requireQueue(vhost, command.destination);
  else requireExchange(vhost, command.destination);
  // Adding a binding that exists, or removing one that does not, succeeds and changes nothing (RabbitMQ 3.x).
}

function inequivalent(field: string, received: unknown, current: unknown, where: string): void {
  if (received !== current) throw fail.preconditionFailed(`inequivalent arg '${field}' ${where}: received '${received}' but current is '${current}'`);
}
