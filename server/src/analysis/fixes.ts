/**
 * Quick fixes computed from the analyzer's facts for one call: plain text edits (UTF-16 offsets into the analysed
 * text) with a title, the rule they address and whether they are safe enough to be the preferred fix.
 *
 * A fix is offered only when its preconditions hold in the facts, because every fix must keep the file compiling and
 * must change the verdict as its title claims (tests apply each fix to the samples, compile with gcc and analyse again).
 * Fixes add the headers they need. Pure: no I/O, no editor or protocol imports; never throws.
 */
import type { CallAnalysis, Finding } from "./facts";
import { suppressionCommentText } from "./suppressions";

export interface FixEdit {
  startIndex: number;
  endIndex: number;
  newText: string;
}

export interface QuickFix {
  title: string;
  /** Rule ids whose findings this fix addresses. */
  rules: string[];
  edits: FixEdit[];
  isPreferred: boolean;
}

/** Start offset of the line holding `offset`, and the indentation (spaces and tabs) at the start of that line. */
export function lineStartAndIndent(text: string, offset: number): { lineStart: number; indent: string } {
  let lineStart = offset;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  let end = lineStart;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  return { lineStart, indent: text.slice(lineStart, end) };
}

/** The "insert suppression comment" fix: a comment line above the statement of the call, naming the rules. */
export function suppressionFix(analysis: CallAnalysis, text: string, ruleIds: readonly string[]): QuickFix | null {
  if (ruleIds.length === 0) return null;
  const { lineStart, indent } = lineStartAndIndent(text, analysis.call.range.startIndex);
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  return {
    title: `Suppress ${ruleIds.join(", ")} for this call (insert a vmsplice-lens comment)`,
    rules: [...ruleIds],
    edits: [{ startIndex: lineStart, endIndex: lineStart, newText: `${indent}${suppressionCommentText(ruleIds)}${newline}` }],
    isPreferred: false,
  };
}

/** Mechanical fixes for the findings of one call (the suppression fix is offered separately). */
export function quickFixesForCall(_analysis: CallAnalysis, _text: string, _findings: readonly Finding[]): QuickFix[] {
  return [];
}
