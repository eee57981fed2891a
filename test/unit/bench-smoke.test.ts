/**
 * A tiny run of the analyzer benchmark, so `npm run bench` cannot rot: it must find the inserted calls and report ratios.
 * No timing is asserted here (speed lives in `npm run bench`, as ratios against a baseline of the same run).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { benchAnalyzer, formatRows } from "../../bench/analyzer";
import { benchLinear, formatLinearRows } from "../../bench/linear";

test("analyzer benchmark smoke run reports both ratios", async () => {
  const rows = await benchAnalyzer(1);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.ok(row.baselineMs > 0 && row.measuredMs > 0, JSON.stringify(row));
    assert.ok(Number.isFinite(row.ratio));
  }
  assert.match(formatRows(rows), /vs tree-sitter parse: .* = \d+\.\d+x \(goal <= 1.2x\)/);
});

test("linear-analysis benchmark smoke run reports a ratio per shape against its size ratio", async () => {
  const rows = await benchLinear(1, true);
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.ok(row.baselineMs > 0 && row.measuredMs > 0 && row.sizeRatio > 1, JSON.stringify(row));
    assert.ok(Number.isFinite(row.perUnitRatio));
  }
  assert.match(
    formatLinearRows(rows),
    /calls on one pipe array .* for 3x the size, per unit \d+\.\d+x \(goal <= 1.5x\)/,
  );
});
