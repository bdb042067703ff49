/**
 * How the runtime proposes a metadata command (DESIGN.md §4): every writer calls `propose`,
 * and acts on what exists afterwards. `propose` throws RabbitMQ's error when the command is
 * refused, and has changed nothing then.
 *
 * On one node the commit is synchronous: the command is appended to the local log (fdatasynced
 * when it changes what survives a restart) and applied before `propose` returns, so the AMQP
 * channel answers a declare in the same turn, as before, and its methods stay in order with no
 * extra machinery. A transient object (an exclusive or non-durable queue, a binding to one) is
 * applied without waiting for a sync: it cannot outlive a restart, so no crash can make a client
 * believe in something that is gone. With Raft the commit becomes asynchronous; the channel will
 * then hold its next methods while a metadata command of its own is in flight.
 */
import type { FieldTable } from "../message/field-table.js";
import type { DefinitionCommand } from "../metadata/commands.js";
import type { Effect } from "../metadata/effects.js";
import { apply } from "../metadata/apply.js";
import { newVhostRecord, emptyState } from "../metadata/state.js";

/** What the local runtime keeps beside a command and never logs: live objects and the wire-typed arguments. */
export interface ProposeExtras {
  /** The connection that owns an exclusive queue being declared. */
  readonly owner?: object;
  /** The arguments as the client sent them (the command holds their JSON form). */
  readonly arguments?: FieldTable;
}

export interface MetadataProposer {
  propose(command: DefinitionCommand, extras?: ProposeExtras): void;
}

const ownerIds = new WeakMap<object, string>();
let nextOwnerId = 1;

/** A stable id for the connection that owns exclusive queues: the state names owners, it does not hold them. */
export function ownerId(owner: object): string {
  let id = ownerIds.get(owner);
  if (id === undefined) ownerIds.set(owner, (id = `owner-${nextOwnerId++}`));
  return id;
}

/** A proposer over a state of its own holding one vhost: for a Vhost used alone (unit tests), with no log. */
export function standaloneProposer(vhost: string, carryOut: (effects: readonly Effect[], extras: ProposeExtras | undefined) => void): MetadataProposer {
  const state = emptyState();
  state.vhosts.set(vhost, newVhostRecord(vhost));
  return {
    propose(command, extras) {
      const { reply, effects } = apply(state, command, { nowMs: 0 });
      if (!reply.ok) throw reply.error;
      carryOut(effects, extras);
    },
  };
}
