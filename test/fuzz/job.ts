/**
 * One unit of fuzzing work, as the worker thread runs it: analyse an input (and its neutral rewrite, if any), check the
 * invariants, compare the two analyses. Shared by the worker (`worker.ts`) and in-process callers.
 */
import type { Parser } from "web-tree-sitter";
import {
  analyseInput,
  compareAnalyses,
  type Difference,
  type InputAnalysis,
  type InternalError,
  type Violation,
} from "./check";

export interface JobRequest {
  id: number;
  text: string;
  /** The verdict-neutral rewrite of `text`: its analysis must equal the original's. */
  rewritten?: string;
}

export interface Crash {
  message: string;
  stack: string;
}

export interface TextOutcome {
  crash: Crash | null;
  violations: Violation[];
  internalErrors: InternalError[];
  /** Calls found under rfc-v2 at 4096 (-1 after a crash). */
  calls: number;
}

export interface JobResult {
  id: number;
  original: TextOutcome;
  rewritten: TextOutcome | null;
  /** Differences between the analyses of the original and the rewrite (empty when there is no rewrite or a crash). */
  differences: Difference[];
}

type Step = (name: string) => void;

function outcome(parser: Parser, text: string, step: Step): { outcome: TextOutcome; analysis: InputAnalysis | null } {
  try {
    const analysis = analyseInput(parser, text, step);
    return {
      outcome: {
        crash: null,
        violations: analysis.violations,
        internalErrors: analysis.internalErrors,
        calls: analysis.digests["rfc-v2@4096"]?.length ?? 0,
      },
      analysis,
    };
  } catch (error) {
    const crash =
      error instanceof Error
        ? { message: error.message, stack: error.stack ?? error.message }
        : { message: String(error), stack: String(error) };
    return { outcome: { crash, violations: [], internalErrors: [], calls: -1 }, analysis: null };
  }
}

/** Runs one job; `step` hears `original: parse`, `original: extractFacts`, ... before each step starts. */
export function runJob(parser: Parser, request: JobRequest, step: Step = () => {}): JobResult {
  const original = outcome(parser, request.text, (name) => step(`original: ${name}`));
  if (request.rewritten === undefined)
    return { id: request.id, original: original.outcome, rewritten: null, differences: [] };
  const rewritten = outcome(parser, request.rewritten, (name) => step(`rewritten: ${name}`));
  const differences =
    original.analysis && rewritten.analysis ? compareAnalyses(original.analysis, rewritten.analysis) : [];
  return { id: request.id, original: original.outcome, rewritten: rewritten.outcome, differences };
}
