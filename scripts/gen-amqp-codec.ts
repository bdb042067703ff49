/**
 * Generates the AMQP 0-9-1 codec from RabbitMQ's JSON spec (STYLE.md practice 2,
 * after RabbitMQ's codegen.py):
 *   src/protocol/amqp091/methods.generated.ts   methods: types, decoders, encoders
 *   src/message/properties.generated.ts  basic content header properties
 *
 * Run with `npm run codegen` (node --import tsx scripts/gen-amqp-codec.ts [spec.json]).
 * The spec is read from spec/amqp-rabbitmq-0.9.1.json in the repository (it carries
 * its own MIT notice) unless a path is given. The output is committed; a unit test runs
 * generateAmqpCodec() in memory and fails when the committed files differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildModel, type AmqpSpec } from "./amqp-codegen/spec-model.js";
import { emitMethods } from "./amqp-codegen/emit-methods.js";
import { emitProperties } from "./amqp-codegen/emit-properties.js";

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_SPEC_PATH = resolve(REPOSITORY_ROOT, "spec", "amqp-rabbitmq-0.9.1.json");

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

export function loadSpec(specPath = DEFAULT_SPEC_PATH): AmqpSpec {
  return JSON.parse(readFileSync(specPath, "utf8")) as AmqpSpec;
}

/** The generated files' text, without writing anything. */
export function generateAmqpCodec(spec: AmqpSpec = loadSpec()): GeneratedFile[] {
  const model = buildModel(spec);
  return [
    { path: "src/protocol/amqp091/methods.generated.ts", text: emitMethods(model) },
    { path: "src/message/properties.generated.ts", text: emitProperties(model) },
  ];
}

function main(): void {
  const specPath = process.argv[2] === undefined ? DEFAULT_SPEC_PATH : resolve(process.argv[2]);
  for (const file of generateAmqpCodec(loadSpec(specPath))) {
    writeFileSync(join(REPOSITORY_ROOT, file.path), file.text);
    console.log(`wrote ${file.path} (${file.text.split("\n").length} lines)`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
