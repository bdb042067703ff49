/**
 * Password hashes in RabbitMQ's format (`rabbit_password_hashing_sha256`, the default):
 * base64( salt[4] ++ sha256(salt[4] ++ utf8(password)) ). Definitions exported from
 * RabbitMQ import with working passwords because the format is the same.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const SALT_BYTES = 4;

export type HashingAlgorithm = "rabbit_password_hashing_sha256" | "rabbit_password_hashing_sha512" | "rabbit_password_hashing_md5";

function digestName(algorithm: HashingAlgorithm): string {
  switch (algorithm) {
    case "rabbit_password_hashing_sha256":
      return "sha256";
    case "rabbit_password_hashing_sha512":
      return "sha512";
    case "rabbit_password_hashing_md5":
      return "md5";
  }
}

export function hashPassword(password: string, algorithm: HashingAlgorithm = "rabbit_password_hashing_sha256", salt = randomBytes(SALT_BYTES)): string {
  const digest = createHash(digestName(algorithm)).update(salt).update(password, "utf8").digest();
  return Buffer.concat([salt, digest]).toString("base64");
}

export function checkPassword(password: string, passwordHash: string, algorithm: HashingAlgorithm = "rabbit_password_hashing_sha256"): boolean {
  const stored = Buffer.from(passwordHash, "base64");
  if (stored.length <= SALT_BYTES) return false;
  const computed = Buffer.from(hashPassword(password, algorithm, stored.subarray(0, SALT_BYTES)), "base64");
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}
