/**
 * Regular expressions that users write (policy patterns, permission and topic permission
 * patterns, the management API's `name` filter) are matched with RE2's linear-time engine
 * (the re2js package, a pure-JavaScript port), never with the backtracking RegExp: a pattern
 * such as `(a+)+$` would otherwise freeze the event loop for seconds on a 30-character name,
 * and these patterns run on the message path. See docs/decisions.md for the choice.
 *
 * RE2's syntax is close to what RabbitMQ users write (RabbitMQ uses Erlang's `re`, PCRE), but
 * without backreferences, lookahead and lookbehind, possessive quantifiers and atomic groups.
 * A pattern that RE2 cannot compile is refused with a sentence naming the problem.
 */
import { RE2JS } from "re2js";
import { USER_PATTERN_CHARACTERS_MAX, USER_PATTERN_RESULTS_CACHED_MAX, USER_PATTERNS_CACHED_MAX } from "../config/limits.js";

export interface UserPattern {
  /** True when the pattern matches anywhere in the text (a search, as RabbitMQ's re:run does). */
  test(text: string): boolean;
}

/** The pattern matches nothing: RabbitMQ's meaning of an empty permission pattern. */
const MATCHES_NOTHING: UserPattern = { test: () => false };

export class UserPatternError extends Error {}

const compiledByKey = new Map<string, UserPattern>();

/** Why a pattern cannot be used, or undefined when it can. */
export function userPatternProblem(source: string): string | undefined {
  if (source.length > USER_PATTERN_CHARACTERS_MAX) return `the regular expression is longer than ${USER_PATTERN_CHARACTERS_MAX} characters`;
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (error) {
    return `'${source}' is not a valid regular expression (RE2 syntax: no backreferences or lookaround): ${(error as Error).message}`;
  }
}

/**
 * A compiled pattern, cached. Throws UserPatternError when the pattern is too long or not
 * valid RE2 syntax. `emptyMatchesNothing` follows RabbitMQ's permissions, where "" grants
 * nothing (elsewhere an empty pattern matches every name).
 */
export function compileUserPattern(source: string, options: { caseInsensitive?: boolean; emptyMatchesNothing?: boolean } = {}): UserPattern {
  if (source === "" && options.emptyMatchesNothing === true) return MATCHES_NOTHING;
  const key = `${options.caseInsensitive === true ? "i" : "-"}${source}`;
  const cached = compiledByKey.get(key);
  if (cached !== undefined) return cached;
  const problem = userPatternProblem(source);
  if (problem !== undefined) throw new UserPatternError(problem);
  const pattern = memoised(RE2JS.compile(source, options.caseInsensitive === true ? RE2JS.CASE_INSENSITIVE : 0));
  if (compiledByKey.size >= USER_PATTERNS_CACHED_MAX) compiledByKey.clear();
  compiledByKey.set(key, pattern);
  return pattern;
}

/**
 * For patterns stored before this check existed (or written by hand into a definitions file
 * that bypassed it): a pattern that no longer compiles matches nothing, so a permission grants
 * nothing and a policy applies to nothing, instead of throwing on the message path.
 */
export function compileStoredPattern(source: string, options: { emptyMatchesNothing?: boolean } = {}): UserPattern {
  try {
    return compileUserPattern(source, options);
  } catch (error) {
    if (error instanceof UserPatternError) return MATCHES_NOTHING;
    throw error;
  }
}

function memoised(regex: RE2JS): UserPattern {
  const results = new Map<string, boolean>();
  return {
    test(text: string): boolean {
      let result = results.get(text);
      if (result === undefined) {
        result = regex.test(text);
        if (results.size >= USER_PATTERN_RESULTS_CACHED_MAX) results.clear();
        results.set(text, result);
      }
      return result;
    },
  };
}
