/**
 * Addresses as operators read them. A listener on "::" (dual stack) sees IPv4 peers as
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1); RabbitMQ shows them as plain IPv4, and so
 * do connection names, listings and the loopback-user check here.
 */
const IPV4_MAPPED_PREFIX = "::ffff:";

export function unmapIpv4(address: string): string {
  if (!address.startsWith(IPV4_MAPPED_PREFIX)) return address;
  const rest = address.slice(IPV4_MAPPED_PREFIX.length);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(rest) ? rest : address;
}
