/**
 * The analyzer's entry points: source text and its tree in, facts and findings out.
 *
 * `mentionsVmsplice` is the cheap text pre-filter; `extractFacts` is page-size independent and can be cached per tree;
 * `judgeCalls` evaluates the facts under one kernel model and page size.
 * Pure: no I/O, no editor or protocol imports; never throws on any input (broken C is input, not an error).
 */
import type { Tree } from "web-tree-sitter";
import type { AnalysisOptions, CallAnalysis, Finding, SpliceCall, VmspliceCall } from "./facts";
import { Extractor, type ProjectFacts } from "./extract";
import type { ReadRecord } from "./scope";
import { judgeCall, judgeSplices } from "./verdict";

export interface ExtractedFacts {
  calls: VmspliceCall[];
  splices: SpliceCall[];
  /** Problems met while extracting (an extractor failure is reported here, never thrown). */
  notes: string[];
}

export interface FileAnalysis {
  calls: CallAnalysis[];
  /** Every finding of the file, in source order (call findings plus file-level ones). */
  findings: Finding[];
  notes: string[];
}

/**
 * The identifiers through which the extractor finds a call: vmsplice and splice, their raw-syscall stubs and syscall
 * numbers. Each contains "splice", so an edit that changes whether one occurs touches a word containing "splice", which
 * the engine's reuse check (reads.ts) already treats as a change of everything.
 */
const CALL_WORDS = new Set([
  "vmsplice",
  "splice",
  "sys_vmsplice",
  "SYS_vmsplice",
  "__NR_vmsplice",
  "sys_splice",
  "SYS_splice",
  "__NR_splice",
]);

const isIdentifierCode = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/** Whether one of the call words occurs in the text as a whole identifier (a byte scan around each "splice"). */
function mentionsCallWord(text: string): boolean {
  for (let at = text.indexOf("splice"); at >= 0; at = text.indexOf("splice", at + 6)) {
    let start = at;
    while (start > 0 && isIdentifierCode(text.charCodeAt(start - 1))) start--;
    let end = at + 6;
    while (end < text.length && isIdentifierCode(text.charCodeAt(end))) end++;
    if (CALL_WORDS.has(text.slice(start, end))) return true;
  }
  return false;
}

/**
 * True when the text can contain a vmsplice call (directly, through syscall numbers, or through a wrapper) or a splice
 * call: one of the call words as a whole identifier (`generic_file_splice_read` is not one), or a wrapper's name.
 */
export function mentionsVmsplice(text: string, project: ProjectFacts = {}): boolean {
  return mentionsCallWord(text) || (project.wrappers ?? []).some((wrapper) => text.includes(wrapper.name));
}

export function extractFacts(tree: Tree, text: string): ExtractedFacts {
  return extractFactsWithReads(tree, text).facts;
}

/**
 * The facts and everything the extractor read to establish them (names searched, regions of the tree), for the
 * engine's reuse of facts across edits. A file that never mentions "splice" reads nothing but that word.
 */
export function extractFactsWithReads(
  tree: Tree,
  text: string,
  project: ProjectFacts = {},
): { facts: ExtractedFacts; reads: ReadRecord } {
  if (!mentionsVmsplice(text, project)) return { facts: { calls: [], splices: [], notes: [] }, reads: noReads() };
  const extractor = new Extractor(tree, text, project);
  try {
    const { calls, splices } = extractor.run();
    return { facts: { calls, splices, notes: [] }, reads: extractor.index.reads() };
  } catch (error) {
    return {
      facts: {
        calls: [],
        splices: [],
        notes: [`analysis failed: ${error instanceof Error ? error.message : String(error)}`],
      },
      reads: extractor.index.reads(),
    };
  } finally {
    extractor.dispose();
  }
}

function noReads(): ReadRecord {
  return { names: new Set(), regions: [] };
}

export function judgeCalls(facts: ExtractedFacts, options: AnalysisOptions): FileAnalysis {
  const notes = [...facts.notes];
  const calls: CallAnalysis[] = [];
  for (const call of facts.calls) {
    try {
      calls.push(judgeCall(call, options, facts.calls));
    } catch (error) {
      notes.push(
        `line ${call.range.start.line + 1}: verdict failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const findings = [...calls.flatMap((call) => call.findings), ...judgeSplices(facts.splices, options)];
  findings.sort((left, right) => left.range.startIndex - right.range.startIndex || left.rule.localeCompare(right.rule));
  return { calls, findings, notes };
}

export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions): FileAnalysis {
  if (!mentionsVmsplice(text)) return { calls: [], findings: [], notes: [] };
  return judgeCalls(extractFacts(tree, text), options);
}
