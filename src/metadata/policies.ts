/**
 * Policies and operator policies (RabbitMQ's rabbit_policy): a name, a regular expression
 * matched against queue or exchange names, what it applies to, a definition of keys and a
 * priority. The matching policy with the highest priority wins; an operator policy of the
 * same object is merged over it, the stricter value winning for numeric limits. This module
 * stores, validates and matches; acting on the keys belongs to the queues and exchanges,
 * which subscribe to changes so that existing objects follow at once.
 */
import { compileStoredPattern, userPatternProblem } from "../lib/user-pattern.js";

export type ApplyTo = "queues" | "exchanges" | "all" | "classic_queues" | "quorum_queues" | "streams";
export const APPLY_TO_VALUES: readonly ApplyTo[] = ["queues", "exchanges", "all", "classic_queues", "quorum_queues", "streams"];

export interface Policy {
  readonly vhost: string;
  readonly name: string;
  readonly pattern: string;
  readonly applyTo: ApplyTo;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly priority: number;
}

export interface EffectivePolicy {
  /** The user policy that applies, if any. */
  readonly policy: Policy | undefined;
  /** The operator policy that applies, if any. */
  readonly operatorPolicy: Policy | undefined;
  /** The keys in force: the policy's, with the operator policy's merged over them. */
  readonly definition: Readonly<Record<string, unknown>>;
}

type Check = (value: unknown) => string | undefined;

const nonNegativeInteger: Check = (value) => (Number.isInteger(value) && (value as number) >= 0 ? undefined : "a non-negative integer");
const positiveInteger: Check = (value) => (Number.isInteger(value) && (value as number) > 0 ? undefined : "a positive integer");
const text: Check = (value) => (typeof value === "string" ? undefined : "a string");
const oneOf = (...values: unknown[]): Check => (value) => (values.includes(value) ? undefined : `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`);
const promote = oneOf("when-synced", "always");

/** The keys RabbitMQ 3.x accepts in policies, each with the check of its value. */
const POLICY_KEYS: Readonly<Record<string, Check>> = {
  "message-ttl": nonNegativeInteger,
  expires: positiveInteger,
  "max-length": nonNegativeInteger,
  "max-length-bytes": nonNegativeInteger,
  overflow: oneOf("drop-head", "reject-publish", "reject-publish-dlx"),
  "dead-letter-exchange": text,
  "dead-letter-routing-key": text,
  "dead-letter-strategy": oneOf("at-most-once", "at-least-once"),
  "alternate-exchange": text,
  "queue-mode": oneOf("default", "lazy"),
  "queue-version": oneOf(1, 2),
  "queue-master-locator": oneOf("min-masters", "client-local", "random"),
  "queue-leader-locator": oneOf("client-local", "balanced", "random", "least-leaders"),
  "ha-mode": oneOf("all", "exactly", "nodes"),
  "ha-params": () => undefined, // checked together with ha-mode below
  "ha-sync-mode": oneOf("manual", "automatic"),
  "ha-sync-batch-size": positiveInteger,
  "ha-promote-on-shutdown": promote,
  "ha-promote-on-failure": promote,
  "max-in-memory-length": nonNegativeInteger,
  "max-in-memory-bytes": nonNegativeInteger,
  "delivery-limit": nonNegativeInteger,
  "max-age": (value) => (typeof value === "string" && /^\d+(Y|M|D|h|m|s)$/.test(value) ? undefined : "a duration such as 7D, 12h or 30m"),
  "stream-max-segment-size-bytes": positiveInteger,
  "federation-upstream": text,
  "federation-upstream-set": text,
  "consumer-timeout": positiveInteger,
};

/** Operator policies may only cap resource use (RabbitMQ's list of operator policy keys). */
const OPERATOR_POLICY_KEYS = new Set(["expires", "message-ttl", "max-length", "max-length-bytes", "max-in-memory-length", "max-in-memory-bytes", "delivery-limit"]);

/** Problems with a policy definition, as sentences; empty when it is valid. */
export function validatePolicyDefinition(definition: unknown, operator: boolean): string[] {
  if (definition === null || typeof definition !== "object" || Array.isArray(definition)) return ["the definition must be a JSON object"];
  const entries = Object.entries(definition as Record<string, unknown>);
  if (entries.length === 0) return ["the definition must not be empty"];
  const problems: string[] = [];
  for (const [key, value] of entries) {
    // Own keys only: a definition's "__proto__" or "constructor" is a user's key, not a lookup into Object.prototype.
    const check = Object.hasOwn(POLICY_KEYS, key) ? POLICY_KEYS[key] : undefined;
    if (check === undefined || (operator && !OPERATOR_POLICY_KEYS.has(key))) {
      problems.push(`'${key}' is not a recognised ${operator ? "operator " : ""}policy setting`);
      continue;
    }
    const expected = check(value);
    if (expected !== undefined) problems.push(`'${key}' must be ${expected}, got ${JSON.stringify(value)}`);
  }
  problems.push(...validateHaParams(definition as Record<string, unknown>));
  return problems;
}

function validateHaParams(definition: Record<string, unknown>): string[] {
  const mode = definition["ha-mode"];
  const params = definition["ha-params"];
  if (mode === undefined) return params === undefined ? [] : ["'ha-params' requires 'ha-mode'"];
  if (mode === "all") return params === undefined ? [] : ["'ha-params' must not be set when 'ha-mode' is \"all\""];
  if (mode === "exactly" && !(Number.isInteger(params) && (params as number) > 0)) return ["'ha-params' must be a positive integer when 'ha-mode' is \"exactly\""];
  if (mode === "nodes" && !(Array.isArray(params) && params.length > 0 && params.every((node) => typeof node === "string"))) {
    return ["'ha-params' must be a non-empty list of node names when 'ha-mode' is \"nodes\""];
  }
  return [];
}

/** Problems with a whole policy (pattern, priority, apply-to), definition included. */
export function validatePolicy(policy: { pattern: unknown; priority: unknown; applyTo: unknown; definition: unknown }, operator: boolean): string[] {
  const problems: string[] = [];
  if (typeof policy.pattern !== "string") problems.push("the pattern must be a string");
  else {
    const problem = userPatternProblem(policy.pattern);
    if (problem !== undefined) problems.push(`the pattern: ${problem}`);
  }
  if (!Number.isInteger(policy.priority)) problems.push("the priority must be an integer");
  if (!APPLY_TO_VALUES.includes(policy.applyTo as ApplyTo)) problems.push(`apply-to must be one of ${APPLY_TO_VALUES.join(", ")}`);
  problems.push(...validatePolicyDefinition(policy.definition, operator));
  return problems;
}

/** The object a policy is matched against. */
export interface PolicyTarget {
  readonly kind: "queue" | "exchange";
  readonly name: string;
  /** For queues: classic, quorum or stream. */
  readonly queueType?: string;
}

/** Patterns are users' regular expressions: matched with the linear-time engine of src/lib/user-pattern.ts. */
function matches(policy: Policy, target: PolicyTarget): boolean {
  if (!appliesTo(policy.applyTo, target)) return false;
  return compileStoredPattern(policy.pattern).test(target.name);
}

function appliesTo(applyTo: ApplyTo, target: PolicyTarget): boolean {
  switch (applyTo) {
    case "all":
      return true;
    case "exchanges":
      return target.kind === "exchange";
    case "queues":
      return target.kind === "queue";
    case "classic_queues":
      return target.kind === "queue" && (target.queueType ?? "classic") === "classic";
    case "quorum_queues":
      return target.kind === "queue" && target.queueType === "quorum";
    case "streams":
      return target.kind === "queue" && target.queueType === "stream";
  }
}

/**
 * The policy that wins among several: the highest priority; equal priorities are broken by
 * name so every node (and every replay of the log) picks the same one.
 */
export function winningPolicy(policies: Iterable<Policy>, target: PolicyTarget): Policy | undefined {
  let winner: Policy | undefined;
  for (const policy of policies) {
    if (!matches(policy, target)) continue;
    if (winner === undefined || policy.priority > winner.priority || (policy.priority === winner.priority && policy.name < winner.name)) winner = policy;
  }
  return winner;
}

/** Numeric limits where an operator policy and a user policy both set a value: the smaller wins. */
const STRICTER_IS_SMALLER = new Set(["expires", "message-ttl", "max-length", "max-length-bytes", "max-in-memory-length", "max-in-memory-bytes", "delivery-limit"]);

export function mergeDefinitions(policy: Policy | undefined, operatorPolicy: Policy | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(policy?.definition ?? {}) };
  for (const [key, value] of Object.entries(operatorPolicy?.definition ?? {})) {
    const current = merged[key];
    merged[key] = STRICTER_IS_SMALLER.has(key) && typeof current === "number" && typeof value === "number" ? Math.min(current, value) : value;
  }
  return merged;
}

/** Policies of one vhost, user and operator ones kept apart. */
export class PolicyStore {
  readonly policies = new Map<string, Policy>();
  readonly operatorPolicies = new Map<string, Policy>();

  set(policy: Policy, operator: boolean): void {
    (operator ? this.operatorPolicies : this.policies).set(policy.name, policy);
  }

  clear(name: string, operator: boolean): boolean {
    return (operator ? this.operatorPolicies : this.policies).delete(name);
  }

  effective(target: PolicyTarget): EffectivePolicy {
    const policy = winningPolicy(this.policies.values(), target);
    const operatorPolicy = target.kind === "queue" ? winningPolicy(this.operatorPolicies.values(), target) : undefined;
    return { policy, operatorPolicy, definition: mergeDefinitions(policy, operatorPolicy) };
  }
}
