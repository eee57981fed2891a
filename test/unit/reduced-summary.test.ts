/**
 * Project summaries without a full parse (issue 12, engine/reduced-summary.ts): the summary made from reduced parses
 * must equal the full parse's, list for list and entry for entry.
 *
 * Property: every sample, fixture and test/projects source, and generated large files (one with pipe fillers reached
 * only through a static helper and a function-like macro), summarised from a full parse and from reduced parses: the
 * wrappers, pipe fillers and field fills must be identical, and the name lists asked for every name of the full
 * summary (and a few absent ones) must be the full lists. Projects are also summarised given their other files'
 * fillers (the second round of the filler fixpoint). Alone: `node --import tsx --test test/unit/reduced-summary.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Parser } from "web-tree-sitter";
import { summarizeFile, type FileSummary } from "../../server/src/analysis/summary";
import type { ExternalPipeFiller } from "../../server/src/analysis/pipe-fillers";
import { namesSummary, relevantSummary, type RangedParse } from "../../server/src/engine/reduced-summary";
import { SummaryStore, viewOf } from "../../server/src/project/summary-store";
import { createCParser, newParser } from "../../server/src/parsing/parser";
import { includeDirectives } from "../../server/src/analysis/includes";
import { externalFunctions } from "../../server/src/analysis/summary";
import { Project } from "../../server/src/project/project";
import { corpusFiles, ROOT } from "../fuzz/campaign";
import { generateC } from "../../bench/keystroke";

let parser: Parser;
let ranged: RangedParse;

before(async () => {
  parser = await createCParser();
  ranged = (text, ranges) => parser.parse(text, null, { includedRanges: ranges });
});

function fullSummary(text: string, file: string, known: readonly ExternalPipeFiller[]): FileSummary {
  const tree = parser.parse(text);
  assert.ok(tree);
  try {
    return summarizeFile(tree, text, file, known);
  } finally {
    tree.delete();
  }
}

/** Compares reduced against full; true when the reduction was sure (false: it fell back, which is allowed). */
function compare(text: string, file: string, known: readonly ExternalPipeFiller[] = []): boolean {
  const full = fullSummary(text, file, known);
  const relevant = relevantSummary(ranged, text, file, known);
  if (relevant) {
    const { wrappers, pipeFillers, fieldFills } = full;
    assert.deepEqual(relevant.summary, { wrappers, pipeFillers, fieldFills }, `relevant lists of ${file}`);
  }
  const names = [
    ...new Set([
      ...full.defined,
      ...full.definedAll,
      ...full.called,
      ...full.referenced,
      ...full.wrappers.map((wrapper) => wrapper.name),
      "vmsplice",
      "pipe",
      "main",
      "no_such_function_anywhere",
    ]),
  ];
  const all = namesSummary(ranged, text, names);
  // Only membership of a name is asked of `referenced`: compared as sets.
  const sorted = <T extends { referenced: string[] }>(summary: T) => ({
    ...summary,
    referenced: [...summary.referenced].sort(),
  });
  if (all)
    assert.deepEqual(
      sorted(all),
      sorted({ defined: full.defined, definedAll: full.definedAll, called: full.called, referenced: full.referenced }),
      file,
    );
  // One name at a time, as the project asks: only that name's entries.
  for (const name of names.slice(0, 3)) {
    const one = namesSummary(ranged, text, [name]);
    if (!one) continue;
    const only = (list: string[]) => list.filter((entry) => entry === name);
    assert.deepEqual(one, {
      defined: only(full.defined),
      definedAll: only(full.definedAll),
      called: only(full.called),
      referenced: only(full.referenced),
    });
  }
  return relevant !== null && all !== null;
}

function projectSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return projectSources(full);
    return entry.name.endsWith(".c") ? [full] : [];
  });
}

/** A large file whose fillers are reached only through a static helper, a macro and a hop between them. */
function withFillers(): string {
  return `${generateC(6_000, 2, 21)}
#define MAKE_PIPE(p) pipe(p)
struct holder { int fds[2]; };
static int raw_fill(int *out) { return pipe2(out, 04000); }
int fill_through_static(int *fds) { return raw_fill(fds); }
int fill_through_macro(int *fds) { return MAKE_PIPE(fds); }
int fill_two_hops(int *fds) { return fill_through_static(fds); }
int fill_holder(struct holder *h) { return pipe(h->fds); }
int not_a_filler(int *fds) { return fds[0]; }
`;
}

describe("project summaries from reduced parses equal full-parse summaries", () => {
  test("every sample and fixture", () => {
    const files = corpusFiles();
    let sure = 0;
    for (const file of files) if (compare(readFileSync(path.join(ROOT, file), "utf8"), file)) sure++;
    // The property is only worth something if the reduction is used: most texts must reduce.
    assert.ok(sure > files.length / 2, `${sure} of ${files.length} reduced`);
  });

  test("every test/projects source, alone and given its project's other fillers", () => {
    const projects = path.join(ROOT, "test", "projects");
    for (const name of readdirSync(projects)) {
      const dir = path.join(projects, name);
      const sources = projectSources(dir).map((file) => ({
        file: path.relative(dir, file),
        text: readFileSync(file, "utf8"),
      }));
      const known = sources.flatMap((source) => fullSummary(source.text, source.file, []).pipeFillers);
      for (const source of sources) {
        compare(source.text, source.file);
        compare(source.text, source.file, known);
      }
    }
  });

  test("generated large files reduce, and their summaries are the full ones", () => {
    const plain = generateC(20_000, 3, 5);
    assert.ok(compare(plain, "large.c"), "the generated file must reduce");
    const fillers = withFillers();
    assert.ok(compare(fillers, "fillers.c"), "the file with fillers must reduce");
    const summary = relevantSummary(ranged, fillers, "fillers.c");
    assert.deepEqual(
      summary?.summary.pipeFillers.map((filler) => filler.name),
      ["fill_through_static", "fill_through_macro", "fill_two_hops"],
    );
    assert.deepEqual(
      summary?.summary.fieldFills.map((fill) => `${fill.type}.${fill.field}`),
      ["struct holder.fds"],
    );
    // Far fewer items parsed than the file has.
    assert.ok(summary && summary.result.keptItems * 20 < summary.result.items, JSON.stringify(summary?.result));
    const known: ExternalPipeFiller[] = [
      { name: "not_a_filler", parameter: 0, creates: "pipe", nonblock: false, file: "other.c", line: 1 },
      { name: "elsewhere_fill", parameter: 0, creates: "pipe", nonblock: false, file: "other.c", line: 2 },
    ];
    assert.ok(compare(`${fillers}int calls_elsewhere(int *fds) { return elsewhere_fill(fds); }\n`, "f.c", known));
  });

  test("the store answers from reduced parses what the full summary answers", () => {
    const text = withFillers();
    const store = new SummaryStore(null, "test");
    const view = store.summary("fillers.c", () => ({
      file: "fillers.c",
      display: "fillers.c",
      bytes: Buffer.from(text),
      text: () => text,
      language: "c",
      parse: (source) => parser.parse(source),
      parseRanges: ranged,
      reduceAbove: 1024,
    }));
    assert.ok(view);
    assert.deepEqual(store.counts, { parsed: 0, reduced: 1, cached: 0 });
    const expected = viewOf(fullSummary(text, "fillers.c", []));
    for (const name of ["fill_two_hops", "raw_fill", "pipe", "memset", "process_records_3", "absent_name"]) {
      assert.equal(view.defines(name), expected.defines(name), name);
      assert.equal(view.definesAny(name), expected.definesAny(name), name);
      assert.equal(view.calls(name), expected.calls(name), name);
    }
    assert.deepEqual(view.pipeFillers, expected.pipeFillers);
    // Name questions are answered by reduced parses too.
    assert.equal(store.counts.parsed, 0);
  });
});

describe("the top level of a large file from its skeleton (function bodies blanked) equals the full parse's", () => {
  test("include directives and external functions of every sample, fixture, project source and generated file", () => {
    const project = new Project(ROOT, newParser, { reduceAbove: 0 });
    const texts = [
      ...corpusFiles().map((file) => ({
        file: path.join(ROOT, file),
        text: readFileSync(path.join(ROOT, file), "utf8"),
      })),
      ...projectSources(path.join(ROOT, "test", "projects")).map((file) => ({
        file,
        text: readFileSync(file, "utf8"),
      })),
      { file: "large.c", text: generateC(20_000, 3, 5) },
      { file: "fillers.c", text: withFillers() },
      // Directives inside items: not blanked.
      {
        file: "inside.c",
        text: 'static const int table[] = {\n#include "table.inc"\n};\nint f(void) {\n#include "body.inc"\n  return 0;\n}\n',
      },
      // Nothing but static items: nothing is left to parse.
      { file: "static-only.c", text: "static int f(void) { return g(1); }\nstatic int x = 2;\n" },
      {
        file: "mixed.c",
        text: '/* head */\n#include "a.h"\nstatic int f(void) { return 1; }\nint g(int x) { return f() + x; }\nstatic\nint h(void);\nint main(void) { return g(0); }\n#ifdef X\n#include "b.h"\nint k(void) { return 0; }\n#endif\n',
      },
    ];
    let sure = 0;
    try {
      for (const { file, text } of texts) {
        const top = project.skeletonTopLevel(file, text);
        if (!top) continue;
        sure++;
        const tree = parser.parse(text);
        assert.ok(tree);
        try {
          assert.deepEqual(top, { directives: includeDirectives(tree), external: externalFunctions(tree) }, file);
        } finally {
          tree.delete();
        }
      }
      const mixed = project.skeletonTopLevel("mixed.c", texts[texts.length - 1].text);
      assert.deepEqual(mixed?.external, ["g"]);
      assert.deepEqual(
        mixed?.directives.map((directive) => directive.spelled),
        ["a.h", "b.h"],
      );
    } finally {
      project.dispose();
    }
    assert.ok(sure > texts.length / 2, `${sure} of ${texts.length} from a skeleton`);
    // Not below the threshold: the caller reads the engine's tree then.
    const small = new Project(ROOT, newParser, { reduceAbove: 1 << 20 });
    assert.equal(small.skeletonTopLevel("large.c", generateC(2_000, 1, 5)), null);
    small.dispose();
  });
});
