/**
 * The committed generated codec must be exactly what the generator produces from
 * the spec (STYLE.md practice 2): a hand edit, or a generator change without
 * `npm run codegen`, fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPOSITORY_ROOT, generateAmqpCodec } from "../../../../scripts/gen-amqp-codec.js";

test("the committed generated files equal the generator's output", () => {
  const files = generateAmqpCodec();
  assert.equal(files.length, 2);
  for (const file of files) {
    const committed = readFileSync(join(REPOSITORY_ROOT, file.path), "utf8");
    assert.ok(committed === file.text, `${file.path} differs from the generator's output: run \`npm run codegen\``);
    assert.match(committed, /^\/\/ GENERATED FILE: do not edit by hand\.\n/);
  }
});
