// Every quick fix offered on samples/ keeps the file compiling and changes the verdict as its title claims:
// the fix is applied, the result must parse without ERROR nodes, pass `gcc -fsyntax-only -Wall` with no new
// warnings, and analyse again with the fixed rules gone, no new rule on that call and a verdict no worse than before.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AnalysisOptions, CallVerdict } from "../../server/src/analysis/facts";
import { findRule } from "../../server/src/rules";
import { analyseText, applyEdits, compileMessages, gccAvailable, offeredFixes, parsesCleanly } from "./fixes-support";

const samplesDir = path.resolve(__dirname, "..", "..", "samples");
const samples = readdirSync(samplesDir)
  .filter((name) => name.endsWith(".c"))
  .sort();
const configurations: AnalysisOptions[] = [
  { kernel: "rfc-v2", pageSize: 4096 },
  { kernel: "rfc-v2", pageSize: 16384 },
  { kernel: "mainline-6.x", pageSize: 4096 },
];
// unsafe is the worst verdict: a known wrong move or kernel crash, worse than not knowing.
const rank: Record<CallVerdict, number> = { unsafe: -1, unknown: 0, copy: 1, partial: 2, move: 3 };

/** Warning lines of gcc without the file name, so the original and the fixed file can be compared. */
function warnings(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.includes("warning:"))
    .map((line) => line.slice(line.indexOf("warning:")));
}

describe(
  "quick fixes on samples/",
  { skip: gccAvailable() ? false : "gcc is not installed: cannot prove that fixed files compile" },
  () => {
    const verified = new Map<string, number>();

    for (const options of configurations) {
      test(`${options.kernel}, page size ${options.pageSize}`, async () => {
        for (const sample of samples) {
          const text = readFileSync(path.join(samplesDir, sample), "utf8");
          const offered = await offeredFixes(text, options);
          if (offered.length === 0) continue;
          const before = await analyseText(text, options);
          const originalWarnings = warnings(compileMessages(text, sample).output);
          for (const { callIndex, fix } of offered) {
            const where = `${sample} (${options.kernel}/${options.pageSize}): "${fix.title}"`;
            const fixed = applyEdits(text, fix.edits);
            assert.notEqual(fixed, text, `${where} changes nothing`);
            assert.ok(await parsesCleanly(fixed), `${where} leaves tree-sitter ERROR nodes`);
            const compiled = compileMessages(fixed, sample);
            assert.ok(compiled.ok, `${where} does not compile:\n${compiled.output}`);
            const newWarnings = warnings(compiled.output).filter((line) => !originalWarnings.includes(line));
            assert.deepEqual(newWarnings, [], `${where} adds gcc warnings`);

            const after = await analyseText(fixed, options);
            if (fix.replacesCall) {
              // writev() instead of vmsplice: the call and every finding of it are gone, the others stay.
              assert.equal(after.calls.length, before.calls.length - 1, `${where} should remove exactly its call`);
              const remaining = before.calls
                .filter((_, index) => index !== callIndex)
                .map((call) => call.findings.map((finding) => finding.rule).sort());
              assert.deepEqual(
                after.calls.map((call) => call.findings.map((finding) => finding.rule).sort()),
                remaining,
                `${where} changes other calls`,
              );
              verified.set(sample, (verified.get(sample) ?? 0) + 1);
              continue;
            }
            assert.equal(after.calls.length, before.calls.length, `${where} changes the number of vmsplice calls`);
            const callBefore = before.calls[callIndex];
            const callAfter = after.calls[callIndex];
            const rulesBefore = new Set(callBefore.findings.map((finding) => finding.rule));
            const rulesAfter = new Set(callAfter.findings.map((finding) => finding.rule));
            for (const rule of fix.rules) assert.ok(!rulesAfter.has(rule), `${where} still reports ${rule}`);
            // A fix may surface an information-level note (the write end now gifts on a mainline kernel: VMS-GIFT-NOOP),
            // never a new warning or error.
            for (const rule of rulesAfter)
              assert.ok(rulesBefore.has(rule) || findRule(rule)?.severity === "info", `${where} introduces ${rule}`);
            assert.ok(
              rank[callAfter.verdict] >= rank[callBefore.verdict],
              `${where} makes the verdict worse: ${callBefore.verdict} -> ${callAfter.verdict}`,
            );
            // When the fixed rules were everything that kept pages from moving, the RFC kernel must now move them.
            const blocking = [...rulesBefore].filter((rule) => findRule(rule)?.severity !== "info");
            if (
              options.kernel === "rfc-v2" &&
              blocking.length > 0 &&
              blocking.every((rule) => fix.rules.includes(rule))
            ) {
              assert.equal(
                callAfter.verdict,
                "move",
                `${where} claims to fix ${fix.rules.join(", ")} but the call does not move`,
              );
            }
            verified.set(sample, (verified.get(sample) ?? 0) + 1);
          }
        }
      });
    }

    test("the fixes the brief asks for are offered where the samples need them", () => {
      // One sample per fix kind; if a sample or the analyzer changes so that a fix disappears, this says which.
      const expected = [
        "align-src.c",
        "align-dst.c",
        "len-page.c",
        "dst-short.c",
        "no-move-flag.c",
        "rfc-move-only-zap.c",
        "nonblock-fd.c",
        "page-size-literal.c",
        "rfc-iov-base.c",
        "wrong-end.c",
        "zero-page.c",
        "alias-zeropage.c",
        "flags-unknown.c",
        "ksm.c",
        "thp-split.c",
        "dst-thp.c",
        "zero-len-iov.c",
        "alias-write.c",
      ];
      const missing = expected.filter((sample) => !verified.has(sample));
      assert.deepEqual(missing, [], `no verified fix for ${missing.join(", ")}`);
      const total = [...verified.values()].reduce((sum, count) => sum + count, 0);
      assert.ok(total >= 30, `only ${total} fixes verified`);
    });
  },
);
