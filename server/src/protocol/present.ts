/**
 * Words and numbers shown to the user for one call: the verdict summary of the code lens, decoded flags and symbolic
 * values. Text from source code enters markdown only through markdown.ts.
 *
 * Shared by hover and code lens so both say the same thing. Pure string building; no protocol objects.
 */
import { evaluate, spliceFlagNames, type CallAnalysis, type SegmentVerdict, type SymValue } from "../analysis/facts";
import { findRule, unsafeKind } from "../rules";

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

/** "4 KiB" for 4096. */
export function pageSizeWords(pageSize: number): string {
  return pageSize % 1024 === 0 ? `${pageSize / 1024} KiB` : `${pageSize}-byte`;
}

/** Where each chunk of a segment starts in its page and how long it is, where the facts say (null: not known). */
export interface ChunkShape {
  start: number | null;
  length: number | null;
}

/**
 * The chunks of a segment as vmsplice cuts them at page boundaries (the same arithmetic as the verdict engine): the
 * first starts at the base's offset in its page, the others at 0; the last one may be short. A buffer only known to be
 * 16-byte aligned gives a start that is "not 0" but not known: `start` is null, `notPageAligned` true.
 */
export function chunkShapes(
  segment: SegmentVerdict,
  pageSize: number,
): { chunks: ChunkShape[]; notPageAligned: boolean; alignment: number | null } {
  const buffer = segment.segment.buffer;
  const offset = evaluate(segment.segment.offset, pageSize);
  const length = evaluate(segment.segment.length, pageSize);
  const alignment = buffer?.alignment ? evaluate(buffer.alignment, pageSize) : null;
  let inPage: number | null = null;
  let notPageAligned = false;
  if (offset !== null && alignment !== null && alignment > 0) {
    if (alignment >= pageSize && alignment % pageSize === 0) inPage = ((offset % pageSize) + pageSize) % pageSize;
    else {
      const residue = ((offset % alignment) + alignment) % alignment;
      if (residue !== 0) inPage = residue;
      else notPageAligned = true;
    }
  }
  const chunks: ChunkShape[] = segment.pageOutcomes.map((page) => {
    const index = page.index;
    if (inPage === null || length === null) return { start: index === 0 ? null : 0, length: null };
    const start = index === 0 ? inPage : 0;
    const end = Math.min(pageSize, inPage + length - index * pageSize);
    return { start, length: Math.max(0, end - start) };
  });
  return { chunks, notPageAligned: notPageAligned || (inPage !== null && inPage !== 0), alignment };
}

/** Why a page has its verdict, in a few words, from the rule that decided it and the chunk's shape. */
export function pageReason(rule: string | undefined, chunk: ChunkShape, alignment: number | null): string | null {
  if (!rule) return null;
  switch (rule) {
    case "VMS-ALIGN-SRC":
    case "VMS-RFC-ZAP-WRONG-PAGE":
      if (chunk.start !== null && chunk.start > 0) return `chunk starts ${chunk.start} bytes into the page`;
      return alignment !== null && alignment > 0
        ? `chunk does not start on a page boundary (the buffer is only ${alignment}-byte aligned)`
        : "chunk does not start on a page boundary";
    case "VMS-LEN-PAGE":
      return chunk.length !== null
        ? `chunk is ${chunk.length} bytes, not a whole page`
        : "chunk is shorter than a page";
    case "VMS-MAINLINE-COPY":
    case "VMS-GIFT-NOOP":
      return "this kernel never moves pages";
    case "VMS-NO-GIFT":
      return "the writer did not pass SPLICE_F_GIFT";
    case "VMS-NO-MOVE-FLAG":
      return "the reader did not pass SPLICE_F_MOVE";
    case "VMS-NO-MOVABLE-PAGE":
      return "no writer of this pipe puts a whole, aligned, gifted anonymous page";
    case "VMS-RFC-IOV-BASE":
      return "only the page at iov_base is unmapped, so the others are still mapped";
    case "VMS-ZERO-PAGE":
      return "never written: the pipe carries the shared zero page";
    case "VMS-SHMEM":
      return "shared memory is not anonymous";
    case "VMS-FILE":
      return "file-backed memory is not anonymous";
    case "VMS-FORK":
      return "a forked process still maps the page";
    case "VMS-OFFSET-CONSUMED":
      return "the pipe buffer was partly read before";
    case "VMS-KSM":
      return "a KSM-merged page";
    case "VMS-THP":
      return "part of a transparent huge page";
    case "VMS-NO-ZAP":
      return "the pipe had no room for it";
    case "VMS-ALIGN-DST":
      return chunk.start !== null && chunk.start > 0
        ? `destination starts ${chunk.start} bytes into its page: the page lands shifted and overwrites neighbouring bytes`
        : "destination is not page-aligned: the page lands shifted and overwrites neighbouring bytes";
    case "VMS-DST-SHORT":
      return "destination is shorter than a page: the whole page is replaced";
    case "VMS-DST-HOLE":
      return "destination is unmapped: the page is installed anyway";
    case "VMS-DST-RO":
      return "destination is read-only: the page is installed anyway";
    case "VMS-DST-SHARED":
      return "destination is a shared mapping: an anonymous page is planted in it";
    case "VMS-DST-HUGETLB":
    case "VMS-RFC-HUGETLB-OOPS":
      return "hugetlb memory: the kernel crashes";
    default: {
      const title = findRule(rule)?.title;
      if (!title) return rule;
      const clause = title.split(/[;:]/)[0].replace(/`/g, "").trim();
      return clause.charAt(0).toLowerCase() + clause.slice(1);
    }
  }
}

export interface PageRun {
  /** "page 0" or "pages 0–15". */
  label: string;
  verdict: string;
  reason: string | null;
}

/**
 * The call's pages as runs of the same verdict and reason, numbered across its segments as the kernel takes them:
 * "pages 0–15: move"; "page 1: copy — chunk is 16 bytes, not a whole page".
 */
export function callPageRuns(analysis: CallAnalysis): PageRun[] {
  const items: { index: number; verdict: string; reason: string | null }[] = [];
  const mainline = analysis.kernel !== "rfc-v2";
  for (const segment of analysis.segments) {
    const { chunks, alignment } = chunkShapes(segment, analysis.pageSize);
    segment.pageOutcomes.forEach((page, index) => {
      const reason =
        pageReason(page.rules[0], chunks[index], alignment) ??
        (mainline && page.verdict === "copy" ? "this kernel never moves pages" : null);
      items.push({
        index: items.length,
        verdict: page.verdict === "not-delivered" ? "not delivered" : page.verdict,
        reason,
      });
    });
  }
  const runs: PageRun[] = [];
  let start = 0;
  for (let index = 1; index <= items.length; index++) {
    const previous = items[index - 1];
    const current = items[index];
    if (current && current.verdict === previous.verdict && current.reason === previous.reason) continue;
    const first = items[start].index;
    const label = first === previous.index ? `page ${first}` : `pages ${first}–${previous.index}`;
    runs.push({ label, verdict: previous.verdict, reason: previous.reason });
    start = index;
  }
  return runs;
}

/** One iovec segment in a line: base, length, memory and alignment, pages and verdict. */
export function segmentLine(
  segment: SegmentVerdict,
  index: number,
  pageSize: number,
  style: { code(text: string): string; prose(text: string): string },
): string {
  const buffer = segment.segment.buffer;
  const length = formatSym(segment.segment.length, pageSize);
  const memory = buffer ? `${buffer.memory} (${buffer.origin})` : "memory unknown";
  const { alignment, notPageAligned } = chunkShapes(segment, pageSize);
  const aligned =
    alignment === null
      ? "alignment unknown"
      : notPageAligned
        ? `not page-aligned (${alignment}-byte aligned buffer)`
        : "page-aligned";
  const pages = segment.pages === null ? "? pages" : `${segment.pages} page${segment.pages === 1 ? "" : "s"}`;
  return `${index}: ${style.code(segment.segment.baseText)}, ${style.code(segment.segment.lengthText)} ${style.prose(`= ${length} bytes, ${memory}, ${aligned}, ${pages}: ${segment.verdict}`)}`;
}
