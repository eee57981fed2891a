/**
 * Words and numbers shown to the user for one call: the verdict summary of the code lens, decoded flags and symbolic
 * values. Text from source code enters markdown only through markdown.ts.
 *
 * Shared by hover and code lens so both say the same thing. Pure string building; no protocol objects.
 */
import { evaluate, spliceFlagNames, type CallAnalysis, type SymValue } from "../analysis/facts";
import { unsafeKind } from "../rules";

export interface PageCounts {
  total: number;
  moved: number;
  copied: number;
  /** Pages the RFC moves into the wrong place or whose gift crashes the kernel: never counted as moved. */
  unsafe: number;
  unknown: number;
  notDelivered: number;
  /** True when at least one segment's page count is unknown, so `total` is a lower bound. */
  incomplete: boolean;
}

export function countPages(analysis: CallAnalysis): PageCounts {
  const counts: PageCounts = {
    total: 0,
    moved: 0,
    copied: 0,
    unsafe: 0,
    unknown: 0,
    notDelivered: 0,
    incomplete: analysis.segments.length === 0,
  };
  for (const segment of analysis.segments) {
    if (segment.pages === null) counts.incomplete = true;
    for (const page of segment.pageOutcomes) {
      counts.total++;
      if (page.verdict === "move") counts.moved++;
      else if (page.verdict === "copy") counts.copied++;
      else if (page.verdict === "unsafe") counts.unsafe++;
      else if (page.verdict === "not-delivered") counts.notDelivered++;
      else counts.unknown++;
    }
  }
  return counts;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/**
 * "8 pages: 1 moved, 7 copied · rfc-v2", the words of the code lens (the hover says the direction).
 * Unsafe pages come first and are never called moved: "4 pages: 1 unsafe, 3 copied · rfc-v2".
 */
export function verdictSummary(analysis: CallAnalysis): string {
  const counts = countPages(analysis);
  const parts: string[] = [];
  if (counts.unsafe) parts.push(`${counts.unsafe} unsafe`);
  if (counts.moved) parts.push(`${counts.moved} moved`);
  if (counts.copied) parts.push(`${counts.copied} copied`);
  if (counts.notDelivered) parts.push(`${counts.notDelivered} not delivered`);
  if (counts.unknown) parts.push(`${counts.unknown} unknown`);
  let head: string;
  if (counts.total === 0) head = analysis.verdict === "unknown" ? "pages unknown" : `verdict: ${analysis.verdict}`;
  else head = `${counts.incomplete ? "≥ " : ""}${plural(counts.total, "page")}: ${parts.join(", ")}`;
  return `${head} · ${analysis.kernel}`;
}

/** The rules that make the call's pages unsafe, in rule-id order (empty when none is). */
export function unsafeRules(analysis: CallAnalysis): string[] {
  const ids = analysis.segments.flatMap((segment) =>
    segment.pageOutcomes.filter((page) => page.verdict === "unsafe").flatMap((page) => page.rules),
  );
  return [...new Set(ids.filter((id) => unsafeKind(id) !== null))].sort();
}

/** One sentence for an unsafe call: what the kernel does instead of a clean move. */
export function unsafeSentence(analysis: CallAnalysis): string | null {
  const rules = unsafeRules(analysis);
  if (rules.length === 0) return null;
  const crashes = rules.some((id) => unsafeKind(id) === "crashes-kernel");
  const lands = rules.some((id) => unsafeKind(id) === "moves-into-wrong-place");
  const effect =
    crashes && lands
      ? "moves pages into the wrong place or crashes the kernel"
      : crashes
        ? "crashes the kernel"
        : "moves pages into the wrong place and reports success";
  return `Not a successful move: the RFC as written ${effect} (${rules.join(", ")}).`;
}

/** "`SPLICE_F_MOVE` | `SPLICE_F_GIFT` (0x9)" as markdown, or the reason the value is unknown. */
export function decodeFlags(value: number | null, missing: string | null): string {
  if (value === null) return `unknown${missing ? ` (${missing})` : ""}`;
  if (value === 0) return "0 (no flags)";
  const decoded = spliceFlagNames(value);
  const names = decoded.names.map((name) => `\`${name}\``);
  const unknownBits = decoded.unknownBits;
  if (unknownBits) names.push(`unknown bits 0x${unknownBits.toString(16)}`);
  return `${names.join(" | ")} (0x${value.toString(16)})`;
}

/** A symbolic value as an expression with `P` for the page size, plus its value under `pageSize` when known. */
export function formatSym(value: SymValue | null, pageSize: number): string {
  if (value === null) return "unknown";
  const expression = symText(value);
  const number = evaluate(value, pageSize);
  if (number === null) return expression;
  return expression === String(number) ? expression : `${expression} = ${number}`;
}

function symText(value: SymValue): string {
  switch (value.kind) {
    case "const":
      return String(value.value);
    case "page":
      return "P";
    case "index":
      return "i";
    case "unknown":
      return "?";
    case "unary":
      return `${value.operator}${symText(value.operand)}`;
    case "binary":
      return `(${symText(value.left)} ${value.operator} ${symText(value.right)})`;
  }
}
