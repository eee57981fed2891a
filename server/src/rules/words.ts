/**
 * Shared wording for the rule modules' messages: how an identifier is quoted, how a page count reads, which line a
 * range is on. Messages are plain text (diagnostics, CLI, SARIF `text`), so identifiers are quoted as a C compiler
 * quotes them ('buf'), never with markdown backticks.
 * Pure; imports no editor, protocol or I/O module.
 */
import type { SourceRange } from "../analysis/facts";

/** Source text as a message quotes it: 'buf + 100'. */
export function quoted(text: string): string {
  return `'${text}'`;
}

/** One-based line of a range, as messages cite it. */
export function lineOf(range: SourceRange): number {
  return range.start.line + 1;
}

/** "the page" (the only one), "all 4 pages", "3 of 4 pages", or "every page" when the count is not known. */
export function pagesOf(count: number | null, total: number | null): string {
  if (count === null || total === null) return "every page";
  if (total === 1 && count === 1) return "the page";
  if (count === total) return `all ${total} pages`;
  return `${count} of ${total} page${total === 1 ? "" : "s"}`;
}

/** "is" or "are" for a page count phrase. */
export function isAre(count: number | null): string {
  return count === 1 ? "is" : "are";
}

/**
 * A buffer's provenance as a trailing detail: " (buf: malloc() returns ...)", without the name when the message already
 * quoted exactly that name (`shown`), and empty when there is none.
 */
export function provenance(name: string, explanation: string | null | undefined, shown?: string): string {
  if (!explanation) return "";
  return name === shown ? ` (${explanation})` : ` (${name}: ${explanation})`;
}
