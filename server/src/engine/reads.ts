/**
 * Whether an edit can change facts extracted before it, decided from what the extraction read (STYLE.md section 2,
 * "recorded reads"; rust-analyzer's salsa is the model): the names it searched for by text and the regions of the tree
 * it looked at (analysis/scope.ts records both). Facts survive an edit only if
 *
 * (a) no recorded name is among the identifiers of the removed or the inserted text, each widened to the whole
 *     identifiers that span the edit's edges (typing `fifo` after `mk` makes `mkfifo`);
 * (b) neither the edit's old range nor any range tree-sitter reports as structurally changed
 *     (`oldTree.getChangedRanges(newTree)`) meets a recorded region (regions move with the edits before them);
 * (c) the ERROR structure outside is unchanged, which (b) covers: a changed range holds every node that changed.
 *
 * When in doubt the answer is "touched", and the caller extracts again. Pure: no I/O, no editor or protocol imports.
 */
import type { Edit, Range } from "web-tree-sitter";
import type { SourceRange } from "../analysis/facts";
import type { ReadRecord, TextRegion } from "../analysis/scope";
import { SUPPRESSION_MARKER } from "../analysis/suppressions";
import type { SourceText } from "./source-text";

/** An edit as tree-sitter takes it, plus the text it removed (needed for check (a)). */
export interface TextEdit extends Edit {
  oldText: string;
}

/**
 * Substrings whose appearance anywhere decides whether a file is analysed at all: "splice" (the cheap text check of
 * analyze.ts). Any occurrence lies inside one run of identifier characters, so check (a) sees it.
 */
const FILE_SUBSTRINGS = ["splice"];

function isIdentifierCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** The identifier-like words of a text (letters, digits, underscores). */
export function identifierWords(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const isWord = index < text.length && isIdentifierCode(text.charCodeAt(index));
    if (isWord && start < 0) start = index;
    else if (!isWord && start >= 0) {
      words.push(text.slice(start, index));
      start = -1;
    }
  }
  return words;
}

/** Offset where the run of identifier characters ending at `offset` starts. */
function identifierStartBefore(text: SourceText, offset: number): number {
  for (let window = 32; ; window *= 4) {
    const from = Math.max(0, offset - window);
    const chunk = text.slice(from, offset);
    let index = chunk.length;
    while (index > 0 && isIdentifierCode(chunk.charCodeAt(index - 1))) index--;
    if (index > 0 || from === 0) return from + index;
  }
}

/** Offset where the run of identifier characters starting at `offset` ends. */
function identifierEndAfter(text: SourceText, offset: number): number {
  for (let window = 32; ; window *= 4) {
    const to = Math.min(text.textLength, offset + window);
    const chunk = text.slice(offset, to);
    let index = 0;
    while (index < chunk.length && isIdentifierCode(chunk.charCodeAt(index))) index++;
    if (index < chunk.length || to === text.textLength) return offset + index;
  }
}

/**
 * The identifier words an edit can have made or unmade, `text` being the text after it: the runs of identifier
 * characters around the edit with the removed text, and with the inserted text. A word of identifier characters whose
 * presence in the text the edit changed occurs inside one of them.
 */
export function editWindowWords(edit: TextEdit, text: SourceText): string[] {
  const left = identifierStartBefore(text, edit.startIndex);
  const right = identifierEndAfter(text, edit.newEndIndex);
  const before = text.slice(left, edit.startIndex);
  const after = text.slice(edit.newEndIndex, right);
  const inserted = text.slice(edit.startIndex, edit.newEndIndex);
  return [...identifierWords(before + edit.oldText + after), ...identifierWords(before + inserted + after)];
}

/** Sorts and merges regions (touching ones too), so lookups can bisect. */
function mergeRegions(regions: TextRegion[]): TextRegion[] {
  const sorted = regions.filter((region) => region.end >= region.start).sort((a, b) => a.start - b.start);
  const merged: TextRegion[] = [];
  for (const region of sorted) {
    const last = merged[merged.length - 1];
    if (last && region.start <= last.end) last.end = Math.max(last.end, region.end);
    else merged.push({ start: region.start, end: region.end });
  }
  return merged;
}

/** The recorded reads of the current facts, kept in the coordinates of the current text. */
export class RecordedReads {
  private regions: TextRegion[];
  /** ReadRecord `lastLineNamed`, in the current text's coordinates. */
  private lastLineNamed: number;

  /**
   * `factRanges` (every range in the facts) count as regions too: a fact must move with the text, never change.
   * `hasMarker`: the text holds the suppression marker somewhere (then the suppression pass runs at every analysis).
   */
  constructor(
    private readonly record: ReadRecord,
    factRanges: readonly SourceRange[],
    public hasMarker: boolean,
  ) {
    this.lastLineNamed = record.lastLineNamed ?? -1;
    this.regions = mergeRegions([
      ...record.regions,
      ...factRanges.map((range) => ({ start: range.startIndex, end: range.endIndex })),
    ]);
  }

  get regionCount(): number {
    return this.regions.length;
  }

  /** Index of the first region that ends at or after `offset`. */
  private firstEndingAtOrAfter(offset: number): number {
    let low = 0;
    let high = this.regions.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.regions[middle].end < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether the closed interval [start, end] meets a region (touching counts: an edit at a boundary may merge tokens). */
  meets(start: number, end: number): boolean {
    const index = this.firstEndingAtOrAfter(start);
    return index < this.regions.length && this.regions[index].start <= end;
  }

  /** Whether any structurally changed range (new-text coordinates) meets a region. */
  meetsAny(ranges: readonly Pick<Range, "startIndex" | "endIndex">[]): boolean {
    return ranges.some((range) => this.meets(range.startIndex, range.endIndex));
  }

  /**
   * Check (a) and the edit half of (b) for one edit, already applied to `text`; moves the regions onto the new text
   * when the edit leaves them alone. Returns true when the facts may have changed.
   */
  touchedBy(edit: TextEdit, text: SourceText): boolean {
    if (this.meets(edit.startIndex, edit.oldEndIndex)) return true;
    // Facts name the lines of what they read ("may be changed by show(fds) (line 23)"): adding or removing lines
    // above such a node changes those numbers, which moving the ranges would not.
    if (edit.newEndPosition.row !== edit.oldEndPosition.row && edit.startIndex <= this.lastLineNamed) return true;
    const inserted = text.slice(edit.startIndex, edit.newEndIndex);
    // Rows and columns of the facts are moved by tree-sitter's point arithmetic, which counts "\n" only; a "\r" in
    // the edit would make it disagree with the positions a fresh parse reports.
    if (edit.oldText.includes("\r") || inserted.includes("\r")) return true;
    const left = identifierStartBefore(text, edit.startIndex);
    const right = identifierEndAfter(text, edit.newEndIndex);
    const before = text.slice(left, edit.startIndex);
    const after = text.slice(edit.newEndIndex, right);
    for (const words of [identifierWords(before + edit.oldText + after), identifierWords(before + inserted + after)]) {
      for (const word of words) {
        if (this.record.names.has(word)) return true;
        if (FILE_SUBSTRINGS.some((substring) => word.includes(substring))) return true;
      }
    }
    // A new suppression comment: the marker holds non-identifier characters, so look at a window of its length.
    if (!this.hasMarker) {
      const reach = SUPPRESSION_MARKER.length - 1;
      const window = text.slice(edit.startIndex - reach, edit.newEndIndex + reach);
      if (window.includes(SUPPRESSION_MARKER)) this.hasMarker = true;
    }
    this.shift(edit);
    return false;
  }

  private shift(edit: Edit): void {
    const delta = edit.newEndIndex - edit.oldEndIndex;
    if (delta === 0) return;
    if (this.lastLineNamed > edit.oldEndIndex) this.lastLineNamed += delta;
    for (let index = this.firstEndingAtOrAfter(edit.oldEndIndex); index < this.regions.length; index++) {
      const region = this.regions[index];
      if (region.start > edit.oldEndIndex) {
        region.start += delta;
        region.end += delta;
      }
    }
  }
}

function isSourceRange(value: unknown): value is SourceRange {
  if (!value || typeof value !== "object") return false;
  const candidate = value as Partial<SourceRange>;
  return (
    typeof candidate.startIndex === "number" &&
    typeof candidate.endIndex === "number" &&
    typeof candidate.start === "object" &&
    typeof candidate.end === "object"
  );
}

/** Every distinct SourceRange object inside the values (facts, verdicts, suppressions). */
export function collectRanges(roots: readonly unknown[]): SourceRange[] {
  const ranges: SourceRange[] = [];
  const visited = new Set<object>();
  const visit = (value: unknown) => {
    if (!value || typeof value !== "object" || visited.has(value)) return;
    visited.add(value);
    if (isSourceRange(value)) {
      ranges.push(value);
      return;
    }
    if (Array.isArray(value)) for (const item of value) visit(item);
    else for (const key in value as Record<string, unknown>) visit((value as Record<string, unknown>)[key]);
  };
  for (const root of roots) visit(root);
  return ranges;
}

/**
 * Moves, in place, every range in the values across the edits (in order), as tree-sitter moves the nodes of an edited
 * tree. Ranges (and positions) shared between objects move once. The caller has checked that no range meets an edit.
 * In place, because copying the facts of a large file at every keystroke cost more than the rest of the analysis.
 */
export function shiftRanges(roots: readonly unknown[], edits: readonly Edit[]): void {
  if (edits.length === 0) return;
  const ranges = collectRanges(roots);
  const positions = new Map<object, { position: SourceRange["start"]; index: number }>();
  for (const range of ranges) {
    if (!positions.has(range.start)) positions.set(range.start, { position: range.start, index: range.startIndex });
    if (!positions.has(range.end)) positions.set(range.end, { position: range.end, index: range.endIndex });
  }
  for (const edit of edits) {
    const delta = edit.newEndIndex - edit.oldEndIndex;
    for (const entry of positions.values()) {
      if (entry.index < edit.oldEndIndex) continue;
      const position = entry.position;
      if (position.line === edit.oldEndPosition.row) {
        position.column += edit.newEndPosition.column - edit.oldEndPosition.column;
        position.line = edit.newEndPosition.row;
      } else position.line += edit.newEndPosition.row - edit.oldEndPosition.row;
      entry.index += delta;
    }
    for (const range of ranges) {
      if (range.startIndex >= edit.oldEndIndex) range.startIndex += delta;
      if (range.endIndex >= edit.oldEndIndex) range.endIndex += delta;
    }
  }
}
