/**
 * The broker: vhosts, users, and the connections attached to it. Protocol
 * adapters call into it; it never calls a protocol (DESIGN.md §2).
 */
import { Counters, NodeEventCounters } from "../lib/counters.js";
import { ResourceMonitor, type AlarmState } from "./alarms.js";
import { SpillArea } from "../queue/classic/spill-area.js";
import type { BrokerConfig } from "../config/config.js";
import { UserStore, type User } from "../auth/users.js";
import { Vhost } from "./vhost.js";
import { BrokerMetadata } from "./metadata-runtime.js";
import { hashPassword } from "../auth/password.js";
import { mergeDefinitions, winningPolicy, type EffectivePolicy } from "../metadata/policies.js";
import { fail } from "../errors/registry.js";
import type { Logger } from "../io/logger.js";
import type { Io } from "../io/io.js";
import type { Timer } from "../io/time.js";

/** A channel as the management API and warrenctl list it (RabbitMQ's field meanings). */
export interface ChannelInfo {
  readonly number: number;
  readonly consumerCount: number;
  readonly unackedCount: number;
  /** basic.qos global=false: the prefetch for new consumers. */
  readonly prefetchCount: number;
  /** basic.qos global=true: the channel-wide limit. */
  readonly globalPrefetchCount: number;
  readonly confirm: boolean;
  readonly transactional: boolean;
  readonly consumers: readonly ConsumerInfo[];
}

export interface ConsumerInfo {
  readonly tag: string;
  readonly queue: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly prefetchCount: number;
  readonly priority: number;
}

/** A connection as the management API and warrenctl list it. */
export interface ConnectionInfo {
  readonly id: number;
  /** RabbitMQ's connection name: "peerHost:peerPort -> host:port". */
  readonly name: string;
  readonly protocol: string;
  readonly user: string | undefined;
  readonly vhost: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly peerHost: string;
  readonly peerPort: number;
  readonly state: string;
  readonly connectedAtMs: number;
  readonly frameMaxBytes: number;
  readonly channelMax: number;
  readonly heartbeatSeconds: number;
  readonly receivedBytes: number;
  readonly sentBytes: number;
  readonly clientProperties: Record<string, unknown>;
  readonly channels: readonly ChannelInfo[];
}

/** What the broker needs from a client connection of any protocol. */
export interface BrokerConnection {
  readonly id: number;
  /** A snapshot for listings; computed when asked, never on the message path. */
  info(): ConnectionInfo;
  /** Called on every clock tick (heartbeats, timeouts). */
  tick(nowMs: number): void;
  /** Closes the connection because the broker is shutting down. */
  shutdown(reason: string): void;
  /** Drops the connection at once (it did not answer a close in time). */
  terminate(): void;
  /** A resource alarm started or cleared: block or unblock publishing. */
  alarmChanged?(blocking: boolean): void;
  /** Closes it on an operator's request (management API, warrenctl close_connection). */
  closeByOperator?(reason: string): void;
}

/** How often the shared clock ticks. Heartbeats are whole seconds, so a quarter second is fine enough. */
export const CLOCK_TICK_MS = 250;

export class Broker {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly users = new UserStore();
  readonly vhosts = new Map<string, Vhost>();
  readonly connections = new Set<BrokerConnection>();
  /** Message counters for the whole node (management API overview, /metrics). */
  /** The node's clock, timers, randomness and disk, handed in by whoever builds the broker (node/, a test). */
  readonly io: Io;
  readonly stats: Counters;
  /** Connections, channels and queues opened and deleted, messages routed: read by /metrics. */
  readonly events = new NodeEventCounters();
  /** A coarse clock, refreshed by the tick: read it instead of the clock on a hot path. */
  nowMs: number;
  /** Scratch space for paging transient messages of long queues out of memory (made when first needed). */
  private spillArea: SpillArea | undefined;
  /** Memory and disk alarms; publishers are blocked while one is in effect. */
  readonly resources: ResourceMonitor;
  private nextConnectionId = 1;
  private clock: Timer | undefined;

  constructor(config: BrokerConfig, logger: Logger, io: Io) {
    this.config = config;
    this.logger = logger;
    this.io = io;
    this.nowMs = io.time.nowMs();
    this.stats = new Counters(this.nowMs);
    this.resources = new ResourceMonitor(config, io, (state) => this.onAlarmChange(state));
    this.metadata = new BrokerMetadata({
      vhosts: this.vhosts,
      users: this.users,
      createVhost: (name) => this.createVhost(name),
      closeConnections: (pick, reason) => this.closeConnections(pick, reason),
      nowMs: () => this.nowMs,
    });
    // The first state of a node; persistence replaces it with the recovered one unless the database is empty.
    this.metadata.propose({ type: "vhost.add", name: config.defaultVhost, description: "Default virtual host" });
    this.metadata.propose({ type: "global_parameter.set", name: "cluster_name", value: config.nodeName });
    this.metadata.propose({ type: "user.add", name: config.defaultUser, passwordHash: hashPassword(config.defaultPass), hashingAlgorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] });
    this.metadata.propose({ type: "permission.set", user: config.defaultUser, vhost: config.defaultVhost, configure: ".*", write: ".*", read: ".*" });
  }

  /** Definitions: the metadata state machine and the runtime that carries out its effects. */
  readonly metadata: BrokerMetadata;

  /** The policy in force for a queue or exchange, with an operator policy merged over it. */
  effectivePolicy(vhost: string, kind: "queue" | "exchange", name: string, queueType?: string): EffectivePolicy {
    const record = this.metadata.state.vhosts.get(vhost);
    if (record === undefined) return { policy: undefined, operatorPolicy: undefined, definition: {} };
    const target = { kind, name, queueType };
    const policy = winningPolicy(record.policies.values(), target);
    const operatorPolicy = kind === "queue" ? winningPolicy(record.operatorPolicies.values(), target) : undefined;
    return { policy, operatorPolicy, definition: mergeDefinitions(policy, operatorPolicy) };
  }

  start(): void {
    this.clock = this.io.time.every(CLOCK_TICK_MS, () => this.tick());
  }

  get spill(): SpillArea {
    this.spillArea ??= new SpillArea(this.config.dataDir, this.io);
    return this.spillArea;
  }

  /** Removes the scratch space (the broker is going away; paged transient messages go with it). */
  removeSpill(): void {
    this.spillArea?.remove();
  }

  stop(): void {
    this.clock?.cancel();
    for (const connection of [...this.connections]) connection.shutdown("broker shutting down");
  }

  /** Called for every vhost created from now on (persistence attaches its storage here). */
  onVhostAdded: ((vhost: Vhost) => void) | undefined;

  /** Adds a vhost (a `vhost.add` command) unless it exists. */
  addVhost(name: string): Vhost {
    if (!this.vhosts.has(name)) this.metadata.propose({ type: "vhost.add", name });
    return this.vhosts.get(name) as Vhost;
  }

  /** The live object of a vhost the state machine created. */
  private createVhost(name: string): Vhost {
    const vhost = new Vhost(name, this.io.time, (message) => this.logger.warn(message), (kind, objectName) => this.effectivePolicy(name, kind, objectName).definition);
    vhost.proposer = this.metadata;
    vhost.spill = this.spill;
    vhost.events = this.events;
    this.onVhostAdded?.(vhost);
    return vhost;
  }

  private closeConnections(pick: (info: { user: string | undefined; vhost: string | undefined }) => boolean, reason: string): void {
    for (const connection of [...this.connections]) {
      const info = connection.info();
      if (!pick({ user: info.user, vhost: info.vhost })) continue;
      if (connection.closeByOperator !== undefined) connection.closeByOperator(reason);
      else connection.shutdown(reason);
    }
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
    this.events.connectionsOpened++;
  }

  detach(connection: BrokerConnection): void {
    this.connections.delete(connection);
  }

  private onAlarmChange(state: AlarmState): void {
    const monitor = this.resources;
    if (state.memory) this.logger.warn(`memory resource limit alarm set on node ${this.config.nodeName}: ${monitor.lastMemoryUsedBytes} bytes used, limit ${monitor.memoryLimitBytes}. Publishers will be blocked until this alarm clears`);
    if (state.disk) this.logger.warn(`free disk space alarm set on node ${this.config.nodeName}: ${monitor.lastDiskFreeBytes} bytes free, limit ${this.config.diskFreeLimitBytes}. Publishers will be blocked until this alarm clears`);
    if (!monitor.blocking) this.logger.info(`resource alarms cleared on node ${this.config.nodeName}: publishers unblocked`);
    for (const connection of this.connections) connection.alarmChanged?.(monitor.blocking);
  }

  private tick(): void {
    this.nowMs = this.io.time.nowMs();
    this.resources.tick(this.nowMs);
    // The clock serves every connection and queue: one failing must not stop the timer or the node.
    for (const connection of this.connections) {
      try {
        connection.tick(this.nowMs);
      } catch (error) {
        this.dropFailedConnection(connection, error);
      }
    }
    for (const vhost of this.vhosts.values()) {
      try {
        vhost.tick(this.nowMs);
      } catch (error) {
        this.logger.error({ err: error, vhost: vhost.name }, `internal error in vhost '${vhost.name}' on the clock's tick`);
      }
    }
  }

  /** A connection's own fence failed (its tick threw past it): log it by name and drop it. */
  private dropFailedConnection(connection: BrokerConnection, error: unknown): void {
    let name = `#${connection.id}`;
    try {
      name = connection.info().name;
      connection.terminate();
    } catch {
      // Dropped from the list below whatever it says; its socket's 'close' may never come.
    }
    this.logger.error({ err: error, connection: connection.id, name }, `internal error on connection ${name} on the clock's tick: dropping it`);
    this.connections.delete(connection);
  }
}
