/**
 * What `warrenctl` does, as a function tests can call: rabbitmqctl's verbs for Warren.
 * It talks to a node over its control port (25672 by default, authenticated by the
 * cookie), so it works after `stop_app` too.
 * Exit codes follow rabbitmqctl's (sysexits): 64 usage, 65 the node refused the request,
 * 69 the node cannot be reached, 77 the cookie was refused.
 */
import { hostname } from "node:os";
import { COMMANDS, similarCommands, usageText } from "./index.js";
import { UsageError, type CommandSpec, type ParsedCommand } from "./spec.js";
import { formatRows, type Formatter } from "./output.js";
import { ControlClient, ControlError } from "../../node/control-client.js";
import { CookieError, resolveCookie } from "../../node/cookie.js";
import { CONTROL_PORT_OFFSET, hostnameShort } from "../../config/config.js";

export const EXIT_OK = 0;
export const EXIT_USAGE = 64;
export const EXIT_DATA_ERROR = 65;
export const EXIT_UNAVAILABLE = 69;
export const EXIT_NO_PERMISSION = 77;

export interface Output {
  out(text: string): void;
  error(text: string): void;
}

const GLOBAL_FLAGS: Record<string, "string" | "boolean"> = {
  node: "string", "control-port": "string", "erlang-cookie": "string", quiet: "boolean", silent: "boolean", timeout: "string",
  formatter: "string", vhost: "string", "no-table-headers": "boolean", longnames: "boolean", help: "boolean",
};
const SHORT_FLAGS: Record<string, string> = { n: "node", q: "quiet", s: "silent", t: "timeout", p: "vhost", h: "help" };

interface Invocation {
  readonly command: CommandSpec;
  readonly parsed: ParsedCommand;
  readonly global: Record<string, string | boolean>;
}

export function parseArguments(argv: string[]): Invocation | undefined {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  let commandFlags: Record<string, "string" | "boolean"> = {};
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index];
    if (!token.startsWith("-") || token === "-") {
      positional.push(token);
      if (positional.length === 1) commandFlags = COMMANDS.get(token)?.flags ?? {};
      continue;
    }
    const [rawName, inlineValue] = token.startsWith("--") ? splitOnce(token.slice(2), "=") : [SHORT_FLAGS[token.slice(1)] ?? token.slice(1), undefined];
    const kind = GLOBAL_FLAGS[rawName] ?? commandFlags[rawName];
    if (kind === undefined) throw new UsageError(`unknown option '${token}'`);
    if (kind === "boolean") flags[rawName] = true;
    else {
      const value = inlineValue ?? argv[++index];
      if (value === undefined) throw new UsageError(`option '${token}' needs a value`);
      flags[rawName] = value;
    }
  }
  if (positional.length === 0 || flags.help === true || positional[0] === "help") return undefined;
  const [name, ...args] = positional;
  const command = COMMANDS.get(name);
  if (command === undefined) {
    const similar = similarCommands(name);
    throw new UsageError(`Command '${name}' not found.${similar.length > 0 ? ` Did you mean ${similar.map((entry) => `'${entry}'`).join(" or ")}?` : ""}`);
  }
  if (command.columns === undefined && (args.length < command.minArgs || args.length > command.maxArgs)) {
    throw new UsageError(`${args.length < command.minArgs ? "not enough" : "too many"} arguments.\nUsage: warrenctl ${command.usage}`);
  }
  if (command.columns !== undefined && args.length < command.minArgs) throw new UsageError(`not enough arguments.\nUsage: warrenctl ${command.usage}`);
  const vhost = typeof flags.vhost === "string" ? flags.vhost : "/";
  return { command, parsed: { args, flags, vhost }, global: flags };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

/** Where the node's control port is: the host of `warren@host`, the port from the flag or the environment. */
export function nodeAddress(nodeName: string, portFlag: string | undefined, environment: NodeJS.ProcessEnv): { host: string; port: number } {
  const host = nodeName.includes("@") ? nodeName.slice(nodeName.indexOf("@") + 1) : "localhost";
  const ownNames = new Set(["localhost", hostname(), hostname().split(".")[0]]);
  const port = portFlag ?? environment.WARREN_DIST_PORT ?? environment.RABBITMQ_DIST_PORT;
  const nodePort = environment.WARREN_NODE_PORT ?? environment.RABBITMQ_NODE_PORT;
  const resolved = port !== undefined ? Number(port) : nodePort !== undefined ? Number(nodePort) + CONTROL_PORT_OFFSET : 25_672;
  if (!Number.isInteger(resolved) || resolved <= 0 || resolved > 65_535) throw new UsageError(`'${port}' is not a port number`);
  return { host: ownNames.has(host) ? "127.0.0.1" : host, port: resolved };
}

export async function runWarrenctl(argv: string[], output: Output, environment: NodeJS.ProcessEnv = process.env): Promise<number> {
  let invocation: Invocation | undefined;
  try {
    invocation = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.error(`Error (argument validation): ${error.message}\nRun "warrenctl help" for the list of commands.`);
    return EXIT_USAGE;
  }
  if (invocation === undefined) {
    output.out(usageText());
    return EXIT_OK;
  }
  const { command, parsed, global } = invocation;
  const formatter = (global.formatter ?? "table") as Formatter;
  if (!["table", "json", "pretty_table"].includes(formatter)) {
    output.error(`Error (argument validation): unknown formatter '${formatter}': use table, json or pretty_table`);
    return EXIT_USAGE;
  }
  const quiet = global.quiet === true || global.silent === true || formatter === "json";
  const nodeName = typeof global.node === "string" ? global.node : (environment.WARREN_NODENAME ?? environment.RABBITMQ_NODENAME ?? `warren@${hostnameShort()}`);
  let extra: Record<string, unknown> = {};
  let address: { host: string; port: number };
  let cookie: string;
  try {
    if (command.before !== undefined) extra = command.before(parsed);
    address = nodeAddress(nodeName, typeof global["control-port"] === "string" ? global["control-port"] : undefined, environment);
    cookie = typeof global["erlang-cookie"] === "string" ? global["erlang-cookie"] : resolveCookie(environment).cookie;
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`Error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof CookieError) {
      output.error(`Error: ${error.message}`);
      return EXIT_NO_PERMISSION;
    }
    throw error;
  }
  const info = command.info?.(parsed).replace("the node ...", `node ${nodeName} ...`).replace(/of node \.\.\.$/, `of node ${nodeName} ...`);
  if (!quiet && info !== undefined && info !== "") output.out(info);
  const timeoutMs = Number(global.timeout ?? 60) * 1000;
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.connect(address.host, address.port, cookie, timeoutMs);
    const { method, params } = command.request(parsed);
    const result = await client.call(method, { ...params, ...extra });
    printResult(command, parsed, result, formatter, global["no-table-headers"] !== true, output);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    if (error.kind === "unreachable") {
      output.error(`Error: unable to perform an operation on node '${nodeName}'.\n\n * ${error.message}\n * Is the node running? Is its control port ${address.port} (WARREN_DIST_PORT) and host right?`);
      return EXIT_UNAVAILABLE;
    }
    if (error.kind === "authentication") {
      output.error(`Error: authentication with node '${nodeName}' failed: ${error.message}.\n * Check that WARREN_COOKIE or the cookie file matches the node's cookie.`);
      return EXIT_NO_PERMISSION;
    }
    output.error(`Error:\n${error.message}`);
    return EXIT_DATA_ERROR;
  } finally {
    client?.close();
  }
}

function printResult(command: CommandSpec, parsed: ParsedCommand, result: unknown, formatter: Formatter, headers: boolean, output: Output): void {
  if (command.after !== undefined) {
    const text = command.after(result, parsed);
    if (text !== undefined) output.out(text);
    return;
  }
  if (command.columns !== undefined) {
    const columns = parsed.args.length > 0 ? parsed.args : command.columns.defaults;
    const unknown = columns.filter((column) => !command.columns?.all.includes(column));
    if (unknown.length > 0) throw new ControlError("remote", `Invalid info key(s): ${unknown.join(", ")}. Valid: ${command.columns.all.join(", ")}`);
    output.out(formatRows(result as Record<string, unknown>[], columns, formatter, headers));
    return;
  }
  if (formatter === "json") {
    if (result !== null && result !== undefined) output.out(JSON.stringify(result, null, 2));
    return;
  }
  const text = command.render?.(result, parsed);
  if (text !== undefined) output.out(text);
}

