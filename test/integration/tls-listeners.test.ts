/**
 * AMQPS and MQTTS (issue 19, first step): a real warren-server process configured with
 * rabbitmq.conf's TLS keys, and real clients over TLS: amqplib with `amqps://`, Debian's
 * `openssl s_client` and `mosquitto_pub`/`mosquitto_sub`. Certificates are made by the test
 * (helpers/tls-certificates.ts). RabbitMQ 3.10's TLS guide was the reference for the keys and
 * for what a client sees (a wrong CA fails the client's verification; verify_peer with
 * fail_if_no_peer_cert refuses a client without a certificate during the handshake).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { freePort, startNodeProcess, type NodeProcess } from "../helpers/node-process.js";
import { runProcess } from "../helpers/processes.js";
import { SUITE_TIMEOUT_MS } from "../helpers/broker.js";
import { makeTestCertificates, type TestCertificates } from "./helpers/tls-certificates.js";

const OPENSSL = "/usr/bin/openssl";
const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";
const MOSQUITTO_SUB = "/usr/bin/mosquitto_sub";
const WAIT_MS = 15_000;

let directory: string;
let certificates: TestCertificates;
const nodes: NodeProcess[] = [];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "warren-tls-"));
  certificates = await makeTestCertificates(directory);
});

after(async () => {
  for (const node of nodes) await node.kill("SIGTERM");
  rmSync(directory, { recursive: true, force: true });
});

/** Starts warren-server with `lines` as its warren.conf; waits on `waitPort` (a TCP connect). */
async function startWithConfig(name: string, lines: string[], waitPort: number, amqpPort = waitPort): Promise<NodeProcess> {
  const dataDir = join(directory, name);
  const configFile = join(directory, `${name}.conf`);
  writeFileSync(configFile, lines.join("\n") + "\n");
  // waitPort is where the node is known to be up; WARREN_NODE_PORT is the plain AMQP port.
  const node = await startNodeProcess({ dataDir, port: waitPort, environment: { WARREN_CONFIG_FILE: configFile, WARREN_NODE_PORT: String(amqpPort) } });
  nodes.push(node);
  return node;
}

function serverKeys(): string[] {
  return [`ssl_options.cacertfile = ${certificates.caFile}`, `ssl_options.certfile = ${certificates.serverCertFile}`, `ssl_options.keyfile = ${certificates.serverKeyFile}`];
}

/** Connects with amqplib over TLS and round-trips one message through a server-named queue. */
async function roundTrip(url: string, socketOptions: Record<string, unknown>): Promise<string> {
  const connection = await amqp.connect(url, { ...socketOptions, timeout: WAIT_MS });
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    channel.sendToQueue(queue, Buffer.from("over tls"));
    for (let attempt = 0; attempt < 100; attempt++) {
      const message = await channel.get(queue, { noAck: true });
      if (message !== false) return message.content.toString();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the message did not arrive");
  } finally {
    await connection.close();
  }
}

describe("AMQPS and MQTTS beside plain AMQP, verify_none", { timeout: SUITE_TIMEOUT_MS }, () => {
  let node: NodeProcess;
  let amqpsPort: number;
  let mqttsPort: number;

  before(async () => {
    const amqpPort = await freePort();
    amqpsPort = await freePort();
    mqttsPort = await freePort();
    node = await startWithConfig("verify-none", [
      `listeners.ssl.default = 127.0.0.1:${amqpsPort}`,
      `mqtt.listeners.ssl.default = 127.0.0.1:${mqttsPort}`,
      ...serverKeys(),
      "ssl_options.versions.1 = tlsv1.3",
      "ssl_options.versions.2 = tlsv1.2",
      "ssl_options.honor_cipher_order = true",
    ], amqpPort);
  });

  test("amqplib over amqps:// with the CA round-trips a message, and plain AMQP still works", async () => {
    const ca = [readFileSync(certificates.caFile)];
    assert.equal(await roundTrip(`amqps://guest:guest@localhost:${amqpsPort}`, { ca }), "over tls");
    assert.equal(await roundTrip(node.url, {}), "over tls");
  });

  test("a client that trusts another CA refuses the server's certificate", async () => {
    const ca = [readFileSync(certificates.otherCaFile)];
    await assert.rejects(amqp.connect(`amqps://guest:guest@localhost:${amqpsPort}`, { ca, timeout: WAIT_MS }), (error: Error) => {
      // The server sends its chain up to the CA (OpenSSL builds it from cacertfile), so the client sees a foreign root.
      assert.match(error.message, /self-signed certificate in certificate chain|unable to get local issuer certificate/);
      return true;
    });
    const result = await runProcess(MOSQUITTO_PUB, ["--cafile", certificates.otherCaFile, "-h", "localhost", "-p", String(mqttsPort), "-u", "guest", "-P", "guest", "-t", "tls/wrong-ca", "-m", "x"], { timeoutMs: WAIT_MS });
    assert.notEqual(result.exitCode, 0);
    // mosquitto_pub's summary; OpenSSL's "certificate verify failed" comes before it only sometimes.
    assert.match(result.stdout + result.stderr, /A TLS error occurred/);
  });

  test("openssl s_client completes the handshake and verifies the chain", async () => {
    const result = await runProcess(OPENSSL, ["s_client", "-connect", `127.0.0.1:${amqpsPort}`, "-servername", "localhost", "-CAfile", certificates.caFile, "-verify_return_error"], { timeoutMs: WAIT_MS, input: "" });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /Verify return code: 0 \(ok\)/);
    assert.match(result.stdout, /Protocol *: TLSv1\.3|New, TLSv1\.3/);
  });

  test("openssl s_client asking for TLS 1.1 is refused by the server", async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal seen is the server's.
    const result = await runProcess(OPENSSL, ["s_client", "-connect", `127.0.0.1:${amqpsPort}`, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], { timeoutMs: WAIT_MS, input: "" });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /alert protocol version|unsupported protocol/);
  });

  test("mosquitto_pub over MQTTS with --cafile; mosquitto_sub reads the retained message back", async () => {
    const common = ["--cafile", certificates.caFile, "-h", "localhost", "-p", String(mqttsPort), "-u", "guest", "-P", "guest", "-t", "tls/retained"];
    const published = await runProcess(MOSQUITTO_PUB, [...common, "-r", "-q", "1", "-m", "hello over mqtts"], { timeoutMs: WAIT_MS });
    assert.equal(published.exitCode, 0, published.stderr);
    const received = await runProcess(MOSQUITTO_SUB, [...common, "-C", "1", "-W", "10"], { timeoutMs: WAIT_MS });
    assert.equal(received.exitCode, 0, received.stderr);
    assert.equal(received.stdout.trim(), "hello over mqtts");
  });
});

describe("TLS only (listeners.tcp = none), verify_peer with fail_if_no_peer_cert", { timeout: SUITE_TIMEOUT_MS }, () => {
  let node: NodeProcess;
  let amqpsPort: number;

  before(async () => {
    amqpsPort = await freePort();
    node = await startWithConfig("verify-peer", [
      "listeners.tcp = none",
      `listeners.ssl.default = 127.0.0.1:${amqpsPort}`,
      ...serverKeys(),
      "ssl_options.verify = verify_peer",
      "ssl_options.fail_if_no_peer_cert = true",
    ], amqpsPort);
  });

  test("no plain AMQP listener is started", () => {
    assert.doesNotMatch(node.output(), /AMQP 0-9-1 listener started/);
    assert.match(node.output(), /AMQP 0-9-1 over TLS listener started/);
  });

  test("a client without a certificate is refused; one with a certificate from the CA gets in", async () => {
    const ca = [readFileSync(certificates.caFile)];
    const url = `amqps://guest:guest@localhost:${amqpsPort}`;
    await assert.rejects(roundTrip(url, { ca }), (error: Error) => {
      assert.match(error.message, /certificate required|socket hang up|ECONNRESET|Socket closed/);
      return true;
    });
    const cert = readFileSync(certificates.clientCertFile);
    const key = readFileSync(certificates.clientKeyFile);
    assert.equal(await roundTrip(url, { ca, cert, key }), "over tls");
  });

  test("openssl s_client without a certificate sees the handshake fail", async () => {
    // TLS 1.2: the server refuses before its Finished, so the client always sees the alert. In TLS 1.3
    // the alert comes after the client's handshake is done, and s_client with no input may exit first
    // (amqplib, which waits for the AMQP handshake, sees that case above).
    const result = await runProcess(OPENSSL, ["s_client", "-connect", `127.0.0.1:${amqpsPort}`, "-tls1_2", "-CAfile", certificates.caFile], { timeoutMs: WAIT_MS, input: "" });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stdout + result.stderr, /handshake failure|certificate required/);
  });
});

describe("a bad certificate or key stops start-up, naming the file", { timeout: SUITE_TIMEOUT_MS }, () => {
  async function startFailing(name: string, keys: string[]): Promise<string> {
    const amqpsPort = await freePort();
    try {
      const node = await startWithConfig(name, [`listeners.ssl.default = 127.0.0.1:${amqpsPort}`, ...keys], await freePort());
      await node.kill("SIGTERM");
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("the node started");
  }

  test("a missing certfile", async () => {
    const missing = join(directory, "no-such-cert.pem");
    const output = await startFailing("missing-cert", [`ssl_options.certfile = ${missing}`, `ssl_options.keyfile = ${certificates.serverKeyFile}`]);
    assert.match(output, new RegExp(`${missing}: cannot read ssl_options.certfile \\(no such file\\)`));
  });

  test("a key that belongs to another certificate", async () => {
    const output = await startFailing("mismatched-key", [`ssl_options.certfile = ${certificates.serverCertFile}`, `ssl_options.keyfile = ${certificates.clientKeyFile}`]);
    assert.match(output, new RegExp(`${certificates.clientKeyFile}: ssl_options.keyfile does not match the certificate in ${certificates.serverCertFile}`));
  });
});
