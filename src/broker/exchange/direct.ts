/**
 * The direct exchange: a message goes to the destinations bound with exactly its routing key
 * (RabbitMQ `rabbit_exchange_type_direct.erl`). Routing is one hash lookup and a walk over a
 * prepared array, so a route call allocates nothing beyond what `out` itself grows by.
 */
import type { Binding, BindingDestination, DestinationSink, ExchangeType, RoutingInput } from "./exchange-type.js";
import { assert } from "../../lib/assert.js";
import { BindingSet, DestinationList } from "./binding-set.js";

export class DirectExchangeType implements ExchangeType {
  readonly typeName = "direct";
  readonly #bindings = new BindingSet();
  readonly #routes = new Map<string, DestinationList>();

  get bindingCount(): number {
    return this.#bindings.size;
  }

  bindings(): Iterable<Binding> {
    return this.#bindings.values();
  }

  addBinding(binding: Binding): boolean {
    if (!this.#bindings.add(binding)) return false;
    let route = this.#routes.get(binding.routingKey);
    if (route === undefined) {
      route = new DestinationList();
      this.#routes.set(binding.routingKey, route);
    }
    route.add(binding.destination);
    return true;
  }

  removeBinding(binding: Binding): boolean {
    const removed = this.#bindings.remove(binding);
    if (removed === undefined) return false;
    this.#forget(removed);
    return true;
  }

  removeDestination(destination: BindingDestination): number {
    const removed = this.#bindings.removeDestination(destination);
    for (const binding of removed) this.#forget(binding);
    return removed.length;
  }

  route(input: RoutingInput, out: DestinationSink): void {
    this.#routes.get(input.routingKey)?.addTo(out);
  }

  #forget(binding: Binding): void {
    const route = this.#routes.get(binding.routingKey);
    assert(route !== undefined, "every stored direct binding has a route entry for its key");
    route.remove(binding.destination);
    if (route.isEmpty) this.#routes.delete(binding.routingKey);
  }
}
