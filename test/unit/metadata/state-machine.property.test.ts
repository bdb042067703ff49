/**
 * Property tests of the metadata state machine (DESIGN.md §4): for random command sequences,
 * the state replayed from the log, from a snapshot plus the log's tail, and the live state are
 * the same; a refused command changes nothing; the effects, carried out on a model runtime,
 * give the objects the state names.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { apply } from "../../../src/metadata/apply.js";
import { validate } from "../../../src/metadata/validate.js";
import { canonicalJson, durableState, emptyState, type MetadataState } from "../../../src/metadata/state.js";
import { stateToJson } from "../../../src/metadata/snapshot.js";
import { FileCommandLog, MemoryCommandLog } from "../../../src/metadata/command-log.js";
import { recover, replay } from "../../../src/metadata/recovery.js";
import { logMode } from "../../../src/metadata/log-mode.js";
import type { Effect } from "../../../src/metadata/effects.js";
import type { DefinitionCommand } from "../../../src/metadata/commands.js";
import { BOOTSTRAP, commandsArbitrary } from "./commands.arbitrary.js";

const text = (state: MetadataState) => canonicalJson(stateToJson(state));
const meta = { nowMs: 1_700_000_000_000 };

/** Runs commands live: accepted ones go to the log (synced or not, as the node would decide). */
function runLive(commands: readonly DefinitionCommand[], log: MemoryCommandLog | FileCommandLog, snapshotAt = -1): MetadataState {
  const state = emptyState();
  [...BOOTSTRAP, ...commands].forEach((command, index) => {
    const { reply } = apply(state, command, meta);
    if (reply.ok) log.append(command, false);
    if (index === snapshotAt) log.writeSnapshot(stateToJson(state));
  });
  return state;
}

test("replaying the log gives the live state", () => {
  fc.assert(
    fc.property(commandsArbitrary, (commands) => {
      const log = new MemoryCommandLog();
      const live = runLive(commands, log);
      const replayed = replay(log.read());
      assert.deepEqual(replayed.problems, []);
      assert.equal(text(replayed.state), text(live));
    }),
    { numRuns: 300 },
  );
});

test("a snapshot plus the log's tail gives the live state", () => {
  fc.assert(
    fc.property(commandsArbitrary, fc.nat(), (commands, at) => {
      const log = new MemoryCommandLog();
      const live = runLive(commands, log, at % (BOOTSTRAP.length + commands.length));
      assert.equal(text(replay(log.read()).state), text(live));
    }),
    { numRuns: 300 },
  );
});

test("refused commands in the log are refused again and change nothing", () => {
  fc.assert(
    fc.property(commandsArbitrary, (commands) => {
      const state = emptyState();
      const log = new MemoryCommandLog();
      for (const command of [...BOOTSTRAP, ...commands]) {
        apply(state, command, meta);
        log.append(command); // a Raft log holds what was proposed, refused or not
      }
      assert.equal(text(replay(log.read()).state), text(state));
    }),
    { numRuns: 200 },
  );
});

test("validate changes nothing; a refused command changes nothing and has no effects", () => {
  fc.assert(
    fc.property(commandsArbitrary, (commands) => {
      const state = emptyState();
      for (const command of [...BOOTSTRAP, ...commands]) {
        const before = text(state);
        const error = validate(state, command);
        assert.equal(text(state), before);
        const result = apply(state, command, meta);
        assert.equal(result.reply.ok, error === undefined);
        if (!result.reply.ok) {
          assert.equal(result.reply.error.message, error?.message);
          assert.deepEqual(result.effects, []);
          assert.equal(text(state), before);
        }
      }
    }),
    { numRuns: 300 },
  );
});

/** A model of the runtime: the names of what exists, built only from effects. */
function runtimeModel(): { objects: Set<string>; run(effects: readonly Effect[]): void } {
  const objects = new Set<string>();
  return {
    objects,
    run(effects) {
      for (const effect of effects) {
        switch (effect.type) {
          case "vhost.created": objects.add(`v ${effect.vhost}`); break;
          case "vhost.deleted": for (const name of [...objects]) if (name === `v ${effect.vhost}` || name.startsWith(`${effect.vhost}\u0000`)) objects.delete(name); break;
          case "exchange.created": assert.ok(!objects.has(`${effect.vhost}\u0000e ${effect.exchange.name}`)); objects.add(`${effect.vhost}\u0000e ${effect.exchange.name}`); break;
          case "exchange.deleted": assert.ok(objects.delete(`${effect.vhost}\u0000e ${effect.name}`)); break;
          case "queue.created": objects.add(`${effect.vhost}\u0000q ${effect.queue.name}`); break;
          case "queue.deleted": assert.ok(objects.delete(`${effect.vhost}\u0000q ${effect.name}`)); break;
          case "binding.created": objects.add(`${effect.vhost}\u0000b ${canonicalJson(effect.binding)}`); break;
          case "binding.deleted": assert.ok(objects.delete(`${effect.vhost}\u0000b ${canonicalJson(effect.binding)}`)); break;
          default:
        }
      }
    },
  };
}

function namesOf(state: MetadataState): Set<string> {
  const names = new Set<string>();
  for (const vhost of state.vhosts.values()) {
    names.add(`v ${vhost.name}`);
    for (const exchange of vhost.exchanges.values()) if (exchange.name !== "" && !exchange.name.startsWith("amq.")) names.add(`${vhost.name}\u0000e ${exchange.name}`);
    for (const queue of vhost.queues.values()) names.add(`${vhost.name}\u0000q ${queue.name}`);
    for (const binding of vhost.bindings.values()) names.add(`${vhost.name}\u0000b ${canonicalJson(binding)}`);
  }
  return names;
}

test("carrying out the effects builds exactly the objects the state names", () => {
  fc.assert(
    fc.property(commandsArbitrary, (commands) => {
      const state = emptyState();
      const model = runtimeModel();
      for (const command of [...BOOTSTRAP, ...commands]) model.run(apply(state, command, meta).effects);
      assert.deepEqual([...model.objects].sort(), [...namesOf(state)].sort());
    }),
    { numRuns: 300 },
  );
});

test("a real log file replays to the live state, and recovery keeps only what survives a restart", () => {
  const directory = mkdtempSync(join(tmpdir(), "warren-metadata-"));
  try {
    let round = 0;
    fc.assert(
      fc.property(commandsArbitrary, fc.nat(), (commands, at) => {
        const folder = join(directory, String(round++));
        const log = new FileCommandLog(folder, () => undefined);
        const live = runLive(commands, log, at % (BOOTSTRAP.length + commands.length + 5));
        log.close();
        const reopened = new FileCommandLog(folder, () => undefined);
        const stored = reopened.read();
        reopened.close();
        assert.equal(text(replay(stored).state), text(live));
        const recovered = recover(stored);
        assert.equal(recovered.empty, false);
        assert.equal(text(recovered.state), text(durableState(live)));
      }),
      { numRuns: 40 },
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a crash that loses every record written after the last sync recovers what survives a restart, exactly", () => {
  fc.assert(
    fc.property(commandsArbitrary, (commands) => {
      const state = emptyState();
      const written: { command: DefinitionCommand; synced: boolean }[] = [];
      for (const command of [...BOOTSTRAP, ...commands]) {
        if (validate(state, command) !== undefined) continue;
        const mode = logMode(state, command);
        if (mode !== "skip") written.push({ command, synced: mode === "sync" });
        apply(state, command, meta);
      }
      let lastSync = -1;
      written.forEach((record, index) => {
        if (record.synced) lastSync = index;
      });
      const survived = written.slice(0, lastSync + 1).map((record) => record.command);
      const recovered = recover({ snapshot: undefined, commands: survived });
      assert.equal(text(recovered.state), text(durableState(state)));
    }),
    { numRuns: 300 },
  );
});
