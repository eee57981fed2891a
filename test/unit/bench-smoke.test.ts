/**
 * A tiny run of the analyzer benchmark, so `npm run bench` cannot rot: it must find the inserted calls and report ratios.
 * The issue 12 rows (stdio server, whole processes, tree scan, 1 GiB simulation) run at tiny sizes.
 * No timing is asserted here (speed lives in `npm run bench`, as ratios against a baseline of the same run).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchAnalyzer, formatRows } from "../../bench/analyzer";
import { benchLinear, formatLinearRows } from "../../bench/linear";
import {
  benchCliProcesses,
  benchLinuxTree,
  benchSimulateProcess,
  benchStdioKeystrokes,
  formatWaitRows,
  gibScenario,
} from "../../bench/userwait";

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

// Issue 12: the benchmarks measured as a user waits (real stdio server, whole processes). Need dist/ (npm test builds it).
test("stdio keystroke benchmark smoke run: the real server answers every edit with diagnostics for its version", async () => {
  const rows = await benchStdioKeystrokes(true);
  assert.equal(rows.length, 2);
  for (const item of rows) assert.ok(item.measuredMs > 0 && item.baselineMs > 0 && Number.isFinite(item.ratio));
  assert.match(formatWaitRows(rows), /stdio keystroke p50, \d+ lines, far from any call, .* = \d+\.\d+x/);
});

test("whole-process CLI benchmark smoke run reports both rows against their baselines", () => {
  const rows = benchCliProcesses(true);
  assert.equal(rows.length, 2);
  for (const item of rows) assert.ok(item.measuredMs > 0 && item.baselineMs > 0 && Number.isFinite(item.ratio));
  assert.match(formatWaitRows(rows), /the parse alone inside that process: \d+\.\d ms/);
});

test("tree-scan benchmark smoke run finds the one call of a tiny tree, or says why it skipped", () => {
  const tree = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-tree-smoke-"));
  try {
    mkdirSync(path.join(tree, "fs"));
    writeFileSync(path.join(tree, "fs", "other.c"), "int other(void) { return 0; }\n");
    writeFileSync(
      path.join(tree, "fs", "send.c"),
      "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\nlong send(int fd, struct iovec *iov)\n{\n    return vmsplice(fd, iov, 1, SPLICE_F_GIFT);\n}\n",
    );
    const rows = benchLinuxTree(tree, 1, "a tiny tree");
    if (typeof rows === "string") {
      assert.match(rows, /skipped/);
      return;
    }
    assert.equal(rows.length, 3);
    assert.match(rows[0].note, /^1 call\(s\) in 1 file\(s\): fs\/send\.c/);
    assert.match(rows[1].note, /^report identical to the cold run/);
    assert.match(rows[2].note, /^report identical to --jobs 1/);
    assert.deepEqual(readdirSync(tree).sort(), ["fs"], "the bench writes no index into the tree");
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test("1 GiB simulation benchmark smoke run (4,096 pages) reports wall time, peak RSS and run-length output", async () => {
  const { rows, outputLines } = await benchSimulateProcess(true);
  assert.equal(rows.length, 1);
  assert.match(rows[0].note, /peak RSS \d+ MB/);
  // Run-length output: 16 writer and 16 reader calls, not one line per page.
  assert.ok(outputLines < 200, `${outputLines} lines`);
  assert.match(gibScenario(512, 256), /W: vmsplice fds\[1\] iov1\(p\+256P,256\) G\|M/);
});
