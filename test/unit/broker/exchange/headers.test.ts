import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HeadersExchangeType, headersMatchKind } from "../../../../src/broker/exchange/headers.js";
import type { BindingDestination } from "../../../../src/broker/exchange/exchange-type.js";
import type { FieldValue } from "../../../../src/message/field-table.js";
import { BrokerError, Errors } from "../../../../src/errors/registry.js";
import { headersCases, invalidMatchCases } from "./headers-cases.js";
import { bind, message, queue, routeNames, table, text } from "./helpers.js";

function assertPreconditionFailed(action: () => unknown, replyText: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof BrokerError);
    assert.equal(error.kind, Errors.PRECONDITION_FAILED);
    assert.equal(error.replyText, replyText);
    return true;
  });
}

describe("headers exchange", () => {
  for (const testCase of headersCases) {
    it(`${testCase.matches ? "matches" : "does not match"}: ${testCase.name}`, () => {
      const headers = new HeadersExchangeType();
      headers.addBinding(bind(queue("q"), "", table(testCase.bindingArguments)));
      const input = message("ignored", testCase.headers === undefined ? undefined : table(testCase.headers));
      assert.deepEqual(routeNames(headers, input), testCase.matches ? ["q"] : []);
    });
  }

  it("matches every case at once, each binding judged on its own", () => {
    const headers = new HeadersExchangeType();
    headersCases.forEach((testCase, index) => headers.addBinding(bind(queue(`${index}`), "", table(testCase.bindingArguments))));
    headersCases.forEach((testCase, index) => {
      const input = message("", testCase.headers === undefined ? undefined : table(testCase.headers));
      assert.equal(routeNames(headers, input).includes(`${index}`), testCase.matches, testCase.name);
    });
  });

  it("ignores the routing key", () => {
    const headers = new HeadersExchangeType();
    headers.addBinding(bind(queue("q"), "some.key", table([["a", text("1")]])));
    assert.deepEqual(routeNames(headers, message("another.key", table([["a", text("1")]]))), ["q"]);
  });

  for (const { value, replyText } of invalidMatchCases) {
    it(`refuses a bad x-match: ${replyText.replace("PRECONDITION_FAILED - ", "")}`, () => {
      const headers = new HeadersExchangeType();
      assertPreconditionFailed(() => headers.addBinding(bind(queue("q"), "", table([["x-match", value]]))), replyText);
      assert.equal(headers.bindingCount, 0);
    });
  }

  it("quotes the refused value as RabbitMQ 3.10.8 prints it, for every wire type", () => {
    // Each reply text below was received from RabbitMQ 3.10.8 for the same x-match value.
    const expected: Array<[FieldValue, string]> = [
      [{ type: "x", value: Buffer.from("all") }, "type binary (value <<\"all\">>)"],
      [{ type: "x", value: Buffer.from([1, 2, 255]) }, "type binary (value <<1,2,255>>)"],
      [{ type: "t", value: true }, "type bool (value true)"],
      [{ type: "d", value: 1.5 }, "type double (value 1.5)"],
      [{ type: "d", value: 1 }, "type double (value 1.0)"],
      [{ type: "d", value: 1e21 }, "type double (value 1.0e21)"],
      [{ type: "d", value: 1e-7 }, "type double (value 1.0e-7)"],
      [{ type: "d", value: 123456789012345680000 }, "type double (value 1.2345678901234568e20)"],
      [{ type: "f", value: Math.fround(0.1) }, "type float (value 0.10000000149011612)"],
      [{ type: "V", value: null }, "type void (value undefined)"],
      [{ type: "D", value: { scale: 2, value: 100 } }, "type decimal (value {2,100})"],
      [{ type: "A", value: [text("all")] }, "type array (value [{longstr,<<\"all\">>}])"],
      [{ type: "F", value: table([["a", { type: "b", value: 1 }]]) }, "type table (value [{<<\"a\">>,byte,1}])"],
      [{ type: "l", value: 5n }, "type long (value 5)"],
      [{ type: "T", value: 5n }, "type timestamp (value 5)"],
    ];
    for (const [value, detail] of expected) {
      assertPreconditionFailed(() => headersMatchKind(table([["x-match", value]])), `PRECONDITION_FAILED - Invalid x-match field ${detail}; expected longstr`);
    }
    const quoted: Array<[string, string]> = [["héllo", "<<\"héllo\">>"], ["a\"b\\c", "<<\"a\\\"b\\\\c\">>"]];
    for (const [value, printed] of quoted) {
      assertPreconditionFailed(
        () => headersMatchKind(table([["x-match", text(value)]])),
        `PRECONDITION_FAILED - Invalid x-match field value ${printed}; expected all, any, all-with-x, or any-with-x`,
      );
    }
  });

  it("accepts the four kinds and defaults to all", () => {
    assert.equal(headersMatchKind(table()), "all");
    for (const kind of ["all", "any", "all-with-x", "any-with-x"]) assert.equal(headersMatchKind(table([["x-match", text(kind)]])), kind);
  });

  it("asks for the headers once per route, and not at all without bindings", () => {
    const headers = new HeadersExchangeType();
    const empty = message("", table());
    headers.route(empty, new Set());
    assert.equal(empty.headerCalls, 0);
    headers.addBinding(bind(queue("q1"), "", table([["a", text("1")]])));
    headers.addBinding(bind(queue("q2"), "", table([["a", text("2")]])));
    const input = message("", table([["a", text("1")]]));
    headers.route(input, new Set());
    assert.equal(input.headerCalls, 1);
  });

  it("skips bindings whose destination is already routed to", () => {
    const headers = new HeadersExchangeType();
    const q1 = queue("q1");
    headers.addBinding(bind(q1, "", table([["a", text("1")]])));
    headers.addBinding(bind(q1, "", table([["x-match", text("any")], ["a", text("1")], ["b", text("2")]])));
    const out = new Set<BindingDestination>([q1]);
    headers.route(message("", table([["a", text("1")]])), out);
    assert.deepEqual([...out], [q1]);
  });

  it("routes through the remaining bindings after a removal", () => {
    const headers = new HeadersExchangeType();
    const q1 = queue("q1");
    const q2 = queue("q2");
    headers.addBinding(bind(q1, "", table([["a", text("1")]])));
    headers.addBinding(bind(q2, "", table([["x-match", text("any")], ["a", text("1")]])));
    assert.equal(headers.removeBinding(bind(q1, "", table([["a", text("1")]]))), true);
    assert.deepEqual(routeNames(headers, message("", table([["a", text("1")]]))), ["q2"]);
  });
});
