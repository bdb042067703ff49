/**
 * RabbitMQ's definitions JSON, both ways: export the metadata state in the shape
 * `GET /api/definitions` and `rabbitmqctl export_definitions` produce, and import a file made
 * by RabbitMQ 3.x (or by Warren) as definition commands, each proposed like any other change.
 * The conversions themselves are pure and live in src/metadata/definitions-json.ts.
 */
import type { Broker } from "./broker.js";
import type { Vhost } from "./vhost.js";
import { applyDefinitionCommand, type DefinitionCommand } from "./definitions.js";
import { definitionCommands, nodeDefinitions, vhostDefinitions } from "../metadata/definitions-json.js";
import { WARREN_VERSION } from "../version.js";

export { definitionCommands, objectFrom, policyJson } from "../metadata/definitions-json.js";

/** The RabbitMQ version Warren's API speaks; tools such as rabbitmqadmin read it. */
export const RABBITMQ_COMPATIBLE_VERSION = "3.10.8";

type Json = Record<string, unknown>;

function versionHeader(): Json {
  return { rabbit_version: RABBITMQ_COMPATIBLE_VERSION, rabbitmq_version: RABBITMQ_COMPATIBLE_VERSION, product_name: "Warren", product_version: WARREN_VERSION };
}

export function exportDefinitions(broker: Broker): Json {
  const state = broker.metadata.state;
  const node = nodeDefinitions(state);
  const perVhost = [...state.vhosts.values()].map(vhostDefinitions);
  return {
    ...versionHeader(),
    users: node.users,
    vhosts: node.vhosts,
    permissions: node.permissions,
    topic_permissions: node.topic_permissions,
    parameters: perVhost.flatMap((part) => part.parameters),
    global_parameters: node.global_parameters,
    policies: perVhost.flatMap((part) => part.policies),
    queues: perVhost.flatMap((part) => part.queues),
    exchanges: perVhost.flatMap((part) => part.exchanges),
    bindings: perVhost.flatMap((part) => part.bindings),
  };
}

/** `GET /api/definitions/{vhost}`: the vhost's objects, without the vhost field on each. */
export function exportVhostDefinitions(broker: Broker, vhost: Vhost): Json {
  const record = broker.metadata.state.vhosts.get(vhost.name);
  const part = record === undefined ? { parameters: [], policies: [], queues: [], exchanges: [], bindings: [] } : vhostDefinitions(record);
  const strip = (items: Json[]) => items.map(({ vhost: _vhost, ...rest }) => rest);
  return { ...versionHeader(), parameters: strip(part.parameters), policies: strip(part.policies), queues: strip(part.queues), exchanges: strip(part.exchanges), bindings: strip(part.bindings) };
}

export interface ImportResult {
  readonly applied: number;
  /** One sentence per command that was refused; the others were applied, as in RabbitMQ. */
  readonly errors: string[];
}

export function importDefinitions(broker: Broker, definitions: Json, vhost?: string): ImportResult {
  let applied = 0;
  const errors: string[] = [];
  for (const command of definitionCommands(definitions, vhost)) {
    try {
      applyDefinitionCommand(broker, command);
      applied++;
    } catch (error) {
      errors.push(`${describe(command)}: ${(error as Error).message}`);
    }
  }
  return { applied, errors };
}

function describe(command: DefinitionCommand): string {
  const subject = "name" in command ? command.name : "user" in command ? command.user : "";
  const where = "vhost" in command ? ` in vhost '${command.vhost}'` : "";
  return `${command.type} '${subject}'${where}`;
}
