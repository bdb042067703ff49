import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkPassword, hashPassword } from "../../../src/auth/password.js";
import { UserStore } from "../../../src/auth/users.js";
import { checkTopicPermitted, isTopicPermitted } from "../../../src/auth/topic-permissions.js";
import { canSeeVhost, canUseManagement, isMonitor, isPolicymaker, parseTags } from "../../../src/auth/tags.js";

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/ops/rabbitmq-3.10-definitions.json", import.meta.url), "utf8")) as {
  users: { name: string; password_hash: string }[];
};
const hashOf = (name: string) => fixture.users.find((user) => user.name === name)?.password_hash ?? "";

test("hashes made by a real RabbitMQ 3.10 verify (rabbit_password_hashing_sha256)", () => {
  // The fixture was exported from Debian's rabbitmq-server after `add_user alice alice-secret`.
  assert.equal(checkPassword("alice-secret", hashOf("alice")), true);
  assert.equal(checkPassword("alice-secreT", hashOf("alice")), false);
  assert.equal(checkPassword("bob pass#1", hashOf("bob")), true);
  assert.equal(checkPassword("guest", hashOf("guest")), true);
});

test("a hash made here has RabbitMQ's layout: 4 bytes of salt, then SHA-256", () => {
  const hash = hashPassword("secret", "rabbit_password_hashing_sha256", Buffer.from([1, 2, 3, 4]));
  assert.equal(Buffer.from(hash, "base64").length, 36);
  assert.equal(checkPassword("secret", hash), true);
});

test("a user without a password cannot log in with any password", () => {
  const users = new UserStore();
  users.addWithHash("nopass", "", "rabbit_password_hashing_sha256");
  assert.equal(users.authenticate("nopass", ""), undefined);
  users.add("alice", "pw");
  assert.equal(users.authenticate("alice", "pw")?.name, "alice");
  assert.equal(users.authenticate("alice", "wrong"), undefined);
});

test("re-adding a user keeps its permissions; forgetting a vhost drops them", () => {
  const users = new UserStore();
  users.add("alice", "pw");
  users.setPermissions("alice", "/", { configure: ".*", write: ".*", read: ".*" });
  users.add("alice", "other", ["management"]);
  assert.equal(users.get("alice")?.permissions.size, 1);
  users.forgetVhost("/");
  assert.equal(users.get("alice")?.permissions.size, 0);
});

test("topic permissions: none set allows all; patterns expand {username} and {vhost}", () => {
  const users = new UserStore();
  const alice = users.add("alice", "pw");
  assert.equal(isTopicPermitted(alice, "/", "amq.topic", "write", "anything"), true);
  users.setTopicPermission("alice", "/", { exchange: "amq.topic", write: "^users\\.{username}\\.", read: "^{vhost}" });
  assert.equal(isTopicPermitted(alice, "/", "amq.topic", "write", "users.alice.x"), true);
  assert.equal(isTopicPermitted(alice, "/", "amq.topic", "write", "users.bob.x"), false);
  assert.equal(isTopicPermitted(alice, "/", "other.topic", "write", "users.bob.x"), true);
  assert.throws(() => checkTopicPermitted(alice, "/", "amq.topic", "write", "users.bob.x"), {
    message: "ACCESS_REFUSED - write access to topic 'users.bob.x' in exchange 'amq.topic' in vhost '/' refused for user 'alice'",
  });
});

test("tags grant what RabbitMQ's do", () => {
  const users = new UserStore();
  const management = users.add("m", "pw", ["management"]);
  const monitoring = users.add("o", "pw", ["monitoring"]);
  const policymaker = users.add("p", "pw", ["policymaker"]);
  const none = users.add("n", "pw", []);
  users.setPermissions("m", "/", { configure: "", write: "", read: "" });
  assert.equal(canUseManagement(none), false);
  assert.equal(canUseManagement(management), true);
  assert.equal(canSeeVhost(management, "/"), true);
  assert.equal(canSeeVhost(management, "other"), false);
  assert.equal(canSeeVhost(monitoring, "other"), true);
  assert.equal(isMonitor(policymaker), false);
  assert.equal(isPolicymaker(policymaker), true);
  assert.deepEqual(parseTags("administrator, monitoring"), ["administrator", "monitoring"]);
  assert.deepEqual(parseTags(["a", "a", ""]), ["a"]);
  assert.deepEqual(parseTags(""), []);
});
