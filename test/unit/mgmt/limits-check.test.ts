import { test } from "node:test";
import assert from "node:assert/strict";
import { Broker, type BrokerConnection, type ConnectionInfo } from "../../../src/broker/broker.js";
import { defaultConfig } from "../../../src/config/config.js";
import { createLogger } from "../../../src/io/logger.js";
import { systemIo } from "../../../src/io/io.js";
import { applyDefinitionCommand } from "../../../src/broker/definitions.js";
import { checkChannelLimit, checkConnectionLimits, checkQueueLimit } from "../../../src/broker/limits-check.js";

function fakeConnection(id: number, user: string, vhost: string, channels: number): BrokerConnection {
  const info = { id, user, vhost, channels: Array.from({ length: channels }, () => ({})) } as unknown as ConnectionInfo;
  return { id, info: () => info, tick: () => undefined, shutdown: () => undefined, terminate: () => undefined };
}

test("vhost and user limits refuse with RabbitMQ's texts; negative means unlimited", () => {
  const broker = new Broker(defaultConfig(), createLogger({ level: "silent" }), systemIo());
  const guest = broker.users.get("guest")!;
  applyDefinitionCommand(broker, { type: "vhost.set_limits", vhost: "/", limits: { "max-connections": 1, "max-queues": 1 } });
  checkConnectionLimits(broker, guest, "/");
  broker.attach(fakeConnection(1, "guest", "/", 2));
  assert.throws(() => checkConnectionLimits(broker, guest, "/"), { message: "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (1) is reached" });
  applyDefinitionCommand(broker, { type: "vhost.set_limits", vhost: "/", limits: { "max-connections": -1 } });
  checkConnectionLimits(broker, guest, "/");
  applyDefinitionCommand(broker, { type: "user.set_limits", name: "guest", limits: { "max-connections": 1, "max-channels": 2 } });
  assert.throws(() => checkConnectionLimits(broker, guest, "/"), /User connection limit \(1\) is reached/);
  assert.throws(() => checkChannelLimit(broker, guest), { message: "NOT_ALLOWED - number of channels opened for user 'guest' has reached the maximum allowed user limit of (2)" });
  applyDefinitionCommand(broker, { type: "user.clear_limits", name: "guest", limit: "max-channels" });
  checkChannelLimit(broker, guest);
  checkQueueLimit(broker, "/", "q1");
  applyDefinitionCommand(broker, { type: "queue.declare", vhost: "/", name: "q1", durable: false, autoDelete: false, arguments: {} });
  assert.throws(() => checkQueueLimit(broker, "/", "q2"), { message: "PRECONDITION_FAILED - cannot declare queue 'q2': queue limit in vhost '/' (1) is reached" });
  assert.throws(() => applyDefinitionCommand(broker, { type: "vhost.set_limits", vhost: "/", limits: { "max-bananas": 1 } as never }), /unknown limit 'max-bananas'/);
});
