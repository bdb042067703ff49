/**
 * Users, their tags, their per-vhost permissions (configure, write, read regular
 * expressions), their topic permissions and their limits, as RabbitMQ's internal
 * authentication backend keeps them. Changes come through src/broker/definitions.ts
 * as commands, so they can be logged and replayed; this store only holds the state.
 */
import { checkPassword, hashPassword, type HashingAlgorithm } from "./password.js";

export interface Permission {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

/** Topic permissions restrict routing keys on one topic exchange (RabbitMQ 3.7+). */
export interface TopicPermission {
  readonly exchange: string;
  readonly write: string;
  readonly read: string;
}

/** RabbitMQ's user limits; a negative value (or none) means no limit. */
export interface UserLimits {
  "max-connections"?: number;
  "max-channels"?: number;
}

export const USER_LIMIT_NAMES = ["max-connections", "max-channels"] as const;

export interface User {
  readonly name: string;
  /** Empty when the user has no password (clear_password): password logins are refused. */
  passwordHash: string;
  hashingAlgorithm: HashingAlgorithm;
  tags: string[];
  /** vhost name → permission */
  readonly permissions: Map<string, Permission>;
  /** vhost name → exchange name → topic permission */
  readonly topicPermissions: Map<string, Map<string, TopicPermission>>;
  limits: UserLimits;
}

export class UserStore {
  private readonly users = new Map<string, User>();

  /** Adds (or replaces) a user with a password, hashed here with a fresh salt. */
  add(name: string, password: string, tags: string[] = []): User {
    return this.addWithHash(name, hashPassword(password), "rabbit_password_hashing_sha256", tags);
  }

  /** Adds (or replaces, keeping permissions) a user whose password is already hashed (import, replay). */
  addWithHash(name: string, passwordHash: string, hashingAlgorithm: HashingAlgorithm, tags: string[] = []): User {
    const existing = this.users.get(name);
    if (existing !== undefined) {
      existing.passwordHash = passwordHash;
      existing.hashingAlgorithm = hashingAlgorithm;
      existing.tags = [...tags];
      return existing;
    }
    const user: User = { name, passwordHash, hashingAlgorithm, tags: [...tags], permissions: new Map(), topicPermissions: new Map(), limits: {} };
    this.users.set(name, user);
    return user;
  }

  delete(name: string): boolean {
    return this.users.delete(name);
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  get size(): number {
    return this.users.size;
  }

  /** The user if the password is right; undefined otherwise (which one failed is not told). */
  authenticate(name: string, password: string): User | undefined {
    const user = this.users.get(name);
    if (user === undefined || user.passwordHash === "") return undefined;
    return checkPassword(password, user.passwordHash, user.hashingAlgorithm) ? user : undefined;
  }

  setPermissions(name: string, vhost: string, permission: Permission): void {
    const user = this.users.get(name);
    if (user !== undefined) user.permissions.set(vhost, { configure: permission.configure, write: permission.write, read: permission.read });
  }

  clearPermissions(name: string, vhost: string): void {
    this.users.get(name)?.permissions.delete(vhost);
  }

  setTopicPermission(name: string, vhost: string, permission: TopicPermission): void {
    const user = this.users.get(name);
    if (user === undefined) return;
    let byExchange = user.topicPermissions.get(vhost);
    if (byExchange === undefined) user.topicPermissions.set(vhost, (byExchange = new Map()));
    byExchange.set(permission.exchange, { exchange: permission.exchange, write: permission.write, read: permission.read });
  }

  /** Clears one exchange's topic permission, or all of the vhost's when `exchange` is undefined. */
  clearTopicPermissions(name: string, vhost: string, exchange: string | undefined): void {
    const user = this.users.get(name);
    if (user === undefined) return;
    if (exchange === undefined) user.topicPermissions.delete(vhost);
    else user.topicPermissions.get(vhost)?.delete(exchange);
  }

  /** A vhost was deleted: nobody keeps permissions on it. */
  forgetVhost(vhost: string): void {
    for (const user of this.users.values()) {
      user.permissions.delete(vhost);
      user.topicPermissions.delete(vhost);
    }
  }

  all(): IterableIterator<User> {
    return this.users.values();
  }
}
