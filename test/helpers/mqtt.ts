/**
 * Shared by the MQTT tests: an in-process broker with an MQTT listener on port 0, MQTT.js
 * clients that fail tests instead of reconnecting forever, and a raw socket client for
 * packets no well-behaved client would send.
 */
import { connect as connectTcp, type Socket } from "node:net";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { startBroker, type RunningBroker } from "../../src/index.js";
import { listenMqtt, type MqttListening, type MqttOptions } from "../../src/protocol/mqtt/listener.js";

export interface MqttTestBroker {
  readonly running: RunningBroker;
  readonly listening: MqttListening;
  readonly host: string;
  readonly port: number;
  readonly mqttUrl: string;
  stop(): Promise<void>;
}

export async function startMqttBroker(options: { dataDir?: string; mqtt?: MqttOptions } = {}): Promise<MqttTestBroker> {
  const running = await startBroker({ host: "127.0.0.1", port: 0, dataDir: options.dataDir });
  const listening = await listenMqtt(running.broker, "127.0.0.1", 0, options.mqtt);
  return {
    running,
    listening,
    host: "127.0.0.1",
    port: listening.port,
    mqttUrl: `mqtt://127.0.0.1:${listening.port}`,
    async stop() {
      await listening.close();
      await running.stop();
    },
  };
}

/**
 * An MQTT.js client that does not reconnect on its own (tests reconnect explicitly).
 * `log`, when given, sees messages that arrive together with the CONNACK (a resumed session).
 */
export function connectClient(broker: MqttTestBroker, options: IClientOptions = {}, log?: MessageLog): Promise<MqttClient> {
  const client = mqtt.connect(broker.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  log?.attach(client);
  return new Promise((resolve, reject) => {
    client.once("connect", () => {
      client.removeListener("error", reject);
      client.on("error", () => undefined);
      resolve(client);
    });
    client.once("error", reject);
    client.once("close", () => reject(new Error("connection closed before CONNACK")));
  });
}

export async function endClient(client: MqttClient | undefined, force = false): Promise<void> {
  if (client === undefined) return;
  await client.endAsync(force).catch(() => undefined);
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly properties: Record<string, unknown> | undefined;
}

/** Collects a client's messages; `waitFor(n)` resolves with the first n. */
export class MessageLog {
  readonly items: Received[] = [];
  constructor(client?: MqttClient) {
    if (client !== undefined) this.attach(client);
  }

  attach(client: MqttClient): void {
    client.on("message", (topic, payload, packet) => {
      this.items.push({ topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, properties: packet.properties as Record<string, unknown> | undefined });
    });
  }

  async waitFor(count: number, timeoutMs = 5_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${this.items.length}`);
      await delay(10);
    }
    return this.items.slice(0, count);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A socket that records what the server sends and when it closes. */
export class RawClient {
  readonly socket: Socket;
  private received: Buffer[] = [];
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.received.push(chunk));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTcp({ host: "127.0.0.1", port }, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  async waitForBytes(count: number, timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.bytes.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} bytes, got ${this.bytes.length}`);
      await delay(5);
    }
    return this.bytes;
  }

  async waitForClose(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the server did not close the connection")), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A packet from its first byte and body. */
export function packet(firstByte: number, body: number[] | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const length: number[] = [];
  let remaining = bytes.length;
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    length.push(byte);
  } while (remaining > 0);
  return Buffer.concat([Buffer.from([firstByte, ...length]), bytes]);
}

export function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** A CONNECT for protocol level 4 or 5 with a clean session, keep-alive 60 s, user guest. */
export function connectPacket(clientId: string, level: 4 | 5 = 4, flags = 0xc2): Buffer {
  const body = Buffer.concat([
    mqttString("MQTT"),
    Buffer.from([level, flags, 0, 60]),
    level === 5 ? Buffer.from([0]) : Buffer.alloc(0),
    mqttString(clientId),
    (flags & 0x80) !== 0 ? mqttString("guest") : Buffer.alloc(0),
    (flags & 0x40) !== 0 ? mqttString("guest") : Buffer.alloc(0),
  ]);
  return packet(0x10, body);
}
