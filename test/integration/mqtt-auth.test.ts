/**
 * Authentication and authorization as RabbitMQ's MQTT plugin does them, and bad input:
 * each case closes the offending connection with the right CONNACK or DISCONNECT code
 * while the broker and other clients carry on.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  MessageLog, RawClient, connectClient, connectPacket, delay, endClient, mqttString, packet, startMqttBroker, type MqttTestBroker,
} from "../helpers/mqtt.js";

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker({ mqtt: { maxPacketSizeBytes: 4_096 } });
  const core = broker.running.broker;
  core.addVhost("devices");
  core.users.add("sensor", "s3cret");
  core.users.setPermissions("sensor", "devices", { configure: ".*", write: ".*", read: ".*" });
  core.users.add("reader", "r3ad");
  core.users.setPermissions("reader", "/", { configure: "^mqtt-", write: "^mqtt-", read: ".*" });
});
after(async () => {
  await broker?.stop();
});

async function connackCode(options: Parameters<typeof connectClient>[1]): Promise<number> {
  try {
    const client = await connectClient(broker, options);
    await endClient(client);
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe("authentication", () => {
  test("vhost:username picks the vhost", async () => {
    const client = await connectClient(broker, { username: "devices:sensor", password: "s3cret" });
    await client.subscribeAsync("t/#", { qos: 1 });
    assert.ok(broker.running.broker.vhosts.get("devices")?.queues.has(`mqtt-subscription-${client.options.clientId}qos1`));
    await endClient(client);
  });

  test("a wrong password is refused with 4 (3.1.1) and 0x86 (5)", async () => {
    assert.equal(await connackCode({ username: "sensor", password: "wrong" }), 4);
    assert.equal(await connackCode({ username: "devices:sensor", password: "wrong", protocolVersion: 5 }), 0x86);
  });

  test("a user without access to the vhost is not authorized", async () => {
    assert.equal(await connackCode({ username: "sensor", password: "s3cret" }), 5); // sensor has no permissions on "/"
  });

  test("anonymous clients log in as the default user unless anonymous access is off", async () => {
    assert.equal(await connackCode({}), 0);
    const strict = await startMqttBroker({ mqtt: { allowAnonymous: false } });
    try {
      const client = await connectClient(strict, {}).catch((error: { code?: number }) => error);
      assert.equal((client as { code?: number }).code, 5);
    } finally {
      await strict.stop();
    }
  });
});

describe("authorization", () => {
  test("subscribing needs read on amq.topic: a refused filter gets 0x80 / 0x87, the others are granted", async () => {
    broker.running.broker.users.setPermissions("reader", "/", { configure: "^mqtt-", write: "^mqtt-", read: "^mqtt-" });
    for (const [protocolVersion, refused] of [[4, 0x80], [5, 0x87]] as const) {
      const client = await connectClient(broker, { username: "reader", password: "r3ad", protocolVersion });
      const granted = await client.subscribeAsync("a/b", { qos: 1 }).catch(() => [{ qos: refused }]);
      assert.equal(granted[0].qos, refused);
      await endClient(client);
    }
    broker.running.broker.users.setPermissions("reader", "/", { configure: "^mqtt-", write: "^mqtt-", read: ".*" });
  });

  test("publishing needs write on amq.topic: 3.1.1 is disconnected, 5 gets the reason code", async () => {
    const client = await connectClient(broker, { username: "reader", password: "r3ad" });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.publish("not/allowed", "x", { qos: 1 });
    await closed;
    const v5 = await connectClient(broker, { username: "reader", password: "r3ad", protocolVersion: 5 });
    const reason = new Promise<number | undefined>((resolve) => v5.once("disconnect", (packet) => resolve(packet.reasonCode)));
    v5.publish("not/allowed", "x", { qos: 1 });
    assert.equal(await reason, 0x87);
    await endClient(v5, true);
  });
});

describe("topic permissions (RabbitMQ 3.7+)", () => {
  test("publish needs write and subscribe read on the routing key; {client_id} is expanded", async () => {
    const users = broker.running.broker.users;
    users.add("tenant", "t3nant");
    users.setPermissions("tenant", "/", { configure: ".*", write: ".*", read: ".*" });
    users.setTopicPermission("tenant", "/", { exchange: "amq.topic", write: "^devices\\.{client_id}\\.", read: "^devices\\.{client_id}\\." });
    const options = { username: "tenant", password: "t3nant", clientId: "d7", protocolVersion: 5 as const };
    const client = await connectClient(broker, options);
    const granted = await client.subscribeAsync("devices/d7/#", { qos: 1 });
    assert.equal(granted[0].qos, 1);
    // MQTT.js rejects a SUBACK with a failure code; the packet carries the codes.
    const refused = await client.subscribeAsync("devices/d8/#", { qos: 1 }).catch((error: { packet?: { granted?: number[] } }) => error.packet?.granted);
    assert.deepEqual(refused, [0x87]);
    await client.publishAsync("devices/d7/status", "mine", { qos: 1 });
    const reason = new Promise<number | undefined>((resolve) => client.once("disconnect", (packet) => resolve(packet.reasonCode)));
    client.publish("devices/d8/status", "not mine", { qos: 1 });
    assert.equal(await reason, 0x87);
    await endClient(client, true);
  });
});

describe("bad input", () => {
  async function raw(): Promise<RawClient> {
    return RawClient.connect(broker.port);
  }

  test("a packet before CONNECT closes the connection", async () => {
    const client = await raw();
    client.write(packet(0x30, Buffer.concat([mqttString("a"), Buffer.from("x")])));
    await client.waitForClose();
    assert.equal(client.bytes.length, 0);
  });

  test("a wrong protocol level gets CONNACK 1 and the connection closed", async () => {
    const client = await raw();
    client.write(packet(0x10, Buffer.concat([mqttString("MQTT"), Buffer.from([9, 0x02, 0, 60]), mqttString("x")])));
    await client.waitForClose();
    assert.deepEqual([...client.bytes], [0x20, 2, 0, 1]);
  });

  test("an unknown protocol name closes the connection", async () => {
    const client = await raw();
    client.write(packet(0x10, Buffer.concat([mqttString("HTTP"), Buffer.from([4, 0x02, 0, 60]), mqttString("x")])));
    await client.waitForClose();
  });

  test("a malformed packet after CONNECT: MQTT 5 gets DISCONNECT 0x81", async () => {
    const client = await raw();
    client.write(connectPacket("malformed-5", 5));
    await client.waitForBytes(5);
    const connackLength = client.bytes[1] + 2;
    client.write(packet(0x82, [0, 1, 0])); // SUBSCRIBE without a filter: protocol error
    await client.waitForClose();
    assert.deepEqual([...client.bytes.subarray(connackLength, connackLength + 3)], [0xe0, 2, 0x82]);
    const again = await raw();
    again.write(connectPacket("malformed-5b", 5));
    await again.waitForBytes(5);
    again.write(packet(0x32, Buffer.concat([mqttString("a"), Buffer.from([0, 1, 9])]))); // property length 9 past the end
    await again.waitForClose();
    assert.equal(again.bytes[again.bytes.length - 2], 0x81);
  });

  test("a packet over the maximum size is refused before its body arrives", async () => {
    const client = await raw();
    client.write(connectPacket("oversized", 5));
    await client.waitForBytes(5);
    client.write([0x30, 0xff, 0xff, 0xff, 0x7f]); // announces 256 MiB, sends nothing more
    await client.waitForClose();
    assert.equal(client.bytes[client.bytes.length - 2], 0x95);
    const before = await raw();
    before.write([0x10, 0xff, 0xff, 0x04]); // a 64 KiB+ CONNECT is over the unauthenticated limit
    await before.waitForClose();
  });

  test("garbage and a reserved packet type close the connection; the broker carries on", async (t) => {
    const garbage = await raw();
    garbage.write(Buffer.alloc(64, 0xff));
    await garbage.waitForClose();
    const reserved = await raw();
    reserved.write(connectPacket("reserved"));
    await reserved.waitForBytes(4);
    reserved.write([0xf0, 0]);
    await reserved.waitForClose();
    const log = new MessageLog();
    const healthy = await connectClient(broker, {}, log);
    t.after(() => endClient(healthy));
    await healthy.subscribeAsync("still/alive");
    await healthy.publishAsync("still/alive", "yes");
    await log.waitFor(1);
    await delay(10);
  });
});
