import { test } from "node:test";
import assert from "node:assert/strict";
import { listResponse, selectPaths } from "../../../src/mgmt/query.js";

const items = [{ name: "b", messages: 2, nested: { a: 1, b: 2 } }, { name: "a", messages: 10, nested: { a: 3, b: 4 } }, { name: "c", messages: 1, nested: { a: 5, b: 6 } }];

test("columns keep dotted paths nested, sort orders numbers as numbers", () => {
  assert.deepEqual(selectPaths(items[0], ["name", "nested.b"]), { name: "b", nested: { b: 2 } });
  assert.deepEqual(listResponse(items, { columns: "name", sort: "messages" }), [{ name: "c" }, { name: "b" }, { name: "a" }]);
  assert.deepEqual(listResponse(items, { columns: "name", sort: "name", sort_reverse: "true" }), [{ name: "c" }, { name: "b" }, { name: "a" }]);
});

test("pages carry RabbitMQ's counters; a name filter and a regex narrow the list", () => {
  assert.deepEqual(listResponse(items, { page: "2", page_size: "2", sort: "name", columns: "name" }), {
    filtered_count: 3, item_count: 1, items: [{ name: "c" }], page: 2, page_count: 2, page_size: 2, total_count: 3,
  });
  assert.equal((listResponse(items, { page: "1", name: "^[ab]$", use_regex: "true" }) as { filtered_count: number }).filtered_count, 2);
  assert.throws(() => listResponse(items, { page: "1", page_size: "501" }), /page_size/);
  assert.throws(() => listResponse(items, { page: "3", page_size: "2" }), /Page out of range/);
});
