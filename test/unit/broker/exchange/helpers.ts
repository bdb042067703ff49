/** Small builders shared by the exchange-type tests. */
import type { FieldTable, FieldValue } from "../../../../src/message/field-table.js";
import type { Binding, BindingDestination, ExchangeType, RoutingInput } from "../../../../src/broker/exchange/exchange-type.js";

export function queue(name: string): BindingDestination {
  return { kind: "queue", name };
}

export function exchange(name: string): BindingDestination {
  return { kind: "exchange", name };
}

export function table(entries: ReadonlyArray<readonly [string, FieldValue]> = []): FieldTable {
  return new Map(entries);
}

export function text(value: string): FieldValue {
  return { type: "S", value: Buffer.from(value) };
}

export function bind(destination: BindingDestination, routingKey: string, args: FieldTable = new Map()): Binding {
  return { source: "x", destination, routingKey, arguments: args };
}

/** A routing input that counts how often routing asked for the headers. */
export function message(routingKey: string, headers?: FieldTable): RoutingInput & { headerCalls: number } {
  return {
    routingKey,
    headerCalls: 0,
    headers() {
      this.headerCalls++;
      return headers;
    },
  };
}

/** The names of the destinations a message reaches, sorted. */
export function routeNames(type: ExchangeType, input: RoutingInput): string[] {
  const out = new Set<BindingDestination>();
  type.route(input, out);
  return [...out].map((destination) => destination.name).sort();
}
