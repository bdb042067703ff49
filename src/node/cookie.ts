/**
 * The cookie: the shared secret that lets warrenctl (and later other nodes) talk to a node.
 * The node and warrenctl find it the same way, as RabbitMQ's server and CLI share
 * `$HOME/.erlang.cookie`:
 *   1. WARREN_COOKIE (or RABBITMQ_ERLANG_COOKIE), for both;
 *   2. else `$WARREN_DATA_DIR/.warren.cookie` when the data directory is given in the
 *      environment and that file exists (the layout before: existing data directories keep
 *      their cookie, which their peers and scripts know);
 *   3. else `$HOME/.warren.cookie`, which the node creates with mode 0600 if absent.
 * A node with a data directory also keeps the cookie there, and makes sure `$HOME/.warren.cookie`
 * holds it (copied, mode 0600, when absent), so warrenctl finds it without being told the data
 * directory; if that file holds another cookie the node keeps its own and logs that warrenctl
 * needs WARREN_COOKIE. A file others can read is refused, as Erlang refuses one.
 */
import { randomInt } from "node:crypto";
// node:fs directly: the cookie is read by warrenctl and by warren-server before a node (and its io) exists.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export const COOKIE_FILE_NAME = ".warren.cookie";
const COOKIE_LENGTH = 20;

export class CookieError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CookieError";
  }
}

function homeCookiePath(environment: NodeJS.ProcessEnv): string {
  return join(environment.HOME ?? homedir(), COOKIE_FILE_NAME);
}

/** Rule 2's file, when the environment names a data directory. */
function dataDirCookiePath(environment: NodeJS.ProcessEnv, dataDir: string | undefined): string | undefined {
  const directory = environment.WARREN_DATA_DIR ?? environment.RABBITMQ_MNESIA_BASE ?? dataDir;
  return directory !== undefined && directory !== "" ? join(directory, COOKIE_FILE_NAME) : undefined;
}

function cookieFromEnvironment(environment: NodeJS.ProcessEnv): string | undefined {
  const fromEnvironment = environment.WARREN_COOKIE ?? environment.RABBITMQ_ERLANG_COOKIE;
  return fromEnvironment !== undefined && fromEnvironment !== "" ? fromEnvironment : undefined;
}

/** warrenctl's cookie: from the environment, else read from the cookie file (never created here). */
export function resolveCookie(environment: NodeJS.ProcessEnv): { cookie: string; path: string | undefined } {
  const fromEnvironment = cookieFromEnvironment(environment);
  if (fromEnvironment !== undefined) return { cookie: fromEnvironment, path: undefined };
  const inDataDir = dataDirCookiePath(environment, undefined);
  const path = inDataDir !== undefined && existsSync(inDataDir) ? inDataDir : homeCookiePath(environment);
  if (!existsSync(path)) throw new CookieError(`no cookie: set WARREN_COOKIE or create ${path} (mode 0600) with the node's cookie`);
  return { cookie: readCookieFile(path), path };
}

/**
 * The node's cookie (see the rules above). A node with a data directory keeps its cookie there
 * too (the old layout, so existing data directories keep theirs), and makes sure
 * `$HOME/.warren.cookie` holds it. `notice` is told what was done.
 */
export function resolveNodeCookie(environment: NodeJS.ProcessEnv, dataDir: string | undefined, notice: (message: string) => void = () => undefined): { cookie: string; path: string | undefined } {
  const fromEnvironment = cookieFromEnvironment(environment);
  if (fromEnvironment !== undefined) return { cookie: fromEnvironment, path: undefined };
  const home = homeCookiePath(environment);
  const inDataDir = dataDirCookiePath(environment, dataDir);
  const dataDirHasOne = inDataDir !== undefined && existsSync(inDataDir);
  // Upper-case letters like Erlang's generated cookies: easy to copy between machines.
  const cookie = dataDirHasOne ? readCookieFile(inDataDir) : existsSync(home) ? readCookieFile(home) : Array.from({ length: COOKIE_LENGTH }, () => String.fromCharCode(65 + randomInt(26))).join("");
  if (inDataDir !== undefined && !dataDirHasOne) writeCookieFile(inDataDir, cookie);
  if (!existsSync(home)) {
    writeCookieFile(home, cookie);
    if (dataDirHasOne) notice(`the cookie in ${inDataDir} was copied to ${home}, where warrenctl looks for it`);
  } else if (readCookieFile(home) !== cookie) {
    notice(`this node keeps its cookie in ${inDataDir}, which differs from ${home}: give warrenctl WARREN_COOKIE or --erlang-cookie`);
  }
  return { cookie, path: inDataDir ?? home };
}

function writeCookieFile(path: string, cookie: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, cookie, { mode: 0o600, flag: "wx" });
}

function readCookieFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new CookieError(`cookie file ${path} must be accessible by its owner only (mode 0600), it has mode ${mode.toString(8).padStart(4, "0")}`);
  const cookie = readFileSync(path, "utf8").trim();
  if (cookie === "") throw new CookieError(`cookie file ${path} is empty`);
  return cookie;
}
