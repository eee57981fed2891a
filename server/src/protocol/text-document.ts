/**
 * The text of an open document with incremental line bookkeeping: the same contract as
 * `vscode-languageserver-textdocument`'s TextDocument (LSP positions in UTF-16 code units, `\n`, `\r\n` and `\r` as line
 * breaks, positions clamped into the text), but updated in place.
 *
 * The library's `TextDocument.update` rebuilds arrays on every change, which costs tens of milliseconds on a
 * 270k-line file and dominated the keystroke budget; here a one-character edit shifts a typed array of line starts
 * instead. Pure data structure; no protocol objects beyond the position and range shapes.
 */

import { ShiftingOffsets } from "../engine/shifting-offsets";

interface Position {
  line: number;
  character: number;
}
interface Range {
  start: Position;
  end: Position;
}

/** The part of a text document that position conversions need (LensDocument and the library's TextDocument both fit). */
export interface PositionMapper {
  offsetAt(position: Position): number;
  positionAt(offset: number): Position;
}

/** Offsets where lines start in `text` (excluding the first line's 0), added to `base`. */
function lineStartsOf(text: string, base: number): number[] {
  const starts: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 13) {
      if (text.charCodeAt(index + 1) === 10) index++;
      starts.push(base + index + 1);
    } else if (code === 10) {
      starts.push(base + index + 1);
    }
  }
  return starts;
}

/** Pieces are joined into one string once there are this many (a long typing session between analyses). */
const MAX_PIECES = 64;
/** Longest chunk handed to tree-sitter at once (web-tree-sitter copies at most 10 KiB of UTF-16 per callback). */
export const PARSE_CHUNK = 4096;

function countNul(text: string): number {
  let count = 0;
  for (let index = text.indexOf("\u0000"); index >= 0; index = text.indexOf("\u0000", index + 1)) count++;
  return count;
}

export class LensDocument implements PositionMapper {
  /**
   * The text as a list of pieces whose concatenation is the document. Edits split pieces instead of building a new
   * string: joining (or even slicing) a freshly concatenated multi-megabyte string makes V8 copy all of it, which cost
   * more than tree-sitter's incremental reparse. The parser reads the pieces through `chunkAt`.
   */
  private pieces: string[];
  private length: number;
  /** Start offset of every line; the first is 0 (moved lazily along a line, see ShiftingOffsets). */
  private lineStarts: ShiftingOffsets;
  private lines: number;
  /** UTF-8 size of the text, kept up to date per change (the max-file-size check runs on every keystroke). */
  private bytes: number;
  /** Number of NUL characters (a binary file), kept up to date per change. */
  private nuls: number;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    text: string,
  ) {
    this.pieces = [text];
    this.length = text.length;
    const starts = [0, ...lineStartsOf(text, 0)];
    this.lineStarts = new ShiftingOffsets(starts);
    this.lines = starts.length;
    this.bytes = Buffer.byteLength(text, "utf8");
    this.nuls = countNul(text);
  }

  get byteLength(): number {
    return this.bytes;
  }

  get nulCount(): number {
    return this.nuls;
  }

  get textLength(): number {
    return this.length;
  }

  get lineCount(): number {
    return this.lines;
  }

  /** The whole text (joining the pieces once), or the text of a range. */
  getText(range?: Range): string {
    if (!range) {
      if (this.pieces.length !== 1) this.pieces = [this.pieces.join("")];
      return this.pieces[0];
    }
    const start = this.offsetAt(range.start);
    const end = this.offsetAt(range.end);
    return this.slice(Math.min(start, end), Math.max(start, end));
  }

  /** The text between two offsets, read from the pieces without joining them. */
  slice(start: number, end: number): string {
    const from = Math.max(0, start);
    const to = Math.min(this.length, end);
    if (to <= from) return "";
    let result = "";
    let offset = 0;
    for (const piece of this.pieces) {
      const pieceEnd = offset + piece.length;
      if (pieceEnd > from && offset < to)
        result += piece.slice(Math.max(0, from - offset), Math.min(piece.length, to - offset));
      if (pieceEnd >= to) break;
      offset = pieceEnd;
    }
    return result;
  }

  /** Up to PARSE_CHUNK characters starting at `index`, for tree-sitter's input callback; "" at the end. */
  chunkAt(index: number): string {
    if (index >= this.length || index < 0) return "";
    let offset = 0;
    for (const piece of this.pieces) {
      const pieceEnd = offset + piece.length;
      if (index < pieceEnd) return piece.slice(index - offset, Math.min(piece.length, index - offset + PARSE_CHUNK));
      offset = pieceEnd;
    }
    return "";
  }

  private charCodeAt(index: number): number {
    let offset = 0;
    for (const piece of this.pieces) {
      if (index < offset + piece.length) return piece.charCodeAt(index - offset);
      offset += piece.length;
    }
    return Number.NaN;
  }

  offsetAt(position: Position): number {
    const line = Number.isFinite(position.line) ? Math.floor(position.line) : 0;
    if (line >= this.lines) return this.length;
    if (line < 0) return 0;
    const lineStart = this.lineStart(line);
    const nextLineStart = line + 1 < this.lines ? this.lineStart(line + 1) : this.length;
    const character = Number.isFinite(position.character) ? Math.max(0, Math.floor(position.character)) : 0;
    if (character === 0) return lineStart;
    return this.beforeLineBreak(Math.min(lineStart + character, nextLineStart), lineStart);
  }

  /** Moves an offset that points into or after a line's break back to the end of the line's text (as TextDocument does). */
  private beforeLineBreak(offset: number, lineStart: number): number {
    let result = offset;
    while (result > lineStart) {
      const code = this.charCodeAt(result - 1);
      if (code !== 10 && code !== 13) break;
      result--;
    }
    return result;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.length));
    let low = 0;
    let high = this.lines - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStart(middle) <= clamped) low = middle;
      else high = middle - 1;
    }
    const start = this.lineStart(low);
    return { line: low, character: this.beforeLineBreak(clamped, start) - start };
  }

  private lineStart(line: number): number {
    return this.lineStarts.at(line);
  }

  /** Replaces `range` (or the whole text) with `newText`, keeping line starts, size and NUL count in step. */
  applyChange(range: Range | undefined, newText: string): void {
    if (!range) {
      this.pieces = [newText];
      this.length = newText.length;
      this.bytes = Buffer.byteLength(newText, "utf8");
      this.nuls = countNul(newText);
      const starts = [0, ...lineStartsOf(newText, 0)];
      this.lineStarts = new ShiftingOffsets(starts);
      this.lines = starts.length;
      return;
    }
    let start = this.offsetAt(range.start);
    let end = this.offsetAt(range.end);
    if (end < start) [start, end] = [end, start];
    const startLine = this.positionAt(start).line;
    const endLine = this.positionAt(end).line;
    // Line starts are recomputed over whole lines around the change: from the start of the line before it (a "\r"
    // ending that line may join a "\n" the change inserts) to the start of the second line after it. Both boundaries
    // sit right after complete line breaks the change does not touch, so no "\r\n" is ever split.
    const firstKept = Math.max(0, startLine - 1);
    const regionStart = this.lineStart(firstKept);
    const lastReplaced = Math.min(this.lines - 1, endLine + 1);
    const hasLineAfter = lastReplaced + 1 < this.lines;
    const regionEnd = hasLineAfter ? this.lineStart(lastReplaced + 1) : this.length;
    const removed = this.slice(start, end);
    const region = this.slice(regionStart, start) + newText + this.slice(end, regionEnd);
    // Surrogate pairs split by the range would be miscounted by a byte or two; the size is a limit check, not an index.
    this.bytes += Buffer.byteLength(newText, "utf8") - Buffer.byteLength(removed, "utf8");
    this.nuls += countNul(newText) - countNul(removed);
    this.replacePieces(start, end, newText);
    const delta = newText.length - (end - start);
    const newRegionEnd = regionEnd + delta;
    const inserted = lineStartsOf(region, regionStart).filter((offset) =>
      hasLineAfter ? offset < newRegionEnd : offset <= newRegionEnd,
    );
    this.lineStarts.replace(firstKept + 1, lastReplaced + 1, inserted, delta);
    this.lines = this.lineStarts.length;
  }

  private replacePieces(start: number, end: number, newText: string): void {
    const next: string[] = [];
    let offset = 0;
    let placed = false;
    for (const piece of this.pieces) {
      const pieceEnd = offset + piece.length;
      if (pieceEnd <= start) next.push(piece);
      else if (offset >= end) {
        if (!placed) {
          next.push(newText);
          placed = true;
        }
        next.push(piece);
      } else {
        if (offset < start) next.push(piece.slice(0, start - offset));
        if (!placed) {
          next.push(newText);
          placed = true;
        }
        if (pieceEnd > end) next.push(piece.slice(end - offset));
      }
      offset = pieceEnd;
    }
    if (!placed) next.push(newText);
    this.pieces = next.filter((piece) => piece.length > 0);
    if (this.pieces.length === 0) this.pieces = [""];
    this.length += newText.length - (end - start);
    if (this.pieces.length > MAX_PIECES) this.pieces = [this.pieces.join("")];
  }
}
