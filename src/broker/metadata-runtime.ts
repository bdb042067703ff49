/**
 * The broker's side of the metadata state machine: it holds the state, proposes commands
 * (validate, log, apply) and carries out their effects on the live objects — vhosts, users,
 * policies and connections here, exchanges, queues and bindings in each Vhost. It is the only
 * place the runtime changes definitions; every writer goes through `propose`.
 */
import { METADATA_LOG_COMMANDS_MAX } from "../config/limits.js";
import type { UserStore } from "../auth/users.js";
import { apply } from "../metadata/apply.js";
import type { CommandLog } from "../metadata/command-log.js";
import type { DefinitionCommand } from "../metadata/commands.js";
import type { Effect } from "../metadata/effects.js";
import { logMode } from "../metadata/log-mode.js";
import { stateToJson } from "../metadata/snapshot.js";
import { emptyState, isPredeclaredExchange, type MetadataState } from "../metadata/state.js";
import { validate } from "../metadata/validate.js";
import type { MetadataProposer, ProposeExtras } from "./metadata-proposer.js";
import type { Vhost } from "./vhost.js";

/** What the runtime acts on: the broker's live objects. */
export interface MetadataHost {
  readonly vhosts: Map<string, Vhost>;
  readonly users: UserStore;
  /** Builds a vhost's live object (its predeclared exchanges included); it proposes to this runtime. */
  createVhost(name: string): Vhost;
  /** Closes the connections the predicate picks, as an operator would (connection.close 320). */
  closeConnections(pick: (info: { user: string | undefined; vhost: string | undefined }) => boolean, reason: string): void;
  nowMs(): number;
}

export class BrokerMetadata implements MetadataProposer {
  private stateValue: MetadataState = emptyState();
  private log: CommandLog | undefined;
  private readonly host: MetadataHost;
  readonly commandListeners = new Set<(command: DefinitionCommand) => void>();
  readonly policyListeners = new Set<(vhost: string) => void>();

  constructor(host: MetadataHost) {
    this.host = host;
  }

  /** The committed state. Read it; only `propose` changes it. */
  get state(): MetadataState {
    return this.stateValue;
  }

  /**
   * Validates, logs, applies and carries out one command; throws RabbitMQ's error when it is
   * refused, having changed nothing.
   */
  propose(command: DefinitionCommand, extras?: ProposeExtras): void {
    const error = validate(this.stateValue, command);
    if (error !== undefined) throw error;
    const mode = logMode(this.stateValue, command);
    if (this.log !== undefined && mode !== "skip") this.log.append(command, mode === "sync");
    const { reply, effects } = apply(this.stateValue, command, { nowMs: this.host.nowMs() });
    // validate() just accepted it on this very state; apply() would only refuse what validate() refuses.
    if (!reply.ok) throw reply.error;
    this.carryOut(effects, extras);
    for (const listener of this.commandListeners) listener(command);
    if (this.log !== undefined && this.log.commandCount >= METADATA_LOG_COMMANDS_MAX) this.snapshot();
  }

  /** From now on committed commands go to `log` (persistence attaches it after recovery). */
  attachLog(log: CommandLog | undefined): void {
    this.log = log;
  }

  /** Writes the whole state as a snapshot and empties the log. */
  snapshot(): void {
    this.log?.writeSnapshot(stateToJson(this.stateValue));
  }

  /**
   * Replaces the state with a recovered one: the live objects built for the old state go (at
   * start they are only the default vhost and user), and those of the new one are built.
   */
  replaceState(state: MetadataState): void {
    for (const name of [...this.host.vhosts.keys()]) this.carryOut([{ type: "vhost.deleted", vhost: name }], undefined);
    for (const user of [...this.host.users.all()]) this.host.users.delete(user.name);
    this.stateValue = state;
    const effects: Effect[] = [];
    for (const vhost of state.vhosts.values()) {
      effects.push({ type: "vhost.created", vhost: vhost.name });
      for (const exchange of vhost.exchanges.values()) if (!isPredeclaredExchange(exchange.name)) effects.push({ type: "exchange.created", vhost: vhost.name, exchange });
      for (const queue of vhost.queues.values()) effects.push({ type: "queue.created", vhost: vhost.name, queue });
      for (const binding of vhost.bindings.values()) effects.push({ type: "binding.created", vhost: vhost.name, binding });
      effects.push({ type: "policies.changed", vhost: vhost.name });
    }
    for (const user of state.users.values()) effects.push({ type: "user.changed", user: user.name });
    this.carryOut(effects, undefined);
  }

  private carryOut(effects: readonly Effect[], extras: ProposeExtras | undefined): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "vhost.created":
          if (!this.host.vhosts.has(effect.vhost)) this.host.vhosts.set(effect.vhost, this.host.createVhost(effect.vhost));
          break;
        case "vhost.deleted":
          this.deleteVhost(effect.vhost);
          break;
        case "user.changed":
          this.mirrorUser(effect.user);
          break;
        case "user.deleted":
          this.host.users.delete(effect.user);
          // A deleted user's connections are closed (320 "user 'u' is deleted"), as RabbitMQ 3.10.8 does; a
          // changed password or permission leaves them open, and a changed permission applies from their next operation.
          this.host.closeConnections((info) => info.user === effect.user, `user '${effect.user}' is deleted`);
          break;
        case "policies.changed":
          this.host.vhosts.get(effect.vhost)?.reapplyPolicies();
          for (const listener of this.policyListeners) listener(effect.vhost);
          break;
        default:
          this.host.vhosts.get(effect.vhost)?.carryOut([effect], extras);
      }
    }
  }

  /** Closes the vhost's connections and deletes its queues (and their stores), as RabbitMQ does. */
  private deleteVhost(name: string): void {
    const vhost = this.host.vhosts.get(name);
    if (vhost === undefined) return;
    this.host.closeConnections((info) => info.vhost === name, `vhost '${name}' is deleted`);
    vhost.carryOut([...vhost.queues.keys()].map((queue) => ({ type: "queue.deleted", vhost: name, name: queue })), undefined);
    this.host.vhosts.delete(name);
  }

  /** The live user (held by its connections) takes the record's password, tags, limits and permissions in place. */
  private mirrorUser(name: string): void {
    const record = this.stateValue.users.get(name);
    if (record === undefined) return;
    const user = this.host.users.addWithHash(name, record.passwordHash, record.hashingAlgorithm, record.tags);
    user.limits = { ...record.limits };
    user.permissions.clear();
    for (const [vhost, permission] of record.permissions) user.permissions.set(vhost, { ...permission });
    user.topicPermissions.clear();
    for (const [vhost, byExchange] of record.topicPermissions) {
      user.topicPermissions.set(vhost, new Map([...byExchange].map(([exchange, permission]) => [exchange, { ...permission }])));
    }
  }
}
