/**
 * The layering of src/ (DESIGN.md §2, docs/internals/layers.md), read from the code's own imports.
 *
 * Every file under src/ is parsed with the TypeScript compiler (so a comment or a string that
 * looks like an import is not one), and every relative import counts: `import ... from`,
 * `export ... from`, a bare `import "..."`, dynamic `import()`, `import x = require()`, and
 * type-only imports (`import type`, `typeof import("...")`): a type-only cycle is still a tangle a
 * reader has to hold in their head, and a type reaching up a layer still couples the layers.
 * The test fails on
 *  (a) an import that goes up the layer order below, or from a folder that the order does not name,
 *  (b) a value import of io/ from outside the composition root (only node/ and the entry points
 *      construct io/; everyone else receives it and may import only its types),
 *  (c) a cycle between files, or between top-level folders,
 *  (d) a file outside io/ that imports node:fs or reads the clock or arms a timer itself (Date.now(),
 *      performance.now(), setTimeout, setInterval, new Date()) and is not one of the entry-point
 *      files on OUTSIDE_IO, each with its reason,
 * unless the violation is on ALLOWED_VIOLATIONS, which must only shrink: an entry that no longer
 * occurs fails the test too, so whoever removes a violation removes its entry.
 * It reads nothing outside the repository's src/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/**
 * The layers, top to bottom. A file may import from its own folder, from a folder in its own row
 * (the folder-cycle check keeps such imports one-directional), and from any row below its own.
 * A top-level file (index.ts, version.ts) is a unit of its own, placed like a folder.
 */
const LAYERS: readonly (readonly string[])[] = [
  // The entry points: the package's embedding API (startBroker) and the command line (warren-server
  // starts a node; warrenctl speaks the node's control protocol). Nothing in src/ imports them.
  ["index.ts", "cli"],
  // The composition root: builds io/, wires the layers, runs the control port.
  ["node"],
  // Wire protocols and the management API: translate the outside world into broker calls.
  ["protocol", "mgmt"],
  ["broker"],
  ["queue"],
  ["metadata"],
  ["raft"],
  ["cluster"],
  ["store", "wal"],
  ["message"],
  // Primitives with no dependencies but each other; version.ts is the package's version string.
  ["auth", "config", "errors", "lib", "version.ts"],
  // Clock, timers, randomness, files: interfaces plus the real implementations node/ constructs.
  ["io"],
];

/** Units allowed to import io/'s values (its real implementations); everyone else imports its types only. */
const IO_CONSTRUCTORS: ReadonlySet<string> = new Set(["index.ts", "cli", "node", "io"]);

/**
 * Violations that remain on main, each with the work that removes it. This list only shrinks:
 * an entry that no longer occurs fails the test, so delete it in the change that fixes it.
 * Forms: "up: FROM -> TO" (an upward import), "io: FROM -> TO" (a value import of io/ outside the
 * composition root), "file cycle: A -> B -> ..." (members sorted), "folder cycle: A <-> B" (sorted).
 */
const ALLOWED_VIOLATIONS: readonly string[] = [
  // The MQTT logs (retained, QoS 2 ids) are on src/wal/ and the MQTT context hands them the node's
  // disk; these defaults remain for callers that give none (the stores' own tests), until their owners drop them.
  "io: protocol/mqtt/log-files.ts -> io/file-rename.ts",
  "io: protocol/mqtt/log-files.ts -> io/file-system.ts",
  // Raft's message handlers take the RaftNode they act on (a type-only import back into the file
  // that calls them); the Raft work breaks it with an interface of its own below raft-node.ts.
  "file cycle: raft/election.ts -> raft/raft-node.ts -> raft/read-index.ts -> raft/replication.ts",
  // The metadata log and the QoS 2 id log still reach the disk and the clock themselves; they move
  // onto src/wal/ with the node's io (the metadata state machine and durable-log work).
  "fs: metadata/command-log.ts",
  "time: protocol/mqtt/inbound-qos2-store.ts",
];

/**
 * Files outside io/ that may touch the disk or the clock themselves, each for a reason that does
 * not go away: they run before a node (and its io) exists, or in a process that is not a node.
 * "fs: FILE" imports node:fs; "time: FILE" calls Date.now(), performance.now(), setTimeout,
 * setInterval or new Date() without an argument.
 */
const OUTSIDE_IO: readonly string[] = [
  // warrenctl is a client process of its own: its definitions files, its request timeout.
  "fs: cli/commands/runtime.ts",
  "time: node/control-client.ts",
  // Configuration and the cookie are read at start-up to decide how the node is built.
  "fs: config/config.ts",
  "fs: config/warren-conf.ts",
  // The certificate, key and CA files that ssl_options.* name are configuration too: read and
  // checked at start-up, before io/ exists. (Reloading them on change will go through io/.)
  "fs: config/tls-context.ts",
  "fs: node/cookie.ts",
  // The process's own file descriptors (/proc/self), reported by /api/nodes: the real process, not storage.
  "fs: mgmt/process-resources.ts",
  // warren-server's process entry point: the pid file and the -detached start-up wait.
  "fs: node/server-main.ts",
  "time: node/server-main.ts",
];

interface Import {
  readonly from: string; // path relative to src/, with "/" separators
  readonly to: string;
  readonly typeOnly: boolean;
}

const FILE_MODULES: ReadonlySet<string> = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises"]);
const TIMER_FUNCTIONS: ReadonlySet<string> = new Set(["setTimeout", "setInterval"]);

/** "fs: FILE" or "time: FILE" when a file reaches the disk or the clock without io/ (see OUTSIDE_IO). */
function directIo(node: ts.Node, file: string): string | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier) && FILE_MODULES.has(node.moduleSpecifier.text)) return `fs: ${file}`;
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    if (ts.isIdentifier(callee) && TIMER_FUNCTIONS.has(callee.text)) return `time: ${file}`;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "now" && ts.isIdentifier(callee.expression) && ["Date", "performance"].includes(callee.expression.text)) return `time: ${file}`;
    if (ts.isPropertyAccessExpression(callee) && TIMER_FUNCTIONS.has(callee.name.text) && ts.isIdentifier(callee.expression) && ["globalThis", "global"].includes(callee.expression.text)) return `time: ${file}`;
  }
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "Date" && (node.arguments === undefined || node.arguments.length === 0)) return `time: ${file}`;
  return undefined;
}

function listSourceFiles(directory: string, out: string[] = []): string[] {
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) listSourceFiles(path, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function toUnixRelative(path: string): string {
  return relative(SRC, path).split(sep).join("/");
}

function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|mjs|cjs|ts)$/, "");
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(stem, "index.ts"), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import "x"` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  if (bindings === undefined || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly);
}

/** Every relative import of one file, with unresolvable ones reported rather than skipped. */
function readImports(file: string, unresolved: string[], direct: Set<string>): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    if (!specifier.startsWith(".")) return; // node: built-ins and packages are not layers
    const target = resolveSpecifier(file, specifier);
    if (target === undefined) {
      unresolved.push(`${toUnixRelative(file)}: ${specifier}`);
      return;
    }
    if (target !== file) found.push({ from: toUnixRelative(file), to: toUnixRelative(target), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    const reached = toUnixRelative(file).startsWith("io/") ? undefined : directIo(node, toUnixRelative(file));
    if (reached !== undefined) direct.add(reached);
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) add(argument.text, false);
      else unresolved.push(`${toUnixRelative(file)}: import() of a computed path (the layers cannot be checked)`);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The top-level folder of a file, or the file itself when it sits directly in src/. */
function unitOf(path: string): string {
  const slash = path.indexOf("/");
  return slash === -1 ? path : path.slice(0, slash);
}

/** Strongly connected components with more than one member (Tarjan's algorithm, iterative). */
function cycles(nodes: readonly string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; targets: string[]; position: number }[] = [];
    const open = (node: string): void => {
      index.set(node, next);
      low.set(node, next);
      next += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: [...(edges.get(node) ?? [])], position: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.position < frame.targets.length) {
        const target = frame.targets[frame.position++];
        if (!index.has(target)) open(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) found.push(component.sort());
      }
    }
  }
  return found;
}

interface Analysis {
  readonly files: readonly string[];
  readonly imports: readonly Import[];
  readonly violations: readonly string[];
  readonly unresolved: readonly string[];
  /** Every file outside io/ that reaches the disk or the clock itself, allowed or not. */
  readonly direct: ReadonlySet<string>;
}

let analysis: Analysis | undefined;

/** Reads src/ once and returns every violation of the rules above, allowed or not. */
function analyse(): Analysis {
  analysis ??= readSource(LAYERS);
  return analysis;
}

function readSource(layers: readonly (readonly string[])[]): Analysis {
  const files = listSourceFiles(SRC);
  const unresolved: string[] = [];
  const direct = new Set<string>();
  const imports = files.flatMap((file) => readImports(file, unresolved, direct));
  const rowOf = new Map<string, number>();
  layers.forEach((row, position) => row.forEach((unit) => rowOf.set(unit, position)));
  const violations: string[] = [];

  for (const unit of new Set(files.map((file) => unitOf(toUnixRelative(file))))) {
    if (!rowOf.has(unit)) violations.push(`unplaced: ${unit} (add it to LAYERS in test/unit/layers.test.ts)`);
  }
  const seen = new Set<string>();
  for (const { from, to, typeOnly } of imports) {
    const fromUnit = unitOf(from);
    const toUnit = unitOf(to);
    if (fromUnit === toUnit) continue;
    const fromRow = rowOf.get(fromUnit);
    const toRow = rowOf.get(toUnit);
    if (fromRow !== undefined && toRow !== undefined && toRow < fromRow) violations.push(`up: ${from} -> ${to}`);
    if (toUnit === "io" && !typeOnly && !IO_CONSTRUCTORS.has(fromUnit)) violations.push(`io: ${from} -> ${to}`);
    seen.add(`${fromUnit}\0${toUnit}`);
  }

  const fileEdges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!fileEdges.has(from)) fileEdges.set(from, new Set());
    fileEdges.get(from)!.add(to);
  }
  for (const component of cycles(files.map(toUnixRelative), fileEdges)) violations.push(`file cycle: ${component.join(" -> ")}`);

  const folderEdges = new Map<string, Set<string>>();
  for (const pair of seen) {
    const [fromUnit, toUnit] = pair.split("\0");
    if (!folderEdges.has(fromUnit)) folderEdges.set(fromUnit, new Set());
    folderEdges.get(fromUnit)!.add(toUnit);
  }
  for (const component of cycles([...folderEdges.keys()].sort(), folderEdges)) violations.push(`folder cycle: ${component.join(" <-> ")}`);

  const outsideIo = new Set(OUTSIDE_IO);
  for (const reached of direct) if (!outsideIo.has(reached)) violations.push(reached);

  return { files, imports, violations: [...new Set(violations)].sort(), unresolved, direct };
}

test("every relative import under src/ resolves to a file, so none escapes the check", () => {
  const { files, imports, unresolved } = analyse();
  assert.ok(files.length > 50 && imports.length > 100, `read ${files.length} files and ${imports.length} imports: is SRC right?`);
  assert.deepEqual(unresolved, []);
});

test("imports go only down the layers, io/ is constructed only by the composition root, and nothing imports in a cycle", () => {
  const { violations } = analyse();
  const allowed = new Set(ALLOWED_VIOLATIONS);
  const fresh = violations.filter((violation) => !allowed.has(violation));
  assert.deepEqual(fresh, [], "new layering violations (see docs/internals/layers.md for the order and how to fix one)");
});

test("the allow-list only shrinks: every allowed violation still occurs", () => {
  const { violations } = analyse();
  const present = new Set(violations);
  const fixed = ALLOWED_VIOLATIONS.filter((violation) => !present.has(violation));
  assert.deepEqual(fixed, [], "these violations are gone: delete their entries from ALLOWED_VIOLATIONS");
  assert.equal(new Set(ALLOWED_VIOLATIONS).size, ALLOWED_VIOLATIONS.length, "an entry is listed twice");
  const { direct } = analyse();
  assert.deepEqual(OUTSIDE_IO.filter((entry) => !direct.has(entry)), [], "these files no longer reach the disk or clock themselves: delete their OUTSIDE_IO entries");
});
