/**
 * The ExchangeType interface (RabbitMQ `rabbit_exchange_type.erl`, STYLE.md practice 7).
 *
 * An exchange type holds the bindings whose source is one exchange and answers
 * "where does a message with this routing key (and these headers) go?".
 * It knows nothing about queues, vhosts or protocols: destinations are opaque
 * objects owned by the vhost (a queue or an exchange), compared by identity.
 */
import type { FieldTable } from "../../message/field-table.js";

/** A queue or an exchange, as seen by routing. The vhost keeps one object per destination. */
export interface BindingDestination {
  readonly kind: "queue" | "exchange";
  readonly name: string;
}

/**
 * What an exchange type adds its matches to: a Set<BindingDestination> or a RoutingTargets.
 * It lives here, with the interface that uses it, so that routing-targets.ts (one implementation)
 * depends on the exchange type and not the other way round.
 */
export interface DestinationSink<T = BindingDestination> extends Iterable<T> {
  add(destination: T): unknown;
  has(destination: T): boolean;
  readonly size: number;
}

export interface Binding {
  readonly source: string;
  readonly destination: BindingDestination;
  readonly routingKey: string;
  readonly arguments: FieldTable;
}

/** What routing may look at. Headers are decoded lazily: only the headers exchange asks. */
export interface RoutingInput {
  readonly routingKey: string;
  headers(): FieldTable | undefined;
}

export interface ExchangeType {
  /** `direct`, `fanout`, `topic`, `headers`. */
  readonly typeName: string;
  /**
   * Adds a binding. Returns false if an equal binding (same destination object, routing key
   * and arguments) is already there, as binding twice is a no-op in AMQP.
   * Throws BrokerError (PRECONDITION_FAILED) for arguments the type refuses (e.g. a bad x-match).
   */
  addBinding(binding: Binding): boolean;
  /** Removes the equal binding; returns false if there was none. */
  removeBinding(binding: Binding): boolean;
  /** Removes every binding to this destination (queue or exchange deleted); returns how many. */
  removeDestination(destination: BindingDestination): number;
  /** Adds each matching destination to `out` (a destination appears once however many bindings match). */
  route(input: RoutingInput, out: DestinationSink): void;
  /** Every binding, in the order they were added. */
  bindings(): Iterable<Binding>;
  readonly bindingCount: number;
}
