/**
 * The analyzer's entry points: source text and its tree in, facts and findings out.
 *
 * `mentionsVmsplice` is the cheap text pre-filter; `extractFacts` is page-size independent and can be cached per tree;
 * `judgeCalls` evaluates the facts under one kernel model and page size.
 * Pure: no I/O, no editor or protocol imports; never throws on any input (broken C is input, not an error).
 */
import type { Tree } from "web-tree-sitter";
import type {
  AnalysisBudget,
  AnalysisOptions,
  BudgetStop,
  CallAnalysis,
  Finding,
  SpliceCall,
  VmspliceCall,
} from "./facts";
import { Extractor, type ProjectFacts } from "./extract";
import { tableWords } from "./discovery";
import type { OccurrenceSearch, ReadRecord } from "./scope";
import { judgeCall, judgeSplices } from "./verdict";

export interface ExtractedFacts {
  calls: VmspliceCall[];
  splices: SpliceCall[];
  /** Problems met while extracting (an extractor failure is reported here, never thrown). */
  notes: string[];
  /** Set when the budget ran out before every call's facts were extracted (see `AnalysisBudget`). */
  stopped?: BudgetStop;
  /**
   * Functions whose definitions the extraction looked for and the unit does not hold (`FileIndex.unseenFunctions`),
   * absent when none: the project layer may read the one file that defines them into the unit.
   */
  unseen?: string[];
  /**
   * The questions asked of `ProjectFacts.definedElsewhere` and its answers (a recorded read: the engine keeps the facts
   * when a new project state answers them alike). Absent when none was asked.
   */
  elsewhere?: Record<string, string | null>;
}

export interface FileAnalysis {
  calls: CallAnalysis[];
  /** Every finding of the file, in source order (call findings plus file-level ones). */
  findings: Finding[];
  notes: string[];
  /** Set when the budget ran out: the calls not reported. */
  stopped?: BudgetStop;
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

/** Whether a whole identifier is one of the words that make a call a vmsplice or splice call. */
export function isCallWord(word: string): boolean {
  return CALL_WORDS.has(word);
}

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
 * mentionsCallWord over a file's bytes, before any decode (the CLI's pre-filter): identifiers are ASCII, and a byte of
 * a multi-byte UTF-8 character is no more an identifier character than the character it encodes.
 */
export function bytesMentionCallWord(bytes: Uint8Array): boolean {
  return !bytesCallWords(bytes).next().done;
}

/** Each call word of the bytes as a whole identifier, [start, end), in order (see bytesMentionCallWord). */
export function* bytesCallWords(bytes: Uint8Array): Generator<[start: number, end: number]> {
  const splice = Buffer.from("splice");
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = view.indexOf(splice); at >= 0; at = view.indexOf(splice, at + 6)) {
    let start = at;
    while (start > 0 && isIdentifierCode(view[start - 1])) start--;
    let end = at + 6;
    while (end < view.length && isIdentifierCode(view[end])) end++;
    if (end - start <= 13 && CALL_WORDS.has(view.toString("latin1", start, end))) yield [start, end];
  }
}

/**
 * True when the text can contain a vmsplice call (directly, through syscall numbers, or through a wrapper) or a splice
 * call: one of the call words as a whole identifier (`generic_file_splice_read` is not one), or a wrapper's name.
 */
export function mentionsVmsplice(text: string, project: ProjectFacts = {}): boolean {
  return (
    mentionsCallWord(text) ||
    (project.wrappers ?? []).some((wrapper) => text.includes(wrapper.name)) ||
    tableWords(project.syscallTable).some((word) => text.includes(word))
  );
}

export function extractFacts(tree: Tree, text: string): ExtractedFacts {
  return extractFactsWithReads(tree, text).facts;
}

/**
 * The facts and everything the extractor read to establish them (names searched, regions of the tree), for the
 * engine's reuse of facts across edits. A file that never mentions "splice" reads nothing but that word. `text` null:
 * the caller found that the text mentions vmsplice and hands the search over it (a text being edited, whose whole
 * string is never built).
 */
export function extractFactsWithReads(
  tree: Tree,
  text: string | null,
  project: ProjectFacts = {},
  budget?: AnalysisBudget,
  search?: OccurrenceSearch,
): { facts: ExtractedFacts; reads: ReadRecord } {
  if (text === null ? !search : !mentionsVmsplice(text, project))
    return { facts: { calls: [], splices: [], notes: [] }, reads: noReads() };
  const asked: Record<string, string | null> = {};
  const recorded = project.definedElsewhere;
  const recording: ProjectFacts = recorded
    ? { ...project, definedElsewhere: (name) => (asked[name] = recorded(name)) }
    : project;
  const extractor = new Extractor(tree, text ?? "", recording, search);
  try {
    const { calls, splices, stopped } = extractor.run(budget);
    const unseen = extractor.index.unseenFunctions();
    const elsewhere = Object.keys(asked).length > 0 ? { elsewhere: asked } : {};
    return {
      facts: {
        calls,
        splices,
        notes: [],
        ...(stopped ? { stopped } : {}),
        ...(unseen.length > 0 ? { unseen } : {}),
        ...elsewhere,
      },
      reads: extractor.index.reads(),
    };
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

/**
 * What a reader's verdict rests on when the extraction stopped early: the writers of its pipe are the file's other
 * calls, and some of them were not extracted. A reader with no writer in the file is judged for gifted pages, so
 * without this a reader whose non-gifting writer was left out would come out "move".
 */
export function budgetAssumption(stopped: BudgetStop): string {
  const left = stopped.leftOut;
  if (left === null) return "the writers on this pipe: the analysis ran out of time before the file's calls were found";
  // Only calls in included headers were left out (the engine lists the main file's).
  if (left.length === 0) return "the writers on this pipe: the analysis ran out of time before every call was analysed";
  return `the writers on this pipe: the analysis ran out of time before ${left.length} of the file's calls (from line ${left[0].start.line + 1})`;
}

/** The facts a partial extraction may be judged from: every call that may read a pipe names the calls left out. */
function partialFacts(facts: ExtractedFacts): VmspliceCall[] {
  if (!facts.stopped) return facts.calls;
  const assumption = budgetAssumption(facts.stopped);
  return facts.calls.map((call) =>
    call.fd.direction === "to-pipe" ? call : { ...call, assumptions: [...(call.assumptions ?? []), assumption] },
  );
}

/**
 * Verdicts and findings of every call; with a budget, asked before each call, the calls reached when it runs out are
 * not reported (`stopped` lists them with those the extraction left out), and neither are the file's splice() calls.
 */
export function judgeCalls(facts: ExtractedFacts, options: AnalysisOptions, budget?: AnalysisBudget): FileAnalysis {
  const notes = [...facts.notes];
  const calls: CallAnalysis[] = [];
  const judged = partialFacts(facts);
  for (const [index, call] of judged.entries()) {
    if (budget && !budget.allows("judge")) {
      const leftOut = judged.slice(index).map((left) => left.range);
      return stoppedAnalysis(calls, notes, { leftOut: [...leftOut, ...(facts.stopped?.leftOut ?? [])] });
    }
    try {
      calls.push(judgeCall(call, options, judged));
    } catch (error) {
      notes.push(
        `line ${call.range.start.line + 1}: verdict failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (facts.stopped) return stoppedAnalysis(calls, notes, facts.stopped);
  const findings = [...calls.flatMap((call) => call.findings), ...judgeSplices(facts.splices, options)];
  findings.sort((left, right) => left.range.startIndex - right.range.startIndex || left.rule.localeCompare(right.rule));
  return { calls, findings, notes };
}

/** The calls judged before the budget ran out, without the file-level splice() findings. */
function stoppedAnalysis(calls: CallAnalysis[], notes: string[], stopped: BudgetStop): FileAnalysis {
  const findings = calls.flatMap((call) => call.findings);
  findings.sort((left, right) => left.range.startIndex - right.range.startIndex || left.rule.localeCompare(right.rule));
  return { calls, findings, notes, stopped };
}

export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions): FileAnalysis {
  if (!mentionsVmsplice(text)) return { calls: [], findings: [], notes: [] };
  return judgeCalls(extractFacts(tree, text), options);
}
