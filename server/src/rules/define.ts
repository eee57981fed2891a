/**
 * The shape of a rule module (`rules/<rule-id>.ts`): everything about one rule id lives in its module (metadata, the
 * message template, where the verdict engine decides it, the quick fixes and the explain text), and `rules/index.ts`
 * lists the modules. Diagnostics, hover, `explain`, SARIF and docs/rules.md are generic loops over that list.
 * Pure; imports no editor, protocol or I/O module.
 */
import type { KernelModel, Severity } from "../analysis/facts";
import type { FixContext, QuickFix } from "../analysis/fixes";

/** Why a page this rule fires on is `unsafe` rather than `move` (shared/domain/vmsplice-semantics.md, "Verdict unsafe"). */
export type UnsafeKind = "moves-into-wrong-place" | "crashes-kernel";

/** One candidate quick fix; it is built lazily and dropped when it fails or returns null. */
export type FixCandidate = () => QuickFix | null;

export interface RuleDefinition<Id extends string = string, Input = void> {
  /** Stable id, never renamed: the diagnostic code, SARIF `ruleId`, fixture folder and doc anchor. */
  id: Id;
  severity: Severity;
  /** Kernel models where the rule can fire. */
  models: readonly KernelModel[];
  /** One-line summary (markdown: hover, docs, SARIF); a finding's message is composed by `message`. */
  title: string;
  /** Kernel condition that triggers it. */
  condition: string;
  /** What happens to the data. */
  effect: string;
  /** C patterns that trigger it. */
  patterns: string;
  /** How to fix the program. */
  fix: string;
  /** Confidence tags from the specification ([CODE], [DERIVED], [BUG?], verification notes). */
  tag: string;
  /** Null when the analyzer decides the rule from C source; otherwise why it cannot. */
  notDecidedFromSource: string | null;
  /** What a real kernel showed (the RFC ported to 6.1 under QEMU, `npm run oracle:rfc`), when it was checked. */
  observed?: string;
  /** Set when a page this rule fires on gets the verdict `unsafe` instead of `move`. */
  unsafe?: UnsafeKind;
  /**
   * The decision hook: where the engine decides this rule ("analysis/verdict.ts CallJudge.page"), as
   * `<file under server/src> <function>`; a test checks that each named file mentions the id.
   * Empty for rules not decided from C source.
   */
  decidedIn: readonly string[];
  /**
   * The finding's message, composed from the facts the engine hands over (`CallJudge.report(id, range, input)`): plain
   * text, one sentence that states the effect and its cause with identifiers quoted ('buf'), then the detail; it does
   * not repeat the title. Rules the engine never reports may leave it out (the title as plain text then).
   */
  message?(input: Input): string;
  /** The quick fixes for a call this rule fired on (the fix loop calls it only then). */
  quickFixes?: (context: FixContext) => readonly FixCandidate[];
}

export interface RuleRecord<Id extends string = string, Input = unknown> extends RuleDefinition<Id, Input> {
  message(input: Input): string;
}

/** Markdown (the title and the explain words use backticks) as plain text, for the places that show plain text. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/`+([^`]+?)`+/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "");
}

/**
 * Declares a rule module; keeps the id's literal type so `RuleId` can be derived from the registry, and the message's
 * input type so the engine's `report` call type-checks against it.
 */
export function defineRule<const Id extends string, Input = void>(
  definition: RuleDefinition<Id, Input>,
): RuleRecord<Id, Input> {
  const fallback = plainText(definition.title);
  return { ...definition, message: definition.message ?? (() => fallback) };
}
