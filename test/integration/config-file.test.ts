/**
 * warren-server with a warren.conf: an error stops start-up with the file, the line and
 * what was expected; a good file's settings are in force (seen through warrenctl environment).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

function server(environment: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(root, "src/node/server-main.ts")], { env: { PATH: process.env.PATH, ...environment }, cwd: root, timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stderr });
    });
  });
}

test("a bad value stops start-up naming the file, the line and what was expected", async () => {
  const directory = mkdtempSync(join(tmpdir(), "warren-conf-"));
  const file = join(directory, "warren.conf");
  writeFileSync(file, "# Warren\nlisteners.tcp.default = 127.0.0.1:5999\nheartbeat = often\n");
  const result = await server({ WARREN_CONFIG_FILE: file, HOME: directory });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, `warren-server: ${file}:3: heartbeat: expected an integer from 0 to 65535, got 'often'\n`);
});

test("an unknown key stops start-up too", async () => {
  const directory = mkdtempSync(join(tmpdir(), "warren-conf-"));
  const file = join(directory, "warren.conf");
  writeFileSync(file, "default_usr = admin\n");
  const result = await server({ WARREN_CONFIG_FILE: file, HOME: directory });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /warren\.conf:1: unknown key 'default_usr' \(did you mean 'default_user'\?\)/);
});
