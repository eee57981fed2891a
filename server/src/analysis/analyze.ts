/**
 * The analyzer's entry points: source text and its tree in, facts and findings out.
 *
 * `mentionsVmsplice` is the cheap text pre-filter; `extractFacts` is page-size independent and can be cached per tree;
 * `judgeCalls` evaluates the facts under one kernel model and page size.
 * Pure: no I/O, no editor or protocol imports; never throws on any input (broken C is input, not an error).
 */
import type { Tree } from "web-tree-sitter";
import type { AnalysisOptions, CallAnalysis, Finding, SpliceCall, VmspliceCall } from "./facts";

export interface ExtractedFacts {
  calls: VmspliceCall[];
  splices: SpliceCall[];
  /** Suppression comments found in the file (`// vmsplice-lens: ignore RULE-ID -- reason`). */
  notes: string[];
}

export interface FileAnalysis {
  calls: CallAnalysis[];
  /** Every finding of the file, in source order (call findings plus file-level ones). */
  findings: Finding[];
  notes: string[];
}

/** True when the text can contain a vmsplice call (directly, through syscall numbers, or through a wrapper). */
export function mentionsVmsplice(text: string): boolean {
  return text.includes("vmsplice");
}

export function extractFacts(_tree: Tree, _text: string): ExtractedFacts {
  return { calls: [], splices: [], notes: [] };
}

export function judgeCalls(_facts: ExtractedFacts, _options: AnalysisOptions): FileAnalysis {
  return { calls: [], findings: [], notes: [] };
}

export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions): FileAnalysis {
  if (!mentionsVmsplice(text)) return { calls: [], findings: [], notes: [] };
  return judgeCalls(extractFacts(tree, text), options);
}
