/**
 * rabbitmq.conf's TLS keys in warren.conf (issue 19): every key RabbitMQ 3.10 documents for
 * AMQPS/MQTTS listeners that Warren supports now, and a clear error, with the file and line,
 * for a bad value or a key that is not supported yet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/warren-conf.js";
import { defaultConfig } from "../../src/config/config.js";

/** assert.throws on the error's message itself (a RegExp alone is matched against "ConfigError: ..."). */
function throwsWithMessage(parse: () => unknown, expected: RegExp): void {
  assert.throws(parse, (error: Error) => {
    assert.match(error.message, expected);
    return true;
  });
}

const FILES = ["ssl_options.cacertfile = /etc/warren/ca.pem", "ssl_options.certfile = /etc/warren/server.pem", "ssl_options.keyfile = /etc/warren/server.key"];

test("the TLS keys are read as RabbitMQ writes them", () => {
  const config = parseConfigText([
    "listeners.tcp = none",
    "listeners.ssl.default = 5671",
    "listeners.ssl.other = 127.0.0.1:5681",
    ...FILES,
    "ssl_options.password = secret",
    "ssl_options.verify = verify_peer",
    "ssl_options.fail_if_no_peer_cert = true",
    "ssl_options.versions.1 = tlsv1.3",
    "ssl_options.honor_cipher_order = true",
    "mqtt.listeners.ssl.default = 8883",
  ].join("\n"), "warren.conf");
  assert.equal(config.tcpListenersEnabled, false);
  assert.deepEqual(config.sslListeners, [{ host: "::", port: 5671 }, { host: "127.0.0.1", port: 5681 }]);
  assert.deepEqual(config.ssl, {
    cacertfile: "/etc/warren/ca.pem", certfile: "/etc/warren/server.pem", keyfile: "/etc/warren/server.key", password: "secret",
    verify: "verify_peer", failIfNoPeerCert: true, versions: ["tlsv1.3"], honorCipherOrder: true,
  });
  assert.equal(config.mqttSslPort, 8883);
  assert.deepEqual(defaultConfig().ssl.versions, ["tlsv1.2", "tlsv1.3"]);
});

test("a bad value names the file, the line and what was expected", () => {
  const cases: [string, RegExp][] = [
    ["ssl_options.verify = verify_always", /^warren\.conf:4: ssl_options\.verify: expected verify_peer or verify_none, got 'verify_always'$/],
    ["ssl_options.versions.1 = tlsv1.1", /^warren\.conf:4: ssl_options\.versions\.1: expected tlsv1\.2 or tlsv1\.3, got 'tlsv1\.1'$/],
    ["ssl_options.fail_if_no_peer_cert = yes", /^warren\.conf:4: ssl_options\.fail_if_no_peer_cert: expected true or false/],
    ["listeners.ssl.default = 99999", /^warren\.conf:4: listeners\.ssl\.default: expected a port/],
    ["listeners.tcp = off", /^warren\.conf:4: listeners\.tcp: expected 'none'/],
    ["mqtt.listeners.ssl.default = port", /^warren\.conf:4: mqtt\.listeners\.ssl\.default: expected a port/],
    // Not supported yet (docs/operations.md, TLS): refused rather than silently ignored.
    ["ssl_options.ciphers.1 = TLS_AES_256_GCM_SHA384", /^warren\.conf:4: unknown key 'ssl_options\.ciphers\.1'/],
  ];
  for (const [line, expected] of cases) {
    throwsWithMessage(() => parseConfigText([...FILES, line].join("\n"), "warren.conf"), expected);
  }
});

test("a TLS listener without a certificate and key, or verify_peer without a CA, is refused", () => {
  throwsWithMessage(() => parseConfigText("listeners.ssl.default = 5671\n", "warren.conf"), /^warren\.conf: TLS listeners .* need ssl_options\.certfile and ssl_options\.keyfile$/);
  throwsWithMessage(() => parseConfigText([...FILES.slice(1), "mqtt.listeners.ssl.default = 8883", "ssl_options.verify = verify_peer"].join("\n"), "warren.conf"), /verify_peer needs ssl_options\.cacertfile/);
  throwsWithMessage(() => parseConfigText(["listeners.tcp = none", "listeners.tcp.default = 5672"].join("\n"), "warren.conf"), /^warren\.conf:1: listeners\.tcp = none, but listeners\.tcp\.\* are given too/);
});
