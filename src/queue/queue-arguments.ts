/**
 * Queue arguments (x-message-ttl, x-max-length, ...) parsed into typed settings,
 * validated with RabbitMQ's rules and error texts (rabbit_amqqueue:declare_args/0),
 * and compared on redeclaration as rabbit_misc:assert_args_equivalence does.
 */
import { fail } from "../errors/registry.js";
import type { FieldTable, FieldType, FieldValue } from "../message/field-table.js";

export type Overflow = "drop-head" | "reject-publish" | "reject-publish-dlx";

/** What the queue does with its arguments (policies, later, fill the same fields). */
export interface QueueSettings {
  messageTtlMs: number | undefined;
  expiresMs: number | undefined;
  maxLength: number | undefined;
  maxLengthBytes: number | undefined;
  overflow: Overflow;
  deadLetterExchange: string | undefined;
  deadLetterRoutingKey: string | undefined;
  maxPriority: number | undefined;
  singleActiveConsumer: boolean;
  lazy: boolean;
}

export const DEFAULT_SETTINGS: QueueSettings = Object.freeze({
  messageTtlMs: undefined,
  expiresMs: undefined,
  maxLength: undefined,
  maxLengthBytes: undefined,
  overflow: "drop-head",
  deadLetterExchange: undefined,
  deadLetterRoutingKey: undefined,
  maxPriority: undefined,
  singleActiveConsumer: false,
  lazy: false,
});

/** RabbitMQ's highest supported priority (?MAX_SUPPORTED_PRIORITY). */
export const PRIORITY_MAX = 255;
/** rabbit_misc:check_expiry: x-expires is bounded by Erlang's timer range. */
const EXPIRY_MS_MAX = 4_294_967_295;

/** RabbitMQ's names for the field types, as its error texts print them. */
const TYPE_NAMES: Record<FieldType, string> = {
  t: "bool", b: "byte", B: "unsignedbyte", s: "short", u: "unsignedshort", I: "signedint", i: "unsignedint",
  l: "long", f: "float", d: "double", D: "decimal", T: "timestamp", S: "longstr", x: "binary", A: "array", F: "table", V: "void",
};
const INTEGER_TYPES = new Set<FieldType>(["b", "B", "s", "u", "I", "i", "l"]);

/** The argument keys classic queues compare on redeclaration (rabbit_queue_type:arguments for classic). */
const EQUIVALENCE_KEYS = [
  "x-expires", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-max-length",
  "x-max-length-bytes", "x-max-priority", "x-overflow", "x-queue-mode", "x-queue-version", "x-single-active-consumer", "x-queue-type",
];

export function fieldTypeName(type: FieldType): string {
  return TYPE_NAMES[type];
}

function integerOf(value: FieldValue): number | undefined {
  if (!INTEGER_TYPES.has(value.type)) return undefined;
  return typeof value.value === "bigint" ? Number(value.value) : (value.value as number);
}

function stringOf(value: FieldValue): string | undefined {
  return value.type === "S" ? value.value.toString("utf8") : undefined;
}

/** The queue type `x-queue-type` names (validated by parseQueueArguments), or undefined for the default. */
export function queueTypeArgument(args: FieldTable): string | undefined {
  const value = args.get("x-queue-type");
  return value === undefined ? undefined : stringOf(value);
}

/** Validates and parses queue.declare arguments; throws RabbitMQ's 406 texts. */
export function parseQueueArguments(queueName: string, vhost: string, args: FieldTable): QueueSettings {
  const settings: QueueSettings = { ...DEFAULT_SETTINGS };
  if (args.size === 0) return settings;
  const where = `queue '${queueName}' in vhost '${vhost}'`;
  const invalid = (key: string, reason: string) => fail.preconditionFailed(`invalid arg '${key}' for ${where}: ${reason}`);
  const integer = (key: string, value: FieldValue, { allowZero = true, max = Number.MAX_SAFE_INTEGER } = {}): number => {
    const number = integerOf(value);
    // rabbit_amqqueue:check_int_arg's message, printed by Erlang's ~p with its quotes.
    if (number === undefined) throw invalid(key, `"expected integer, got ${TYPE_NAMES[value.type]}"`);
    if (number < 0) throw invalid(key, `{value_negative,${number}}`);
    if (number === 0 && !allowZero) throw invalid(key, `{value_zero,${number}}`);
    if (number > max) throw invalid(key, `{max_value_exceeded,${number}}`);
    return number;
  };
  const text = (key: string, value: FieldValue): string => {
    const string = stringOf(value);
    if (string === undefined) throw invalid(key, `{unacceptable_type,${TYPE_NAMES[value.type]}}`);
    return string;
  };
  for (const [key, value] of args) {
    switch (key) {
      case "x-message-ttl":
        // RabbitMQ 3.10.8 accepts 4294967296 here (checked): no upper bound is applied.
        settings.messageTtlMs = integer(key, value);
        break;
      case "x-expires":
        settings.expiresMs = integer(key, value, { allowZero: false, max: EXPIRY_MS_MAX });
        break;
      case "x-max-length":
        settings.maxLength = integer(key, value);
        break;
      case "x-max-length-bytes":
        settings.maxLengthBytes = integer(key, value);
        break;
      case "x-max-priority":
        settings.maxPriority = integer(key, value, { max: PRIORITY_MAX });
        break;
      case "x-overflow": {
        const overflow = text(key, value);
        if (overflow !== "drop-head" && overflow !== "reject-publish" && overflow !== "reject-publish-dlx") throw invalid(key, "invalid_overflow");
        settings.overflow = overflow;
        break;
      }
      case "x-dead-letter-exchange":
        // rabbit_channel checks the dead-letter exchange's type before the queue sees it, in its own words.
        if (value.type !== "S") throw fail.preconditionFailed(`invalid type '${TYPE_NAMES[value.type]}' for arg '${key}' in ${where}`);
        settings.deadLetterExchange = text(key, value);
        break;
      case "x-dead-letter-routing-key":
        settings.deadLetterRoutingKey = text(key, value);
        if (!args.has("x-dead-letter-exchange")) throw invalid(key, "routing_key_but_no_dlx_defined");
        break;
      case "x-single-active-consumer":
        if (value.type !== "t") throw invalid(key, `{unacceptable_type,${TYPE_NAMES[value.type]}}`);
        settings.singleActiveConsumer = value.value;
        break;
      case "x-queue-mode": {
        const mode = text(key, value);
        if (mode !== "default" && mode !== "lazy") throw invalid(key, `"unsupported queue mode '${mode}'"`);
        settings.lazy = mode === "lazy";
        break;
      }
      case "x-queue-type": {
        const type = text(key, value);
        if (type !== "classic") throw invalid(key, `"unsupported queue type '${type}'"`);
        break;
      }
      case "x-queue-version": {
        const version = integer(key, value);
        if (version !== 1 && version !== 2) throw invalid(key, `"unsupported queue version '${version}'"`);
        break;
      }
      default:
        break; // RabbitMQ keeps unknown arguments and ignores them
    }
  }
  return settings;
}

function shown(value: FieldValue): string {
  return value.type === "S" || value.type === "x" ? value.value.toString("utf8") : String(value.value);
}

/**
 * RabbitMQ 3.10's rabbit_misc:assert_args_equivalence texts: with both values present it prints
 * the bare values (`received '2000' but current is '1000'`); with one missing, `none` and
 * `the value 'a' of type 'longstr'`.
 */
export function inequivalentText(key: string, where: string, current: FieldValue | undefined, received: FieldValue | undefined): string {
  const describe = (value: FieldValue | undefined) =>
    value === undefined ? "none" : current !== undefined && received !== undefined ? `'${shown(value)}'` : `the value '${shown(value)}' of type '${TYPE_NAMES[value.type]}'`;
  return `inequivalent arg '${key}' for ${where}: received ${describe(received)} but current is ${describe(current)}`;
}

/** Integer types compare by value across widths, as rabbit_misc:type_class makes them one class. */
export function equivalent(current: FieldValue | undefined, received: FieldValue | undefined): boolean {
  if (current === undefined || received === undefined) return current === received;
  const currentInteger = integerOf(current);
  const receivedInteger = integerOf(received);
  if (currentInteger !== undefined || receivedInteger !== undefined) return currentInteger === receivedInteger;
  if (current.type !== received.type) return false;
  if (Buffer.isBuffer(current.value) && Buffer.isBuffer(received.value)) return current.value.equals(received.value);
  return current.value === received.value;
}

/** Redeclaring with different relevant arguments is a 406 with RabbitMQ's text. */
export function checkQueueArgumentsEquivalent(queueName: string, vhost: string, current: FieldTable, received: FieldTable): void {
  for (const key of EQUIVALENCE_KEYS) {
    const currentValue = current.get(key);
    const receivedValue = received.get(key);
    if (equivalent(currentValue, receivedValue)) continue;
    // A classic queue may be redeclared with or without x-queue-type=classic (rabbitmq-common#341).
    if (key === "x-queue-type" && [currentValue, receivedValue].every((v) => v === undefined || stringOf(v) === "classic")) continue;
    throw fail.preconditionFailed(inequivalentText(key, `queue '${queueName}' in vhost '${vhost}'`, currentValue, receivedValue));
  }
}

/**
 * The settings in force: the queue's own arguments combined with its effective policy the way
 * RabbitMQ's rabbit_amqqueue_process:process_args_policy does — the lower of the two for TTLs,
 * expiry and length limits; the argument, if given, for the dead-letter target, overflow and mode.
 */
export function resolveQueueSettings(fromArguments: QueueSettings, policy: Readonly<Record<string, unknown>>): QueueSettings {
  const number = (key: string): number | undefined => {
    const value = policy[key];
    return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
  };
  const text = (key: string): string | undefined => {
    const value = policy[key];
    return typeof value === "string" ? value : undefined;
  };
  const lower = (argument: number | undefined, fromPolicy: number | undefined) =>
    argument === undefined ? fromPolicy : fromPolicy === undefined ? argument : Math.min(argument, fromPolicy);
  const policyOverflow = text("overflow");
  const overflow: Overflow =
    fromArguments.overflow !== DEFAULT_SETTINGS.overflow || policyOverflow === undefined ? fromArguments.overflow : (policyOverflow as Overflow);
  return {
    ...fromArguments,
    messageTtlMs: lower(fromArguments.messageTtlMs, number("message-ttl")),
    expiresMs: lower(fromArguments.expiresMs, number("expires")),
    maxLength: lower(fromArguments.maxLength, number("max-length")),
    maxLengthBytes: lower(fromArguments.maxLengthBytes, number("max-length-bytes")),
    overflow,
    deadLetterExchange: fromArguments.deadLetterExchange ?? text("dead-letter-exchange"),
    deadLetterRoutingKey: fromArguments.deadLetterExchange !== undefined ? fromArguments.deadLetterRoutingKey : text("dead-letter-routing-key"),
    lazy: fromArguments.lazy || text("queue-mode") === "lazy",
  };
}

/** Consumer arguments (basic.consume): x-priority must be an integer, in RabbitMQ's words. */
export function parseConsumerPriority(queueName: string, vhost: string, args: FieldTable): number {
  const value = args.get("x-priority");
  if (value === undefined) return 0;
  const number = integerOf(value);
  if (number === undefined) throw fail.preconditionFailed(`invalid arg 'x-priority' for queue '${queueName}' in vhost '${vhost}': "expected integer, got ${TYPE_NAMES[value.type]}"`);
  return number;
}

/** exchange.declare: alternate-exchange must be a string (rabbit_exchange's check), and redeclares must agree on it. */
export function checkExchangeArguments(exchangeName: string, vhost: string, args: FieldTable): void {
  const alternate = args.get("alternate-exchange");
  if (alternate !== undefined && alternate.type !== "S") {
    throw fail.preconditionFailed(`invalid type '${TYPE_NAMES[alternate.type]}' for arg 'alternate-exchange' in exchange '${exchangeName}' in vhost '${vhost}'`);
  }
}

export function checkExchangeArgumentsEquivalent(exchangeName: string, vhost: string, current: FieldTable, received: FieldTable): void {
  const currentValue = current.get("alternate-exchange");
  const receivedValue = received.get("alternate-exchange");
  if (!equivalent(currentValue, receivedValue)) {
    throw fail.preconditionFailed(inequivalentText("alternate-exchange", `exchange '${exchangeName}' in vhost '${vhost}'`, currentValue, receivedValue));
  }
}
