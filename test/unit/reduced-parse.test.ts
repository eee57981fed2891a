/**
 * "Parse what matters" (issue 12, engine/regions.ts): facts extracted from a reduced parse (only the top-level items
 * the analysis reads, the rest blanked to spaces) must equal those of a full parse, call for call, verdict for verdict,
 * finding for finding and range for range.
 *
 * Property: every fixture and sample, plus a seeded set of fuzz mutations and neutral rewrites of them
 * (test/fuzz/campaign.ts `Generator`), analysed by an engine that always parses whole and by one that reduces every C
 * text (`reduceAbove` 0), under two kernel models; the JSON of calls, findings, notes and facts must be identical.
 * Alone: `node --import tsx --test test/unit/reduced-parse.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Parser } from "web-tree-sitter";
import { Engine, type EngineAnalysis, type EngineOptions } from "../../server/src/engine/engine";
import { blankItems, topLevelItems, analyseReduced } from "../../server/src/engine/regions";
import { createCParser, newParser } from "../../server/src/parsing/parser";
import { corpusFiles, DEFAULT_OPTIONS, Generator, ROOT } from "../fuzz/campaign";
import { generateC } from "../../bench/keystroke";

const OPTIONS: EngineOptions[] = [
  { kernel: "rfc-v2", pageSize: 4096 },
  { kernel: "mainline-6.x", pageSize: 65536 },
];

/** What a user sees of an analysis (the tree aside, which a reduced analysis does not keep). */
function visible(analysis: EngineAnalysis): string {
  const { tree: _tree, ...rest } = analysis;
  return JSON.stringify(rest);
}

function compareBothWays(full: Engine, reduced: Engine, file: string, text: string): void {
  full.setText(file, text);
  reduced.setText(file, text);
  for (const options of OPTIONS) {
    const expected = visible(full.analysis(file, options));
    const actual = visible(reduced.analysis(file, options));
    if (actual !== expected) assert.equal(actual, expected, `${file} under ${options.kernel}@${options.pageSize}`);
  }
  full.close(file);
  reduced.close(file);
}

describe("the item lexer", () => {
  test("blanking keeps every newline and offset", () => {
    const text =
      "int a = 1; /* c */\n#define X 2\nstatic void f(void) {\n  g(\"}\", '{');\n}\nstruct s { int x; } y;\n";
    const items = topLevelItems(text);
    assert.ok(items);
    assert.deepEqual(
      items.map((item) => text.slice(item.start, item.end)),
      ["int a = 1;", "static void f(void) {\n  g(\"}\", '{');\n}", "struct s { int x; } y;"],
    );
    const blanked = blankItems(text, items, [false, true, false]);
    assert.equal(blanked.length, text.length);
    assert.deepEqual(
      [...blanked].map((char, index) => (char === "\n" ? index : -1)).filter((index) => index >= 0),
      [...text].map((char, index) => (char === "\n" ? index : -1)).filter((index) => index >= 0),
    );
    assert.ok(blanked.includes("#define X 2") && blanked.includes("/* c */") && !blanked.includes("int a"));
  });

  test("is unsure of unbalanced brackets, unterminated comments and split #if groups", () => {
    for (const text of [
      "void f(void) { if (x) {\n}\n",
      "int a; /* open\n",
      'char *s = "abc\nint b;',
      "#if A\nvoid f(int x) {\n#else\nvoid f(void) {\n#endif\n}\n",
      "int f(a) int a; { return a; }\n",
      "int x =\n#if A\n1;\n#else\n2;\n#endif\n",
    ])
      assert.equal(topLevelItems(text), null, JSON.stringify(text));
  });

  test("restores an item holding a name the analysis read, until nothing more is read", () => {
    const text = "int keep_me;\nint other;\nint splice_user(void) { return keep_me; }\n";
    const seen: string[] = [];
    const result = analyseReduced(
      text,
      ["splice"],
      (reduced) => {
        seen.push(reduced);
        const names = new Set(reduced.includes("splice_user") ? ["keep_me"] : []);
        return { value: reduced, reads: { names, regions: [] }, clean: true };
      },
      () => undefined,
    );
    assert.ok(result);
    assert.equal(result.rounds, 2);
    assert.ok(seen[0].startsWith(" ".repeat(12)) && seen[1].startsWith("int keep_me;"));
    assert.ok(!result.value.includes("other"));
  });
});

describe("a reduced parse gives the full parse's analysis", () => {
  let parser: Parser;
  const corpus = corpusFiles().map((file) => ({ file, text: readFileSync(path.join(ROOT, file), "utf8") }));

  before(async () => {
    parser = await createCParser();
  });

  test("on every fixture and sample, and the reduction is used on most of them", () => {
    const full = new Engine(newParser);
    const reduced = new Engine(newParser, false, 0);
    try {
      for (const { file, text } of corpus) compareBothWays(full, reduced, file, text);
      assert.ok(
        reduced.statistics.reduced > corpus.length / 2,
        `reduced ${reduced.statistics.reduced} of ${corpus.length}`,
      );
    } finally {
      full.dispose();
      reduced.dispose();
    }
  });

  test("on seeded mutations and neutral rewrites of the corpus", () => {
    const trees = corpus.map(({ file, text }) => {
      const tree = parser.parse(text);
      assert.ok(tree);
      return { file, text, tree };
    });
    const generator = new Generator(parser, trees, { ...DEFAULT_OPTIONS, seed: 12, maxScale: 40 });
    const full = new Engine(newParser);
    const reduced = new Engine(newParser, false, 0);
    try {
      for (let iteration = 0; iteration < 300; iteration++) {
        const input = generator.generate(iteration);
        const text = input.rewritten ?? input.text;
        if (text.length > 200_000) continue;
        compareBothWays(full, reduced, `${input.source}#${iteration}.c`, text);
      }
      assert.ok(reduced.statistics.reduced > 50, `reduced ${reduced.statistics.reduced}`);
    } finally {
      full.dispose();
      reduced.dispose();
      for (const { tree } of trees) tree.delete();
    }
  });

  test("on a translation unit with headers and project facts", () => {
    const header = {
      file: "pipes.h",
      heuristic: false,
      chain: ["main.c", "pipes.h"],
      text: [
        "#define MY_VMSPLICE(fd, iov, n, fl) vmsplice(fd, iov, n, fl)",
        "static int make_pipe(int *p) { return pipe(p); }",
        "static int unrelated(int x) { return x * 2; }",
        "",
      ].join("\n"),
    };
    const wrappers = [{ name: "ship", parameters: [0, 1, 2, 3], file: "ship.c", line: 3 }];
    const full = new Engine(newParser);
    const reduced = new Engine(newParser, false, 0);
    try {
      for (const { file, text } of corpus.slice(0, 40)) {
        for (const engine of [full, reduced]) {
          engine.setText(file, text);
          engine.setHeaders(file, [header], { wrappers });
        }
        for (const options of OPTIONS)
          assert.equal(visible(reduced.analysis(file, options)), visible(full.analysis(file, options)), file);
        full.close(file);
        reduced.close(file);
      }
      assert.ok(reduced.statistics.reduced > 10, `reduced ${reduced.statistics.reduced}`);
    } finally {
      full.dispose();
      reduced.dispose();
    }
  });

  test("on a large generated file, parsing only a small part of it", () => {
    const text = generateC(20_000, 3, 5);
    const full = new Engine(newParser);
    const reduced = new Engine(newParser, false, 100_000);
    try {
      compareBothWays(full, reduced, "big.c", text);
      assert.equal(reduced.statistics.reduced, 1);
      assert.equal(reduced.statistics.reductionFallbacks, 0);
      const kept = analyseReduced(
        text,
        ["splice"],
        (reducedText) => ({ value: reducedText, reads: { names: new Set(), regions: [] }, clean: true }),
        () => undefined,
      );
      assert.ok(kept && kept.keptItems * 10 < kept.items, `kept ${kept?.keptItems} of ${kept?.items}`);
    } finally {
      full.dispose();
      reduced.dispose();
    }
  });
});
