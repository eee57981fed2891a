/**
 * Failure classes the fuzzer finds in today's analyzer, each with a minimal reproducer of our own in findings/.
 *
 * This is the allow-list of the seeded smoke run (test/unit/fuzz.test.ts): a failure of a listed class does not fail
 * `npm test`, and each class's reproducer is asserted to still show it, so a fix fails the test until its entry is
 * removed here (STYLE.md section 7: never skip a failing test; assert today's wrong behaviour with a FIXME).
 * `npm run fuzz` still counts these as failures (exit code 1) and only labels them as known.
 * Every entry is a FIXME: remove it when the analyzer is fixed.
 */
import path from "node:path";
import type { Failure } from "./campaign";

export interface Reproducer {
  /** File in test/fuzz/findings/. */
  file: string;
  /** Its verdict-neutral rewrite, for neutral-rewrite classes. */
  rewritten?: string;
  /** Rewrite kind and detail, or mutators, as the fuzzer names them (`alias`, `MADV_MERGEABLE`; `deep-nesting`). */
  tags: string[];
  /** How the fuzzer would describe the input (default: the tags). */
  description?: string;
}

export interface KnownFailureClass {
  id: string;
  /** What is wrong, in which file and function of server/src/analysis. */
  fixme: string;
  matches(failure: Failure): boolean;
  reproducers: Reproducer[];
  /** A reproducer that takes seconds to minutes (a hang): replayed by `npm run fuzz -- --findings`, not in npm test. */
  slow?: boolean;
}

export const FINDINGS_DIR = path.join(__dirname, "findings");

export const KNOWN_FAILURE_CLASSES: readonly KnownFailureClass[] = [
  {
    id: "hang-deep-parent-walks",
    fixme:
      "FIXME: the extractor climbs node.parent all over (enclosingFunction in server/src/analysis/syntax.ts, FileIndex.scopeOf and globalDefinitions in scope.ts, the identifier lookups of values.ts), and web-tree-sitter finds a parent by descending from the root (O(depth) per step), so deep nesting makes extractFacts quadratic per call or per name occurrence: 20 calls in 2000 nested blocks take about 7 s, a global used at each of 700 nested levels about 7 s, 1000 levels about 30 s",
    matches: (failure) => failure.key === "hang in extractFacts (deep nesting)",
    reproducers: [
      { file: "hang-nested-braces.c", tags: ["deep-nesting"] },
      { file: "hang-nested-global-uses.c", tags: ["deep-nesting"] },
    ],
    slow: true,
  },
  {
    id: "hang-splice-field-scan",
    fixme:
      "FIXME: Extractor.splices (server/src/analysis/extract.ts) calls fdOrigin for every splice() call, and for a descriptor in a struct field (c->pipe[1]) Evaluator.fieldAssignments (values.ts) scans every occurrence of the field name in the file, without a cache: quadratic in the number of calls (500 splice() calls: about 6 s, 1000: 25 s, in a file without any vmsplice)",
    matches: (failure) =>
      failure.key === "hang in extractFacts (many calls)" && failure.description.includes('copies of "splice('),
    reproducers: [
      {
        file: "hang-many-splice-field-fds.c",
        tags: ["many-calls"],
        description: 'many-calls 600 copies of "splice(c->file, off, c->pipe[1], NULL, 4096, SPLICE_F_MOVE)"',
      },
    ],
    slow: true,
  },
  {
    id: "slow-judge-volume",
    fixme:
      "FIXME (performance, linear): CallJudge (server/src/analysis/verdict.ts) costs about 7 µs per iovec entry per call per model and shares nothing between calls with the same facts (it also expands the segments of a call that fails early with nr_segs > 1024), so a file of 1000 calls of one 1024-entry iovec takes about 7 s per model",
    matches: (failure) => failure.key === "hang in judgeCalls (many calls)",
    reproducers: [{ file: "slow-large-iovec-calls.c", tags: ["many-calls"] }],
    slow: true,
  },
];

export function knownClassOf(failure: Failure): KnownFailureClass | null {
  return KNOWN_FAILURE_CLASSES.find((known) => known.matches(failure)) ?? null;
}
