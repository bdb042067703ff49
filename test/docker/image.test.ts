/**
 * The Dockerfile, built and run for real with Debian's Docker engine, the way RabbitMQ's
 * users run RabbitMQ's image (issue "The front door and the containers"): RABBITMQ_*
 * variables, a named data volume, `docker exec ... warrenctl`, `docker stop`.
 *
 * No image registry is reachable from these machines, so the `node:20-bookworm-slim` base is
 * made locally first (scripts/docker-base-image.sh, from Debian's packages; Docker keeps it, so
 * only the first run on a machine pays for it). When no engine runs, the test starts `dockerd`
 * and stops it again by its PID. Only loopback ports are published.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import amqp from "amqplib";
import { commandWorks, requireTool } from "../helpers/processes.js";

const REPOSITORY = process.cwd();
const suffix = `${process.pid}`;
const image = `warren:test-${suffix}`;
const container = `warren-test-${suffix}`;
const volume = `warren-test-data-${suffix}`;
const cookie = `TESTCOOKIE${suffix}`;
let startedEngine: ChildProcess | undefined;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to run a Docker engine";
  return requireTool("Docker (docker.io) and mmdebstrap", () => commandWorks("dockerd", ["--version"]) && commandWorks("mmdebstrap", ["--version"]));
}
const skip = unavailable();

function docker(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, DOCKER_BUILDKIT: "0" }, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function dockerOk(args: string[], timeoutMs?: number): string {
  const result = docker(args, timeoutMs);
  if (result.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${result.status}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  return result.stdout.trim();
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, describe: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
}

async function ensureEngine(): Promise<void> {
  if (docker(["info"], 10_000).status === 0) return;
  startedEngine = spawn("dockerd", [], { stdio: "ignore" });
  await waitFor("the Docker engine", () => docker(["info"], 10_000).status === 0, 60_000);
}

function health(): string {
  return docker(["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container]).stdout.trim();
}

function publishedPort(port: number): number {
  const mapping = dockerOk(["port", container, `${port}/tcp`]).split("\n")[0];
  return Number(mapping.slice(mapping.lastIndexOf(":") + 1));
}

async function waitHealthy(): Promise<void> {
  await waitFor("the container to be healthy", () => health() === "healthy", 120_000, () => docker(["logs", "--tail", "50", container]).stdout + docker(["logs", "--tail", "50", container]).stderr);
}

before(async () => {
  if (skip !== undefined) return;
  await ensureEngine();
  const base = spawnSync("bash", ["scripts/docker-base-image.sh"], { encoding: "utf8", timeout: 15 * 60_000 });
  if (base.status !== 0) throw new Error(`scripts/docker-base-image.sh failed:\n${base.stdout.slice(-4000)}\n${base.stderr.slice(-4000)}`);
  dockerOk(["build", "-t", image, REPOSITORY], 15 * 60_000);
});

after(async () => {
  if (skip !== undefined) return;
  docker(["rm", "-f", container]);
  docker(["volume", "rm", "-f", volume]);
  docker(["image", "rm", "-f", image]);
  docker(["image", "prune", "-f"]);
  if (startedEngine !== undefined) {
    startedEngine.kill("SIGTERM");
    await new Promise((resolve) => startedEngine?.once("exit", resolve));
  }
});

test("the image runs as RabbitMQ's does: RABBITMQ_* variables, a data volume, warrenctl through docker exec, a quick docker stop", { skip, timeout: 30 * 60_000 }, async () => {
  dockerOk(["run", "-d", "--name", container, "--hostname", "rabbit_host1",
    "-e", "RABBITMQ_NODENAME=rabbit", "-e", "RABBITMQ_DEFAULT_USER=admin", "-e", "RABBITMQ_DEFAULT_PASS=container-secret",
    "-e", `RABBITMQ_ERLANG_COOKIE=${cookie}`, "-v", `${volume}:/var/lib/warren`,
    "-p", "127.0.0.1::5672", "-p", "127.0.0.1::15672", image]);
  await waitHealthy();

  // warrenctl inside the container finds the node and the cookie by itself.
  const status = dockerOk(["exec", container, "warrenctl", "status"]);
  assert.match(status, /rabbit@rabbit_host1/);
  assert.notEqual(dockerOk(["exec", container, "id", "-u"]), "0", "the broker does not run as root");

  const url = `amqp://admin:container-secret@127.0.0.1:${publishedPort(5672)}`;
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue("kept-in-the-volume", { durable: true });
  for (let index = 0; index < 100; index++) channel.sendToQueue("kept-in-the-volume", Buffer.from(`message ${index}`), { persistent: true });
  await channel.waitForConfirms();
  await connection.close();

  const overview = await fetch(`http://127.0.0.1:${publishedPort(15672)}/api/overview`, { headers: { authorization: `Basic ${Buffer.from("admin:container-secret").toString("base64")}` } });
  assert.equal(overview.status, 200);
  assert.equal(((await overview.json()) as { node: string }).node, "rabbit@rabbit_host1");

  // docker stop sends SIGTERM; the node stops by itself (exit 0), not by the SIGKILL Docker
  // sends after its 10 s grace (exit 137).
  dockerOk(["stop", container], 60_000);
  assert.equal(dockerOk(["inspect", "--format", "{{.State.ExitCode}}", container]), "0");

  // The same container started again keeps its definitions and messages in the volume.
  dockerOk(["start", container]);
  await waitHealthy();
  const again = await amqp.connect(`amqp://admin:container-secret@127.0.0.1:${publishedPort(5672)}`);
  const reader = await again.createChannel();
  const declared = await reader.checkQueue("kept-in-the-volume");
  assert.equal(declared.messageCount, 100);
  await again.close();
});
