/**
 * A declared exchange: its definition plus the routing table of its type.
 * The default exchange ("") routes to the queue named by the routing key and
 * cannot be bound to or from, as in RabbitMQ.
 */
import { Counters } from "../lib/counters.js";
import type { FieldTable } from "../message/field-table.js";
import type { Binding, BindingDestination, DestinationSink, ExchangeType, RoutingInput } from "./exchange/exchange-type.js";

export interface ExchangeDeclaration {
  readonly name: string;
  readonly typeName: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
}

export class Exchange implements BindingDestination, ExchangeDeclaration {
  readonly kind = "exchange" as const;
  readonly name: string;
  readonly typeName: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
  readonly routing: ExchangeType;
  readonly stats: Counters;
  /** The `alternate-exchange` argument, if the declaration had one. */
  readonly argumentAlternateExchange: string | undefined;
  /** Where unroutable messages go (argument, else policy), if anywhere. */
  alternateExchange: string | undefined;

  constructor(declaration: ExchangeDeclaration, routing: ExchangeType, createdAtMs: number) {
    this.name = declaration.name;
    this.stats = new Counters(createdAtMs);
    this.typeName = declaration.typeName;
    this.durable = declaration.durable;
    this.autoDelete = declaration.autoDelete;
    this.internal = declaration.internal;
    this.arguments = declaration.arguments;
    this.routing = routing;
    const alternate = declaration.arguments.get("alternate-exchange");
    this.argumentAlternateExchange = alternate?.type === "S" ? alternate.value.toString("utf8") : undefined;
    this.alternateExchange = this.argumentAlternateExchange;
  }

  get isDefault(): boolean {
    return this.name === "";
  }
}

/** The default exchange's routing: the queue named by the routing key, looked up in the vhost. */
export class DefaultExchangeRouting implements ExchangeType {
  readonly typeName = "direct";
  private readonly lookup: (name: string) => BindingDestination | undefined;

  constructor(lookup: (name: string) => BindingDestination | undefined) {
    this.lookup = lookup;
  }

  addBinding(): boolean {
    return false;
  }

  removeBinding(): boolean {
    return false;
  }

  removeDestination(): number {
    return 0;
  }

  route(input: RoutingInput, out: DestinationSink): void {
    const queue = this.lookup(input.routingKey);
    if (queue !== undefined) out.add(queue);
  }

  bindings(): Iterable<Binding> {
    return [];
  }

  get bindingCount(): number {
    return 0;
  }
}
