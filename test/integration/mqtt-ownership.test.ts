/**
 * Who may use a session, and who a client without credentials becomes.
 *
 * - A session belongs to its vhost and its user: another user's CONNECT with the same client id
 *   is refused (CONNACK 0x87 / return code 5), and the owner's connection, session and queued
 *   messages are untouched. Before, any authenticated user took the session over (CONNACK
 *   "session present") and was sent its queued messages. RabbitMQ 3.10 lets any user with the
 *   permissions on the session's queues take it over; refusing is the stricter choice.
 * - A session rebuilt from its durable queues (after a restart) needs what subscribing to those
 *   queues needs: configure, write and read on them.
 * - Anonymous clients log in as `mqtt.default_user` / `mqtt.default_pass` (guest / guest by
 *   default, as in RabbitMQ 3.10's rabbitmq.conf), never as the broker's default user, and not at
 *   all with `mqtt.allow_anonymous = false`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import mqtt from "mqtt";
import { startBroker, type RunningBroker } from "../../src/index.js";
import { MessageLog, connectClient, delay, endClient, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

/** The CONNACK code a connection attempt gets (0: accepted). */
async function connackCode(connect: () => Promise<mqtt.MqttClient>): Promise<number> {
  try {
    const client = await connect();
    await endClient(client);
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe("sessions belong to their user", { timeout: 60_000 }, () => {
  let broker: MqttTestBroker;
  before(async () => {
    broker = await startMqttBroker();
    const core = broker.running.broker;
    for (const name of ["alice", "mallory"]) {
      core.users.add(name, `${name}-pw`);
      core.users.setPermissions(name, "/", { configure: ".*", write: ".*", read: ".*" });
    }
    core.users.add("limited", "limited-pw");
    core.users.setPermissions("limited", "/", { configure: "^mqtt-subscription-limited", write: ".*", read: ".*" });
  });
  after(async () => {
    await broker?.stop();
  });

  test("another user's CONNECT with the same client id is refused; the owner keeps its connection and messages", async (t) => {
    const options = { clientId: "owned-session", clean: false, protocolVersion: 5 as const, properties: { sessionExpiryInterval: 300 } };
    const ownerLog = new MessageLog();
    const owner = await connectClient(broker, { ...options, username: "alice", password: "alice-pw" }, ownerLog);
    t.after(() => endClient(owner, true));
    await owner.subscribeAsync("owned/topic", { qos: 1 });
    let ownerDisconnected = false;
    owner.on("disconnect", () => (ownerDisconnected = true));

    const code = await connackCode(() => connectClient(broker, { ...options, username: "mallory", password: "mallory-pw" }));
    assert.equal(code, 0x87);
    const clean = await connackCode(() => connectClient(broker, { ...options, clean: true, username: "mallory", password: "mallory-pw" }));
    assert.equal(clean, 0x87, "nor may another user end the session with a clean start");

    const publisher = await connectClient(broker, { username: "alice", password: "alice-pw" });
    t.after(() => endClient(publisher));
    await publisher.publishAsync("owned/topic", "for alice", { qos: 1 });
    const [message] = await ownerLog.waitFor(1);
    assert.equal(message.payload.toString(), "for alice");
    assert.equal(ownerDisconnected, false);
    assert.equal(owner.connected, true);
  });

  test("a 3.1.1 client of another user gets return code 5 and the owner's queued messages stay queued", async (t) => {
    const options = { clientId: "owned-v3", clean: false };
    const owner = await connectClient(broker, { ...options, username: "alice", password: "alice-pw" });
    await owner.subscribeAsync("owned/v3", { qos: 1 });
    await endClient(owner);
    const publisher = await connectClient(broker, { username: "alice", password: "alice-pw" });
    t.after(() => endClient(publisher));
    await publisher.publishAsync("owned/v3", "waiting", { qos: 1 });

    const thiefLog = new MessageLog();
    const code = await connackCode(() => connectClient(broker, { ...options, username: "mallory", password: "mallory-pw" }, thiefLog));
    assert.equal(code, 5);
    await delay(100);
    assert.equal(thiefLog.items.length, 0);

    const resumedLog = new MessageLog();
    const resumed = await connectClient(broker, { ...options, username: "alice", password: "alice-pw" }, resumedLog);
    t.after(() => endClient(resumed));
    const [message] = await resumedLog.waitFor(1);
    assert.equal(message.payload.toString(), "waiting");
  });

  test("a session rebuilt from durable queues needs the permissions on those queues", async (t) => {
    // The durable queue a persistent session leaves behind (as after a restart), not the user's to read.
    const connection = await amqp.connect(broker.running.url);
    t.after(() => connection.close());
    const channel = await connection.createChannel();
    await channel.assertQueue("mqtt-subscription-rebuiltqos1", { durable: true });
    const code = await connackCode(() => connectClient(broker, { clientId: "rebuilt", clean: false, username: "limited", password: "limited-pw" }));
    assert.equal(code, 5);
    const allowed = await connackCode(() => connectClient(broker, { clientId: "rebuilt", clean: false, username: "alice", password: "alice-pw" }));
    assert.equal(allowed, 0);
  });
});

describe("anonymous MQTT clients (mqtt.allow_anonymous, mqtt.default_user, mqtt.default_pass)", { timeout: 60_000 }, () => {
  const nodes: RunningBroker[] = [];
  after(async () => {
    for (const node of nodes) await node.stop();
  });

  async function node(mqttKeys: Record<string, string>): Promise<RunningBroker> {
    const running = await startBroker({ host: "127.0.0.1", port: 0, mqttPort: 0, defaultUser: "admin", defaultPass: "admin-pw", mqtt: mqttKeys });
    nodes.push(running);
    return running;
  }

  const anonymous = (running: RunningBroker) => () => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${running.mqttPort}`, { reconnectPeriod: 0, connectTimeout: 5_000 });
    return new Promise<mqtt.MqttClient>((resolve, reject) => {
      client.once("connect", () => resolve(client));
      client.once("error", reject);
      client.once("close", () => reject(new Error("closed before CONNACK")));
    });
  };

  test("without mqtt.default_user, an anonymous client is guest, not the broker's default user (an administrator)", async () => {
    const running = await node({});
    // guest does not exist on a node whose default user is admin: the anonymous login fails.
    assert.equal(await connackCode(anonymous(running)), 4);
    const admin = mqtt.connect(`mqtt://127.0.0.1:${running.mqttPort}`, { reconnectPeriod: 0, username: "admin", password: "admin-pw" });
    await new Promise<void>((resolve, reject) => {
      admin.once("connect", () => resolve());
      admin.once("error", reject);
    });
    await endClient(admin);
  });

  test("mqtt.default_user and mqtt.default_pass name the anonymous user", async () => {
    const running = await node({ "mqtt.default_user": "anon", "mqtt.default_pass": "anon-pw" });
    running.broker.users.add("anon", "anon-pw");
    running.broker.users.setPermissions("anon", "/", { configure: "^mqtt-", write: ".*", read: ".*" });
    const client = await anonymous(running)();
    const connection = [...running.broker.connections].map((each) => each.info()).find((info) => info.protocol.startsWith("MQTT"));
    assert.equal(connection?.user, "anon");
    await endClient(client);
  });

  test("mqtt.allow_anonymous = false refuses clients without credentials", async () => {
    const running = await node({ "mqtt.allow_anonymous": "false", "mqtt.default_user": "admin", "mqtt.default_pass": "admin-pw" });
    assert.equal(await connackCode(anonymous(running)), 5);
  });
});
