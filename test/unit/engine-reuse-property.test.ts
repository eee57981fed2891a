/**
 * Property: whatever the edit, the editor path gives what a fresh analysis of the final text gives.
 *
 * Random edits anywhere in every C file of samples/ and test/fixtures/ (seeded, so a failure reproduces): inserting,
 * deleting and replacing snippets that matter to the extractor (`mkfifo("/tmp/q", 0600);`, `d->wfd = 0;`, `fork();`,
 * `madvise(b, n, MADV_MERGEABLE);`, suppression comments, comment and string delimiters), identifiers taken from the
 * file itself, random tokens, and deleted braces. Each edit goes through the server's didChange path (DocumentStore,
 * then AnalysisService over the engine, which moves the previous facts when their recorded reads allow it); after
 * each burst the JSON of calls (facts, verdicts, page verdicts) and findings (ranges, related locations) must equal a
 * fresh engine analysis. Some files get an unrelated helper function appended first, so that edits far from any call
 * (the case the reuse exists for) are frequent too. `npm test` runs a few hundred edits (every file at least once);
 * VMSPLICE_LENS_EDITS=5000 runs more (VMSPLICE_LENS_SEED picks another seed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import { applySuppressions } from "../../server/src/analysis/suppressions";
import { DEFAULT_SETTINGS, type LensSettings } from "../../server/src/config";
import { createCParser } from "../../server/src/parsing/parser";
import { AnalysisService } from "../../server/src/protocol/analysis-service";
import { DocumentStore } from "../../server/src/protocol/documents";
import { LensDocument } from "../../server/src/protocol/text-document";
import { Engine } from "../../server/src/engine/engine";
import { ItemTables } from "../../server/src/engine/regions";
import { newCParser } from "../../server/src/parsing/parser";
import type { OpenDocument } from "../../server/src/protocol/documents";
import { analysisJson, freshAnalysis, newEngine, random } from "./engine-support";
import { listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");

const SNIPPETS = [
  'mkfifo("/tmp/q", 0600);',
  "d->wfd = 0;",
  "fork();",
  "madvise(b, n, MADV_MERGEABLE);",
  "pipe(fds);",
  "pipe2(fds, O_NONBLOCK);",
  "fcntl(fds[1], F_SETFL, O_NONBLOCK);",
  "fcntl(fds[1], F_SETPIPE_SZ, 4096);",
  "tee(fds[0], fds[1], 4096, 0);",
  "pthread_create(&t, 0, worker, 0);",
  "munmap(buf, page);",
  "mlock(buf, page);",
  "buf[0] = 1;",
  "memset(buf, 0, 100);",
  "iov.iov_len = 100;",
  "iov.iov_base = buf + 1;",
  "#define PAGE 4096\n",
  "#define SPLICE_F_GIFT 0\n",
  "static char g[4096];\n",
  "vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT);",
  "syscall(SYS_vmsplice, fds[1], &iov, 1, 0);",
  "/* vmsplice-lens: ignore VMS-PARTIAL -- test */",
  "// vmsplice-lens: ignore VMS-RFC-IOV-BASE\n",
  "splice(a, 0, b, 0, n, SPLICE_F_MOVE);",
  "enum { PAGE_SZ = 4096 };\n",
  "wait(0);",
  "return 0;",
  "x",
  "1",
  " ",
  "\n",
  "}",
  "{",
  ";",
  '"',
  "'",
  "/*",
  "*/",
  "//",
  "(",
  ")",
  ",",
  "#if 0\n",
  "#endif\n",
];

/** The JSON compared, without the `file` fields only the engine adds. */
function withoutFiles(analysis: { calls: unknown[]; findings: unknown[]; notes: string[] }): string {
  return JSON.stringify(analysis, (key, value) => (key === "file" ? undefined : value));
}

/** Null when equal, else both texts around their first difference (whole JSON dumps are unreadable). */
function firstDifference(actual: string, expected: string): string | null {
  if (actual === expected) return null;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (text: string) => text.slice(Math.max(0, at - 300), at + 200);
  return `editor path: ...${around(actual)}...\nfresh:       ...${around(expected)}...`;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

interface Change {
  start: number;
  end: number;
  text: string;
}

/** An unrelated function appended to some files, so that typing "somewhere else" happens often. */
const HELPER = `
static int unrelated_helper(int count)
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += i * 2;
    return total;
}
`;

/** One random edit of `text`: where and what, as offsets and the inserted text. */
function randomChange(text: string, identifiers: string[], next: () => number): Change {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  let at = Math.floor(next() * (text.length + 1));
  const helper = text.indexOf("int total = 0;");
  const where = next();
  // Some edits go into the unrelated helper (when the file has it), some to the start of a line, where statements
  // and definitions begin, the rest anywhere.
  if (helper >= 0 && where < 0.4) at = helper + Math.floor(next() * 80);
  else if (where < 0.7) at = text.lastIndexOf("\n", at - 1) + 1;
  const roll = next();
  if (roll < 0.45) return { start: at, end: at, text: pick(SNIPPETS) };
  if (roll < 0.6) return { start: at, end: Math.min(text.length, at + 1 + Math.floor(next() * 20)), text: "" };
  if (roll < 0.72) {
    return { start: at, end: Math.min(text.length, at + 1 + Math.floor(next() * 8)), text: pick(SNIPPETS) };
  }
  if (roll < 0.8) {
    // Delete a brace.
    const braces = [...text.matchAll(/[{}]/g)].map((match) => match.index ?? 0);
    if (braces.length > 0) {
      const brace = pick(braces);
      return { start: brace, end: brace + 1, text: "" };
    }
  }
  if (roll < 0.92 && identifiers.length > 0) {
    // Rename an identifier occurrence, or type one of the file's identifiers somewhere.
    const matches = [...text.matchAll(IDENTIFIER)];
    if (next() < 0.5 && matches.length > 0) {
      const match = pick(matches);
      const start = match.index ?? 0;
      return { start, end: start + match[0].length, text: next() < 0.5 ? pick(identifiers) : `${match[0]}x` };
    }
    return { start: at, end: at, text: `${pick(identifiers)}${next() < 0.5 ? " " : ""}` };
  }
  // A random token.
  const alphabet = "abcdefghijklmnopqrstuvwxyz_0123456789";
  let token = "";
  for (let length = 1 + Math.floor(next() * 6); token.length < length;) token += alphabet[Math.floor(next() * 37)];
  return { start: at, end: at, text: token };
}

/**
 * Edit sessions over every sample and fixture through the server's didChange path on `engine`, each analysis compared
 * with a fresh one; `onDifference` may explain a difference away (returns the failure left, or null).
 */
async function editSessions(
  engine: Engine,
  onDifference: (store: DocumentStore, entry: OpenDocument, failure: string) => string | null,
): Promise<{ edits: number; analysesRun: number }> {
  const files = [...listC(path.join(root, "samples")), ...listC(path.join(root, "test", "fixtures"))];
  assert.ok(files.length > 100, `only ${files.length} C files found`);
  const total = Number(process.env.VMSPLICE_LENS_EDITS ?? 400);
  const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, debounceMs: 0 };
  const options = { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize };
  const store = new DocumentStore(engine);
  const analyses = new AnalysisService(store);
  const fresh = await newEngine();
  const next = random(Number(process.env.VMSPLICE_LENS_SEED ?? 20250607));
  let edits = 0;
  let analysesRun = 0;
  // Every file gets a session of a few edits, in a seeded order, until the edit budget is spent (at least one each).
  const order = files.map((file) => ({ file, key: next() })).sort((a, b) => a.key - b.key);
  const perFile = Math.max(1, Math.round(total / files.length));
  for (let index = 0; edits < total || index < files.length; index++) {
    const file = order[index % order.length].file;
    const original = readFileSync(file, "utf8") + (next() < 0.6 ? HELPER : "");
    const identifiers = [...new Set(original.match(IDENTIFIER) ?? [])];
    const uri = `file:///property/${index}/${path.basename(file)}`;
    const entry = await store.open(uri, "c", 1, original);
    analyses.analyze(entry, settings);
    for (let round = 0; round < perFile; round++) {
      const log: Change[] = [];
      const before = entry.document.getText();
      // Bursts: sometimes two or three notifications, or several changes in one, before the analysis runs.
      const notifications = next() < 0.75 ? 1 : 2 + Math.floor(next() * 2);
      for (let notification = 0; notification < notifications; notification++) {
        const document = entry.document;
        const changeCount = next() < 0.85 ? 1 : 2;
        const contentChanges = [];
        let text = document.getText();
        for (let count = 0; count < changeCount; count++) {
          // Later changes of one notification are relative to the text after the earlier ones.
          const positions = new LensDocument(uri, "c", 0, text);
          const change = randomChange(text, identifiers, next);
          log.push(change);
          contentChanges.push({
            range: { start: positions.positionAt(change.start), end: positions.positionAt(change.end) },
            text: change.text,
          });
          text = text.slice(0, change.start) + change.text + text.slice(change.end);
        }
        store.change(uri, document.version + 1, contentChanges);
        edits += contentChanges.length;
      }
      const incremental = analyses.analyze(entry, settings);
      analysesRun++;
      const reference = freshAnalysis(fresh, uri, entry.document.getText(), options);
      const context = `${path.relative(root, file)} session ${index} round ${round} edits ${JSON.stringify(log)}`;
      let failure =
        firstDifference(analysisJson(incremental.analysis), analysisJson(reference)) ??
        firstDifference(JSON.stringify(incremental.suppressions), JSON.stringify(reference.suppressions));
      if (failure) failure = onDifference(store, entry, failure);
      if (failure && process.env.VMSPLICE_LENS_DUMP)
        writeFileSync(process.env.VMSPLICE_LENS_DUMP, JSON.stringify({ before, log, file }));
      assert.equal(failure, null, `${context}\n${failure}`);
    }
    store.close(uri);
    analyses.forget(uri);
  }
  return { edits, analysesRun };
}

test("editor-path findings equal a fresh analysis after random edits of every sample and fixture", async (t) => {
  const engine = await newEngine(true);
  const parser = await createCParser();
  const options = { kernel: DEFAULT_SETTINGS.kernel, pageSize: DEFAULT_SETTINGS.pageSize };
  let divergentTrees = 0;
  const { edits, analysesRun } = await editSessions(engine, (store, entry, failure) => {
    // tree-sitter's incremental reparse of broken code sometimes recovers differently from a fresh parse
    // (upstream behaviour, e.g. tree-sitter/tree-sitter-haskell#129). Then the editor path must equal an
    // extraction from scratch over the editor's own tree: that is what reusing facts is responsible for.
    const text = entry.document.getText();
    const editorTree = store.treeFor(entry);
    const freshTree = parser.parse(text);
    assert.ok(editorTree && freshTree);
    let left: string | null = failure;
    if (editorTree.rootNode.toString() !== freshTree.rootNode.toString()) {
      divergentTrees++;
      const judged = judgeCalls(extractFacts(editorTree, text), options);
      const scratch = applySuppressions(editorTree, text, judged);
      const incremental = store.engine.analysis(entry.uri, { ...options, maxFileSize: DEFAULT_SETTINGS.maxFileSize });
      left = firstDifference(withoutFiles(incremental), withoutFiles(scratch.analysis));
    }
    freshTree.delete();
    return left;
  });
  const { reused, extracted, confined, confinementViolations } = engine.statistics;
  t.diagnostic(
    `${edits} edits, ${analysesRun} analyses: facts moved ${reused} times, extracted ${extracted} times; ` +
      `changes confined to one item ${confined} times; incremental and fresh trees differed ${divergentTrees} times`,
  );
  assert.equal(confinementViolations, 0, "tree-sitter reported changes outside an item the shortcut vouched for");
  parser.delete();
  assert.ok(divergentTrees <= analysesRun / 20, `incremental and fresh trees differed ${divergentTrees} times`);
  // The property is only worth something if both paths ran often.
  assert.ok(reused >= analysesRun / 8, `facts were moved only ${reused} times in ${analysesRun} analyses`);
  assert.ok(extracted >= analysesRun / 8, `facts were extracted only ${extracted} times in ${analysesRun} analyses`);
});

test("the analysis worker's live reductions equal a fresh analysis after random edits of every sample and fixture", async (t) => {
  await newEngine();
  // Every C file is read through its live item table (the worker does it above BACKGROUND_CHARS).
  const engine = new Engine(newCParser, false, Number.POSITIVE_INFINITY, new ItemTables(), 0);
  const { edits, analysesRun } = await editSessions(engine, (_store, _entry, failure) => failure);
  const { reused, extracted, reduced, reductionFallbacks } = engine.statistics;
  t.diagnostic(
    `${edits} edits, ${analysesRun} analyses: facts moved ${reused} times, extracted ${extracted} times, ` +
      `${reduced} of them from live reductions (${reductionFallbacks} fell back to the whole text)`,
  );
  // Worth something only if the live path both moved facts and extracted them often.
  assert.ok(reused >= analysesRun / 16, `facts were moved only ${reused} times in ${analysesRun} analyses`);
  assert.ok(reduced >= analysesRun / 8, `only ${reduced} live reductions in ${analysesRun} analyses`);
});
