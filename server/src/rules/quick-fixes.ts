/**
 * The quick-fix loop: for one call, every registered rule shown on it offers its fixes (its module's `quickFixes`),
 * in registry order, one fix per title; then each fix is applied to the text and the file is analysed again, and a
 * fix is offered only if that gives no new error-severity finding and no call a worse verdict (issue 10, D8: gifting
 * hugetlb memory traded a data-loss error for a kernel crash). The suppression fix is separate (`suppressionFix`).
 * Pure: parses with the already loaded grammar, no I/O, no editor or protocol imports; never throws.
 */
import type { Tree } from "web-tree-sitter";
import { analyzeTree, type FileAnalysis } from "../analysis/analyze";
import type { AnalysisOptions, CallAnalysis, CallVerdict, Finding } from "../analysis/facts";
import { fixContext, safely, type FixEdit, type QuickFix } from "../analysis/fixes";
import { newCParser, parseC } from "../parsing/parser";
import { RULES } from "./index";

/**
 * Mechanical fixes for the findings of one call. `findings` are the findings the user is looking at (already filtered
 * by suppressions and settings). The check costs one fresh analysis of the file plus one per candidate fix, so
 * `cancelled` is asked between them; once it answers true, no fix is returned.
 */
export function quickFixesForCall(
  analysis: CallAnalysis,
  text: string,
  tree: Tree | null,
  findings: readonly Finding[],
  cancelled: () => boolean = () => false,
): QuickFix[] {
  if (!tree) return [];
  const context = fixContext(analysis, text, tree, findings);
  const unique = new Map<string, QuickFix>();
  for (const record of RULES) {
    if (!record.quickFixes || !context.rules.has(record.id)) continue;
    for (const candidate of safely(() => record.quickFixes?.(context) ?? null) ?? []) {
      const fix = safely(candidate);
      // A fix built from a fact of an included header would edit past this file's text: it is not this file's.
      if (fix?.edits.some((edit) => edit.startIndex < 0 || edit.endIndex > text.length)) continue;
      if (fix && !unique.has(fix.title)) unique.set(fix.title, fix);
    }
  }
  if (unique.size === 0) return [];
  const options: AnalysisOptions = { kernel: analysis.kernel, pageSize: analysis.pageSize };
  const before = safely(() => analyzeTree(tree, text, options));
  if (!before) return [];
  const callIndex = before.calls.findIndex((call) => call.call.range.startIndex === analysis.call.range.startIndex);
  const offered: QuickFix[] = [];
  for (const fix of unique.values()) {
    if (cancelled()) return [];
    if (safely(() => neverWorse(text, fix, before, callIndex, options)) === true) offered.push(fix);
  }
  return onePreferredPerRule(offered);
}

/**
 * Exactly one preferred fix per finding: the first preferred fix offered for a rule (registry order, the rule's own
 * order of fixes) stays preferred; a later one for the same rule is offered as an alternative. A finding whose fixes
 * are none of them preferred gets none: preference is the fix's own claim, never made up here.
 */
export function onePreferredPerRule(fixes: readonly QuickFix[]): QuickFix[] {
  const claimed = new Set<string>();
  return fixes.map((fix) => {
    if (!fix.isPreferred) return fix;
    if (fix.rules.some((rule) => claimed.has(rule))) return { ...fix, isPreferred: false };
    for (const rule of fix.rules) claimed.add(rule);
    return fix;
  });
}

/** Applies non-overlapping edits given as offsets into `text` (insertions at one offset keep their order). */
export function applyFixEdits(text: string, edits: readonly FixEdit[]): string {
  const ordered = edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.startIndex - b.edit.startIndex || a.order - b.order);
  let result = "";
  let cursor = 0;
  for (const { edit } of ordered) {
    if (edit.startIndex < cursor) throw new Error(`overlapping edits at ${edit.startIndex}`);
    result += text.slice(cursor, edit.startIndex) + edit.newText;
    cursor = edit.endIndex;
  }
  return result + text.slice(cursor);
}

/** Pages that move count for more than copies; `unsafe` is worst. `copy` and `unknown` claim no move. */
const VERDICT_RANK: Record<CallVerdict, number> = { unsafe: 0, unknown: 1, copy: 1, partial: 2, move: 3 };

function errorCounts(analysis: FileAnalysis): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of analysis.findings)
    if (finding.severity === "error") counts.set(finding.rule, (counts.get(finding.rule) ?? 0) + 1);
  return counts;
}

/**
 * Whether the fixed text, analysed again, has no error-severity finding more (per rule) than the original and no call
 * with a worse verdict. A fix that replaces the call (writev) is compared on the other calls.
 */
export function neverWorse(
  text: string,
  fix: QuickFix,
  before: FileAnalysis,
  callIndex: number,
  options: AnalysisOptions,
): boolean {
  const fixedText = applyFixEdits(text, fix.edits);
  const parser = newCParser();
  let after: FileAnalysis;
  try {
    const tree = parseC(parser, fixedText);
    if (!tree) return false;
    try {
      after = analyzeTree(tree, fixedText, options);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
  const errorsBefore = errorCounts(before);
  for (const [rule, count] of errorCounts(after)) if (count > (errorsBefore.get(rule) ?? 0)) return false;
  const beforeCalls =
    fix.replacesCall && callIndex >= 0 ? before.calls.filter((_, index) => index !== callIndex) : before.calls;
  if (after.calls.length !== beforeCalls.length) return false;
  return after.calls.every((call, index) => VERDICT_RANK[call.verdict] >= VERDICT_RANK[beforeCalls[index].verdict]);
}
