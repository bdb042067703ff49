/** The benchmark chart: which way a ratio points, and what the SVG says about each target. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { captionOf, chartRows, renderSvg } from "../../../benchmarks/chart.js";

test("higher-is-better metrics are Warren/RabbitMQ, lower-is-better ones RabbitMQ/Warren (medians)", () => {
  const rows = chartRows({
    S1: { warren: { received: [300, 290, 310] }, rabbitmq: { received: [100, 90, 110] } },
    S5: { warren: { published: [4], peakRssMb: [500] }, rabbitmq: { published: [1], peakRssMb: [3000] } },
  });
  const byLabel = new Map(rows.map((row) => [row.goal.label, row.advantage]));
  assert.equal(byLabel.get("S1 throughput (receive)"), 3);
  assert.equal(byLabel.get("S5 backlog publish"), 4);
  assert.equal(byLabel.get("S5 backlog peak RSS"), 6);
  assert.equal(byLabel.has("S2 persistent, confirmed"), false, "a scenario that did not run has no row");
});

test("the SVG marks a met target ✓ and a missed one ✗, and says so where a broker has no figure", () => {
  const svg = renderSvg(chartRows({
    S1: { warren: { received: [310] }, rabbitmq: { received: [100] } },
    S5: { warren: { published: [1], peakRssMb: [600] }, rabbitmq: { published: [] , peakRssMb: [3000] } },
  }), "a <caption> & more");
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /3\.10× ✓/);
  assert.match(svg, /5\.00× ✗/, "RSS 5× lower misses the one-tenth target");
  assert.match(svg, /no figure/);
  assert.match(svg, /a &lt;caption&gt; &amp; more/);
});

test("the caption gives the rounds, with the scenarios of a merged file that ran more", () => {
  assert.match(captionOf({ machine: "m", versions: { warren: "W" }, rounds: 3, results: {} }), /^m; warren W; 3 rounds$/);
  assert.match(captionOf({ rounds: { S1: 3, S2: 3, S6: 5 }, results: {} }), /; 3 rounds \(S6: 5\)$/);
});
