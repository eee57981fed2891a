// Facts reused across keystrokes (protocol/facts-reuse.ts) equal a fresh extraction: random one- and few-character
// edits all over a generated C file with vmsplice calls, including edits inside the vmsplice functions, in helper
// functions and in comments, are analysed incrementally and compared with a full analysis of the same text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import { DEFAULT_SETTINGS, type LensSettings } from "../../server/src/config";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { AnalysisService } from "../../server/src/protocol/analysis-service";
import { DocumentStore } from "../../server/src/protocol/documents";
import { generateC } from "../../bench/keystroke";

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const insertions = [
  "x",
  "1",
  " ",
  "\n",
  "buf",
  "page",
  "fork();",
  "pipe(fds);",
  "/* vmsplice-lens: ignore VMS-LEN-PAGE -- t */",
  "}",
  "{",
  ";",
  '"',
  'ship_page_1(fds, "x", 1);',
  "memset(buf, 0, 8);",
];

test("reused facts equal freshly extracted facts after random edits", async () => {
  const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, debounceMs: 0 };
  const text = generateC(1500, 4, 99);
  const store = new DocumentStore(createCParser);
  const analyses = new AnalysisService(store);
  const uri = "file:///test/generated.c";
  let entry = await store.open(uri, "c", 1, text);
  analyses.analyze(entry, settings);
  const parser = await createCParser();
  const next = random(4242);
  for (let round = 0; round < 100; round++) {
    const current = entry.document.getText();
    // Mostly small edits in ordinary functions (the reuse path), sometimes anything from the list anywhere.
    let at = Math.floor(next() * current.length);
    if (next() < 0.7) {
      const found = current.indexOf("checksum = (checksum", at);
      if (found >= 0) at = found + 9;
    }
    const removing = next() < 0.4;
    const start = entry.document.positionAt(at);
    const end = removing ? entry.document.positionAt(at + 1 + Math.floor(next() * 3)) : start;
    const inserted = removing ? "" : next() < 0.7 ? "x" : insertions[Math.floor(next() * insertions.length)];
    const changed = store.change(uri, entry.document.version + 1, [{ range: { start, end }, text: inserted }]);
    assert.ok(changed);
    entry = changed;
    const incremental = analyses.analyze(entry, settings);
    const fresh = parseC(parser, entry.document.getText());
    assert.ok(fresh);
    const facts = extractFacts(fresh, entry.document.getText());
    assert.deepEqual(
      incremental.facts,
      facts,
      `facts differ after round ${round} (${JSON.stringify({ at, removing, inserted })})`,
    );
    const judged = judgeCalls(facts, { kernel: settings.kernel, pageSize: settings.pageSize });
    assert.deepEqual(
      incremental.analysis.calls.map((call) => call.findings),
      judged.calls.map((call) => call.findings),
      `findings differ after round ${round}`,
    );
    fresh.delete();
  }
  assert.ok(analyses.statistics.reused > 50, `facts were reused only ${analyses.statistics.reused} times`);
  assert.ok(analyses.statistics.extracted > 5, `facts were re-extracted only ${analyses.statistics.extracted} times`);
  parser.delete();
  store.close(uri);
});
