/**
 * The real HAProxy and nginx (Debian's haproxy, nginx + libnginx-mod-stream), run from the
 * files in deploy/ with only addresses templated, in front of three Warren node processes.
 * What is checked is what RabbitMQ's users rely on (measured against RabbitMQ 3.10 behind the
 * same programs: shared/reference/rabbitmq-cluster.md §9): connections are spread over every
 * node; a node that stops, dies or freezes leaves the rotation; a client that loses its node
 * reconnects through the same address and carries on.
 *
 * The nodes are not clustered yet (each is a single node), so each check works with what one
 * node holds: a queue declared, filled and drained over one connection. The figures printed
 * (detection and reconnect times) go to docs/deploy.md; nothing here asserts a timing beyond
 * generous timeouts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type amqp from "amqplib";
import mqtt from "mqtt";
import {
  frontDoorToolsMissing, haproxyStatus, nodeOf, openThrough, pickSubnet, roundTrip, startHaproxy, startNginx,
  temporaryDirectory, waitFor, warrenHost, type Program, type WarrenHost,
} from "./front-door.js";

const skip = frontDoorToolsMissing();
const subnet = pickSubnet();
const haproxyAddress = `${subnet}.2`;
const nginxAddress = `${subnet}.3`;
const directory = temporaryDirectory("warren-front-door-");
let hosts: WarrenHost[] = [];
let haproxy: Program | undefined;
let nginx: Program | undefined;

before(async () => {
  if (skip !== undefined) return;
  hosts = [1, 2, 3].map((index) => warrenHost(index, `${subnet}.${10 + index}`, directory.path));
  await Promise.all(hosts.map((host) => host.start()));
  haproxy = await startHaproxy(directory.path, hosts, haproxyAddress);
  nginx = await startNginx(directory.path, hosts, nginxAddress);
  await waitFor("HAProxy to see every node UP", async () => [...(await haproxyStatus(haproxyAddress, "warren_amqp")).values()].every((status) => status === "UP"), 60_000);
});

after(async () => {
  await Promise.all([haproxy?.stop(), nginx?.stop(), ...hosts.map((host) => host.program?.stop())]);
  directory.remove();
});

async function nodesReached(address: string, count: number): Promise<string[]> {
  const reached: string[] = [];
  for (let index = 0; index < count; index++) {
    const connection = await openThrough(address);
    reached.push(nodeOf(connection));
    await connection.close();
  }
  return reached;
}

/** Subscribes and publishes at QoS 1 on one MQTT connection through `address`; returns what came back. */
async function mqttRoundTrip(address: string, topic: string, text: string): Promise<string> {
  const client = await mqtt.connectAsync(`mqtt://${address}:1883`, { clientId: `front-door-${address}`, username: "guest", password: "guest", reconnectPeriod: 0, connectTimeout: 10_000 });
  try {
    const received = new Promise<string>((resolve) => client.on("message", (_topic, payload) => resolve(payload.toString())));
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, text, { qos: 1 });
    return await received;
  } finally {
    await client.endAsync();
  }
}

/** Up to five tries a few milliseconds apart, as a client library's reconnect loop does. */
async function reconnect(address: string): Promise<amqp.ChannelModel> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openThrough(address);
    } catch (error) {
      if (attempt === 5) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function restartIfStopped(host: WarrenHost): Promise<void> {
  host.program.signal("SIGCONT");
  if (!host.program.running) await host.start();
  await waitFor(`HAProxy to see ${host.name} UP again`, async () => (await haproxyStatus(haproxyAddress, "warren_amqp")).get(host.name) === "UP", 30_000);
}

describe("behind HAProxy (deploy/haproxy/haproxy.cfg)", { skip }, () => {
  test("AMQP connections are spread over every node, and each publishes with confirms", async () => {
    const reached = await nodesReached(haproxyAddress, 6);
    assert.deepEqual(new Set(reached), new Set(["warren@node1", "warren@node2", "warren@node3"]), `connections went to ${reached.join(", ")}`);
    for (let index = 0; index < 3; index++) {
      const connection = await openThrough(haproxyAddress);
      assert.equal(await roundTrip(connection, `front-door-${index}`, 100), 100);
      await connection.close();
    }
  });

  test("MQTT QoS 1 goes through to a node and back", async () => {
    assert.equal(await mqttRoundTrip(haproxyAddress, "front/door", "through haproxy"), "through haproxy");
  });

  for (const [how, signal] of [["stopped (SIGTERM)", "SIGTERM"], ["killed (SIGKILL)", "SIGKILL"]] as const) {
    test(`a node ${how} leaves the rotation; its client reconnects through the same address and goes on`, async () => {
      // Find a client on node2, as an application would be when its node goes away.
      let connection = await openThrough(haproxyAddress);
      while (nodeOf(connection) !== "warren@node2") {
        await connection.close();
        connection = await openThrough(haproxyAddress);
      }
      const lost = new Promise<void>((resolve) => connection.once("close", () => resolve()));
      const target = hosts[1];
      const stoppedAtMs = Date.now();
      target.program.signal(signal);
      await lost;
      // The application reconnects through the same address at once, as amqplib users do
      // (a few tries), and lands on a live node: HAProxy redispatches a refused connect.
      const reconnectStartedMs = Date.now();
      const again = await reconnect(haproxyAddress);
      const reconnectMs = Date.now() - reconnectStartedMs;
      assert.notEqual(nodeOf(again), "warren@node2");
      assert.equal(await roundTrip(again, `after-${signal}`, 50), 50);
      await again.close();
      await waitFor("HAProxy to mark node2 DOWN", async () => (await haproxyStatus(haproxyAddress, "warren_amqp")).get("node2") === "DOWN", 20_000);
      const markedDownMs = Date.now() - stoppedAtMs;
      const reached = await nodesReached(haproxyAddress, 6);
      assert.ok(!reached.includes("warren@node2"), `a connection reached the stopped node: ${reached.join(", ")}`);
      console.log(`# haproxy: node ${how}: marked DOWN ${markedDownMs} ms after the signal; the client was connected again ${reconnectMs} ms after it lost its node`);
      await target.program.exited;
      await restartIfStopped(target);
    });
  }

  test("a frozen node (SIGSTOP) is seen by the AMQP-level check and leaves the rotation", async () => {
    const target = hosts[2];
    const stoppedAtMs = Date.now();
    target.program.signal("SIGSTOP");
    try {
      // A plain TCP check would keep it UP: the kernel completes handshakes for a frozen process.
      await waitFor("HAProxy to mark node3 DOWN", async () => (await haproxyStatus(haproxyAddress, "warren_amqp")).get("node3") === "DOWN", 20_000);
      console.log(`# haproxy: frozen node marked DOWN ${Date.now() - stoppedAtMs} ms after SIGSTOP`);
      const reached = await nodesReached(haproxyAddress, 6);
      assert.ok(!reached.includes("warren@node3"), `a connection reached the frozen node: ${reached.join(", ")}`);
      const mqttStatus = await haproxyStatus(haproxyAddress, "warren_mqtt");
      assert.equal(mqttStatus.get("node3"), "DOWN", "MQTT tracks the AMQP check of the same node");
    } finally {
      target.program.signal("SIGCONT");
    }
    await restartIfStopped(target);
  });
});

describe("behind nginx stream (deploy/nginx/nginx.conf)", { skip }, () => {
  test("AMQP connections are spread over every node", async () => {
    const reached = await nodesReached(nginxAddress, 6);
    assert.deepEqual(new Set(reached), new Set(["warren@node1", "warren@node2", "warren@node3"]), `connections went to ${reached.join(", ")}`);
    const connection = await openThrough(nginxAddress);
    assert.equal(await roundTrip(connection, "through-nginx", 100), 100);
    await connection.close();
  });

  test("MQTT QoS 1 goes through to a node and back", async () => {
    assert.equal(await mqttRoundTrip(nginxAddress, "front/nginx", "through nginx"), "through nginx");
  });

  test("with a node killed, every new connection still succeeds: nginx tries the next node within the same connect", async () => {
    const target = hosts[0];
    target.program.signal("SIGKILL");
    await target.program.exited;
    try {
      const reached = await nodesReached(nginxAddress, 6);
      assert.ok(!reached.includes("warren@node1"), `a connection reached the dead node: ${reached.join(", ")}`);
      assert.equal(reached.length, 6);
    } finally {
      await restartIfStopped(target);
    }
  });
});
