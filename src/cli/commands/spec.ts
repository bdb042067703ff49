/**
 * How a warrenctl command is described: its rabbitmqctl name and usage line, how many
 * positional arguments it takes, its flags, and what it asks the node. Listing commands
 * name their columns (rabbitmqctl's) and the default ones.
 */
export type FlagKind = "string" | "boolean";

export interface ParsedCommand {
  readonly args: string[];
  readonly flags: Record<string, string | boolean>;
  readonly vhost: string;
}

/** The node call a command makes, or a local action (import reads a file, export writes one). */
export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly description: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly flags?: Readonly<Record<string, FlagKind>>;
  /** The info line rabbitmqctl prints first ("Adding user "x" ..."), unless --quiet. */
  info?(command: ParsedCommand): string;
  /** The control-port method and its parameters. */
  request(command: ParsedCommand): { method: string; params: Record<string, unknown> };
  /** For list commands: every column a row may have, and the default selection. */
  readonly columns?: { all: readonly string[]; defaults: readonly string[] };
  /** Turns the node's answer into text for the table formatter (non-list commands). */
  render?(result: unknown, command: ParsedCommand): string | undefined;
  /** Runs after the node answered (export_definitions writes the file). */
  after?(result: unknown, command: ParsedCommand): string | undefined;
  /** Runs before the call (import_definitions reads the file). */
  before?(command: ParsedCommand): Record<string, unknown>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
