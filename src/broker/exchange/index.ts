/**
 * The registry of exchange types (RabbitMQ `rabbit_registry` for the `exchange` class).
 * A vhost creates one ExchangeType instance per exchange, by type name.
 */
import { fail } from "../../errors/registry.js";
import type { ExchangeType } from "./exchange-type.js";
import { DirectExchangeType } from "./direct.js";
import { FanoutExchangeType } from "./fanout.js";
import { HeadersExchangeType } from "./headers.js";
import { TopicExchangeType } from "./topic.js";

export type { Binding, BindingDestination, ExchangeType, RoutingInput } from "./exchange-type.js";
export { DirectExchangeType } from "./direct.js";
export { FanoutExchangeType } from "./fanout.js";
export { HeadersExchangeType, headersMatchKind, type HeadersMatchKind } from "./headers.js";
export { TopicExchangeType, type TopicExchangeOptions } from "./topic.js";

export type ExchangeTypeName = "direct" | "fanout" | "topic" | "headers";

export interface ExchangeTypeInfo {
  readonly name: ExchangeTypeName;
  /** RabbitMQ's descriptions, as the management API's `exchange_types` lists them. */
  readonly description: string;
  readonly create: () => ExchangeType;
}

const EXCHANGE_TYPES: ReadonlyMap<string, ExchangeTypeInfo> = new Map(
  ([
    { name: "direct", description: "AMQP direct exchange, as per the AMQP specification", create: () => new DirectExchangeType() },
    { name: "fanout", description: "AMQP fanout exchange, as per the AMQP specification", create: () => new FanoutExchangeType() },
    { name: "headers", description: "AMQP headers exchange, as per the AMQP specification", create: () => new HeadersExchangeType() },
    { name: "topic", description: "AMQP topic exchange, as per the AMQP specification", create: () => new TopicExchangeType() },
  ] as const).map((info) => [info.name, info]),
);

/** Type names are case-sensitive, as in RabbitMQ (`Direct` is unknown). */
export function isKnownExchangeType(name: string): name is ExchangeTypeName {
  return EXCHANGE_TYPES.has(name);
}

/**
 * A fresh, empty routing table of the named type. An unknown name is a hard error in RabbitMQ
 * (connection.close 503). RabbitMQ words it `invalid exchange type` when the name happens to
 * be an atom its VM already knows and `unknown exchange type` otherwise; Warren always says
 * `unknown`, which is what RabbitMQ answers for names no Erlang module uses.
 */
export function createExchangeType(typeName: string): ExchangeType {
  const info = EXCHANGE_TYPES.get(typeName);
  if (info === undefined) throw fail.commandInvalid(`unknown exchange type '${typeName}'`);
  return info.create();
}

/** Every type, in name order. */
export function listExchangeTypes(): readonly ExchangeTypeInfo[] {
  return [...EXCHANGE_TYPES.values()];
}
