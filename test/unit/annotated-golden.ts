/**
 * Renders one file's analysis as annotated C: the source, and after each line that has findings or a vmsplice call,
 * comment lines that put carets under each finding's range and spell out the call's verdict page by page.
 *
 *     ssize_t n = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
 * //                                 ^^^ VMS-ALIGN-SRC warning: <message>
 * //              = verdict rfc-v2@4096: copy (to-pipe, flags SPLICE_F_MOVE|SPLICE_F_GIFT)
 * //              = segment 0 {buf, page}: 2 pages: 0 copy [VMS-ALIGN-SRC], 1 copy [VMS-LEN-PAGE]
 *
 * This module owns the format of the annotated goldens (`<fixture>.c.annotated`, compared by annotated-goldens.test.ts);
 * it is test code over the analyzer's output types and imports no analyzer code. The rendering rules:
 *   - Findings go under the line their range starts on, in source order; calls' verdict lines go under the line the
 *     call's range starts on, indented to its column (the position the JSON golden records).
 *   - Columns in the facts count UTF-16 code units; the padding reproduces the line's tabs and gives wide characters
 *     (CJK, emoji) two cells, so the carets stand under the text in a monospace view. A range that starts in the first
 *     two columns, where `//` stands, names its column instead.
 *   - A range that runs over several lines gets carets to the end of its first line and says where it ends.
 *   - Annotations are `//` comments, so the file stays C: a line ending in a backslash (a continued macro) would swallow
 *     the next line, so the annotations of a continued line follow the end of the logical line and name their line; no
 *     annotation ends in a backslash, and `*\/` in a message is broken up in case the line ends inside a block comment.
 *   - A CRLF file gets CRLF annotation lines.
 *   - Messages are the analyzer's, unchanged: a line number inside one ("the writer on line 25") is the fixture's line.
 */
import type { FileAnalysis } from "../../server/src/analysis/analyze";
import {
  flagNames,
  type AnalysisOptions,
  type CallAnalysis,
  type PageOutcome,
  type SegmentVerdict,
  type SourceRange,
} from "../../server/src/analysis/facts";

export interface AnnotatedText {
  text: string;
  /** For each line of the annotated text, the zero-based line of the source it copies, or null for an annotation. */
  sourceLines: (number | null)[];
}

/** Display cells of one code point in a monospace view (a small wcwidth: wide East Asian and emoji 2, combining 0). */
function cells(codePoint: number): number {
  const within = (low: number, high: number) => codePoint >= low && codePoint <= high;
  if (
    within(0x300, 0x36f) ||
    within(0x1ab0, 0x1aff) ||
    within(0x1dc0, 0x1dff) ||
    within(0x200b, 0x200f) ||
    within(0x20d0, 0x20ff) ||
    within(0xfe00, 0xfe0f) ||
    within(0xfe20, 0xfe2f)
  )
    return 0;
  if (
    within(0x1100, 0x115f) ||
    within(0x2e80, 0x303e) ||
    within(0x3041, 0x33ff) ||
    within(0x3400, 0x4dbf) ||
    within(0x4e00, 0x9fff) ||
    within(0xa000, 0xa4cf) ||
    within(0xac00, 0xd7a3) ||
    within(0xf900, 0xfaff) ||
    within(0xfe30, 0xfe4f) ||
    within(0xff00, 0xff60) ||
    within(0xffe0, 0xffe6) ||
    within(0x1f300, 0x1faff) ||
    within(0x20000, 0x3fffd)
  )
    return 2;
  return 1;
}

/** Blank padding as wide as `text` on screen: tabs kept, every other code point replaced by its cells of spaces. */
function padding(text: string): string {
  let result = "";
  for (const character of text)
    result += character === "\t" ? "\t" : " ".repeat(cells(character.codePointAt(0) ?? 0x20));
  return result;
}

function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += character === "\t" ? 1 : cells(character.codePointAt(0) ?? 0x20);
  return width;
}

/**
 * The start of an annotation line whose text begins under `column` (UTF-16) of `line`: `//` takes the place of the first
 * two cells, or sits before a leading tab (which still reaches the same tab stop); null when the column is too close to
 * the margin for that.
 */
function lead(line: string, column: number): string | null {
  const pad = padding(line.slice(0, column));
  if (pad.startsWith("\t")) return `//${pad}`;
  if (pad.startsWith(" \t")) return `//${pad.slice(1)}`;
  if (pad.startsWith("  ")) return `//${pad.slice(2)}`;
  return null;
}

function withoutLineEnd(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Comment text that cannot end the line's comment early or continue it onto the next line. */
function safe(text: string): string {
  const broken = text.split("*/").join("* /");
  return broken.endsWith("\\") ? `${broken} (end)` : broken;
}

function oneLine(text: string): string {
  return text.split(/\s+/).join(" ").trim();
}

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Runs of consecutive pages with the same verdict and rules: "0 copy [VMS-ALIGN-SRC], 1-3 move". */
function pageSummary(segment: SegmentVerdict): string {
  if (segment.pages === null) return "pages unknown";
  const count = `${segment.pages} page${segment.pages === 1 ? "" : "s"}`;
  const runs: { first: number; last: number; verdict: string; rules: string[] }[] = [];
  for (const outcome of segment.pageOutcomes as PageOutcome[]) {
    const rules = sorted(outcome.rules);
    const previous = runs[runs.length - 1];
    if (
      previous &&
      previous.last === outcome.index - 1 &&
      previous.verdict === outcome.verdict &&
      previous.rules.join() === rules.join()
    )
      previous.last = outcome.index;
    else runs.push({ first: outcome.index, last: outcome.index, verdict: outcome.verdict, rules });
  }
  const describe = (run: (typeof runs)[number]) =>
    `${run.verdict}${run.rules.length > 0 ? ` [${run.rules.join(" ")}]` : ""}`;
  const only = runs[0];
  if (runs.length === 0) return segment.pages === 0 ? count : `${count}, none judged`;
  if (runs.length === 1 && only && only.first === 0 && only.last + 1 === segment.pageOutcomes.length)
    return `${count}: ${segment.pageOutcomes.length === segment.pages ? "" : `${only.first}-${only.last} `}${describe(only)}`;
  return `${count}: ${runs.map((run) => `${run.first === run.last ? run.first : `${run.first}-${run.last}`} ${describe(run)}`).join(", ")}`;
}

/** The verdict lines of one call: the verdict with direction and flags, one line per run of equal segments, missing facts. */
function verdictLines(call: CallAnalysis, options: AnalysisOptions): string[] {
  const facts = call.call;
  const flags = flagNames(facts.flags.value);
  const context = [
    facts.fd.direction,
    flags === null ? `flags unknown (${oneLine(facts.flags.text)})` : `flags ${flags.join("|") || "0"}`,
    ...(facts.wrapperName ? [`through ${facts.wrapperName}()`] : []),
  ];
  const lines = [`= verdict ${options.kernel}@${options.pageSize}: ${call.verdict} (${context.join(", ")})`];
  const segments = call.segments.map(
    (segment) =>
      `{${oneLine(segment.segment.baseText)}, ${oneLine(segment.segment.lengthText)}}: ${segment.verdict}; ${pageSummary(segment)}`,
  );
  for (let first = 0; first < segments.length;) {
    let last = first;
    while (last + 1 < segments.length && segments[last + 1] === segments[first]) last++;
    lines.push(`= segment${first === last ? ` ${first}` : `s ${first}-${last}`} ${segments[first]}`);
    first = last + 1;
  }
  if (facts.iov.segments === null) lines.push("= segments unknown");
  const shown = new Set([
    ...call.findings.map((finding) => finding.rule),
    ...call.segments.flatMap((segment) => segment.pageOutcomes.flatMap((page) => page.rules)),
  ]);
  const listed = call.rules.filter((id) => !shown.has(id));
  if (listed.length > 0) lines.push(`= rules without a finding here: ${listed.join(" ")}`);
  for (const fact of call.missing) lines.push(`= missing: ${oneLine(fact)}`);
  return lines;
}

interface Annotation {
  /** Where the annotation's text starts. */
  line: number;
  column: number;
  /** Carets (may be empty) and the text after them; each entry is one annotation line. */
  carets: string;
  texts: string[];
  /** Orders annotations of one line: findings by column, then verdicts. */
  order: [number, number, number];
}

function findingAnnotation(
  lines: string[],
  finding: { rule: string; severity: string; message: string; range: SourceRange },
  order: number,
): Annotation {
  const { start } = finding.range;
  // A range that ends at the start of a line (a directive with its newline) ends with the line before.
  const end =
    finding.range.end.column === 0 && finding.range.end.line > start.line
      ? { line: finding.range.end.line - 1, column: withoutLineEnd(lines[finding.range.end.line - 1] ?? "").length }
      : finding.range.end;
  const line = withoutLineEnd(lines[start.line] ?? "");
  let carets: string;
  let where = "";
  if (end.line > start.line) {
    const rest = line.slice(start.column).trimEnd();
    carets = "^".repeat(Math.max(1, displayWidth(rest)));
    where = ` (to line ${end.line + 1}, column ${end.column + 1})`;
  } else {
    const covered = line.slice(start.column, end.column);
    carets = "^".repeat(Math.max(1, displayWidth(covered)));
    if (end.column === start.column) where = " (empty range)";
  }
  const messages = finding.message.split("\n");
  return {
    line: start.line,
    column: start.column,
    carets,
    texts: [
      `${finding.rule} ${finding.severity}${where}: ${messages[0] ?? ""}`,
      ...messages.slice(1).map((rest) => `  ${rest}`),
    ],
    order: [0, start.column, order],
  };
}

/** Renders the annotation lines of one source line (zero-based `index`). */
function render(lines: string[], index: number, annotations: Annotation[], continued: number | null): string[] {
  const line = withoutLineEnd(lines[index] ?? "");
  const ending = (lines[index] ?? "").endsWith("\r") ? "\r" : "";
  const rendered: string[] = [];
  for (const annotation of annotations) {
    const note = continued === null ? "" : `(on line ${annotation.line + 1}) `;
    const start = lead(line, annotation.column);
    // Too close to the margin for `//`: the carets start after it, covering what is left of the range, and say so.
    const prefix = start ?? "//";
    const hidden = start === null ? 2 - displayWidth(line.slice(0, annotation.column)) : 0;
    const carets = annotation.carets.slice(hidden) || (annotation.carets ? "^" : "");
    const marginNote = start === null ? `(from column ${annotation.column + 1}) ` : "";
    const caretText = carets ? `${carets} ${marginNote}` : `${marginNote}`;
    annotation.texts.forEach((text, position) => {
      const body = position === 0 ? `${caretText}${note}${text}` : `${" ".repeat(caretText.length)}${text}`;
      rendered.push(safe(`${prefix}${body}`.trimEnd()) + ending);
    });
  }
  return rendered;
}

/** The annotated text of a file under the options its analysis was made with. */
export function annotate(text: string, analysis: FileAnalysis, options: AnalysisOptions): AnnotatedText {
  const lines = text.split("\n");
  const byLine = new Map<number, Annotation[]>();
  const add = (annotation: Annotation) => {
    const list = byLine.get(annotation.line) ?? [];
    list.push(annotation);
    byLine.set(annotation.line, list);
  };
  analysis.findings.forEach((finding, order) => add(findingAnnotation(lines, finding, order)));
  analysis.calls.forEach((call, order) => {
    const start = call.call.range.start;
    add({
      line: start.line,
      column: start.column,
      carets: "",
      texts: verdictLines(call, options),
      order: [1, 0, order],
    });
  });

  const output: string[] = [];
  const sourceLines: (number | null)[] = [];
  // Annotations of lines continued by a backslash wait for the end of the logical line.
  let pending: { line: number; annotations: Annotation[] }[] = [];
  lines.forEach((line, index) => {
    output.push(line);
    sourceLines.push(index);
    const annotations = (byLine.get(index) ?? []).sort(
      (left, right) =>
        left.order[0] - right.order[0] || left.order[1] - right.order[1] || left.order[2] - right.order[2],
    );
    if (annotations.length > 0) pending.push({ line: index, annotations });
    if (withoutLineEnd(line).endsWith("\\") && index + 1 < lines.length) return;
    for (const item of pending) {
      const rendered = render(lines, item.line, item.annotations, item.line === index ? null : item.line);
      output.push(...rendered);
      sourceLines.push(...rendered.map(() => null));
    }
    pending = [];
  });
  return { text: output.join("\n"), sourceLines };
}
