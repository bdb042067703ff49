/**
 * A virtual host: its exchanges, queues and bindings, and routing across them.
 * Every check here reports RabbitMQ's reply code and text, so clients that
 * match on them keep working.
 */
import { Counters, NodeEventCounters } from "../lib/counters.js";
import { fail, BrokerError } from "../errors/registry.js";
import { EMPTY_TABLE, type FieldTable } from "../message/field-table.js";
import { Exchange, DefaultExchangeRouting, type ExchangeDeclaration } from "./exchange.js";
import { createExchangeType, isKnownExchangeType } from "./exchange/index.js";
import type { Binding, BindingDestination, RoutingInput } from "./exchange/exchange-type.js";
import { RoutingTargets } from "./exchange/routing-targets.js";
import { findQueueType, queueTypeFor } from "../queue/registry.js";
import type { DeadLetterReason, QueueContext, QueueHandle, QueueStorage } from "../queue/queue-type.js";
import { Errors } from "../errors/registry.js";
import { checkExchangeArguments, checkExchangeArgumentsEquivalent, checkQueueArgumentsEquivalent, parseQueueArguments, queueTypeArgument } from "../queue/queue-arguments.js";
import { deadLetteredMessage, isAutomaticDeathCycle } from "../queue/dead-letter.js";
import type { Message } from "../message/message.js";
import { tableFromJs, tableToJs } from "../message/field-table.js";
import type { Effect } from "../metadata/effects.js";
import { canonicalJson, type BindingRecord, type ExchangeRecord, type QueueRecord } from "../metadata/state.js";
import { ownerId, standaloneProposer, type MetadataProposer, type ProposeExtras } from "./metadata-proposer.js";
import { Publisher } from "./publish.js";
import type { Clock } from "../io/time.js";

/** Where routing puts the queues it finds: a Set, or a RoutingTargets reused per message. */
export interface QueueSink {
  add(queue: QueueHandle): unknown;
}

export type { QueueStorage } from "../queue/queue-type.js";

/** Direct reply-to (RabbitMQ's amq.rabbitmq.reply-to): replies route to the requesting channel's pseudo-queue. */
export const REPLY_TO_QUEUE = "amq.rabbitmq.reply-to";
const REPLY_TO_PREFIX = "amq.rabbitmq.reply-to.";

/** Whether a queue comes back after a restart: its type decides (a classic queue: durable and not exclusive). */
function isRecoverable(queue: QueueHandle): boolean {
  return findQueueType(queue.typeName)?.isRecoverable(queue) ?? false;
}

/** The exchanges every vhost has, as RabbitMQ predeclares them. */
const PREDECLARED: readonly [string, string][] = [
  ["amq.direct", "direct"],
  ["amq.fanout", "fanout"],
  ["amq.topic", "topic"],
  ["amq.headers", "headers"],
  ["amq.match", "headers"],
];

/** The definition of the policy in force for a queue or an exchange (operator policy merged in). */
export type PolicyLookup = (kind: "queue" | "exchange", name: string) => Readonly<Record<string, unknown>>;

const NO_POLICIES: PolicyLookup = () => ({});

export interface QueueOptions {
  durable: boolean;
  exclusiveOwner: object | undefined;
  autoDelete: boolean;
  arguments: FieldTable;
}

export class Vhost {
  readonly name: string;
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, QueueHandle>();
  /** The queues whose tick() has something to do (message TTLs, x-expires): the clock visits only these. */
  private readonly ticking = new Set<QueueHandle>();
  readonly stats: Counters;
  /** The node's event counters (the broker hands its own in when it adds the vhost): deletions are counted here. */
  events = new NodeEventCounters();
  /** The node's clock (the broker's): queue TTLs, x-expires and dead-lettering timestamps read it. */
  private readonly clock: Clock;
  /** For each destination, the exchanges that have a binding to it. */
  private readonly sources = new Map<BindingDestination, Set<Exchange>>();
  /** Reused by route(): routing is synchronous, so one scratch list per vhost suffices. */
  private readonly scratch = new RoutingTargets();
  /** Reused by routeOne() for an exchange with an alternate exchange. */
  private readonly alternateScratch = new RoutingTargets();
  /** Direct reply-to pseudo-queues by their full name (amq.rabbitmq.reply-to.<key>). */
  readonly replyQueues = new Map<string, QueueHandle>();
  /** Dead-lettered messages go through the broker's publish path with this (not counted as publishes). */
  private readonly deadLetterPublisher = new Publisher();
  /** Dead-letter cycles already logged, so each is logged once. */
  private readonly loggedCycles = new Set<string>();
  private readonly log: (message: string) => void;
  private readonly policyFor: PolicyLookup;
  /** Where durable queues keep persistent messages; undefined: in memory only. */
  storage: QueueStorage | undefined;
  /** Where long queues page transient messages out to; undefined: they stay in memory. */
  spill: QueueContext["spill"];
  /**
   * Where declares, deletes and bindings are proposed (the broker's metadata); the objects are
   * built and torn down by `carryOut` when the effects come back. Alone (unit tests), a vhost
   * proposes to a state machine of its own.
   */
  proposer: MetadataProposer;
  /** The ready messages of the queue the last queue.deleted effect removed (deleteQueue answers with it). */
  private deletedMessageCount = 0;

  constructor(name: string, clock: Clock, log: (message: string) => void = () => undefined, policyFor: PolicyLookup = NO_POLICIES) {
    this.name = name;
    this.clock = clock;
    this.stats = new Counters(clock.nowMs());
    this.log = log;
    this.policyFor = policyFor;
    this.proposer = standaloneProposer(name, (effects, extras) => this.carryOut(effects, extras));
    const defaultExchange = new Exchange(
      { name: "", typeName: "direct", durable: true, autoDelete: false, internal: false, arguments: EMPTY_TABLE },
      new DefaultExchangeRouting((queueName) => this.queues.get(queueName) ?? (queueName.startsWith(REPLY_TO_PREFIX) ? this.replyQueues.get(queueName) : undefined)),
      clock.nowMs(),
    );
    this.exchanges.set("", defaultExchange);
    for (const [name, typeName] of PREDECLARED) {
      this.addExchange({ name, typeName, durable: true, autoDelete: false, internal: false, arguments: EMPTY_TABLE });
    }
  }

  // ---- exchanges -------------------------------------------------------------------------

  exchange(name: string): Exchange {
    const exchange = this.exchanges.get(name);
    if (exchange === undefined) throw fail.notFound(`no exchange '${name}' in vhost '${this.name}'`);
    return exchange;
  }

  /** exchange.declare: creates the exchange, or checks that the existing one is equivalent. */
  declareExchange(declaration: ExchangeDeclaration, passive: boolean): Exchange {
    const existing = this.exchanges.get(declaration.name);
    if (passive) {
      if (existing === undefined) throw fail.notFound(`no exchange '${declaration.name}' in vhost '${this.name}'`);
      return existing;
    }
    if (declaration.name.startsWith("amq.") && existing === undefined) {
      throw fail.accessRefused(`exchange name '${declaration.name}' contains reserved prefix 'amq.*'`);
    }
    if (!isKnownExchangeType(declaration.typeName)) {
      throw new BrokerError(Errors.COMMAND_INVALID, `unknown exchange type '${declaration.typeName}'`);
    }
    checkExchangeArguments(declaration.name, this.name, declaration.arguments);
    if (existing !== undefined) {
      this.checkExchangeEquivalent(existing, declaration);
      checkExchangeArgumentsEquivalent(existing.name, this.name, existing.arguments, declaration.arguments);
      return existing;
    }
    this.proposer.propose(
      {
        type: "exchange.declare", vhost: this.name, name: declaration.name, exchangeType: declaration.typeName, durable: declaration.durable,
        autoDelete: declaration.autoDelete, internal: declaration.internal, arguments: tableToJs(declaration.arguments),
      },
      { arguments: declaration.arguments },
    );
    return this.exchange(declaration.name);
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === "") throw fail.accessRefused("operation not permitted on the default exchange");
    if (name.startsWith("amq.")) throw fail.accessRefused(`exchange '${name}' in vhost '${this.name}' is reserved`);
    const exchange = this.exchanges.get(name);
    if (exchange === undefined) return; // RabbitMQ 3.x: deleting a missing exchange succeeds
    // Only bindings this exchange routes through count: being another exchange's destination is not use (RabbitMQ 3.10.8, checked).
    if (ifUnused && exchange.routing.bindingCount > 0) {
      throw fail.preconditionFailed(`exchange '${name}' in vhost '${this.name}' in use`);
    }
    this.proposer.propose({ type: "exchange.delete", vhost: this.name, name, ifUnused });
  }

  // ---- queues ----------------------------------------------------------------------------

  queue(name: string): QueueHandle {
    const queue = this.queues.get(name);
    if (queue === undefined) throw fail.notFound(`no queue '${name}' in vhost '${this.name}'`);
    return queue;
  }

  /** Checks exclusive ownership: another connection's exclusive queue is locked (405). */
  checkQueueAccess(queue: QueueHandle, connection: object): void {
    if (queue.exclusiveOwner !== undefined && queue.exclusiveOwner !== connection) throw this.queueLocked(queue);
  }

  private queueLocked(queue: QueueHandle): BrokerError {
    return fail.resourceLocked(
      `cannot obtain exclusive access to locked queue '${queue.name}' in vhost '${this.name}'. ` +
        "It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
    );
  }

  declareQueue(name: string, options: QueueOptions, connection: object): { queue: QueueHandle; created: boolean } {
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      this.checkQueueAccess(existing, connection);
      // RabbitMQ's strict check: the exclusive flag must match too, or the queue is locked (405, not 406; 3.10.8 checked).
      if (existing.exclusiveOwner !== options.exclusiveOwner) throw this.queueLocked(existing);
      this.checkQueueEquivalent(existing, options);
      existing.touch(this.clock.nowMs());
      return { queue: existing, created: false };
    }
    // The arguments' types are checked before proposing: a refused declare changes nothing.
    parseQueueArguments(name, this.name, options.arguments);
    const owner = options.exclusiveOwner;
    this.proposer.propose(
      {
        type: "queue.declare", vhost: this.name, name, durable: options.durable, autoDelete: options.autoDelete, arguments: tableToJs(options.arguments),
        ...(owner === undefined ? {} : { exclusiveOwner: ownerId(owner) }),
      },
      { owner, arguments: options.arguments },
    );
    return { queue: this.queue(name), created: true };
  }

  /** A direct reply-to pseudo-queue for one channel: not listed, routed to by its name only. */
  createReplyQueue(key: string, owner: object): QueueHandle {
    const name = REPLY_TO_PREFIX + key;
    const queue = this.createQueue(name, { durable: false, autoDelete: false, exclusiveOwner: owner, arguments: EMPTY_TABLE }, undefined);
    this.replyQueues.set(name, queue);
    return queue;
  }

  deleteReplyQueue(queue: QueueHandle): void {
    if (this.replyQueues.get(queue.name) === queue) this.replyQueues.delete(queue.name);
    queue.delete();
  }

  /** Through the queue-type registry: the vhost never names a concrete queue type. */
  private createQueue(name: string, options: QueueOptions, typeName: string | undefined): QueueHandle {
    const declaration = { name, vhost: this.name, durable: options.durable, autoDelete: options.autoDelete, exclusiveOwner: options.exclusiveOwner, arguments: options.arguments };
    return queueTypeFor(typeName).declare(declaration, this.queueContext(name));
  }

  /** What a queue needs from this vhost; storage and spill are read when used (persistence attaches them later). */
  private queueContext(name: string): QueueContext {
    const vhost = this;
    return {
      onUnused: (unused) => this.deleteQueue(unused),
      onExpired: (expired) => this.deleteQueue(expired),
      deadLetter: (source, messages, reason, exchange, routingKey) => this.deadLetter(source, messages, reason, exchange, routingKey),
      nowMs: () => this.clock.nowMs(),
      log: this.log,
      // Only listed queues are ticked (a reply-to pseudo-queue never was).
      onNeedsTicks: (queue) => {
        if (this.queues.get(queue.name) === queue) this.ticking.add(queue);
      },
      policy: () => this.policyFor("queue", name),
      get storage() {
        return vhost.storage;
      },
      get spill() {
        return vhost.spill;
      },
    };
  }

  /** A policy changed: every queue and exchange takes the settings now in force, at once (RabbitMQ does the same). */
  reapplyPolicies(): void {
    for (const queue of this.queues.values()) queue.policyChanged(this.policyFor("queue", queue.name));
    for (const exchange of this.exchanges.values()) this.applyExchangePolicy(exchange);
  }

  /** The alternate-exchange argument wins over a policy's, as in RabbitMQ. */
  private applyExchangePolicy(exchange: Exchange): void {
    if (exchange.isDefault) return;
    const fromPolicy = this.policyFor("exchange", exchange.name)["alternate-exchange"];
    exchange.alternateExchange = exchange.argumentAlternateExchange ?? (typeof fromPolicy === "string" ? fromPolicy : undefined);
  }

  /** Runs on the broker's clock: message TTLs and queue expiry. */
  tick(nowMs: number): void {
    for (const queue of this.ticking) {
      try {
        queue.tick(nowMs);
      } catch (error) {
        // One queue's failure (expiry runs dead-lettering into other queues) must not stop the
        // others' expiry on every tick from now on: logged, and the next queue goes on.
        this.log(`queue '${queue.name}': internal error on the clock's tick: ${(error as Error)?.stack ?? String(error)}`);
      }
      // A queue that needs ticks again (a message with a TTL arrives) is added back by onNeedsTicks.
      if (!queue.needsTicks) this.ticking.delete(queue);
    }
  }

  /** How many queues the clock visits (for tests). */
  get tickingQueueCount(): number {
    return this.ticking.size;
  }

  /** Deletes a queue and its bindings (proposed; exclusive, auto-delete and expiry clean-ups too); returns its ready message count. */
  deleteQueue(queue: QueueHandle): number {
    if (this.queues.get(queue.name) !== queue) return 0;
    this.deletedMessageCount = 0;
    this.proposer.propose({ type: "queue.delete", vhost: this.name, name: queue.name, ifUnused: false, ifEmpty: false });
    return this.deletedMessageCount;
  }

  // ---- bindings --------------------------------------------------------------------------

  bind(source: Exchange, destination: BindingDestination, routingKey: string, args: FieldTable): void {
    if (source.isDefault || (destination.kind === "exchange" && (destination as Exchange).isDefault)) {
      throw fail.accessRefused("operation not permitted on the default exchange");
    }
    this.proposer.propose(
      { type: "binding.add", vhost: this.name, source: source.name, destination: destination.name, destinationType: destination.kind, routingKey, arguments: tableToJs(args) },
      { arguments: args },
    );
  }

  unbind(source: Exchange, destination: BindingDestination, routingKey: string, args: FieldTable): void {
    if (source.isDefault || (destination.kind === "exchange" && (destination as Exchange).isDefault)) {
      throw fail.accessRefused("operation not permitted on the default exchange");
    }
    this.proposer.propose(
      { type: "binding.remove", vhost: this.name, source: source.name, destination: destination.name, destinationType: destination.kind, routingKey, arguments: tableToJs(args) },
      { arguments: args },
    );
  }

  /** Every binding in the vhost, default-exchange bindings first as RabbitMQ lists them. */
  *bindings(): Iterable<Binding> {
    for (const queue of this.queues.values()) {
      yield { source: "", destination: queue, routingKey: queue.name, arguments: EMPTY_TABLE };
    }
    for (const exchange of this.exchanges.values()) yield* exchange.routing.bindings();
  }

  // ---- routing ---------------------------------------------------------------------------

  /** Routes a message with its routing key and any CC/BCC keys (sender-selected distribution). */
  routeMessage<Out extends QueueSink>(exchange: Exchange, message: Message, out: Out): Out {
    this.route(exchange, message, out);
    const extra = message.extraRoutingKeys;
    if (extra !== undefined) for (const routingKey of extra) this.route(exchange, { routingKey, headers: () => message.headers() }, out);
    return out;
  }

  /**
   * The queues a message published to `exchange` reaches, following exchange-to-exchange
   * bindings (each exchange visited once, so cycles end). `out` (a Set, or a RoutingTargets
   * on the message path) is filled and returned.
   */
  route<Out extends QueueSink>(exchange: Exchange, input: RoutingInput, out: Out): Out {
    const destinations = this.scratch;
    this.routeOne(exchange, input, destinations);
    let visited: Set<Exchange> | undefined;
    // By index: what routeOne adds below is visited too.
    for (let position = 0; position < destinations.size; position++) {
      const destination = destinations.at(position);
      if (destination.kind === "queue") {
        out.add(destination as QueueHandle);
        continue;
      }
      visited ??= new Set([exchange]);
      const next = destination as Exchange;
      if (visited.has(next)) continue;
      visited.add(next);
      this.routeOne(next, input, destinations);
    }
    destinations.clear();
    return out;
  }

  /** One exchange's routes; with none and an alternate-exchange, the alternate exchange instead. */
  private routeOne(exchange: Exchange, input: RoutingInput, destinations: RoutingTargets): void {
    const alternate = exchange.alternateExchange;
    if (alternate === undefined) return exchange.routing.route(input, destinations);
    const own = this.alternateScratch;
    exchange.routing.route(input, own);
    if (own.size === 0) {
      const target = this.exchanges.get(alternate);
      if (target !== undefined) destinations.add(target);
      return;
    }
    for (let position = 0; position < own.size; position++) destinations.add(own.at(position));
    own.clear();
  }

  /**
   * Re-publishes dead messages to the queue's dead-letter exchange (at most once, no confirms,
   * as RabbitMQ's classic queues do). Missing exchange: the messages are dropped.
   */
  private deadLetter(source: QueueHandle, messages: readonly Message[], reason: DeadLetterReason, deadLetterExchange: string, deadLetterRoutingKey: string | undefined): void {
    const exchange = this.exchanges.get(deadLetterExchange);
    if (exchange === undefined) return;
    const timeSeconds = Math.floor(this.clock.nowMs() / 1000);
    for (const message of messages) {
      const dead = deadLetteredMessage(message, { queue: source.name, reason, timeSeconds }, deadLetterExchange, deadLetterRoutingKey);
      this.deadLetterPublisher.publish(this, dead, undefined, 0, (target) => {
        if (reason === "rejected" || !isAutomaticDeathCycle(dead, target.name)) return true;
        this.logCycleOnce(source.name, target.name);
        return false;
      });
    }
  }

  private logCycleOnce(from: string, to: string): void {
    const key = `${from}\u0000${to}`;
    if (this.loggedCycles.has(key)) return;
    this.loggedCycles.add(key);
    this.log(`Message dropped: dead-letter cycle without a rejection from queue '${from}' back to '${to}' in vhost '${this.name}'. This cycle will not be logged again.`);
  }

  // ---- effects: the objects the metadata state machine decided -----------------------------

  /** Builds and tears down exchanges, queues (with their stores) and bindings as committed commands say. */
  carryOut(effects: readonly Effect[], extras: ProposeExtras | undefined): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "exchange.created":
          this.createExchangeObject(effect.exchange, extras?.arguments);
          break;
        case "exchange.deleted": {
          const exchange = this.exchanges.get(effect.name);
          if (exchange !== undefined) this.removeExchange(exchange);
          break;
        }
        case "queue.created":
          this.createQueueObject(effect.queue, extras);
          break;
        case "queue.deleted":
          this.removeQueueObject(effect.name);
          break;
        case "binding.created":
          this.addBindingObject(effect.binding, extras?.arguments);
          break;
        case "binding.deleted":
          this.removeBindingObject(effect.binding, extras?.arguments);
          break;
        default:
      }
    }
  }

  private createExchangeObject(record: ExchangeRecord, args: FieldTable | undefined): void {
    if (this.exchanges.has(record.name)) return;
    this.addExchange({
      name: record.name, typeName: record.exchangeType, durable: record.durable, autoDelete: record.autoDelete, internal: record.internal,
      arguments: args ?? tableFromJs(record.arguments),
    });
  }

  private createQueueObject(record: QueueRecord, extras: ProposeExtras | undefined): void {
    if (this.queues.has(record.name)) return;
    const args = extras?.arguments ?? tableFromJs(record.arguments);
    // Another node's exclusive queue (a cluster) has no local connection: a placeholder owner keeps it locked.
    const owner = record.exclusiveOwner === undefined ? undefined : (extras?.owner ?? { ownerId: record.exclusiveOwner });
    const options: QueueOptions = { durable: record.durable, autoDelete: record.autoDelete, exclusiveOwner: owner, arguments: args };
    const queue = this.createQueue(record.name, options, queueTypeArgument(args));
    this.queues.set(record.name, queue);
    if (queue.needsTicks) this.ticking.add(queue);
  }

  private removeQueueObject(name: string): void {
    const queue = this.queues.get(name);
    if (queue === undefined) return;
    this.queues.delete(name);
    this.ticking.delete(queue);
    this.removeBindingsTo(queue);
    this.deletedMessageCount = queue.delete();
    this.events.queuesDeleted++;
  }

  private bindingEnds(record: BindingRecord): { source: Exchange; destination: BindingDestination } | undefined {
    const source = this.exchanges.get(record.source);
    const destination = record.destinationType === "queue" ? this.queues.get(record.destination) : this.exchanges.get(record.destination);
    return source === undefined || destination === undefined ? undefined : { source, destination };
  }

  private addBindingObject(record: BindingRecord, args: FieldTable | undefined): void {
    const ends = this.bindingEnds(record);
    if (ends === undefined) return;
    const { source, destination } = ends;
    if (!source.routing.addBinding({ source: source.name, destination, routingKey: record.routingKey, arguments: args ?? tableFromJs(record.arguments) })) return;
    let exchanges = this.sources.get(destination);
    if (exchanges === undefined) this.sources.set(destination, (exchanges = new Set()));
    exchanges.add(source);
  }

  /**
   * The state keys a binding by its arguments' JSON; the exchange compares wire types. Removed
   * with the client's table first, else the binding whose arguments have the same JSON.
   */
  private removeBindingObject(record: BindingRecord, args: FieldTable | undefined): void {
    const ends = this.bindingEnds(record);
    if (ends === undefined) return;
    const { source, destination } = ends;
    const routing = source.routing;
    let removed = routing.removeBinding({ source: source.name, destination, routingKey: record.routingKey, arguments: args ?? tableFromJs(record.arguments) });
    if (!removed) {
      const wanted = canonicalJson(record.arguments);
      for (const binding of routing.bindings()) {
        if (binding.destination !== destination || binding.routingKey !== record.routingKey || canonicalJson(tableToJs(binding.arguments)) !== wanted) continue;
        removed = routing.removeBinding(binding);
        break;
      }
    }
    if (!removed) return;
    const stillBound = [...routing.bindings()].some((binding) => binding.destination === destination);
    if (!stillBound) this.sources.get(destination)?.delete(source);
  }

  // ---- private ---------------------------------------------------------------------------

  private addExchange(declaration: ExchangeDeclaration): Exchange {
    const exchange = new Exchange(declaration, createExchangeType(declaration.typeName), this.clock.nowMs());
    this.exchanges.set(exchange.name, exchange);
    this.applyExchangePolicy(exchange);
    return exchange;
  }

  private removeExchange(exchange: Exchange): void {
    this.exchanges.delete(exchange.name);
    for (const binding of exchange.routing.bindings()) this.sources.get(binding.destination)?.delete(exchange);
    this.removeBindingsTo(exchange);
  }

  /** The state machine has already listed these bindings (and any auto-delete exchange they leave unused) as effects. */
  private removeBindingsTo(destination: BindingDestination): void {
    const exchanges = this.sources.get(destination);
    this.sources.delete(destination);
    if (exchanges === undefined) return;
    for (const source of exchanges) source.routing.removeDestination(destination);
  }

  private checkExchangeEquivalent(existing: Exchange, wanted: ExchangeDeclaration): void {
    const where = `for exchange '${existing.name}' in vhost '${this.name}'`;
    const check = (field: string, received: unknown, current: unknown): void => {
      if (received !== current) {
        throw fail.preconditionFailed(`inequivalent arg '${field}' ${where}: received '${received}' but current is '${current}'`);
      }
    };
    check("type", wanted.typeName, existing.typeName);
    check("durable", wanted.durable, existing.durable);
    check("auto_delete", wanted.autoDelete, existing.autoDelete);
    check("internal", wanted.internal, existing.internal);
  }

  private checkQueueEquivalent(existing: QueueHandle, wanted: QueueOptions): void {
    const where = `for queue '${existing.name}' in vhost '${this.name}'`;
    const check = (field: string, received: unknown, current: unknown): void => {
      if (received !== current) {
        throw fail.preconditionFailed(`inequivalent arg '${field}' ${where}: received '${received}' but current is '${current}'`);
      }
    };
    check("durable", wanted.durable, existing.durable);
    check("auto_delete", wanted.autoDelete, existing.autoDelete);
    checkQueueArgumentsEquivalent(existing.name, this.name, existing.arguments, wanted.arguments);
  }
}
