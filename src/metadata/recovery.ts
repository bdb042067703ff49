/**
 * Recovery: the state a node starts with is the snapshot plus every command after it, through
 * the same `apply` that made the changes live; then only what survives a restart is kept
 * (durable exchanges, durable non-exclusive queues, bindings between them). A refused command
 * in the log is refused the same way it was live and changes nothing, so no replay differs.
 */
import { apply } from "./apply.js";
import { upgradeCommand, type DefinitionCommand } from "./commands.js";
import { definitionCommands } from "./definitions-json.js";
import type { StoredMetadata } from "./command-log.js";
import { isStateSnapshot, stateFromJson } from "./snapshot.js";
import { durableState, emptyState, type MetadataState } from "./state.js";

export interface Recovered {
  /** The state to start with (only what survives a restart). */
  readonly state: MetadataState;
  /** The database had nothing: the caller creates the default user and vhost. */
  readonly empty: boolean;
  /** One sentence per stored command that was refused or could not be read. */
  readonly problems: string[];
}

export function replay(stored: StoredMetadata): { state: MetadataState; problems: string[] } {
  const problems: string[] = [];
  let state = emptyState();
  if (stored.snapshot !== undefined) {
    if (isStateSnapshot(stored.snapshot)) state = stateFromJson(stored.snapshot);
    // A snapshot from an older version is RabbitMQ's definitions JSON: its commands rebuild the state.
    else applyAll(state, definitionCommands(stored.snapshot), problems, "metadata snapshot");
  }
  const commands: DefinitionCommand[] = [];
  for (const record of stored.commands) {
    const command = upgradeCommand(record);
    if (command === undefined) throw new Error(`metadata log holds a record this version cannot read: ${JSON.stringify(record).slice(0, 200)}`);
    commands.push(command);
  }
  applyAll(state, commands, problems, "metadata log");
  return { state, problems };
}

export function recover(stored: StoredMetadata): Recovered {
  const empty = stored.snapshot === undefined && stored.commands.length === 0;
  const { state, problems } = replay(stored);
  return { state: durableState(state), empty, problems };
}

function applyAll(state: MetadataState, commands: readonly DefinitionCommand[], problems: string[], where: string): void {
  for (const command of commands) {
    // Replay needs no clock: nothing in the state depends on the time a command was applied.
    const { reply } = apply(state, command, { nowMs: 0 });
    if (!reply.ok) problems.push(`${where}: ${command.type} refused: ${reply.error.message}`);
  }
}
