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

export const KNOWN_FAILURE_CLASSES: readonly KnownFailureClass[] = [];

export function knownClassOf(failure: Failure): KnownFailureClass | null {
  return KNOWN_FAILURE_CLASSES.find((known) => known.matches(failure)) ?? null;
}
