/**
 * Turns ssl_options.* into the options of Node's `tls.createServer`, reading and checking the
 * certificate, key and CA files once at start-up. Every problem is a ConfigError that names the
 * file and what is wrong with it, because OpenSSL's own messages ("key values mismatch",
 * "PEM routines::no start line") do not say which of three files they are about.
 */
// node:fs directly: the files are read once when the listeners start, like warren.conf itself.
import { readFileSync } from "node:fs";
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import type { SecureVersion, TlsOptions } from "node:tls";
import { ConfigError, type SslOptions, type TlsVersionName } from "./config.js";

const SECURE_VERSIONS: Record<TlsVersionName, SecureVersion> = { "tlsv1.2": "TLSv1.2", "tlsv1.3": "TLSv1.3" };

export function tlsServerOptions(ssl: SslOptions): TlsOptions {
  if (ssl.certfile === undefined || ssl.keyfile === undefined) {
    throw new ConfigError("TLS listeners need ssl_options.certfile and ssl_options.keyfile");
  }
  const cert = readPem(ssl.certfile, "ssl_options.certfile");
  const key = readPem(ssl.keyfile, "ssl_options.keyfile");
  const certificate = parseCertificate(cert, ssl.certfile, "ssl_options.certfile");
  const privateKey = parseKey(key, ssl.keyfile, ssl.password);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(`${ssl.keyfile}: ssl_options.keyfile does not match the certificate in ${ssl.certfile} (a key from another certificate?)`);
  }
  const options: TlsOptions = { cert, key, passphrase: ssl.password, honorCipherOrder: ssl.honorCipherOrder };
  if (ssl.cacertfile !== undefined) {
    const ca = readPem(ssl.cacertfile, "ssl_options.cacertfile");
    parseCertificate(ca, ssl.cacertfile, "ssl_options.cacertfile");
    options.ca = ca;
  }
  const versions = ssl.versions.map((name) => SECURE_VERSIONS[name]).sort();
  options.minVersion = versions[0];
  options.maxVersion = versions[versions.length - 1];
  if (ssl.verify === "verify_peer") {
    // Node's rejectUnauthorized also makes OpenSSL refuse a client without a certificate
    // (SSL_VERIFY_FAIL_IF_NO_PEER_CERT), so without fail_if_no_peer_cert the listener checks
    // a presented certificate itself (src/protocol/tls-server.ts).
    options.requestCert = true;
    options.rejectUnauthorized = ssl.failIfNoPeerCert;
  } else {
    options.requestCert = false;
  }
  return options;
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(code ?? error);
    throw new ConfigError(`${path}: cannot read ${key} (${problem})`);
  }
}

function parseCertificate(pem: Buffer, path: string, key: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new ConfigError(`${path}: ${key} is not a PEM certificate (${(error as Error).message})`);
  }
}

function parseKey(pem: Buffer, path: string, password: string | undefined): KeyObject {
  try {
    return createPrivateKey({ key: pem, passphrase: password });
  } catch (error) {
    const message = (error as Error).message;
    const hint = /bad decrypt|passphrase/i.test(message) ? "encrypted and ssl_options.password is missing or wrong" : "not a PEM private key";
    throw new ConfigError(`${path}: ssl_options.keyfile is ${hint} (${message})`);
  }
}
