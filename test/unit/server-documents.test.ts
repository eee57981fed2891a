// Incremental sync: applying LSP content changes as tree-sitter edits and reparsing from the old tree gives the same
// tree and the same findings as a fresh parse of the final text, for many random edits, multi-line and non-ASCII text.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import { createCParser, newCParser, parseC } from "../../server/src/parsing/parser";
import { Engine } from "../../server/src/engine/engine";
import { DocumentStore } from "../../server/src/protocol/documents";

/** A small deterministic pseudo-random generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const insertions = [
  "x",
  " ",
  "\n",
  "SPLICE_F_MOVE | ",
  "/* é ünïcödé 😀 */",
  "page",
  "}",
  "{",
  ";",
  "4096",
  "\r\n",
  "vmsplice(fds[1], &iov, 1, 0);\n",
  "'",
  '"',
];

async function findingsOf(text: string) {
  const parser = await createCParser();
  const tree = parseC(parser, text);
  assert.ok(tree);
  const analysis = judgeCalls(extractFacts(tree, text), { kernel: "rfc-v2", pageSize: 4096 });
  const shape = {
    sexp: tree.rootNode.toString(),
    findings: analysis.findings.map((finding) => [finding.rule, finding.range, finding.message]),
  };
  tree.delete();
  parser.delete();
  return shape;
}

describe("DocumentStore incremental parsing", () => {
  for (const sample of ["rfc-iov-base.c", "producer-consumer.c", "alias-zeropage.c"]) {
    test(`random edits on samples/${sample} match a fresh parse`, async () => {
      const original = readFileSync(path.resolve(__dirname, "..", "..", "samples", sample), "utf8");
      const store = new DocumentStore(new Engine(newCParser));
      const uri = `file:///test/${sample}`;
      const entry = await store.open(uri, "c", 1, original);
      store.treeFor(entry);
      const next = random(sample.length * 7919);
      for (let round = 1; round <= 40; round++) {
        const changes = [];
        const batch = 1 + Math.floor(next() * 3);
        for (let index = 0; index < batch; index++) {
          const document = store.get(uri)?.document;
          assert.ok(document);
          const length = document.getText().length;
          const start = Math.floor(next() * length);
          const end = Math.min(length, start + Math.floor(next() * 12));
          const text = next() < 0.3 ? "" : insertions[Math.floor(next() * insertions.length)];
          const range = { start: document.positionAt(start), end: document.positionAt(end) };
          // Each change is applied on its own here; LSP allows several per notification, which the next round covers.
          store.change(uri, document.version + 1, [{ range, text }]);
          changes.push({ range, text });
        }
        const current = store.get(uri);
        assert.ok(current);
        if (round % 4 === 0) {
          const tree = store.treeFor(current);
          assert.ok(tree);
          const text = current.document.getText();
          const incremental = {
            sexp: tree.rootNode.toString(),
            findings: judgeCalls(extractFacts(tree, text), { kernel: "rfc-v2", pageSize: 4096 }).findings.map(
              (finding) => [finding.rule, finding.range, finding.message],
            ),
          };
          assert.deepEqual(incremental, await findingsOf(text), `round ${round} after ${JSON.stringify(changes)}`);
        }
      }
      store.close(uri);
    });
  }

  test("several changes in one notification, out-of-range positions and a full replacement", async () => {
    const store = new DocumentStore(new Engine(newCParser));
    const uri = "file:///test/multi.c";
    const entry = await store.open(uri, "c", 1, "int a;\nint b;\n/* ü */ int c;\n");
    store.treeFor(entry);
    store.change(uri, 2, [
      { range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text: "alpha" },
      { range: { start: { line: 2, character: 12 }, end: { line: 2, character: 13 } }, text: "gamma" },
      { range: { start: { line: 99, character: 0 }, end: { line: 120, character: 3 } }, text: "int z;\n" },
    ]);
    const changed = store.get(uri);
    assert.ok(changed);
    assert.equal(changed.document.getText(), "int alpha;\nint b;\n/* ü */ int gamma;\nint z;\n");
    assert.equal(store.treeFor(changed)?.rootNode.toString(), (await findingsOf(changed.document.getText())).sexp);
    store.change(uri, 3, [{ text: "void f(void) {}\n" }]);
    const replaced = store.get(uri);
    assert.ok(replaced);
    assert.equal(replaced.document.version, 3);
    assert.equal(store.treeFor(replaced)?.rootNode.toString(), (await findingsOf("void f(void) {}\n")).sexp);
  });
});
