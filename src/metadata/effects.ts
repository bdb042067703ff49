/**
 * Effects: what the runtime must do after a command is applied, as data. The state machine
 * decides them; the broker carries them out (builds and tears down vhost objects, exchanges,
 * queue processes and their store files, closes connections). Each effect names what it
 * concerns; the runtime finds the record in the new state when it needs more.
 *
 * Effects are explicit and complete: a queue deletion lists every binding it removes and every
 * auto-delete exchange that goes with them, so the runtime never decides a cascade itself and
 * cannot drift from the state.
 */
import type { BindingRecord, ExchangeRecord, QueueRecord } from "./state.js";

export type Effect =
  | { type: "vhost.created"; vhost: string }
  /** Close the vhost's connections, delete its queues (and their stores), forget the vhost. */
  | { type: "vhost.deleted"; vhost: string }
  | { type: "exchange.created"; vhost: string; exchange: ExchangeRecord }
  | { type: "exchange.deleted"; vhost: string; name: string }
  | { type: "queue.created"; vhost: string; queue: QueueRecord }
  | { type: "queue.deleted"; vhost: string; name: string }
  | { type: "binding.created"; vhost: string; binding: BindingRecord }
  | { type: "binding.deleted"; vhost: string; binding: BindingRecord }
  /** A user was added or changed (password, tags, limits, permissions): mirror it. */
  | { type: "user.changed"; user: string }
  | { type: "user.deleted"; user: string }
  /** A policy changed: every queue and exchange of the vhost takes the settings now in force. */
  | { type: "policies.changed"; vhost: string };

export type EffectType = Effect["type"];
