// Facts moved across keystrokes by the engine's recorded reads (engine/reads.ts) equal a fresh analysis: random one-
// and few-character edits all over a generated C file with vmsplice calls, including edits inside the vmsplice
// functions, in helper functions and in comments, go through the server's didChange path (DocumentStore and
// AnalysisService) and are compared with a fresh engine analysis of the same text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SETTINGS, type LensSettings } from "../../server/src/config";
import { AnalysisService } from "../../server/src/protocol/analysis-service";
import { DocumentStore } from "../../server/src/protocol/documents";
import { generateC } from "../../bench/keystroke";
import { analysisJson, freshAnalysis, newEngine, random } from "./engine-support";

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

test("reused facts equal a fresh analysis after random edits of a generated file", async () => {
  const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, debounceMs: 0 };
  const options = { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize };
  const text = generateC(1500, 4, 99);
  const store = new DocumentStore(await newEngine(true));
  const analyses = new AnalysisService(store);
  const fresh = await newEngine();
  const uri = "file:///test/generated.c";
  let entry = await store.open(uri, "c", 1, text);
  analyses.analyze(entry, settings);
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
    const reference = freshAnalysis(fresh, uri, entry.document.getText(), options);
    assert.equal(
      JSON.stringify(incremental.facts),
      JSON.stringify(reference.facts),
      `facts differ after round ${round} (${JSON.stringify({ at, removing, inserted })})`,
    );
    assert.equal(analysisJson(incremental.analysis), analysisJson(reference), `findings differ after round ${round}`);
  }
  assert.ok(analyses.statistics.reused > 50, `facts were reused only ${analyses.statistics.reused} times`);
  assert.ok(analyses.statistics.extracted > 5, `facts were re-extracted only ${analyses.statistics.extracted} times`);
  assert.equal(analyses.statistics.confinementViolations, 0);
  store.close(uri);
});

const STATEMENTS = [
  "count += 1;\n",
  "used = 0;\n",
  "if (used > 3) count--;\n",
  "{ int t = 1; count += t; }\n",
  "for (int k = 0; k < 2; k++) checksum ^= k;\n",
  "memcpy(out, out + 1, 1);\n",
  'fprintf(stderr, "%d\\n", count);\n',
];

test("valid-C edits inside ordinary functions are proven confined to their function without a reparse and move the facts", async () => {
  const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, debounceMs: 0 };
  const options = { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize };
  const store = new DocumentStore(await newEngine(true));
  const analyses = new AnalysisService(store);
  const fresh = await newEngine();
  const uri = "file:///test/generated-valid.c";
  let entry = await store.open(uri, "c", 1, generateC(1500, 4, 7));
  analyses.analyze(entry, settings);
  const next = random(77);
  for (let round = 0; round < 60; round++) {
    const current = entry.document.getText();
    // A statement boundary inside an ordinary function: after "int count = 0;\n" and its indentation.
    const anchor = current.indexOf("int count = 0;\n", Math.floor(next() * current.length));
    const at = anchor < 0 ? current.indexOf("int count = 0;\n") : anchor;
    const position = entry.document.positionAt(at + "int count = 0;\n".length);
    const inserted = `    ${STATEMENTS[Math.floor(next() * STATEMENTS.length)]}`;
    const changed = store.change(uri, entry.document.version + 1, [
      { range: { start: position, end: position }, text: inserted },
    ]);
    assert.ok(changed);
    entry = changed;
    const incremental = analyses.analyze(entry, settings);
    const reference = freshAnalysis(fresh, uri, entry.document.getText(), options);
    assert.equal(analysisJson(incremental.analysis), analysisJson(reference), `round ${round}`);
  }
  assert.equal(analyses.statistics.confinementViolations, 0);
  // Each edit is proven to stay inside its function's body without reparsing the file (engine/body-edit.ts); the
  // engine made with checkConfinement reparses a copy each time and compares tree-sitter's changed ranges.
  const { bodyEdits, parsed } = analyses.statistics;
  assert.ok(bodyEdits > 40, `edits were proven inside a function body only ${bodyEdits} times`);
  assert.ok(parsed < 10, `the file was reparsed ${parsed} times`);
  assert.ok(analyses.statistics.reused > 40, `facts were moved only ${analyses.statistics.reused} times`);
  store.close(uri);
});
