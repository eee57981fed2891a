/**
 * Annotated goldens: for every rule fixture test/fixtures/<RULE-ID>/{invalid,valid}/**\/X.c, the file X.c.annotated beside
 * it holds the fixture's source with each finding's carets and message under its line and each call's verdict, page by
 * page (format: annotated-golden.ts). A reviewer reads what fired where without opening two files (STYLE.md section 7).
 *
 * The annotations come from the analysis the JSON goldens use (fixtures.test.ts): rfc-v2 at 4096 unless the fixture's
 * `lens-options` marker says otherwise. The name ends in `.annotated`, not `.c`, on purpose: every walker of `**\/*.c`
 * (the golden harness, the property and fuzz tests, the compile test, the CLI and the editor's workspace scan) would
 * otherwise take each golden for a second fixture.
 * The test also checks that the annotations are inert: the annotated text parses with as many ERROR and MISSING nodes as
 * the fixture, and its analysis gives the same findings and verdicts at the same (shifted) lines.
 * Goldens are rewritten only with UPDATE_GOLDEN=1; review the diff by reading it.
 *
 * The goldens show one kernel model and page size; "every fixture under every kernel model and page size" checks the
 * other eight combinations by property, so a reviewer need not read nine goldens per fixture:
 *   - mainline (6.x and 3.12) moves nothing, at any page size: no call, segment or page is `move` or `partial`;
 *   - rfc-v2 at 16 KiB and 64 KiB never turns a call that is `copy` or `unknown` at 4 KiB into `move` (or `partial`)
 *     without a reason that depends on the page size: a rule of the page geometry at 4 KiB (the chunking of the
 *     iovec, alignment, short chunks, the pipe's room in pages, a hard-coded 4096), or a missing fact at 4 KiB that is
 *     gone at the larger size (the pages past the examined cap, for example).
 * Alone: `node --import tsx --test test/unit/annotated-goldens.test.ts`.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Node, Parser } from "web-tree-sitter";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { analyzeTree, type FileAnalysis } from "../../server/src/analysis/analyze";
import { readMarkers, listC } from "./fixture-markers";
import { annotate } from "./annotated-golden";
import { findRule, plainText } from "../../server/src/rules";
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../../server/src/models";

const root = path.resolve(__dirname, "..", "..");
const fixturesDir = path.join(root, "test", "fixtures");
const updateGolden = process.env.UPDATE_GOLDEN === "1";
const ANNOTATED_SUFFIX = ".c.annotated";

let parserPromise: Promise<Parser> | null = null;
function parser(): Promise<Parser> {
  parserPromise ??= createCParser();
  return parserPromise;
}

function listAnnotated(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listAnnotated(path.join(dir, entry.name))
      : entry.name.endsWith(ANNOTATED_SUFFIX)
        ? [path.join(dir, entry.name)]
        : [],
  );
}

const ruleFolders = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name.startsWith("VMS-"))
  .map((entry) => entry.name)
  .sort();
const fixtures = ruleFolders.flatMap((rule) =>
  (["invalid", "valid"] as const).flatMap((kind) => listC(path.join(fixturesDir, rule, kind))),
);

function goldenOf(fixture: string): string {
  return fixture.slice(0, -".c".length) + ANNOTATED_SUFFIX;
}

function brokenNodes(node: Node): number {
  let count = node.type === "ERROR" || node.isMissing ? 1 : 0;
  for (const child of node.children) if (child) count += brokenNodes(child);
  return count;
}

/** Findings and verdicts with every line passed through `line`, so two analyses of shifted texts compare equal. */
function shape(analysis: FileAnalysis, line: (annotatedLine: number) => number | null): unknown {
  return {
    findings: analysis.findings.map((finding) => [
      finding.rule,
      line(finding.range.start.line),
      finding.range.start.column,
      // A range ending at column 0 ends with the line before (the golden puts annotations between the two).
      finding.range.end.column === 0 ? line(finding.range.end.line - 1) : line(finding.range.end.line),
      finding.range.end.column === 0 ? "end of line" : finding.range.end.column,
    ]),
    calls: analysis.calls.map((call) => [line(call.call.range.start.line), call.call.range.start.column, call.verdict]),
  };
}

/**
 * Issue 11 point 6: a finding's message is plain text (no markdown backticks), one sentence that states the effect and
 * its cause before the detail, close enough to the start not to be cut in the Problems panel; it does not repeat the
 * rule's title, nor any clause of its own.
 */
export function checkMessageStyle(findings: FileAnalysis["findings"]): void {
  for (const { rule: id, message } of findings) {
    assert.ok(!message.includes("`"), `${id}: markdown backticks in a plain-text message: ${message}`);
    const title = findRule(id);
    if (title) assert.ok(!message.includes(plainText(title.title)), `${id}: the message repeats the title: ${message}`);
    // The effect and the cause are joined by ": " (effect first) or ", so " (cause first), within the first 110 columns.
    const joint = Math.min(...[": ", ", so "].map((word) => message.indexOf(word)).filter((index) => index > 0));
    assert.ok(joint <= 110, `${id}: the cause starts after column 110 (or is missing): ${message}`);
    const clauses = message.split(/[;:,] /).map((clause) => clause.trim().toLowerCase());
    assert.equal(new Set(clauses).size, clauses.length, `${id}: a clause is repeated: ${message}`);
  }
}

async function checkFixture(fixture: string): Promise<void> {
  const text = readFileSync(fixture, "utf8");
  const tree = parseC(await parser(), text);
  assert.ok(tree, "tree-sitter returned no tree");
  try {
    const { options, problems } = readMarkers(tree);
    assert.deepEqual(problems, [], "malformed markers");
    const analysis = analyzeTree(tree, text, options);
    const annotated = annotate(text, analysis, options);
    checkMessageStyle(analysis.findings);
    const golden = goldenOf(fixture);
    if (updateGolden) writeFileSync(golden, annotated.text);
    else {
      assert.ok(existsSync(golden), `missing ${path.relative(root, golden)}; run with UPDATE_GOLDEN=1 and read it`);
      assert.equal(
        annotated.text,
        readFileSync(golden, "utf8"),
        `${path.relative(root, golden)} differs (UPDATE_GOLDEN=1 rewrites it; review the diff)`,
      );
    }

    // The annotations are comments and change nothing the parser or the analyzer sees.
    const annotatedTree = parseC(await parser(), annotated.text);
    assert.ok(annotatedTree, "tree-sitter returned no tree for the annotated text");
    try {
      assert.equal(brokenNodes(annotatedTree.rootNode), brokenNodes(tree.rootNode), "ERROR/MISSING nodes");
      const annotatedAnalysis = analyzeTree(annotatedTree, annotated.text, options);
      assert.deepEqual(
        shape(annotatedAnalysis, (line) => annotated.sourceLines[line] ?? null),
        shape(analysis, (line) => line),
        "the annotated text analyses differently from the fixture",
      );
    } finally {
      annotatedTree.delete();
    }
  } finally {
    tree.delete();
  }
}

describe("annotated goldens", () => {
  test("every annotated golden belongs to a fixture", () => {
    const orphans = listAnnotated(fixturesDir)
      .filter((golden) => !existsSync(golden.slice(0, -ANNOTATED_SUFFIX.length) + ".c"))
      .map((golden) => path.relative(root, golden));
    assert.deepEqual(orphans, []);
  });

  for (const fixture of fixtures) test(path.relative(fixturesDir, fixture), () => checkFixture(fixture));
});

/**
 * Rules whose firing depends on the page size through the geometry of the call: how the iovec is cut into chunks,
 * whether a chunk is a whole page, where the base lies in its page, how many pages fit in the pipe, a literal 4096.
 * A call that copies at 4 KiB for one of these may move at a larger page size.
 */
const PAGE_GEOMETRY_RULES = new Set([
  "VMS-ALIGN-SRC",
  "VMS-ALIGN-DST",
  "VMS-LEN-PAGE",
  "VMS-DST-SHORT",
  "VMS-RFC-IOV-BASE",
  "VMS-RFC-ZAP-WRONG-PAGE",
  "VMS-NO-ZAP",
  "VMS-PARTIAL",
  "VMS-PAGE-SIZE-LITERAL",
  "VMS-OFFSET-CONSUMED",
]);

const MOVES = new Set(["move", "partial"]);

/** What the property below reads of one analysis of a fixture. */
function verdictsUnder(tree: Parameters<typeof analyzeTree>[0], text: string, kernel: KernelModel, pageSize: PageSize) {
  return analyzeTree(tree, text, { kernel, pageSize });
}

async function checkAllModels(fixture: string): Promise<void> {
  const text = readFileSync(fixture, "utf8");
  const tree = parseC(await parser(), text);
  assert.ok(tree, "tree-sitter returned no tree");
  try {
    const byCombo = new Map<string, FileAnalysis>();
    for (const kernel of KERNEL_MODELS)
      for (const pageSize of PAGE_SIZES)
        byCombo.set(`${kernel}@${pageSize}`, verdictsUnder(tree, text, kernel, pageSize));
    for (const [combo, analysis] of byCombo) {
      checkMessageStyle(analysis.findings);
      if (combo.startsWith("rfc-v2")) continue;
      for (const call of analysis.calls) {
        const where = `${combo} line ${call.call.range.start.line + 1}`;
        assert.ok(!MOVES.has(call.verdict), `${where}: mainline call verdict ${call.verdict}`);
        for (const segment of call.segments) {
          assert.ok(!MOVES.has(segment.verdict), `${where}: mainline segment verdict ${segment.verdict}`);
          assert.ok(
            segment.pageOutcomes.every((page) => page.verdict !== "move"),
            `${where}: a page moves on mainline`,
          );
        }
      }
    }
    const small = byCombo.get("rfc-v2@4096")!;
    for (const pageSize of [16384, 65536] as const) {
      const large = byCombo.get(`rfc-v2@${pageSize}`)!;
      assert.equal(large.calls.length, small.calls.length, `rfc-v2@${pageSize}: number of calls`);
      large.calls.forEach((call, index) => {
        const before = small.calls[index];
        if (!MOVES.has(call.verdict) || MOVES.has(before.verdict)) return;
        const geometry = before.rules.filter((id) => PAGE_GEOMETRY_RULES.has(id));
        const goneMissing = before.missing.filter((fact) => !call.missing.includes(fact));
        assert.ok(
          geometry.length > 0 || goneMissing.length > 0,
          `rfc-v2@${pageSize} line ${call.call.range.start.line + 1}: ${before.verdict} at 4096 but ${call.verdict} here, with no page-size reason at 4096 (rules ${before.rules.join(", ") || "none"}; missing ${before.missing.join("; ") || "none"})`,
        );
      });
    }
  } finally {
    tree.delete();
  }
}

describe("every fixture under every kernel model and page size", () => {
  for (const fixture of fixtures) test(path.relative(fixturesDir, fixture), () => checkAllModels(fixture));
});

/** A finding of `rule` from (line, column) to (endLine, endColumn), zero-based; indices are not used by the renderer. */
function finding(
  message: string,
  [line, column]: [number, number],
  [endLine, endColumn]: [number, number],
): FileAnalysis["findings"][number] {
  return {
    rule: "VMS-TEST",
    severity: "warning",
    message,
    range: { start: { line, column }, end: { line: endLine, column: endColumn }, startIndex: 0, endIndex: 0 },
    related: [],
  };
}

function annotated(text: string, findings: FileAnalysis["findings"]): string {
  return annotate(text, { calls: [], findings, notes: [] }, { kernel: "rfc-v2", pageSize: 4096 }).text;
}

describe("annotation format", () => {
  test("carets stand under the range; tabs are kept so the carets reach the same tab stop", () => {
    assert.equal(
      annotated("\tf(x, buf);\n", [finding("m", [0, 6], [0, 9])]),
      "\tf(x, buf);\n//\t     ^^^ VMS-TEST warning: m\n",
    );
    assert.equal(
      annotated("    f(x, buf);\n", [finding("m", [0, 9], [0, 12])]),
      "    f(x, buf);\n//       ^^^ VMS-TEST warning: m\n",
    );
  });

  test("columns are UTF-16 code units; an emoji (two units) and a CJK character take two cells, an accent one", () => {
    // "😀" is 2 UTF-16 units, "日" and "é" one each; "buf" starts at UTF-16 column 11.
    const text = "  /*😀日é*/ buf;\n";
    assert.equal(text.slice(11, 14), "buf");
    assert.equal(annotated(text, [finding("m", [0, 11], [0, 14])]), `${text}//          ^^^ VMS-TEST warning: m\n`);
  });

  test("a range in the first two columns starts its carets after `//` and names its column", () => {
    assert.equal(
      annotated("#define P 4096\n", [finding("m", [0, 0], [1, 0])]),
      "#define P 4096\n//^^^^^^^^^^^^ (from column 1) VMS-TEST warning: m\n",
    );
  });

  test("a range over several lines gets carets to the end of its first line and says where it ends", () => {
    assert.equal(
      annotated("  call(a,\n       b);\n", [finding("m", [0, 2], [1, 9])]),
      "  call(a,\n//^^^^^^^ VMS-TEST warning (to line 2, column 10): m\n       b);\n",
    );
  });

  test("CRLF lines get CRLF annotations; a continued line's annotations follow its logical line", () => {
    assert.equal(
      annotated("  x;\r\ny;\r\n", [finding("m", [0, 2], [0, 3])]),
      "  x;\r\n//^ VMS-TEST warning: m\r\ny;\r\n",
    );
    assert.equal(
      annotated("#define F(a) \\\n    g(a)\nint z;\n", [finding("m", [1, 4], [1, 5])]),
      "#define F(a) \\\n    g(a)\n//  ^ VMS-TEST warning: m\nint z;\n",
    );
    assert.equal(
      annotated("  #define F(a) g(a) \\\n    + 1\n", [finding("m", [0, 2], [0, 9])]),
      "  #define F(a) g(a) \\\n    + 1\n//^^^^^^^ (on line 1) VMS-TEST warning: m\n",
    );
  });

  test("an annotation can neither close a block comment nor continue onto the next line", () => {
    assert.equal(
      annotated("  x; /* open\n  */\n", [finding("a */ b \\", [0, 2], [0, 3])]),
      "  x; /* open\n//^ VMS-TEST warning: a * / b \\ (end)\n  */\n",
    );
  });
});
