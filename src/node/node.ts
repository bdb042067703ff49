/**
 * A node: one Broker with its listeners (AMQP, management API, metrics) and the control
 * port that warrenctl talks to. `stopApp` closes the listeners and client connections but
 * keeps the process, the broker's definitions and the control port, so `warrenctl start_app`
 * can bring it back, as with RabbitMQ's stop_app/start_app. `reset` (only while stopped)
 * starts over with an empty broker.
 */
import type { Server } from "node:net";
import { Broker } from "../broker/broker.js";
import type { BrokerConfig } from "../config/config.js";
import type { Logger } from "../io/logger.js";
import type { Io } from "../io/io.js";
import { listenAmqp } from "../protocol/amqp091/listener.js";
import type { ListenerInfo, ManagementContext } from "../mgmt/http.js";
import { startManagement, type RunningHttpServer } from "../mgmt/server.js";
import { startMetrics } from "../mgmt/metrics.js";
import { applyDefinitionCommand } from "../broker/definitions.js";
import { listenMqtt, type MqttListening } from "../protocol/mqtt/listener.js";
import { mqttOptionsFromConfig } from "../protocol/mqtt/options.js";
import { NodePersistence } from "./persistence.js";
import { listenHost } from "./listen-host.js";

export interface NodeSettings {
  readonly enableManagement: boolean;
  readonly enableMetrics: boolean;
  /** The clock, timers, randomness and disk every part of the node uses (built by startNode). */
  readonly io: Io;
}

interface AmqpListener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
}

export class WarrenNode {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly startedAtMs: number;
  private brokerValue: Broker;
  private readonly settings: NodeSettings;
  private amqpListeners: AmqpListener[] = [];
  private management: RunningHttpServer | undefined;
  private metrics: RunningHttpServer | undefined;
  private mqtt: MqttListening | undefined;
  /** Durable state under the data directory; opened (and recovered) at the first start_app. */
  private persistence: NodePersistence | undefined;
  /** The control port, set by whoever starts it (it outlives stop_app). */
  controlPort: number | undefined;
  private running = false;
  private transition: Promise<void> = Promise.resolve();
  /** Ports bound on first start: port 0 picks one, and start_app must come back on the same one. */
  private boundPorts = new Map<string, number>();
  readonly context: ManagementContext;

  constructor(config: BrokerConfig, logger: Logger, settings: NodeSettings) {
    this.config = config;
    this.logger = logger;
    this.settings = settings;
    this.startedAtMs = settings.io.time.nowMs();
    this.brokerValue = this.createBroker();
    const node = this;
    this.context = {
      get broker() {
        return node.broker;
      },
      nodeName: config.nodeName,
      startedAtMs: this.startedAtMs,
      listeners: () => this.listeners(),
      alarms: () => node.broker.resources.state,
    };
  }

  get broker(): Broker {
    return this.brokerValue;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The AMQP address clients use (the first listener). */
  get amqpAddress(): { host: string; port: number } | undefined {
    const first = this.amqpListeners[0];
    return first === undefined ? undefined : { host: first.host, port: first.port };
  }

  get mqttPort(): number | undefined {
    return this.mqtt?.port;
  }

  get managementPort(): number | undefined {
    return this.management?.port;
  }

  get metricsPort(): number | undefined {
    return this.metrics?.port;
  }

  listeners(): ListenerInfo[] {
    const list: ListenerInfo[] = this.amqpListeners.map((listener) => ({ protocol: "amqp", interface: listener.host, port: listener.port, purpose: "AMQP 0-9-1" }));
    if (this.mqtt !== undefined) list.push({ protocol: "mqtt", interface: this.mqtt.host, port: this.mqtt.port, purpose: "MQTT" });
    if (this.management !== undefined) list.push({ protocol: "http", interface: this.management.host, port: this.management.port, purpose: "HTTP API" });
    if (this.metrics !== undefined) list.push({ protocol: "http/prometheus", interface: this.metrics.host, port: this.metrics.port, purpose: "Prometheus exporter API over HTTP" });
    if (this.controlPort !== undefined) list.push({ protocol: "clustering", interface: this.config.controlHost, port: this.controlPort, purpose: "inter-node and CLI tool communication" });
    return list;
  }

  /** Starts the broker and its listeners; a second call while running does nothing. */
  startApp(): Promise<void> {
    return this.serialise(async () => {
      if (this.running) return;
      if (this.config.dataDir !== undefined && this.persistence === undefined) {
        this.persistence = await NodePersistence.open(this.broker, { dataDir: this.config.dataDir, segmentSizeBytes: this.config.segmentSizeBytes }, this.logger);
      }
      this.broker.start();
      try {
        const addresses = [{ host: this.config.host, port: this.config.port }, ...this.config.additionalListeners];
        for (const [index, address] of addresses.entries()) {
          const listening = await listenAmqp(this.broker, listenHost(address.host), this.portFor(`amqp${index}`, address.port));
          this.remember(`amqp${index}`, listening.port);
          this.amqpListeners.push(listening);
          this.logger.info(`AMQP 0-9-1 listener started on ${listening.host}:${listening.port}`);
        }
        if (this.config.mqttPort !== undefined) {
          this.mqtt = await listenMqtt(this.broker, listenHost(this.config.mqttHost), this.portFor("mqtt", this.config.mqttPort), mqttOptionsFromConfig(this.config.mqtt));
          this.remember("mqtt", this.mqtt.port);
          this.logger.info(`MQTT listener started on ${this.mqtt.host}:${this.mqtt.port}`);
        }
        if (this.settings.enableManagement) {
          this.management = await startManagement(this.context, listenHost(this.config.managementHost), this.portFor("management", this.config.managementPort));
          this.remember("management", this.management.port);
          this.logger.info(`Management API listening on ${this.management.host}:${this.management.port}`);
        }
        if (this.settings.enableMetrics) {
          this.metrics = await startMetrics(this.context, listenHost(this.config.metricsHost), this.portFor("metrics", this.config.metricsPort));
          this.remember("metrics", this.metrics.port);
          this.logger.info(`Prometheus metrics listening on ${this.metrics.host}:${this.metrics.port}`);
        }
        this.running = true;
      } catch (error) {
        await this.closeListeners();
        throw error;
      }
    });
  }

  /** Stops the listeners and closes client connections; definitions stay. */
  stopApp(): Promise<void> {
    return this.serialise(async () => {
      if (!this.running) return;
      this.running = false;
      await this.closeListeners();
      this.logger.info("application stopped (stop_app); the node and its control port stay up");
    });
  }

  /** Forgets every definition: only allowed while the application is stopped, as in RabbitMQ. */
  reset(): Promise<void> {
    return this.serialise(async () => {
      if (this.running) {
        throw new Error(`Mnesia is still running on node ${this.config.nodeName}. Please stop the node with warrenctl stop_app first.`);
      }
      if (this.persistence !== undefined) {
        await this.persistence.close();
        this.persistence = undefined;
        for (const part of ["metadata", "queues", "clean-shutdown"]) this.settings.io.fileSystem.removeDirectory(`${this.config.dataDir}/${part}`);
      }
      this.brokerValue = this.createBroker();
      this.logger.info("node reset: definitions and messages are gone");
    });
  }

  /** Stops the application and closes the durable state cleanly (the node is going away). */
  shutdown(): Promise<void> {
    return this.stopApp().then(() =>
      this.serialise(async () => {
        await this.persistence?.close();
        this.persistence = undefined;
        this.broker.removeSpill();
      }),
    );
  }

  private createBroker(): Broker {
    const broker = new Broker(this.config, this.logger, this.settings.io);
    // The Broker adds the default user as an administrator; warren.conf may ask for other tags and permissions.
    const user = broker.users.get(this.config.defaultUser);
    if (user !== undefined) {
      applyDefinitionCommand(broker, { type: "user.set_tags", name: user.name, tags: this.config.defaultUserTags });
      applyDefinitionCommand(broker, { type: "permission.set", user: user.name, vhost: this.config.defaultVhost, ...this.config.defaultPermissions });
    }
    return broker;
  }

  private async closeListeners(): Promise<void> {
    const closing: Promise<unknown>[] = this.amqpListeners.map((listener) => new Promise<void>((resolve) => listener.server.close(() => resolve())));
    this.amqpListeners = [];
    // MQTT first: it closes MQTT 5 clients with 0x8B and writes the retained messages out.
    if (this.mqtt !== undefined) await this.mqtt.close();
    this.mqtt = undefined;
    this.broker.stop();
    const broker = this.broker;
    // Connections get connection.close (320); sockets that do not answer are dropped.
    this.settings.io.time.after(500, () => {
      for (const connection of broker.connections) connection.terminate();
    });
    if (this.management !== undefined) closing.push(this.management.close());
    if (this.metrics !== undefined) closing.push(this.metrics.close());
    this.management = undefined;
    this.metrics = undefined;
    await Promise.all(closing);
  }

  private portFor(name: string, configured: number): number {
    return configured === 0 ? (this.boundPorts.get(name) ?? 0) : configured;
  }

  private remember(name: string, port: number): void {
    this.boundPorts.set(name, port);
  }

  /** One lifecycle change at a time: a stop_app during a start_app waits for it. */
  private serialise(work: () => Promise<void>): Promise<void> {
    const next = this.transition.then(work, work);
    this.transition = next.catch(() => undefined);
    return next;
  }
}
