import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText, loadConfig, parseSizeBytes } from "../../../src/config/warren-conf.js";
import { ConfigError, defaultConfig } from "../../../src/config/config.js";

test("RabbitMQ's keys set the matching fields", () => {
  const config = parseConfigText(
    [
      "# a comment",
      "listeners.tcp.default = 127.0.0.1:5673",
      "listeners.tcp.2 = [::1]:5674",
      "management.tcp.port = 15673   # trailing comment",
      "prometheus.tcp.port = 15693",
      "default_user = admin",
      "default_pass = s3cret#not-a-comment",
      "default_vhost = main",
      "default_user_tags.administrator = true",
      "default_user_tags.monitoring = true",
      "loopback_users.guest = false",
      "vm_memory_high_watermark.relative = 0.6",
      "disk_free_limit.absolute = 2GB",
      "heartbeat = 30",
      "frame_max = 8192",
      "channel_max = 128",
      "max_message_size = 1048576",
      "consumer_timeout = 900000",
      "log.file.level = warning",
      "cluster_formation.peer_discovery_backend = classic_config",
      "cluster_formation.classic_config.nodes.1 = warren@a",
      "cluster_partition_handling = pause_minority",
      "mqtt.vhost = /",
      "",
    ].join("\n"),
    "warren.conf",
  );
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 5673);
  assert.deepEqual(config.additionalListeners, [{ host: "::1", port: 5674 }]);
  assert.equal(config.managementPort, 15673);
  assert.equal(config.metricsPort, 15693);
  assert.equal(config.defaultUser, "admin");
  assert.equal(config.defaultPass, "s3cret#not-a-comment");
  assert.equal(config.defaultVhost, "main");
  assert.deepEqual(config.defaultUserTags, ["administrator", "monitoring"]);
  assert.deepEqual(config.loopbackUsers, []);
  assert.equal(config.memoryHighWatermarkRelative, 0.6);
  assert.equal(config.diskFreeLimitBytes, 2_000_000_000);
  assert.equal(config.heartbeatSeconds, 30);
  assert.equal(config.frameMaxBytes, 8192);
  assert.equal(config.channelMax, 128);
  assert.equal(config.maxMessageSizeBytes, 1_048_576);
  assert.equal(config.consumerTimeoutMs, 900_000);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.clusterFormation["cluster_formation.classic_config.nodes.1"], "warren@a");
  assert.equal(config.clusterPartitionHandling, "pause_minority");
  assert.equal(config.mqtt["mqtt.vhost"], "/");
});

test("an unknown key names the file, the line and a likely key", () => {
  assert.throws(
    () => parseConfigText("heartbeat = 10\nhaertbeat = 10\n", "/etc/warren/warren.conf"),
    (error: unknown) => error instanceof ConfigError && error.message === "/etc/warren/warren.conf:2: unknown key 'haertbeat' (did you mean 'heartbeat'?)",
  );
});

test("a bad value names the file, the line and what was expected", () => {
  const cases: [string, RegExp][] = [
    ["heartbeat = soon", /w\.conf:1: heartbeat: expected an integer from 0 to 65535, got 'soon'$/],
    ["listeners.tcp.default = localhost", /w\.conf:1: listeners\.tcp\.default: expected a port \(5672\) or an address and port/],
    ["disk_free_limit.absolute = 2 bananas", /expected a size in bytes/],
    ["frame_max = 100", /expected 0 or an integer of at least 4096/],
    ["log.file.level = loud", /expected debug, info, warning, error, critical or none, got 'loud'/],
    ["loopback_users.guest = maybe", /expected true or false/],
    ["cluster_partition_handling = hope", /expected ignore, pause_minority or autoheal/],
    ["just some words", /w\.conf:1: expected 'key = value', got 'just some words'$/],
    ["max_message_size = 999999999999", /expected an integer from 1 to 536870912/],
  ];
  for (const [line, expected] of cases) assert.throws(() => parseConfigText(line, "w.conf"), expected, line);
});

test("information units follow RabbitMQ: kB is 1000, KiB and k are 1024", () => {
  assert.equal(parseSizeBytes("1000"), 1000);
  assert.equal(parseSizeBytes("2kB"), 2000);
  assert.equal(parseSizeBytes("2KiB"), 2048);
  assert.equal(parseSizeBytes("1MiB"), 1_048_576);
  assert.equal(parseSizeBytes("1.5GB"), 1_500_000_000);
  assert.equal(parseSizeBytes("1TB"), undefined);
});

test("environment variables override the file; RABBITMQ_* are aliases", () => {
  const directory = mkdtempSync(join(tmpdir(), "warren-conf-"));
  const file = join(directory, "warren.conf");
  writeFileSync(file, "default_user = from-file\ndefault_pass = file-pass\nlisteners.tcp.default = 5700\nmanagement.tcp.port = 15700\n");
  const config = loadConfig({ WARREN_CONFIG_FILE: file, WARREN_DEFAULT_USER: "from-env", RABBITMQ_DEFAULT_PASS: "alias-pass", WARREN_DIST_PORT: "25999" });
  assert.equal(config.configFile, file);
  assert.equal(config.defaultUser, "from-env");
  assert.equal(config.defaultPass, "alias-pass");
  assert.equal(config.port, 5700);
  assert.equal(config.managementPort, 15700);
  assert.equal(config.controlPort, 25999);
  // WARREN_* wins over RABBITMQ_* when both are set.
  assert.equal(loadConfig({ WARREN_CONFIG_FILE: file, WARREN_DEFAULT_USER: "w", RABBITMQ_DEFAULT_USER: "r" }).defaultUser, "w");
});

test("the distribution port follows the AMQP port unless set", () => {
  assert.equal(loadConfig({ WARREN_CONFIG_FILE: "", WARREN_NODE_PORT: "5800" }).controlPort, 25800);
  assert.equal(loadConfig({ WARREN_CONFIG_FILE: "", WARREN_NODE_PORT: "5800", RABBITMQ_DIST_PORT: "26000" }).controlPort, 26000);
});

test("a named file that does not exist stops start-up", () => {
  assert.throws(() => loadConfig({ WARREN_CONFIG_FILE: "/nonexistent/warren.conf" }), /\/nonexistent\/warren\.conf: cannot read the configuration file \(ENOENT\)/);
});

test("the defaults are RabbitMQ's", () => {
  const config = defaultConfig();
  assert.equal(config.port, 5672);
  assert.equal(config.managementPort, 15672);
  assert.equal(config.metricsPort, 15692);
  assert.equal(config.controlPort, 25672);
  assert.deepEqual(config.loopbackUsers, ["guest"]);
});
