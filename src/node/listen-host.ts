/**
 * The address a listener binds. The default, "::", is dual stack on Linux (IPv4 clients arrive
 * as ::ffff:a.b.c.d), as RabbitMQ listens by default; amqplib's own test suite connects to
 * amqp://[::1]. A host whose kernel has no IPv6 cannot bind "::" at all (EAFNOSUPPORT), so
 * there the wildcard falls back to IPv4's 0.0.0.0.
 */
import { networkInterfaces } from "node:os";
import { WILDCARD_HOST } from "../config/config.js";

export function listenHost(configured: string): string {
  return configured === WILDCARD_HOST && !hasIpv6() ? "0.0.0.0" : configured;
}

function hasIpv6(): boolean {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv6") return true;
  }
  return false;
}
