/**
 * RabbitMQ's list query parameters: `columns=a,b.c` keeps only those fields (a dotted name
 * reaches into a nested object), `sort=field` with `sort_reverse=true`, and pagination with
 * `page`, `page_size`, `name` and `use_regex`, which wraps the list in a page object.
 */
import { badRequest } from "./http.js";

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

function valueAt(item: Item, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Item)[part];
  }
  return value;
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
  return String(left).localeCompare(String(right));
}

export function selectColumns(items: Item[], columns: string | undefined): Item[] {
  if (columns === undefined || columns === "") return items;
  const paths = columns.split(",").map((column) => column.trim()).filter((column) => column !== "");
  return items.map((item) => selectPaths(item, paths));
}

export function selectPaths(item: Item, paths: string[]): Item {
  const result: Item = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    const parts = path.split(".");
    let target = result;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Item;
    target[parts[parts.length - 1]] = value;
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
      let regex: RegExp;
      try {
        regex = new RegExp(name, "i");
      } catch {
        throw badRequest(`'${name}' is not a valid regular expression`);
      }
      matches = (text) => regex.test(text);
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
