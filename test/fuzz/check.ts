/**
 * What the fuzzer checks on one analysed input, and how two analyses are compared.
 *
 * `analyseInput` runs the engine the way the front ends do (parse, `extractFacts` once, `judgeCalls` per kernel model and
 * page size) and returns a digest per model: call, segment and page verdicts plus rule ids, the part of the output a
 * verdict-neutral rewrite must leave alone. The invariant checks are the engine's first rule: nothing is `move`
 * (or `partial`, which has moved pages) while a fact is missing, and mainline models never move.
 * An exception out of the engine is a crash; a failure the engine caught itself (a note, or a call whose missing fact is
 * "the analyzer failed on this call") is an internal error. Both are reported, never swallowed here.
 */
import type { Parser } from "web-tree-sitter";
import { extractFacts, judgeCalls } from "../../server/src/analysis/analyze";
import {
  KERNEL_MODELS,
  PAGE_SIZES,
  type AnalysisOptions,
  type CallAnalysis,
  type PageVerdict,
} from "../../server/src/analysis/facts";

export const COMBOS: readonly AnalysisOptions[] = KERNEL_MODELS.flatMap((kernel) =>
  PAGE_SIZES.map((pageSize) => ({ kernel, pageSize })),
);

export function comboKey(options: AnalysisOptions): string {
  return `${options.kernel}@${options.pageSize}`;
}

export interface SegmentDigest {
  verdict: string;
  rules: string;
  /** Page verdicts run-length encoded: `m3c1` is three moves then one copy. */
  pages: string;
}

export interface CallDigest {
  line: number;
  verdict: string;
  rules: string;
  segments: SegmentDigest[];
}

export interface Violation {
  /**
   * Which invariant: `call-move-with-missing`, `segment-move-with-missing`, `page-move-after-unknown-segment` (a page
   * moves after a segment of unknown length), `mainline-move`.
   */
  check: string;
  combo: string;
  /** Index of the call in source order, and its one-based line. */
  call: number;
  line: number;
  detail: string;
  /** The missing facts the verdict ignored (empty for mainline moves). */
  missing: string[];
}

export interface InternalError {
  /** `note` (the engine caught an exception for the file) or `call` (for one call). */
  where: "note" | "call";
  message: string;
  line: number | null;
}

export interface InputAnalysis {
  /** Digest per combo key, calls in source order. */
  digests: Record<string, CallDigest[]>;
  violations: Violation[];
  internalErrors: InternalError[];
}

/** One letter per page verdict; a verdict added later is written out in full, so it still compares. */
const PAGE_LETTER: Record<string, string> = { move: "m", copy: "c", unknown: "u", "not-delivered": "n" };

function encodePages(verdicts: PageVerdict[]): string {
  let result = "";
  for (let index = 0; index < verdicts.length;) {
    let end = index;
    while (end < verdicts.length && verdicts[end] === verdicts[index]) end++;
    result += `${PAGE_LETTER[verdicts[index]] ?? `${verdicts[index]}:`}${end - index}`;
    index = end;
  }
  return result;
}

function digest(call: CallAnalysis): CallDigest {
  // Instances with the same input share one verdict object (up to 1024 per call): each is digested once.
  const digested = new Map<CallAnalysis["segments"][number], CallDigest["segments"][number]>();
  return {
    line: call.call.range.start.line + 1,
    verdict: call.verdict,
    rules: [...call.rules].sort().join(" "),
    segments: call.segments.map((segment) => {
      let found = digested.get(segment);
      if (!found) {
        found = {
          verdict: segment.verdict,
          rules: [...segment.rules].sort().join(" "),
          pages: encodePages(segment.pageOutcomes.map((page) => page.verdict)),
        };
        digested.set(segment, found);
      }
      return found;
    }),
  };
}

const FAILED_CALL = "the analyzer failed on this call";

/** The invariants of one call under one combo. */
export function invariantViolations(call: CallAnalysis, index: number): Violation[] {
  const found: Violation[] = [];
  const combo = comboKey(call);
  const line = call.call.range.start.line + 1;
  const add = (check: string, detail: string, missing: string[]) =>
    found.push({ check, combo, call: index, line, detail, missing });
  const mainline = call.kernel !== "rfc-v2";
  const movedPages = (pages: { verdict: string }[]) => pages.filter((page) => page.verdict === "move").length;
  const callMoves = call.verdict === "move" || call.verdict === "partial";
  if (mainline && callMoves) add("mainline-move", `call verdict ${call.verdict}`, []);
  if (callMoves && call.missing.length > 0)
    add("call-move-with-missing", `call verdict ${call.verdict} with missing facts`, call.missing);
  // A segment of unknown length may be zero (the RFC and 3.12 stop there) or fill the pipe: the pages after it are
  // not known to be delivered, so none of them is known to move.
  let unknownBefore: { index: number; missing: string[] } | null = null;
  call.segments.forEach((segment, segmentIndex) => {
    const moved = movedPages(segment.pageOutcomes);
    const segmentMoves = segment.verdict === "move" || segment.verdict === "partial" || moved > 0;
    if (mainline && segmentMoves)
      add("mainline-move", `segment ${segmentIndex} verdict ${segment.verdict}, ${moved} moved pages`, []);
    if (segmentMoves && segment.missing.length > 0)
      add(
        "segment-move-with-missing",
        `segment ${segmentIndex} verdict ${segment.verdict}, ${moved} moved pages, with missing facts`,
        segment.missing,
      );
    else if (moved > 0 && unknownBefore)
      add(
        "page-move-after-unknown-segment",
        `segment ${segmentIndex}: ${moved} pages move although the length of segment ${unknownBefore.index} is unknown`,
        unknownBefore.missing,
      );
    if (segment.pages === null && !unknownBefore) unknownBefore = { index: segmentIndex, missing: segment.missing };
  });
  return found;
}

/**
 * Parses and analyses `text` under every kernel model and page size. Throws whatever the engine throws.
 * `step` is told the name of each step before it starts (`parse`, `extractFacts`, `judgeCalls rfc-v2@4096`, ...), so a
 * watchdog can apply its time budget per step and name the step that hangs.
 */
export function analyseInput(parser: Parser, text: string, step: (name: string) => void = () => {}): InputAnalysis {
  step("parse");
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  try {
    step("extractFacts");
    const facts = extractFacts(tree, text);
    const digests: Record<string, CallDigest[]> = {};
    const violations: Violation[] = [];
    const internalErrors: InternalError[] = facts.notes.map((message) => ({ where: "note", message, line: null }));
    for (const call of facts.calls) {
      const failed = [call.flags.missing, call.fd.explanation].find((text) => text?.startsWith(FAILED_CALL));
      if (failed) internalErrors.push({ where: "call", message: failed, line: call.range.start.line + 1 });
    }
    for (const options of COMBOS) {
      step(`judgeCalls ${comboKey(options)}`);
      const analysis = judgeCalls(facts, options);
      for (const note of analysis.notes.slice(facts.notes.length))
        internalErrors.push({ where: "note", message: `${comboKey(options)}: ${note}`, line: null });
      digests[comboKey(options)] = analysis.calls.map(digest);
      analysis.calls.forEach((call, index) => violations.push(...invariantViolations(call, index)));
    }
    return { digests, violations, internalErrors };
  } finally {
    tree.delete();
  }
}

export interface Difference {
  combo: string;
  /** Index of the call (source order) or -1 for the number of calls. */
  call: number;
  /** `calls`, `verdict`, `rules`, `segments`, `segment N verdict`, `segment N rules`, `segment N pages`. */
  field: string;
  before: string;
  after: string;
}

/** Differences between two analyses, calls matched by order; every combo, first difference per call and combo. */
export function compareAnalyses(before: InputAnalysis, after: InputAnalysis): Difference[] {
  const differences: Difference[] = [];
  for (const combo of Object.keys(before.digests)) {
    const left = before.digests[combo];
    const right = after.digests[combo] ?? [];
    if (left.length !== right.length) {
      differences.push({ combo, call: -1, field: "calls", before: String(left.length), after: String(right.length) });
      continue;
    }
    left.forEach((call, index) => {
      const other = right[index];
      const push = (field: string, a: string, b: string) =>
        differences.push({ combo, call: index, field, before: a, after: b });
      if (call.verdict !== other.verdict) push("verdict", call.verdict, other.verdict);
      if (call.rules !== other.rules) push("rules", call.rules, other.rules);
      if (call.segments.length !== other.segments.length)
        push("segments", String(call.segments.length), String(other.segments.length));
      else
        call.segments.forEach((segment, segmentIndex) => {
          const next = other.segments[segmentIndex];
          if (segment.verdict !== next.verdict) push(`segment ${segmentIndex} verdict`, segment.verdict, next.verdict);
          if (segment.rules !== next.rules) push(`segment ${segmentIndex} rules`, segment.rules, next.rules);
          if (segment.pages !== next.pages) push(`segment ${segmentIndex} pages`, segment.pages, next.pages);
        });
    });
  }
  return differences;
}

/** `-A +B` for two space-separated rule lists. */
export function ruleDelta(before: string, after: string): string {
  const left = new Set(before.split(" ").filter(Boolean));
  const right = new Set(after.split(" ").filter(Boolean));
  const removed = [...left].filter((rule) => !right.has(rule)).map((rule) => `-${rule}`);
  const added = [...right].filter((rule) => !left.has(rule)).map((rule) => `+${rule}`);
  return [...removed, ...added].join(" ");
}
