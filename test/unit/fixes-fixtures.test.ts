// Every quick fix offered on a rule fixture (test/fixtures/VMS-*/) keeps the file parsing without ERROR nodes and, when
// the original compiles, compiling with `gcc -fsyntax-only -Wall`; analysed again, its call no longer has the rules the
// fix names. (fixes-samples.test.ts does the same, with gcc warnings compared, for samples/; the re-analysis that
// withholds fixes making anything worse is in rules/quick-fixes.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import { analyseText, applyEdits, compileMessages, gccAvailable, offeredFixes, parsesCleanly } from "./fixes-support";
import { listC } from "./fixture-markers";

const fixturesDir = path.resolve(__dirname, "..", "fixtures");
const configurations: AnalysisOptions[] = [
  { kernel: "rfc-v2", pageSize: 4096 },
  { kernel: "rfc-v2", pageSize: 16384 },
  { kernel: "mainline-6.x", pageSize: 4096 },
];

const compiles = new Map<string, boolean>();
function compilesCached(text: string): boolean {
  let ok = compiles.get(text);
  if (ok === undefined) {
    ok = compileMessages(text, "fixture.c").ok;
    compiles.set(text, ok);
  }
  return ok;
}

test("quick fixes on the rule fixtures parse, compile and remove the rules they name", async () => {
  const useGcc = gccAvailable();
  const problems: string[] = [];
  let checked = 0;
  const files = readdirSync(fixturesDir)
    .filter((name) => name.startsWith("VMS-"))
    .flatMap((name) => listC(path.join(fixturesDir, name)));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const originalClean = await parsesCleanly(text);
    for (const options of configurations) {
      const offered = await offeredFixes(text, options);
      if (offered.length === 0) continue;
      for (const { callIndex, fix } of offered) {
        checked++;
        const where = `${path.relative(fixturesDir, file)} ${options.kernel}/${options.pageSize} "${fix.title}"`;
        const fixed = applyEdits(text, fix.edits);
        if (originalClean && !(await parsesCleanly(fixed))) problems.push(`${where}: ERROR nodes`);
        if (useGcc && compilesCached(text) && !compilesCached(fixed)) problems.push(`${where}: does not compile`);
        if (fix.replacesCall) continue;
        const after = await analyseText(fixed, options);
        const call = after.calls[callIndex];
        const left = call ? call.findings.filter((finding) => fix.rules.includes(finding.rule)) : null;
        if (left === null) problems.push(`${where}: the call is gone`);
        else if (left.length > 0) problems.push(`${where}: still ${left.map((finding) => finding.rule).join(", ")}`);
      }
    }
  }
  assert.ok(checked > 200, `only ${checked} fixes offered`);
  assert.deepEqual(problems, []);
});
