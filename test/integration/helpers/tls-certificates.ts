/**
 * Certificates for the TLS tests, made fresh by Debian's openssl in the test's own temporary
 * directory (no private key is ever committed): a CA, a server certificate for
 * localhost/127.0.0.1 signed by it, a client certificate (CN=guest) signed by it, and a second,
 * unrelated CA that clients use to show what a wrong CA looks like.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "../../helpers/processes.js";

export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly otherCaFile: string;
}

const OPENSSL = "/usr/bin/openssl";
// EC keys: generating them is instant, where RSA keys would slow every test run on a loaded machine.
const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(args: string[]): Promise<void> {
  const result = await runProcess(OPENSSL, args, { timeoutMs: 20_000 });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed (${result.exitCode}): ${result.stderr}`);
}

async function makeCa(directory: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(directory, `${name}.pem`);
  const key = join(directory, `${name}.key`);
  await openssl(["req", "-x509", ...KEY_ARGS, "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`]);
  return { cert, key };
}

async function makeSigned(directory: string, name: string, ca: { cert: string; key: string }, subject: string, extensions: string): Promise<{ cert: string; key: string }> {
  const cert = join(directory, `${name}.pem`);
  const key = join(directory, `${name}.key`);
  const request = join(directory, `${name}.csr`);
  const extensionFile = join(directory, `${name}.ext`);
  writeFileSync(extensionFile, extensions);
  await openssl(["req", ...KEY_ARGS, "-keyout", key, "-out", request, "-subj", subject]);
  await openssl(["x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", extensionFile]);
  return { cert, key };
}

export async function makeTestCertificates(directory: string): Promise<TestCertificates> {
  const ca = await makeCa(directory, "warren-test-ca");
  const other = await makeCa(directory, "unrelated-ca");
  const server = await makeSigned(directory, "server", ca, "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  const client = await makeSigned(directory, "client", ca, "/CN=guest", "extendedKeyUsage=clientAuth\n");
  return { caFile: ca.cert, serverCertFile: server.cert, serverKeyFile: server.key, clientCertFile: client.cert, clientKeyFile: client.key, otherCaFile: other.cert };
}
