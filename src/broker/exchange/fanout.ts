/**
 * The fanout exchange: a message goes to every destination bound, whatever its routing key
 * (RabbitMQ `rabbit_exchange_type_fanout.erl`). Bindings with different keys or arguments to the
 * same destination still deliver one copy, because `out` is a set and the prepared array holds
 * each destination once.
 */
import type { Binding, BindingDestination, DestinationSink, ExchangeType, RoutingInput } from "./exchange-type.js";
import { BindingSet, DestinationList } from "./binding-set.js";

export class FanoutExchangeType implements ExchangeType {
  readonly typeName = "fanout";
  readonly #bindings = new BindingSet();
  readonly #destinations = new DestinationList();

  get bindingCount(): number {
    return this.#bindings.size;
  }

  bindings(): Iterable<Binding> {
    return this.#bindings.values();
  }

  addBinding(binding: Binding): boolean {
    if (!this.#bindings.add(binding)) return false;
    this.#destinations.add(binding.destination);
    return true;
  }

  removeBinding(binding: Binding): boolean {
    const removed = this.#bindings.remove(binding);
    if (removed === undefined) return false;
    this.#destinations.remove(removed.destination);
    return true;
  }

  removeDestination(destination: BindingDestination): number {
    const removed = this.#bindings.removeDestination(destination);
    for (const binding of removed) this.#destinations.remove(binding.destination);
    return removed.length;
  }

  route(_input: RoutingInput, out: DestinationSink): void {
    this.#destinations.addTo(out);
  }
}
