import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const RAFT_DIRECTORY = "src/raft";

/**
 * The core is pure: no I/O, no clock, no randomness, nothing above it in Warren's layers. Time comes
 * from tick(), randomness from the randomInt option, I/O from the host acting on ready().
 */
test("src/raft imports only itself and src/lib, and touches no clock, timer, randomness or I/O", () => {
  const problems: string[] = [];
  for (const file of readdirSync(RAFT_DIRECTORY).filter((name) => name.endsWith(".ts"))) {
    const source = readFileSync(join(RAFT_DIRECTORY, file), "utf8");
    for (const match of source.matchAll(/from\s+"([^"]+)"/g)) {
      const target = match[1];
      if (!target.startsWith("./") && !target.startsWith("../lib/")) problems.push(`${file} imports ${target}`);
    }
    for (const forbidden of [/\bDate\b/, /Math\.random/, /\bsetTimeout\b/, /\bsetInterval\b/, /\bsetImmediate\b/, /\bprocess\./, /\bperformance\./, /\brequire\(/]) {
      if (forbidden.test(source)) problems.push(`${file} uses ${forbidden.source}`);
    }
  }
  assert.deepEqual(problems, []);
});
