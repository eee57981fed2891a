/**
 * The fuzzer (test/fuzz/, `npm run fuzz`): its building blocks, and a seeded smoke run of a few hundred inputs.
 *
 * The smoke run mutates and rewrites corpus files exactly as `npm run fuzz` does, at a smaller nesting and call-count
 * scale, and fails on any crash, hang, invariant violation or verdict change of a neutral rewrite that is not in
 * KNOWN_FAILURE_CLASSES (test/fuzz/known-failures.ts). Each known class is a FIXME: its reproducers in
 * test/fuzz/findings/ are asserted to still fail that way, so fixing the analyzer fails this test until the class is
 * removed from the list (STYLE.md section 7). Hang reproducers take seconds to minutes and are replayed by
 * `npm run fuzz -- --findings` instead.
 * Alone: `node --import tsx --test test/unit/fuzz.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Parser } from "web-tree-sitter";
import { createCParser } from "../../server/src/parsing/parser";
import { describeClass, replayReproducer, runCampaign } from "../fuzz/campaign";
import { analyseInput, invariantViolations } from "../fuzz/check";
import { parseC } from "../../server/src/parsing/parser";
import { analyzeTree } from "../../server/src/analysis/analyze";
import { DEFAULT_OPTIONS } from "../../server/src/analysis/facts";
import { runJob } from "../fuzz/job";
import { FINDINGS_DIR, KNOWN_FAILURE_CLASSES, knownClassOf } from "../fuzz/known-failures";
import { minimise } from "../fuzz/minimise";
import { WorkerPool } from "../fuzz/pool";
import { iterationSeed, Rng } from "../fuzz/random";
import { REWRITERS, type Rewrite } from "../fuzz/rewrites";
import { errorCount, tokens } from "../fuzz/syntax";
import { parseOptions } from "../../scripts/fuzz";

/** Seed and size of the smoke run; `npm run fuzz -- --seed 20240611 --count 300` shows the same inputs at full scale. */
const SMOKE = { count: 500, seed: 20240611, maxScale: 200, jobs: 1, timeoutMs: 20_000 };

let parser: Parser;

const PROGRAM = `#define F(x) ((x) + 1)
#ifdef SPLICE_F_GIFT
int g = SPLICE_F_GIFT;
#endif
int g2;
int f(int fds[2], char *p)
{
    int a = 1;
    int b = 2;
    int c = a;
    g2 = F(a) + read(fds[1], p, MADV_MERGEABLE);
    return vmsplice(fds[0], p, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* note */
}
`;

/** The rewrite of PROGRAM by the named rewriter under seeds 1..count (those that apply). */
function rewritesOf(name: string, count = 40): Rewrite[] {
  const rewriter = REWRITERS.find((entry) => entry.name === name);
  assert.ok(rewriter, name);
  const tree = parser.parse(PROGRAM);
  assert.ok(tree);
  try {
    return Array.from({ length: count }, (_, seed) =>
      rewriter.apply({ text: PROGRAM, tree, rng: new Rng(seed + 1) }),
    ).filter((rewrite): rewrite is Rewrite => rewrite !== null);
  } finally {
    tree.delete();
  }
}

function errorsOf(text: string): number {
  const tree = parser.parse(text);
  assert.ok(tree);
  try {
    return errorCount(tree);
  } finally {
    tree.delete();
  }
}

describe("fuzzer building blocks", () => {
  before(async () => {
    parser = await createCParser();
  });

  test("a seed gives the same numbers on every run, and iterations get independent seeds", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, () => new Rng(seed).next());
    assert.deepEqual(draw(7), draw(7));
    const first = new Rng(7);
    assert.notDeepEqual([first.next(), first.next()], [new Rng(8).next(), new Rng(8).next()]);
    assert.equal(iterationSeed(7, 3), iterationSeed(7, 3));
    assert.notEqual(iterationSeed(7, 3), iterationSeed(7, 4));
    assert.notEqual(iterationSeed(7, 3), iterationSeed(8, 3));
  });

  test("tokens are tree-sitter leaves; string literals, comments and macro bodies stay whole", () => {
    const text = `#define GIFT (8 | 1)\nint x = f("a, b", 'c'); /* c d */\n`;
    const tree = parser.parse(text);
    assert.ok(tree);
    const texts = tokens(tree, text).map((token) => token.text);
    tree.delete();
    assert.ok(texts.includes('"a, b"'));
    assert.ok(texts.includes("'c'"));
    assert.ok(texts.includes("/* c d */"));
    assert.ok(texts.some((token) => token.trim() === "(8 | 1)"));
    assert.ok(!texts.includes("a"));
  });

  test("spacing adds blanks around the punctuation of one kind of node, outside directives", () => {
    const rewrites = rewritesOf("spacing");
    assert.ok(rewrites.length > 10);
    assert.ok(rewrites.some((rewrite) => rewrite.text.includes("fds [ 1 ]") || rewrite.text.includes("fds [ 0 ]")));
    assert.ok(rewrites.some((rewrite) => /read \( fds\[1\] ,\s+p ,\s+MADV_MERGEABLE \)/.test(rewrite.text)));
    for (const rewrite of rewrites) {
      assert.equal(rewrite.text.replace(/\s+/g, ""), PROGRAM.replace(/\s+/g, ""), rewrite.description);
      assert.ok(rewrite.text.startsWith("#define F(x) ((x) + 1)\n#ifdef SPLICE_F_GIFT\n"), rewrite.description);
    }
  });

  test("rename changes every use of one local or parameter, never a global, macro, field or callee", () => {
    const rewrites = rewritesOf("rename");
    const renamed = new Set(rewrites.map((rewrite) => rewrite.description.split(" ")[1]));
    assert.deepEqual([...renamed].sort(), ["a", "b", "c", "fds", "p"]);
    for (const rewrite of rewrites) {
      const [, from, , to] = rewrite.description.split(" ");
      const words = (text: string) => text.split(/[^A-Za-z0-9_]+/);
      assert.equal(
        words(rewrite.text).filter((word) => word === to).length,
        words(PROGRAM).filter((word) => word === from).length,
      );
      assert.equal(errorsOf(rewrite.text), 0);
    }
  });

  test("alias defines a fresh macro at the top and replaces one use, never inside #ifdef or a macro body", () => {
    const rewrites = rewritesOf("alias");
    assert.ok(rewrites.length > 10);
    for (const rewrite of rewrites) {
      const [definition, ...rest] = rewrite.text.split("\n");
      const [, name, value] = /^#define (LENS_ALIAS_\d+) \(?(\w+)\)?$/.exec(definition) ?? [];
      assert.ok(name && value, definition);
      assert.equal(rest.join("\n").replace(name, value), PROGRAM);
      assert.ok(rest[1].startsWith("#ifdef SPLICE_F_GIFT"));
    }
  });

  test("comments go between tokens, never on a preprocessor line", () => {
    const rewrites = rewritesOf("comment", 80);
    assert.ok(rewrites.length > 20);
    for (const rewrite of rewrites) {
      const lines = rewrite.text.split("\n");
      assert.equal(lines[0], "#define F(x) ((x) + 1)");
      assert.equal(lines[1], "#ifdef SPLICE_F_GIFT");
      assert.equal(
        rewrite.text.replace(/\/\*[\s\S]*?\*\/|\/\/ lens/g, "").replace(/\s+/g, ""),
        PROGRAM.replace(/\/\* note \*\//, "").replace(/\s+/g, ""),
      );
    }
  });

  test("reorder swaps only adjacent declarations that share no name and call nothing", () => {
    const rewrites = rewritesOf("reorder");
    const swapped = new Set(rewrites.map((rewrite) => rewrite.description));
    assert.deepEqual(
      [...swapped],
      ['reorder "int a = 1;" and "int b = 2;" at line 8', 'reorder "int b = 2;" and "int c = a;" at line 9'],
    );
  });

  test("the invariant check flags a move with a missing fact, and passes a clean file", () => {
    // The analyzer no longer produces such a call (the nr_segs reproducer is now unknown), so forge one from it.
    const fixed = analyseInput(parser, readFileSync(path.join(FINDINGS_DIR, "nr-segs-unknown.c"), "utf8"));
    assert.deepEqual(fixed.violations, []);
    const tree = parseC(parser, readFileSync(path.join(FINDINGS_DIR, "nr-segs-unknown.c"), "utf8"));
    assert.ok(tree);
    const [call] = analyzeTree(tree, tree.rootNode.text, DEFAULT_OPTIONS).calls;
    tree.delete();
    assert.ok(call.missing.length > 0, "the reproducer still names a missing fact");
    const forged = { ...call, verdict: "move" as const };
    assert.deepEqual(
      [...new Set(invariantViolations(forged, 0).map((violation) => violation.check))],
      ["call-move-with-missing"],
    );
    const clean = analyseInput(
      parser,
      readFileSync(path.join(__dirname, "..", "..", "samples", "ksm-fixed.c"), "utf8"),
    );
    assert.deepEqual(clean.violations, []);
    assert.deepEqual(clean.internalErrors, []);
    assert.equal(Object.keys(clean.digests).length, 9);
  });

  test("ddmin keeps the lines the failure needs; a rewrite's changed lines go with their originals", async () => {
    const original = ["a\n", "b\n", "KEEP1\n", "c\n", "d\n", "KEEP2\n", "e\n"].join("");
    const smallest = await minimise(
      { original },
      async ({ original: text }) => text.includes("KEEP1") && text.includes("KEEP2"),
    );
    assert.equal(smallest.original, "KEEP1\nKEEP2\n");
    const pair = await minimise(
      { original: "x\ny\nfds[0]\nz\n", rewritten: "x\ny\nfds[ 0 ]\nz\n" },
      async (candidate) => candidate.original !== candidate.rewritten && candidate.original.includes("y"),
    );
    assert.deepEqual(pair, { original: "y\nfds[0]\n", rewritten: "y\nfds[ 0 ]\n" });
  });

  test("options come from -- arguments, npm_config_* values, or the one bare value npm passes for --name N", () => {
    const plain = parseOptions(["--count", "5", "--seed=3"], {});
    assert.equal(plain.get("count"), "5");
    assert.equal(plain.get("seed"), "3");
    const npmValues = parseOptions([], { npm_config_count: "100", npm_config_seed: "7", npm_config_save: "" });
    assert.equal(npmValues.get("count"), "100");
    assert.equal(npmValues.get("seed"), "7");
    assert.equal(npmValues.has("out"), false);
    assert.equal(parseOptions([], { npm_config_out: "" }).get("no-out"), "true", "npm run fuzz --no-out");
    const swallowed = parseOptions(["100"], { npm_config_count: "true", npm_config_seed: "7" });
    assert.equal(swallowed.get("count"), "100");
    assert.equal(swallowed.get("seed"), "7");
  });

  test("the watchdog turns an overlong step into a hang that names the step", async () => {
    const pool = new WorkerPool(1, 300);
    try {
      // Thousands of calls in one function: parsed in tens of milliseconds, their facts take seconds (linearly).
      const text =
        "int main(void)\n{\n    int p[2];\n    struct iovec iov = { 0, 4096 };\n" +
        "    vmsplice(p[1], &iov, 1, SPLICE_F_GIFT);\n".repeat(5000) +
        "    return 0;\n}\n";
      const answer = await pool.run({ id: 1, text });
      assert.equal(answer.kind, "hang");
      assert.equal(answer.kind === "hang" && answer.step, "original: extractFacts");
      const next = await pool.run({ id: 2, text: "int main(void) { return 0; }\n" }, 20_000);
      assert.equal(next.kind, "done", "a fresh worker replaces the terminated one");
    } finally {
      await pool.close();
    }
  });
});

describe("fuzz smoke run", () => {
  before(async () => {
    parser ??= await createCParser();
  });

  test(`${SMOKE.count} seeded inputs: no crash, hang, wrong move or neutral-rewrite change outside the known classes`, async (t) => {
    const report = await runCampaign(SMOKE);
    t.diagnostic(report.summary);
    assert.equal(report.inputs, SMOKE.count);
    assert.ok(report.mutated > 0 && report.rewrites > 0, report.summary);
    const unknown = report.classes.filter((failureClass) => !knownClassOf(failureClass.first));
    for (const failureClass of report.classes)
      t.diagnostic(`${knownClassOf(failureClass.first)?.id ?? "NEW"}: ${failureClass.key} (${failureClass.count})`);
    assert.deepEqual(
      unknown.map((failureClass) => describeClass(failureClass, SMOKE.seed)),
      [],
      "new failure classes: fix the analyzer, or add a FIXME class with a reproducer to test/fuzz/known-failures.ts",
    );
  });

  for (const known of KNOWN_FAILURE_CLASSES) {
    if (known.slow) continue;
    for (const reproducer of known.reproducers)
      test(`FIXME ${known.id}: ${reproducer.file} still shows it`, async () => {
        const result = await replayReproducer(known, reproducer, async (request) => ({
          kind: "done",
          result: runJob(parser, request),
          ms: 0,
        }));
        assert.ok(
          result.stillFails,
          `${known.id} no longer reproduces (${result.failures.map((failure) => failure.key).join("; ") || "no failure"}): if the analyzer was fixed, remove the class from test/fuzz/known-failures.ts and its files from test/fuzz/findings/`,
        );
      });
  }
});
