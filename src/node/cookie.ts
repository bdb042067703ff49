/**
 * The cookie: the shared secret that lets warrenctl (and later other nodes) talk to a node.
 * Taken from WARREN_COOKIE (or RABBITMQ_ERLANG_COOKIE), else from a cookie file: under the
 * data directory when there is one, else ~/.warren.cookie. The node creates the file with
 * mode 0600 on first start; a file others can read is refused, as Erlang refuses one.
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

export function cookieFilePath(environment: NodeJS.ProcessEnv, dataDir: string | undefined): string {
  const directory = dataDir ?? environment.WARREN_DATA_DIR ?? environment.RABBITMQ_MNESIA_BASE;
  return directory !== undefined && directory !== "" ? join(directory, COOKIE_FILE_NAME) : join(environment.HOME ?? homedir(), COOKIE_FILE_NAME);
}

/** The cookie from the environment, else read from (or, with `create`, written to) the cookie file. */
export function resolveCookie(environment: NodeJS.ProcessEnv, dataDir: string | undefined, create = true): { cookie: string; path: string | undefined } {
  const fromEnvironment = environment.WARREN_COOKIE ?? environment.RABBITMQ_ERLANG_COOKIE;
  if (fromEnvironment !== undefined && fromEnvironment !== "") return { cookie: fromEnvironment, path: undefined };
  const path = cookieFilePath(environment, dataDir);
  if (existsSync(path)) return { cookie: readCookieFile(path), path };
  if (!create) throw new CookieError(`no cookie: set WARREN_COOKIE or create ${path} (mode 0600) with the node's cookie`);
  // Upper-case letters like Erlang's generated cookies: easy to copy between machines.
  const cookie = Array.from({ length: COOKIE_LENGTH }, () => String.fromCharCode(65 + randomInt(26))).join("");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, cookie, { mode: 0o600, flag: "wx" });
  return { cookie, path };
}

function readCookieFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new CookieError(`cookie file ${path} must be accessible by its owner only (mode 0600), it has mode ${mode.toString(8).padStart(4, "0")}`);
  const cookie = readFileSync(path, "utf8").trim();
  if (cookie === "") throw new CookieError(`cookie file ${path} is empty`);
  return cookie;
}
