/**
 * Users, their tags and their per-vhost permissions (configure, write, read regular expressions),
 * as RabbitMQ's internal authentication backend keeps them.
 */
import { checkPassword, hashPassword, type HashingAlgorithm } from "./password.js";

export interface Permission {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

export interface User {
  readonly name: string;
  passwordHash: string;
  hashingAlgorithm: HashingAlgorithm;
  tags: string[];
  /** vhost name → permission */
  readonly permissions: Map<string, Permission>;
}

export class UserStore {
  private readonly users = new Map<string, User>();

  add(name: string, password: string, tags: string[] = []): User {
    const user: User = { name, passwordHash: hashPassword(password), hashingAlgorithm: "rabbit_password_hashing_sha256", tags, permissions: new Map() };
    this.users.set(name, user);
    return user;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  /** The user if the password is right; undefined otherwise (which one failed is not told). */
  authenticate(name: string, password: string): User | undefined {
    const user = this.users.get(name);
    if (user === undefined) return undefined;
    return checkPassword(password, user.passwordHash, user.hashingAlgorithm) ? user : undefined;
  }

  setPermissions(name: string, vhost: string, permission: Permission): void {
    const user = this.users.get(name);
    if (user !== undefined) user.permissions.set(vhost, permission);
  }

  all(): IterableIterator<User> {
    return this.users.values();
  }
}
