/**
 * Every warrenctl command by name, and the usage text built from them.
 */
import type { CommandSpec } from "./spec.js";
import { DEFINITION_COMMANDS } from "./definitions.js";
import { RUNTIME_COMMANDS } from "./runtime.js";

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map([...RUNTIME_COMMANDS, ...DEFINITION_COMMANDS].map((command) => [command.name, command]));

export function usageText(): string {
  const names = [...COMMANDS.values()].map((command) => `  ${command.name.padEnd(30)}${command.description}`);
  return [
    "Usage: warrenctl [-n <node>] [-q] [-t <timeout>] [--formatter table|json|pretty_table] <command> [<command options>]",
    "",
    "Global options:",
    "  -n, --node <node>          the node to talk to (default: WARREN_NODENAME, else warren@<hostname>)",
    "  --control-port <port>      its control port (default: WARREN_DIST_PORT, else 25672)",
    "  --erlang-cookie <cookie>   the cookie (default: WARREN_COOKIE, else the cookie file)",
    "  -q, --quiet                no informational messages",
    "  -t, --timeout <seconds>    how long to wait for the node (default 60)",
    "  --formatter <name>         table (default), json or pretty_table",
    "  -p, --vhost <vhost>        the virtual host (default /)",
    "",
    "Commands:",
    ...names,
  ].join("\n");
}

/** The closest command names, for "did you mean". */
export function similarCommands(name: string): string[] {
  const parts = name.split("_");
  return [...COMMANDS.keys()].filter((candidate) => candidate.includes(name) || parts.some((part) => part.length > 3 && candidate.includes(part))).slice(0, 3);
}
