/**
 * Property tests of the analysis invariant (ARCHITECTURE.md, analysis/verdict.ts): a page is `move` only when every
 * deciding fact is known, otherwise `unknown` with the missing fact named; mainline kernels never move; a page the RFC
 * moves into the wrong place or whose gift crashes the kernel is `unsafe`, and so are its segment and call.
 *
 * Checked over every C file under test/fixtures/ and samples/, under every kernel model and page size, and over seeded
 * mutations of those files that replace one number in a function body with a variable the file never sets (so a fact
 * the analyzer knew becomes unknown). Test code: reads files; the analyzer itself stays pure.
 * Part of `npm test` (unit tier); alone: `node --import tsx --test test/unit/verdict-invariant.test.ts`.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Node, Parser } from "web-tree-sitter";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { analyzeTree } from "../../server/src/analysis/analyze";
import {
  KERNEL_MODELS,
  PAGE_SIZES,
  type AnalysisOptions,
  type CallAnalysis,
  type PageVerdict,
} from "../../server/src/analysis/facts";
import { unsafeKind } from "../../server/src/rules";
import { listC } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");

const files = [...listC(path.join(root, "test", "fixtures")), ...listC(path.join(root, "samples"))];
const everyOption: AnalysisOptions[] = KERNEL_MODELS.flatMap((kernel) =>
  PAGE_SIZES.map((pageSize) => ({ kernel, pageSize })),
);

/** Every way one call's verdicts break the invariant; empty when it holds. */
function invariantViolations(analysis: CallAnalysis): string[] {
  const problems: string[] = [];
  const where = `line ${analysis.call.range.start.line + 1} (${analysis.kernel}@${analysis.pageSize})`;
  const rfc = analysis.kernel === "rfc-v2";
  const callMissing = analysis.missing;
  const movesOrPartial = (verdict: string) => verdict === "move" || verdict === "partial";
  if (movesOrPartial(analysis.verdict) && callMissing.length > 0)
    problems.push(`${where}: call verdict ${analysis.verdict} although missing: ${callMissing.join("; ")}`);
  if (!rfc && analysis.verdict !== "copy") problems.push(`${where}: call verdict ${analysis.verdict} on mainline`);
  if (analysis.verdict === "unknown" && callMissing.length === 0)
    problems.push(`${where}: call verdict unknown without naming a missing fact`);
  const pages: PageVerdict[] = [];
  analysis.segments.forEach((segment, index) => {
    const at = `${where} segment ${index}`;
    if (movesOrPartial(segment.verdict) && (segment.missing.length > 0 || callMissing.length > 0))
      problems.push(
        `${at}: verdict ${segment.verdict} although missing: ${[...segment.missing, ...callMissing].join("; ")}`,
      );
    if (!rfc && segment.verdict !== "copy") problems.push(`${at}: verdict ${segment.verdict} on mainline`);
    if (segment.verdict === "unknown" && segment.missing.length === 0 && callMissing.length === 0)
      problems.push(`${at}: verdict unknown without naming a missing fact`);
    const delivered = segment.pageOutcomes.filter((page) => page.verdict !== "not-delivered");
    if (delivered.some((page) => page.verdict === "unsafe") !== (segment.verdict === "unsafe"))
      problems.push(`${at}: verdict ${segment.verdict} does not follow its unsafe pages`);
    for (const page of segment.pageOutcomes) {
      pages.push(page.verdict);
      const pageAt = `${at} page ${page.index}`;
      if (page.verdict === "move" && (segment.missing.length > 0 || callMissing.length > 0))
        problems.push(`${pageAt}: move although missing: ${[...segment.missing, ...callMissing].join("; ")}`);
      if (!rfc && (page.verdict === "move" || page.verdict === "unsafe"))
        problems.push(`${pageAt}: ${page.verdict} on mainline`);
      const unsafeRules = page.rules.filter((id) => unsafeKind(id) !== null);
      if (page.verdict === "unsafe" && unsafeRules.length === 0)
        problems.push(`${pageAt}: unsafe without a rule the rule table marks unsafe`);
      if (unsafeRules.length > 0 && page.verdict !== "unsafe" && page.verdict !== "not-delivered")
        problems.push(`${pageAt}: carries ${unsafeRules.join(", ")} but its verdict is ${page.verdict}`);
    }
  });
  if (pages.includes("unsafe") !== (analysis.verdict === "unsafe"))
    problems.push(`${where}: call verdict ${analysis.verdict} does not follow its unsafe pages`);
  return problems;
}

let parserPromise: Promise<Parser> | null = null;
function parser(): Promise<Parser> {
  parserPromise ??= createCParser();
  return parserPromise;
}

async function violationsOf(text: string, options: readonly AnalysisOptions[]): Promise<string[]> {
  const tree = parseC(await parser(), text);
  assert.ok(tree, "tree-sitter returned no tree");
  try {
    return options.flatMap((option) => analyzeTree(tree, text, option).calls.flatMap(invariantViolations));
  } finally {
    tree.delete();
  }
}

/** Number literals inside function bodies, in source order (the candidates for a mutation). */
async function numbersInFunctions(text: string): Promise<{ start: number; end: number }[]> {
  const tree = parseC(await parser(), text);
  assert.ok(tree);
  const found: { start: number; end: number }[] = [];
  const visit = (node: Node, inFunction: boolean): void => {
    const inside = inFunction || node.type === "function_definition";
    if (inside && node.type === "number_literal") found.push({ start: node.startIndex, end: node.endIndex });
    for (const child of node.children) if (child) visit(child, inside);
  };
  try {
    visit(tree.rootNode, false);
  } finally {
    tree.delete();
  }
  return found;
}

/** A small deterministic generator (mulberry32), so a failing mutation is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

describe("verdict invariant", () => {
  test("every fixture and sample, under every kernel model and page size", async () => {
    assert.ok(files.length > 100, `only ${files.length} C files found`);
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const problem of await violationsOf(text, everyOption))
        problems.push(`${path.relative(root, file)}: ${problem}`);
    }
    assert.deepEqual(problems, []);
  });

  test("seeded mutations: a number in a function body becomes a value the file never sets", async () => {
    const random = seededRandom(0x5eed);
    // Fewer options keep this cheap; the mutated facts do not depend on the page size.
    const options: AnalysisOptions[] = [
      { kernel: "rfc-v2", pageSize: 4096 },
      { kernel: "rfc-v2", pageSize: 65536 },
      { kernel: "mainline-6.x", pageSize: 4096 },
    ];
    const problems: string[] = [];
    let mutated = 0;
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      if (!text.includes("vmsplice")) continue;
      const numbers = await numbersInFunctions(text);
      for (let round = 0; round < 2 && numbers.length > 0; round++) {
        const chosen = numbers[Math.floor(random() * numbers.length)];
        const mutant = `extern long lens_unset_value;\n${text.slice(0, chosen.start)}lens_unset_value${text.slice(chosen.end)}`;
        mutated++;
        for (const problem of await violationsOf(mutant, options))
          problems.push(
            `${path.relative(root, file)} with "${text.slice(chosen.start, chosen.end)}" at offset ${chosen.start} replaced: ${problem}`,
          );
      }
    }
    assert.ok(mutated > 100, `only ${mutated} mutants`);
    assert.deepEqual(problems, []);
  });
});
