/**
 * Debian's MQTT clients against Warren: mosquitto_pub and mosquitto_sub (mosquitto-clients)
 * and paho (python3-paho-mqtt). A test is skipped, saying why, when its package is missing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { delay, startMqttBroker, type MqttTestBroker } from "../helpers/mqtt.js";

const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";
const MOSQUITTO_SUB = "/usr/bin/mosquitto_sub";
// Debian's interpreter explicitly: a python3 on PATH may be a pyenv shim without Debian's packages.
const PYTHON = "/usr/bin/python3";
const PAHO_SCRIPT = fileURLToPath(new URL("./python/mqtt_paho.py", import.meta.url));

let broker: MqttTestBroker;
before(async () => {
  broker = await startMqttBroker();
});
after(async () => {
  await broker?.stop();
});

function run(command: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

for (const version of ["mqttv311", "mqttv5"]) {
  test(`mosquitto_sub receives what mosquitto_pub sends (${version}, QoS 0-2, wildcard)`, { skip: existsSync(MOSQUITTO_PUB) ? false : "mosquitto-clients not installed" }, async () => {
    const port = String(broker.port);
    const subscriber = run(MOSQUITTO_SUB, ["-h", "127.0.0.1", "-p", port, "-V", version, "-t", `mosq/${version}/+`, "-q", "2", "-C", "3", "-v", "-W", "10"]);
    await delay(300);
    for (const qos of ["0", "1", "2"]) {
      const published = await run(MOSQUITTO_PUB, ["-h", "127.0.0.1", "-p", port, "-V", version, "-t", `mosq/${version}/q${qos}`, "-q", qos, "-m", `hello ${qos}`]);
      assert.equal(published.code, 0, published.stderr);
    }
    const result = await subscriber;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), [0, 1, 2].map((qos) => `mosq/${version}/q${qos} hello ${qos}`));
  });
}

test("mosquitto_sub gets a retained message published with mosquitto_pub -r", { skip: existsSync(MOSQUITTO_PUB) ? false : "mosquitto-clients not installed" }, async () => {
  const port = String(broker.port);
  const published = await run(MOSQUITTO_PUB, ["-h", "127.0.0.1", "-p", port, "-t", "mosq/retained/value", "-q", "1", "-r", "-m", "42"]);
  assert.equal(published.code, 0, published.stderr);
  const result = await run(MOSQUITTO_SUB, ["-h", "127.0.0.1", "-p", port, "-t", "mosq/#", "-C", "1", "-v", "-W", "5"]);
  assert.equal(result.stdout.trim(), "mosq/retained/value 42");
});

test("python3-paho-mqtt: QoS 0-2 over 3.1.1 and 5.0, retained on a wildcard", { skip: existsSync(PYTHON) ? false : "/usr/bin/python3 not installed" }, async (t) => {
  const probe = await run(PYTHON, ["-c", "import paho.mqtt.client"]);
  if (probe.code !== 0) {
    t.skip("python3-paho-mqtt not installed");
    return;
  }
  const result = await run(PYTHON, [PAHO_SCRIPT, String(broker.port)], 30_000);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.equal(result.stdout.trim(), "ok");
});
