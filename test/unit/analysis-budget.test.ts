/**
 * The analysis budget (facts.ts `AnalysisBudget`): the engine asks before each call's facts and each call's verdicts,
 * and when refused returns the calls it finished, lists the rest, and never judges a call from half its facts. The
 * budget here counts work units, so every case is deterministic (the language server's clock budget is the same
 * interface, see protocol/analysis-worker.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AnalysisBudget } from "../../server/src/engine/engine";
import { judgeCall } from "../../server/src/analysis/verdict";
import { newEngine } from "./engine-support";

const options = { kernel: "rfc-v2", pageSize: 4096 } as const;
const prelude = "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/uio.h>\n#include <unistd.h>\n";

/**
 * Allows `extract` units of extraction (the first is finding the calls after the parse, then one per call) and `judge`
 * units of judging (one per call), and counts what was asked.
 */
function units(extract: number, judge = Infinity): AnalysisBudget & { asked: { extract: number; judge: number } } {
  const asked = { extract: 0, judge: 0 };
  return {
    asked,
    allows(phase) {
      asked[phase]++;
      return phase === "extract" ? asked.extract <= extract : asked.judge <= judge;
    },
  };
}

/** Five writers of their own pipes, with different flags and lengths (some with findings). */
function fiveWriters(): string {
  const parts = [prelude];
  for (let index = 0; index < 5; index++)
    parts.push(
      `int f${index}(void) {\n  int fds[2];\n  if (pipe(fds) < 0) return 1;\n  static char b${index}[8192] __attribute__((aligned(4096)));\n` +
        `  struct iovec v = { b${index} + ${index % 2 ? 100 : 0}, ${index === 3 ? 100 : 4096} };\n` +
        `  return vmsplice(fds[1], &v, 1, ${index % 3 === 0 ? "SPLICE_F_GIFT" : "0"}) < 0;\n}\n`,
    );
  return parts.join("");
}

/** A reader that moves pages, then (later in the file) the writer of the same pipe, which does not gift them. */
const readerFirst = `${prelude}int main(void) {
  int fds[2];
  if (pipe(fds) < 0) return 1;
  static char dst[4096] __attribute__((aligned(4096)));
  static char src[4096] __attribute__((aligned(4096)));
  struct iovec w = { src, 4096 };
  struct iovec r = { dst, 4096 };
  if (vmsplice(fds[0], &r, 1, SPLICE_F_MOVE) < 0) return 1;
  return vmsplice(fds[1], &w, 1, 0) < 0;
}
`;

describe("analysis budget", () => {
  test("extraction cut after k calls reports exactly the first k calls, as the whole analysis does", async () => {
    const engine = await newEngine();
    const text = fiveWriters();
    engine.setText("a.c", text);
    const whole = engine.analysis("a.c", options);
    assert.equal(whole.calls.length, 5);
    assert.equal(whole.stopped, undefined);
    assert.ok(whole.findings.length >= 2, "some calls have findings");
    for (let allowed = 0; allowed <= 5; allowed++) {
      const fresh = await newEngine();
      fresh.setText("a.c", text);
      const budget = units(allowed + 1);
      const partial = fresh.analysis("a.c", options, undefined, budget);
      fresh.dispose();
      assert.equal(partial.calls.length, allowed);
      const sameCalls = whole.calls.slice(0, allowed);
      assert.deepEqual(
        partial.calls.map((call) => [
          call.call.range.start.line,
          call.verdict,
          call.findings.map((item) => item.message),
        ]),
        sameCalls.map((call) => [call.call.range.start.line, call.verdict, call.findings.map((item) => item.message)]),
      );
      const finishedFindings = new Set(sameCalls.flatMap((call) => call.findings));
      assert.deepEqual(
        partial.findings.map((finding) => [finding.range.start.line, finding.rule, finding.message]),
        whole.findings
          .filter((finding) => finishedFindings.has(finding))
          .map((finding) => [finding.range.start.line, finding.rule, finding.message]),
      );
      if (allowed === 5) {
        assert.equal(partial.stopped, undefined, "a budget never refused leaves the analysis whole");
        continue;
      }
      assert.deepEqual(
        partial.stopped?.leftOut?.map((range) => range.start.line),
        whole.calls.slice(allowed).map((call) => call.call.range.start.line),
      );
    }
    engine.dispose();
  });

  test("judging cut after k calls reports the first k and lists the others", async () => {
    const engine = await newEngine();
    engine.setText("a.c", fiveWriters());
    const whole = engine.analysis("a.c", options);
    const fresh = await newEngine();
    fresh.setText("a.c", fiveWriters());
    const budget = units(Infinity, 2);
    const partial = fresh.analysis("a.c", options, undefined, budget);
    assert.deepEqual(
      partial.calls.map((call) => call.verdict),
      whole.calls.slice(0, 2).map((call) => call.verdict),
    );
    assert.equal(partial.stopped?.leftOut?.length, 3);
    // The facts were whole: the next analysis judges them again (no extraction) and reports every call.
    const extracted = fresh.statistics.extracted;
    const again = fresh.analysis("a.c", options);
    assert.equal(fresh.statistics.extracted, extracted);
    assert.equal(again.calls.length, 5);
    assert.equal(again.stopped, undefined);
    engine.dispose();
    fresh.dispose();
  });

  test("a reader whose pipe's writer was left out is never move: it names the calls not analysed", async () => {
    const engine = await newEngine();
    engine.setText("a.c", readerFirst);
    const whole = engine.analysis("a.c", options);
    assert.deepEqual(
      whole.calls.map((call) => call.call.fd.direction),
      ["from-pipe", "to-pipe"],
    );
    assert.notEqual(whole.calls[0].verdict, "move", "the non-gifting writer decides the reader");
    // The trap: judged with the finished calls alone, the reader has no writer in the file and moves.
    const alone = judgeCall(whole.calls[0].call, options, [whole.calls[0].call]);
    assert.equal(alone.verdict, "move");

    const fresh = await newEngine();
    fresh.setText("a.c", readerFirst);
    const partial = fresh.analysis("a.c", options, undefined, units(2));
    assert.equal(partial.calls.length, 1);
    assert.equal(partial.calls[0].verdict, "unknown");
    assert.ok(
      partial.calls[0].missing.some((fact) =>
        /writers on this pipe: .*1 of the file's calls \(from line 13\)/.test(fact),
      ),
      partial.calls[0].missing.join("; "),
    );
    for (const segment of partial.calls[0].segments) {
      assert.notEqual(segment.verdict, "move");
      assert.ok(segment.pageOutcomes.every((page) => page.verdict !== "move"));
    }
    // The partial facts are not kept: without a budget the next analysis is the whole one.
    const again = fresh.analysis("a.c", options);
    assert.deepEqual(
      again.calls.map((call) => call.verdict),
      whole.calls.map((call) => call.verdict),
    );
    engine.dispose();
    fresh.dispose();
  });

  test("refused before the calls are found: nothing is reported and nothing is listed", async () => {
    const engine = await newEngine();
    engine.setText("a.c", fiveWriters());
    const budget = units(0);
    const partial = engine.analysis("a.c", options, undefined, budget);
    assert.equal(budget.asked.extract, 1, "asked once, after parsing, before finding the calls");
    assert.equal(partial.calls.length, 0);
    assert.equal(partial.findings.length, 0);
    assert.deepEqual(partial.stopped, { leftOut: null });
    engine.dispose();
  });
});
