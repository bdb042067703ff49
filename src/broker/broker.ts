/**
 * The broker: vhosts, users, and the connections attached to it. Protocol
 * adapters call into it; it never calls a protocol (DESIGN.md §2).
 */
import type { BrokerConfig } from "../config/config.js";
import { UserStore, type User } from "../auth/users.js";
import { Vhost } from "./vhost.js";
import { fail } from "../errors/registry.js";
import type { Logger } from "../io/logger.js";

/** What the broker needs from a client connection of any protocol. */
export interface BrokerConnection {
  readonly id: number;
  /** Called on every clock tick (heartbeats, timeouts). */
  tick(nowMs: number): void;
  /** Closes the connection because the broker is shutting down. */
  shutdown(reason: string): void;
  /** Drops the connection at once (it did not answer a close in time). */
  terminate(): void;
}

/** How often the shared clock ticks. Heartbeats are whole seconds, so a quarter second is fine enough. */
const CLOCK_TICK_MS = 250;

export class Broker {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly users = new UserStore();
  readonly vhosts = new Map<string, Vhost>();
  readonly connections = new Set<BrokerConnection>();
  /** A coarse clock: read it instead of calling Date.now() on a hot path. */
  nowMs = Date.now();
  private nextConnectionId = 1;
  private clock: NodeJS.Timeout | undefined;

  constructor(config: BrokerConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.addVhost(config.defaultVhost);
    const user = this.users.add(config.defaultUser, config.defaultPass, ["administrator"]);
    this.users.setPermissions(user.name, config.defaultVhost, { configure: ".*", write: ".*", read: ".*" });
  }

  start(): void {
    this.clock = setInterval(() => this.tick(), CLOCK_TICK_MS);
    this.clock.unref();
  }

  stop(): void {
    if (this.clock !== undefined) clearInterval(this.clock);
    for (const connection of [...this.connections]) connection.shutdown("broker shutting down");
  }

  addVhost(name: string): Vhost {
    let vhost = this.vhosts.get(name);
    if (vhost === undefined) this.vhosts.set(name, (vhost = new Vhost(name)));
    return vhost;
  }

  /** The vhost a user may open, or the error RabbitMQ gives (530 NOT_ALLOWED). */
  openVhost(user: User, name: string): Vhost {
    const vhost = this.vhosts.get(name);
    if (vhost === undefined) throw fail.notAllowed(`vhost ${name} not found`);
    if (!user.permissions.has(name)) throw fail.notAllowed(`access to vhost '${name}' refused for user '${user.name}'`);
    return vhost;
  }

  allocateConnectionId(): number {
    return this.nextConnectionId++;
  }

  attach(connection: BrokerConnection): void {
    this.connections.add(connection);
  }

  detach(connection: BrokerConnection): void {
    this.connections.delete(connection);
  }

  private tick(): void {
    this.nowMs = Date.now();
    for (const connection of this.connections) connection.tick(this.nowMs);
  }
}
