/**
 * Suppression comments: `// vmsplice-lens: ignore VMS-ID[, VMS-ID] -- reason` (or the same inside `/* ... *\/`).
 *
 * A suppression silences the named rules on the next vmsplice call: the first call inside the statement that follows
 * the comment (comments in between are skipped). A suppression without a reason, naming an unknown rule id, or not
 * followed by a vmsplice call is itself reported as a finding of rule VMS-SUPPRESSION, so silencing stays deliberate
 * and reviewable. The language server and the CLI both call `applySuppressions`, so they behave the same.
 *
 * Comments are found with tree-sitter: a cheap text search for the marker proposes offsets, and only `comment` nodes
 * at those offsets count, so a marker inside a string literal or code is ignored. The comment's own text is then
 * read with a small hand-written scanner (it is prose, not C).
 * Pure: no I/O, no editor or protocol imports; never throws.
 */
import type { Node, Tree } from "web-tree-sitter";
import type { CallAnalysis, Finding, SourceRange } from "./facts";
import { findRule, rule, ruleMessage, type RuleId } from "../rules";

export const SUPPRESSION_RULE = "VMS-SUPPRESSION" satisfies RuleId;
export const SUPPRESSION_MARKER = "vmsplice-lens:";

export interface Suppression {
  /** Rule ids named, upper-cased, in order (unknown ones included). */
  ids: string[];
  /** The text after `--`, trimmed; empty when missing. */
  reason: string;
  range: SourceRange;
  /** Index (into the analysis' calls) of the call it applies to, or null when no call follows. */
  callIndex: number | null;
  /** Problems found in the comment itself, as sentences. */
  problems: string[];
}

/** What a comment says, before it is tied to a call. */
export interface ParsedSuppressionComment {
  ids: string[];
  reason: string;
  problems: string[];
}

/**
 * Reads the body of a comment. Returns null when the comment is not a suppression (no marker, or the marker is not
 * followed by the word `ignore`: such comments are prose that happens to mention the tool).
 */
export function parseSuppressionComment(commentText: string): ParsedSuppressionComment | null {
  let body = commentText;
  if (body.startsWith("//")) body = body.slice(2);
  else if (body.startsWith("/*")) body = body.slice(2, body.endsWith("*/") ? -2 : undefined);
  const markerAt = body.indexOf(SUPPRESSION_MARKER);
  if (markerAt < 0) return null;
  let rest = body.slice(markerAt + SUPPRESSION_MARKER.length).trimStart();
  if (!startsWithWord(rest, "ignore")) return null;
  rest = rest.slice("ignore".length);
  const separatorAt = rest.indexOf("--");
  const idPart = separatorAt >= 0 ? rest.slice(0, separatorAt) : rest;
  const reason = separatorAt >= 0 ? collapseWhitespace(rest.slice(separatorAt + 2)) : "";
  const ids = splitIds(idPart);
  const problems: string[] = [];
  if (ids.length === 0) problems.push("names no rule id (write 'vmsplice-lens: ignore VMS-ID -- reason')");
  for (const id of ids) {
    if (!findRule(id) || id === SUPPRESSION_RULE) problems.push(`names unknown rule id '${id}'`);
  }
  if (reason === "") problems.push("gives no reason (add '-- why this is safe' after the rule ids)");
  return { ids, reason, problems };
}

function startsWithWord(text: string, word: string): boolean {
  if (!text.toLowerCase().startsWith(word)) return false;
  const next = text.charAt(word.length);
  return next === "" || next === " " || next === "\t" || next === ":";
}

function isSpace(character: string): boolean {
  return character === " " || character === "\t" || character === "\n" || character === "\r";
}

function collapseWhitespace(text: string): string {
  const words: string[] = [];
  let current = "";
  for (const character of text) {
    if (isSpace(character)) {
      if (current) words.push(current);
      current = "";
    } else current += character;
  }
  if (current) words.push(current);
  return words.join(" ");
}

/** Rule ids are separated by commas and/or whitespace. */
function splitIds(text: string): string[] {
  const ids: string[] = [];
  let current = "";
  for (const character of text) {
    if (character === "," || character === ":" || character === "*" || isSpace(character)) {
      if (current) ids.push(current.toUpperCase());
      current = "";
    } else {
      current += character;
    }
  }
  if (current) ids.push(current.toUpperCase());
  return ids;
}

function nodeRange(node: Node): SourceRange {
  return {
    start: { line: node.startPosition.row, column: node.startPosition.column },
    end: { line: node.endPosition.row, column: node.endPosition.column },
    startIndex: node.startIndex,
    endIndex: node.endIndex,
  };
}

/** Finds the suppression comments of a file and ties each to the call it precedes. */
export function findSuppressions(tree: Tree, text: string, calls: readonly CallAnalysis[]): Suppression[] {
  const suppressions: Suppression[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(SUPPRESSION_MARKER, from);
    if (at < 0) break;
    const node = tree.rootNode.descendantForIndex(at, at + 1);
    from = at + SUPPRESSION_MARKER.length;
    if (!node || node.type !== "comment") continue;
    // Skip to the end of this comment so a comment naming the marker twice is read once.
    from = Math.max(from, node.endIndex);
    const parsed = parseSuppressionComment(node.text);
    if (!parsed) continue;
    suppressions.push({ ...parsed, range: nodeRange(node), callIndex: followingCall(node, calls) });
  }
  return suppressions;
}

/** The index of the first call inside the first non-comment sibling after the comment (or its enclosing line's statement). */
function followingCall(comment: Node, calls: readonly CallAnalysis[]): number | null {
  let sibling = comment.nextNamedSibling;
  while (sibling && sibling.type === "comment") sibling = sibling.nextNamedSibling;
  // A comment that ends a block (or the file) has no statement after it; a comment placed inside a statement (for
  // example between arguments) has its parent as the statement to look into.
  const start = sibling ? sibling.startIndex : comment.endIndex;
  const end = sibling ? sibling.endIndex : comment.parent ? comment.parent.endIndex : comment.endIndex;
  let best: number | null = null;
  calls.forEach((analysis, index) => {
    const callStart = analysis.call.range.startIndex;
    if (callStart >= start && callStart < end && callStart >= comment.endIndex) {
      if (best === null || callStart < calls[best].call.range.startIndex) best = index;
    }
  });
  return best;
}

function sameFinding(a: Finding, b: Finding): boolean {
  return (
    a === b ||
    (a.rule === b.rule &&
      a.range.startIndex === b.range.startIndex &&
      a.range.endIndex === b.range.endIndex &&
      a.message === b.message)
  );
}

export interface SuppressionResult<T extends { calls: CallAnalysis[]; findings: Finding[] }> {
  analysis: T;
  suppressions: Suppression[];
  /** Findings removed by a suppression. */
  suppressed: Finding[];
}

/**
 * Applies the file's suppressions to an analysis: removes the named rules' findings of each suppressed call (from the
 * call's findings and from the file's list) and appends VMS-SUPPRESSION findings for faulty suppressions.
 * Returns a new analysis object; the input is not modified.
 */
export function applySuppressions<T extends { calls: CallAnalysis[]; findings: Finding[] }>(
  tree: Tree,
  text: string,
  analysis: T,
): SuppressionResult<T> {
  if (!text.includes(SUPPRESSION_MARKER)) return { analysis, suppressions: [], suppressed: [] };
  const suppressions = findSuppressions(tree, text, analysis.calls);
  if (suppressions.length === 0) return { analysis, suppressions, suppressed: [] };

  const suppressed: Finding[] = [];
  const callFindings = analysis.calls.map((call) => call.findings);
  for (const suppression of suppressions) {
    if (suppression.callIndex === null) continue;
    const names = new Set(suppression.ids);
    const kept: Finding[] = [];
    for (const finding of callFindings[suppression.callIndex]) {
      if (names.has(finding.rule)) suppressed.push(finding);
      else kept.push(finding);
    }
    callFindings[suppression.callIndex] = kept;
  }
  const findings = analysis.findings.filter((finding) => !suppressed.some((gone) => sameFinding(gone, finding)));
  const suppressionRule = rule(SUPPRESSION_RULE);
  for (const suppression of suppressions) {
    const problems = [...suppression.problems];
    if (suppression.callIndex === null) problems.push("is not followed by a vmsplice call, so it silences nothing");
    if (problems.length === 0) continue;
    findings.push({
      rule: SUPPRESSION_RULE,
      severity: suppressionRule.severity,
      message: ruleMessage(SUPPRESSION_RULE, problems),
      range: suppression.range,
      related:
        suppression.callIndex === null
          ? []
          : [{ range: analysis.calls[suppression.callIndex].call.range, message: "the call it applies to" }],
    });
  }
  findings.sort((a, b) => a.range.startIndex - b.range.startIndex);
  const calls = analysis.calls.map((call, index) =>
    callFindings[index] === call.findings ? call : { ...call, findings: callFindings[index] },
  );
  return { analysis: { ...analysis, calls, findings }, suppressions, suppressed };
}

/** The text of a suppression comment line for a call, for the "insert suppression comment" quick fix. */
export function suppressionCommentText(ruleIds: readonly string[], reason = "TODO explain why this is safe"): string {
  return `// ${SUPPRESSION_MARKER} ignore ${ruleIds.join(", ")} -- ${reason}`;
}
