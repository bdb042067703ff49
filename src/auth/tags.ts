/**
 * What a user's tags allow in the management API and warrenctl, as RabbitMQ defines them
 * (rabbit_mgmt_util): `management` sees the vhosts it has permissions on; `policymaker`
 * adds policies and parameters on those vhosts; `monitoring` sees every vhost and node
 * details; `administrator` may do everything. Tags outside this list are kept and shown
 * but grant nothing, as in RabbitMQ.
 */
import type { User } from "./users.js";

export const KNOWN_TAGS = ["administrator", "monitoring", "policymaker", "management", "impersonator"] as const;

export function isAdministrator(user: User): boolean {
  return user.tags.includes("administrator");
}

export function isMonitor(user: User): boolean {
  return isAdministrator(user) || user.tags.includes("monitoring");
}

export function isPolicymaker(user: User): boolean {
  return isAdministrator(user) || user.tags.includes("policymaker");
}

/** Any management tag lets a user log in to the management API. */
export function canUseManagement(user: User): boolean {
  return isMonitor(user) || isPolicymaker(user) || user.tags.includes("management");
}

/** The vhosts a user may see in listings: all for monitoring and administrators, else where they have permissions. */
export function canSeeVhost(user: User, vhost: string): boolean {
  return isMonitor(user) || user.permissions.has(vhost);
}

/**
 * Tags as written by operators: rabbitmqctl takes them as separate words, the HTTP API
 * as a comma-separated string or a list. Whitespace and empty entries are dropped.
 */
export function parseTags(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[,\s]+/) : [];
  return [...new Set(parts.map((tag) => tag.trim()).filter((tag) => tag !== ""))];
}
