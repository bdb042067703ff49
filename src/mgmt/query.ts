/**
 * RabbitMQ's list query parameters: `columns=a,b.c` keeps only those fields (a dotted name
 * reaches into a nested object), `sort=field` with `sort_reverse=true`, and pagination with
 * `page`, `page_size`, `name` and `use_regex`, which wraps the list in a page object.
 */
import { badRequest } from "./http.js";
import { compileUserPattern, UserPatternError, type UserPattern } from "../lib/user-pattern.js";

type Item = Record<string, unknown>;

/** RabbitMQ refuses pages larger than this, so one request cannot ask for a whole large broker at once. */
const PAGE_SIZE_MAX = 500;
const PAGE_SIZE_DEFAULT = 100;

export type Query = Record<string, string | undefined>;

export function listResponse(items: Item[], query: Query): unknown {
  const sorted = sortItems(items, query.sort, query.sort_reverse === "true");
  if (query.page === undefined) return selectColumns(sorted, query.columns);
  return paginate(sorted, query);
}

/**
 * The value at a dotted path, walking only the item's own data: a segment that is not an own
 * property (`__proto__`, `constructor`, `toString`) ends the walk, so a user's column or
 * sort path can never reach a prototype, and through it every object in the process.
 */
function valueAt(item: Item, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) return undefined;
    value = (value as Item)[part];
  }
  return value;
}

/** Defines an own property, even one named `__proto__` (an assignment would set the prototype instead). */
function defineOwn(target: Item, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function sortItems(items: Item[], field: string | undefined, reverse: boolean): Item[] {
  if (field === undefined || field === "") return items;
  const sorted = [...items].sort((left, right) => compare(valueAt(left, field), valueAt(right, field)));
  return reverse ? sorted.reverse() : sorted;
}

function compare(left: unknown, right: unknown): number {
  if (typeof left === "number" && typeof right === "number") return left - right;
  if (left === undefined) return right === undefined ? 0 : -1;
  if (right === undefined) return 1;
  return sortText(left).localeCompare(sortText(right));
}

/**
 * Text to sort a value by. Objects are compared by their JSON: `String()` would call a
 * `toString` the data itself may carry (queue arguments are user data) and throw.
 */
function sortText(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? inner.toString() : inner)) ?? "";
  } catch {
    return "";
  }
}

export function selectColumns(items: Item[], columns: string | undefined): Item[] {
  if (columns === undefined || columns === "") return items;
  const paths = columns.split(",").map((column) => column.trim()).filter((column) => column !== "");
  return items.map((item) => selectPaths(item, paths));
}

/**
 * The item with only the given paths. Objects are built here and never written through: when
 * a wider column already copied a value (`arguments` before `arguments.x`), the narrower path
 * adds nothing and is skipped, so the broker's own objects are never changed by a request.
 */
export function selectPaths(item: Item, paths: string[]): Item {
  const result: Item = {};
  const built = new Set<unknown>([result]);
  paths: for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    const parts = path.split(".");
    let target = result;
    for (const part of parts.slice(0, -1)) {
      if (Object.hasOwn(target, part)) {
        if (!built.has(target[part])) continue paths;
        target = target[part] as Item;
      } else {
        const nested: Item = {};
        built.add(nested);
        defineOwn(target, part, nested);
        target = nested;
      }
    }
    defineOwn(target, parts[parts.length - 1], value);
  }
  return result;
}

function paginate(items: Item[], query: Query): unknown {
  const page = Number(query.page);
  const pageSize = query.page_size === undefined ? PAGE_SIZE_DEFAULT : Number(query.page_size);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`Parameter "page" must be a positive integer, got '${query.page}'`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE_MAX) {
    throw badRequest(`Parameter "page_size" must be an integer from 1 to ${PAGE_SIZE_MAX}, got '${query.page_size}'`);
  }
  let filtered = items;
  if (query.name !== undefined && query.name !== "") {
    const name = query.name;
    let matches: (text: string) => boolean;
    if (query.use_regex === "true") {
      // A user's pattern: the linear-time engine, so no pattern can hold the event loop.
      let pattern: UserPattern;
      try {
        pattern = compileUserPattern(name, { caseInsensitive: true });
      } catch (error) {
        if (error instanceof UserPatternError) throw badRequest(error.message);
        throw error;
      }
      matches = (text) => pattern.test(text);
    } else {
      matches = (text) => text.toLowerCase().includes(name.toLowerCase());
    }
    filtered = items.filter((item) => matches(String(item.name ?? "")));
  }
  const pageCount = Math.max(1, Math.ceil(filtered.length / pageSize));
  if (page > pageCount) throw badRequest(`Page out of range, page: ${page} page size: ${pageSize}, len: ${filtered.length}`);
  const pageItems = selectColumns(filtered.slice((page - 1) * pageSize, page * pageSize), query.columns);
  return { filtered_count: filtered.length, item_count: pageItems.length, items: pageItems, page, page_count: pageCount, page_size: pageSize, total_count: items.length };
}
