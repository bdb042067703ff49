/**
 * Every way into MQTT connection code is fenced: a failure while serving one connection closes
 * that connection (MQTT 5 DISCONNECT 0x83 while handling a packet, 0x80 otherwise), is logged
 * with the connection's name, and the node and every other client carry on.
 *
 * The failures are injected: one method on the path is replaced, for one connection or session
 * only, by one that throws once (there is no real input left that makes these paths throw, which
 * is the point of the other hardening tests). Before the fences, each of these throws escaped
 * from a socket handler, a timer or a promise and ended the process.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import type { MqttClient } from "mqtt";
import { MessageLog, connectClient, delay, endClient, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";
import { MqttConnection } from "../../src/protocol/mqtt/connection.js";
import { Session } from "../../src/protocol/mqtt/session.js";
import { InboundPublisher } from "../../src/protocol/mqtt/publish.js";
import { MqttContext } from "../../src/protocol/mqtt/context.js";

let broker: MqttTestBroker;
let dataDir: string;
const errorLogs: unknown[][] = [];
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "warren-mqtt-fences-"));
  broker = await startMqttBroker({ dataDir });
  const logger = broker.running.broker.logger;
  const original = logger.error.bind(logger) as (...args: unknown[]) => void;
  (logger as unknown as { error: (...args: unknown[]) => void }).error = (...args: unknown[]) => {
    errorLogs.push(args);
    original(...args);
  };
});
after(async () => {
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Injection {
  /** Resolves once the injected failure has been thrown. */
  readonly fired: Promise<void>;
  restore(): void;
}

/** Replaces `prototype[method]` by one that throws once when `applies(this)`; every other call goes through. */
function injectOnce(prototype: object, method: string, applies: (self: unknown) => boolean): Injection {
  const target = prototype as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  let done = false;
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (!done && applies(this)) {
      done = true;
      fire();
      throw new Error(`injected failure in ${method}`);
    }
    return original.apply(this, args);
  };
  return { fired, restore: () => void (target[method] = original) };
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The reason code of the DISCONNECT the server sends this client. */
function serverDisconnect(client: MqttClient): Promise<number> {
  return withTimeout(new Promise((resolve) => client.once("disconnect", (packet) => resolve(packet.reasonCode ?? 0))), "the server's DISCONNECT");
}

function connectionOf(clientId: string): MqttConnection {
  for (const connection of broker.running.broker.connections) {
    if (connection instanceof MqttConnection && connection.info().clientProperties.client_id === clientId && connection.info().state === "running") return connection;
  }
  throw new Error(`no connection for client ${clientId}`);
}

const sessionOf = (clientId: string) => (self: unknown) => (self as Session).clientId === clientId;

/** Another client publishes and receives a message through the node: it still works. */
async function othersStillServed(tag: string): Promise<void> {
  const log = new MessageLog();
  const subscriber = await connectClient(broker, { protocolVersion: 5, clientId: `bystander-sub-${tag}` }, log);
  const publisher = await connectClient(broker, { clientId: `bystander-pub-${tag}` });
  try {
    await subscriber.subscribeAsync(`fences/${tag}`, { qos: 1 });
    await withTimeout(publisher.publishAsync(`fences/${tag}`, "alive", { qos: 1 }), "the bystander's PUBACK");
    const [message] = await log.waitFor(1);
    assert.equal(message.payload.toString(), "alive");
  } finally {
    await Promise.all([endClient(subscriber), endClient(publisher)]);
  }
}

function assertLoggedWithName(name: string): void {
  const found = errorLogs.some(([fields]) => typeof fields === "object" && fields !== null && (fields as { connection?: string }).connection === name);
  assert.ok(found, `an error was logged naming the connection ${name}`);
}

describe("fenced entry points into MQTT connection code", { timeout: 60_000 }, () => {
  test("socket data: a failure while handling a packet closes that connection with DISCONNECT 0x83", async () => {
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-data" });
    const name = connectionOf("fence-data").info().name;
    const injection = injectOnce(InboundPublisher.prototype, "onPublish", () => true);
    try {
      const disconnected = serverDisconnect(victim);
      victim.publish("fences/data", "boom", { qos: 0 });
      assert.equal(await disconnected, 0x83);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    assertLoggedWithName(name);
    await othersStillServed("data");
  });

  test("socket data: a failure after the packets (resuming deliveries) closes that connection with DISCONNECT 0x80", async () => {
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-resume" });
    const injection = injectOnce(Session.prototype, "resume", sessionOf("fence-resume"));
    try {
      const disconnected = serverDisconnect(victim);
      victim.publish("fences/resume", "boom", { qos: 0 });
      assert.equal(await disconnected, 0x80);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    await othersStillServed("resume");
  });

  test("socket drain: a failure closes that connection with DISCONNECT 0x80", async () => {
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-drain" });
    const connection = connectionOf("fence-drain");
    const injection = injectOnce(Session.prototype, "resume", sessionOf("fence-drain"));
    try {
      const disconnected = serverDisconnect(victim);
      (connection as unknown as { socket: NodeJS.EventEmitter }).socket.emit("drain");
      assert.equal(await disconnected, 0x80);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    await othersStillServed("drain");
  });

  test("socket close: a failure while leaving the session is logged and the client id can connect again", async () => {
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-close" });
    const name = connectionOf("fence-close").info().name;
    const injection = injectOnce(Session.prototype, "detach", sessionOf("fence-close"));
    try {
      victim.stream.destroy();
      await withTimeout(injection.fired, "the close handler");
      await delay(50);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    assertLoggedWithName(name);
    const again = await connectClient(broker, { protocolVersion: 5, clientId: "fence-close" });
    await endClient(again);
    await othersStillServed("close");
  });

  test("the broker's clock (keep-alive): a failure closes that connection with DISCONNECT 0x80", async () => {
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-tick" });
    const connection = connectionOf("fence-tick");
    const injection = injectOnce(MqttConnection.prototype, "checkTimeouts", (self) => self === connection);
    try {
      assert.equal(await serverDisconnect(victim), 0x80);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    await othersStillServed("tick");
  });

  test("the session timer (will delay): a failing will is logged and dropped; other wills and clients go on", async () => {
    const victim = await connectClient(broker, {
      protocolVersion: 5,
      clientId: "fence-will",
      properties: { sessionExpiryInterval: 60 },
      will: { topic: "fences/will", payload: Buffer.from("gone"), qos: 0, retain: false, properties: { willDelayInterval: 1 } },
    });
    const injection = injectOnce(MqttContext.prototype, "sendWill", (self) => self instanceof MqttContext);
    try {
      victim.stream.destroy();
      await withTimeout(injection.fired, "the delayed will", 15_000);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    assert.ok(errorLogs.some(([, message]) => typeof message === "string" && message.includes("fence-will")), "the failed will is logged with its client id");
    await othersStillServed("will");
  });

  test("a delivery caused by another client's publish: the subscriber is closed with 0x80, the publisher goes on, the message is kept", async (t) => {
    const log = new MessageLog();
    const subscriber = await connectClient(broker, { protocolVersion: 5, clientId: "fence-deliver", clean: false, properties: { sessionExpiryInterval: 60 } }, log);
    await subscriber.subscribeAsync("fences/deliver", { qos: 1 });
    const injection = injectOnce(Session.prototype, "deliverEntry", sessionOf("fence-deliver"));
    const amqpConnection = await amqp.connect(broker.running.url);
    t.after(() => amqpConnection.close());
    try {
      const channel = await amqpConnection.createConfirmChannel();
      const disconnected = serverDisconnect(subscriber);
      channel.publish("amq.topic", "fences.deliver", Buffer.from("kept"), { persistent: true });
      await withTimeout(channel.waitForConfirms(), "the AMQP publisher's confirm");
      assert.equal(await disconnected, 0x80);
      // The AMQP publisher's channel is still open and publishing.
      channel.publish("amq.topic", "fences.other", Buffer.from("more"), { persistent: true });
      await withTimeout(channel.waitForConfirms(), "the second confirm");
    } finally {
      injection.restore();
      await endClient(subscriber, true);
    }
    const resumedLog = new MessageLog();
    const resumed = await connectClient(broker, { protocolVersion: 5, clientId: "fence-deliver", clean: false, properties: { sessionExpiryInterval: 60 } }, resumedLog);
    t.after(() => endClient(resumed));
    const [message] = await resumedLog.waitFor(1);
    assert.equal(message.payload.toString(), "kept");
    await othersStillServed("deliver");
  });

  test("a publisher's acknowledgement waiting for the disk (a promise): a failure closes that connection with 0x80", async (t) => {
    // A persistent session's durable queue makes the PUBACK wait for the message's fsync.
    const holder = await connectClient(broker, { protocolVersion: 5, clientId: "fence-ack-holder", clean: false, properties: { sessionExpiryInterval: 60 } });
    t.after(() => endClient(holder));
    await holder.subscribeAsync("fences/ack", { qos: 1 });
    const victim = await connectClient(broker, { protocolVersion: 5, clientId: "fence-ack" });
    const publisher = connectionOf("fence-ack");
    const injection = injectOnce(InboundPublisher.prototype, "flushAcks", (self) => (self as unknown as { connection: unknown }).connection === publisher);
    try {
      const disconnected = serverDisconnect(victim);
      victim.publish("fences/ack", "durable", { qos: 1 });
      assert.equal(await disconnected, 0x80);
    } finally {
      injection.restore();
      await endClient(victim, true);
    }
    await othersStillServed("ack");
  });
});
