/**
 * The headers exchange: a binding's arguments are compared with the message's headers and the
 * routing key is ignored (RabbitMQ `rabbit_exchange_type_headers.erl`).
 *
 * `x-match` chooses the rule: `all` (the default when absent) needs every argument to be present
 * and equal, `any` needs at least one. Arguments whose key starts with `x-` take no part, except
 * with `all-with-x` and `any-with-x`; `x-match` itself never does. An argument of type void
 * matches on the presence of the header alone, and values compare as in `header-values.ts`.
 * Hence `all` with no other arguments matches every message, and `any` with none matches nothing.
 *
 * Each binding is compiled once into the list of (key, value) pairs that take part, so routing
 * is one Map lookup per pair and allocates nothing.
 */
import type { FieldTable, FieldValue } from "../../message/field-table.js";
import { fail } from "../../errors/registry.js";
import type { Binding, BindingDestination, DestinationSink, ExchangeType, RoutingInput } from "./exchange-type.js";
import { BindingSet } from "./binding-set.js";
import { erlangEqual, formatErlangTerm, typeAtom } from "./header-values.js";

export type HeadersMatchKind = "all" | "any" | "all-with-x" | "any-with-x";

const MATCH_KINDS: ReadonlySet<string> = new Set<HeadersMatchKind>(["all", "any", "all-with-x", "any-with-x"]);

interface CompiledBinding {
  readonly binding: Binding;
  readonly destination: BindingDestination;
  readonly requireAll: boolean;
  readonly keys: readonly string[];
  readonly values: readonly FieldValue[];
}

/**
 * Reads and checks `x-match` as RabbitMQ's `validate_binding` does, with its reply texts.
 * Throws BrokerError PRECONDITION_FAILED for a value other than the four kinds.
 */
export function headersMatchKind(bindingArguments: FieldTable): HeadersMatchKind {
  const field = bindingArguments.get("x-match");
  if (field === undefined) return "all";
  if (field.type !== "S") {
    throw fail.preconditionFailed(
      `Invalid x-match field type ${typeAtom(field.type)} (value ${formatErlangTerm(field)}); expected longstr`,
    );
  }
  const kind = field.value.toString("latin1");
  if (!MATCH_KINDS.has(kind)) {
    throw fail.preconditionFailed(
      `Invalid x-match field value ${formatErlangTerm(field)}; expected all, any, all-with-x, or any-with-x`,
    );
  }
  return kind as HeadersMatchKind;
}

function compile(binding: Binding): CompiledBinding {
  const kind = headersMatchKind(binding.arguments);
  const withX = kind === "all-with-x" || kind === "any-with-x";
  const keys: string[] = [];
  const values: FieldValue[] = [];
  for (const [key, value] of binding.arguments) {
    if (key === "x-match" || (!withX && key.startsWith("x-"))) continue;
    keys.push(key);
    values.push(value);
  }
  return { binding, destination: binding.destination, requireAll: kind === "all" || kind === "all-with-x", keys, values };
}

function matches(compiled: CompiledBinding, headers: FieldTable | undefined): boolean {
  const { keys, values, requireAll } = compiled;
  for (let index = 0; index < keys.length; index++) {
    const header = headers?.get(keys[index]);
    const pattern = values[index];
    const matched = header !== undefined && (pattern.type === "V" || erlangEqual(pattern, header));
    if (matched !== requireAll) return matched;
  }
  return requireAll;
}

export class HeadersExchangeType implements ExchangeType {
  readonly typeName = "headers";
  readonly #bindings = new BindingSet();
  /** In the order the bindings were added, which is also the order of `bindings()`. */
  #compiled: CompiledBinding[] = [];

  get bindingCount(): number {
    return this.#bindings.size;
  }

  bindings(): Iterable<Binding> {
    return this.#bindings.values();
  }

  addBinding(binding: Binding): boolean {
    // Compiling first validates x-match, so a refused binding leaves no trace.
    const compiled = compile(binding);
    if (!this.#bindings.add(binding)) return false;
    this.#compiled.push(compiled);
    return true;
  }

  removeBinding(binding: Binding): boolean {
    const removed = this.#bindings.remove(binding);
    if (removed === undefined) return false;
    const index = this.#compiled.findIndex((compiled) => compiled.binding === removed);
    this.#compiled.splice(index, 1);
    return true;
  }

  removeDestination(destination: BindingDestination): number {
    const removed = this.#bindings.removeDestination(destination);
    if (removed.length > 0) this.#compiled = this.#compiled.filter((compiled) => compiled.destination !== destination);
    return removed.length;
  }

  route(input: RoutingInput, out: DestinationSink): void {
    const compiled = this.#compiled;
    if (compiled.length === 0) return;
    const headers = input.headers();
    for (let index = 0; index < compiled.length; index++) {
      const candidate = compiled[index];
      // A destination already in `out` gains nothing from another match, so skip the comparison.
      if (out.has(candidate.destination)) continue;
      if (matches(candidate, headers)) out.add(candidate.destination);
    }
  }
}
