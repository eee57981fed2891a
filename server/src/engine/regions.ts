/**
 * "Parse what matters" (issue 12): a large C file is parsed with only the top-level items that can matter to its
 * vmsplice calls, every other item replaced by spaces that keep each newline, so offsets, rows and columns of what is
 * kept stay exact. Which items matter is found by iterating to a fixpoint over the recorded reads (scope.ts
 * `FileIndex.reads()`): start from the items holding a trigger word, analyse, restore every blanked item that holds a
 * whole-identifier occurrence of a name the analysis searched for or that meets a region it read, and analyse again
 * until nothing more is restored.
 *
 * Why the result equals a full parse's: the extractor reaches other parts of the file only through the index (names
 * searched by text, regions read, ARCHITECTURE.md), so an item with no occurrence of any searched name and outside every
 * region read contributes nothing to the facts; tree-sitter-c is context free, so blanking an item does not change how
 * the others parse, except through error recovery, which is why any ERROR or MISSING node in the reduced tree, and any
 * doubt of the lexer (unbalanced brackets, an unterminated comment, string or character literal, #if groups that open
 * in one item and close in another, a body that follows a `;`), falls back to the full parse. A non-ASCII character
 * keeps its item (tree-sitter's columns are not UTF-16 units everywhere).
 *
 * Pure: no I/O.
 */
import type { ReadRecord } from "../analysis/scope";

/** A top-level item of the text: [start, end) in UTF-16 offsets, from its first token to its last. */
export interface TextItem {
  start: number;
  end: number;
  /** For a function body (a `{` right after `)`, closed at depth 0): the offset of that `{`. */
  body?: number;
}

const SLASH = 47;
const STAR = 42;
const NEWLINE = 10;
const BACKSLASH = 92;
const HASH = 35;
const QUOTE = 34;
const APOSTROPHE = 39;
const SEMICOLON = 59;

function isIdentifierCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isSpaceCode(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}

/** The lexer's state while it walks the text once. Every method returns the offset after what it consumed, or -1 (unsure). */
class ItemLexer {
  private depth = 0;
  private conditionalDepth = 0;
  readonly items: TextItem[] = [];
  private itemStart = -1;
  private itemConditionalDepth = 0;
  /** The last significant character before the `{` that opened depth 1, and that `{`. */
  private openedAfter = 0;
  private openedAt = -1;
  private lastSignificant = 0;

  constructor(private readonly text: string) {}

  /** End of a `//` comment (a backslash before the newline continues it). */
  private lineComment(at: number): number {
    const text = this.text;
    let index = at + 2;
    for (;;) {
      const newline = text.indexOf("\n", index);
      if (newline < 0) return text.length;
      let before = newline - 1;
      if (text.charCodeAt(before) === 13) before--;
      if (text.charCodeAt(before) !== BACKSLASH) return newline;
      index = newline + 1;
    }
  }

  private blockComment(at: number): number {
    const end = this.text.indexOf("*/", at + 2);
    return end < 0 ? -1 : end + 2;
  }

  /** End of a string or character literal; a newline without a backslash before it, or a long char literal, is unsure. */
  private literal(at: number, quote: number): number {
    const text = this.text;
    for (let index = at + 1; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === BACKSLASH) index++;
      else if (code === quote) return quote === APOSTROPHE && index - at > 12 ? -1 : index + 1;
      else if (code === NEWLINE) return -1;
    }
    return -1;
  }

  /** End of a preprocessor line (continuations and block comments inside it included); counts #if nesting. */
  private directive(at: number): number {
    const text = this.text;
    let name = at + 1;
    while (name < text.length && (text.charCodeAt(name) === 32 || text.charCodeAt(name) === 9)) name++;
    let nameEnd = name;
    while (nameEnd < text.length && isIdentifierCode(text.charCodeAt(nameEnd))) nameEnd++;
    const word = text.slice(name, nameEnd);
    if (word === "if" || word === "ifdef" || word === "ifndef") this.conditionalDepth++;
    else if (word === "endif") this.conditionalDepth--;
    for (let index = nameEnd; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === NEWLINE) return index;
      if (code === BACKSLASH && text.charCodeAt(index + 1) === NEWLINE) index++;
      else if (code === BACKSLASH && text.charCodeAt(index + 1) === 13 && text.charCodeAt(index + 2) === NEWLINE)
        index += 2;
      else if (code === SLASH && text.charCodeAt(index + 1) === STAR) {
        const end = this.blockComment(index);
        if (end < 0) return -1;
        index = end - 1;
      } else if (code === SLASH && text.charCodeAt(index + 1) === SLASH) return this.lineComment(index);
      else if (code === QUOTE || code === APOSTROPHE) {
        const end = this.literal(index, code);
        if (end < 0) return -1;
        index = end - 1;
      }
    }
    return text.length;
  }

  private atLineStart(at: number): boolean {
    for (let index = at - 1; index >= 0; index--) {
      const code = this.text.charCodeAt(index);
      if (code === NEWLINE) return true;
      if (code !== 32 && code !== 9 && code !== 13) return false;
    }
    return true;
  }

  private close(end: number): boolean {
    if (this.conditionalDepth !== this.itemConditionalDepth) return false;
    this.items.push({ start: this.itemStart, end });
    this.itemStart = -1;
    return true;
  }

  /** Offset of the next significant character (after spaces and comments), or -1 when a comment is unterminated. */
  private nextSignificant(at: number): number {
    const text = this.text;
    let index = at;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (isSpaceCode(code)) index++;
      else if (code === SLASH && text.charCodeAt(index + 1) === SLASH) index = this.lineComment(index);
      else if (code === SLASH && text.charCodeAt(index + 1) === STAR) {
        index = this.blockComment(index);
        if (index < 0) return -1;
      } else return index;
    }
    return index;
  }

  /** A `}` that brought the depth back to 0: a function body ends the item, anything else runs to its `;`. */
  private closedBody(at: number): boolean {
    if (this.openedAfter !== 41 /* ) */) return true;
    const next = this.nextSignificant(at + 1);
    if (next < 0) return false;
    const code = next < this.text.length ? this.text.charCodeAt(next) : 0;
    if (code === SEMICOLON) return this.close(next + 1) || false;
    // Another item (a declaration or a directive) or the end of the text; anything else is not a function body.
    if (code !== 0 && code !== HASH && !isIdentifierCode(code)) return false;
    if (!this.close(at + 1)) return false;
    this.items[this.items.length - 1].body = this.openedAt;
    return true;
  }

  /** The token at `at` (not a space, comment or directive); returns the offset after it or -1. */
  private token(at: number): number {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (this.itemStart < 0) {
      if (code === 123 /* { */) return -1; // a body after a `;` (K&R parameters) or a stray block
      this.itemStart = at;
      this.itemConditionalDepth = this.conditionalDepth;
    }
    if (code === QUOTE || code === APOSTROPHE) {
      const end = this.literal(at, code);
      this.lastSignificant = code;
      return end;
    }
    if (isIdentifierCode(code)) {
      let end = at + 1;
      while (end < text.length && isIdentifierCode(text.charCodeAt(end))) end++;
      this.lastSignificant = code;
      return end;
    }
    if (code === 123 || code === 40 || code === 91) {
      if (code === 123 && this.depth === 0) {
        this.openedAfter = this.lastSignificant;
        this.openedAt = at;
      }
      this.depth++;
    } else if (code === 125 || code === 41 || code === 93) {
      this.depth--;
      if (this.depth < 0) return -1;
      if (code === 125 && this.depth === 0) {
        this.lastSignificant = code;
        if (!this.closedBody(at)) return -1;
        return at + 1;
      }
    } else if (code === SEMICOLON && this.depth === 0) {
      this.lastSignificant = code;
      return this.close(at + 1) ? at + 1 : -1;
    }
    this.lastSignificant = code;
    return at + 1;
  }

  /** The top-level items, or null when the lexer is unsure of the structure. */
  run(): TextItem[] | null {
    const text = this.text;
    let index = 0;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (isSpaceCode(code)) index++;
      else if (code === SLASH && text.charCodeAt(index + 1) === SLASH) index = this.lineComment(index);
      else if (code === SLASH && text.charCodeAt(index + 1) === STAR) index = this.blockComment(index);
      else if (code === HASH && this.atLineStart(index)) index = this.directive(index);
      else if (code === BACKSLASH && (text.charCodeAt(index + 1) === NEWLINE || text.charCodeAt(index + 1) === 13))
        return null;
      else index = this.token(index);
      if (index < 0 || this.conditionalDepth < 0) return null;
    }
    if (this.depth !== 0 || this.itemStart >= 0 || this.conditionalDepth !== 0) return null;
    return this.items;
  }
}

/**
 * The top-level items of a C text: from a first token to the `;` that ends it at bracket depth 0, or to the `}` of a
 * function body (a `{` opened right after `)`). Preprocessor lines between items belong to none and are always kept.
 * Null when the lexer is unsure (see the module comment).
 */
export function topLevelItems(text: string): TextItem[] | null {
  return new ItemLexer(text).run();
}

/** The text with every item not kept replaced by spaces (newlines and carriage returns stay). */
export function blankItems(text: string, items: readonly TextItem[], kept: readonly boolean[]): string {
  // One UTF-16 copy filled in place: joining thousands of repeated-space strings cost more than the parse saved.
  const units = new Uint16Array(text.length);
  for (let index = 0; index < text.length; index++) units[index] = text.charCodeAt(index);
  for (let index = 0; index < items.length; index++) {
    if (kept[index]) continue;
    const { start, end } = items[index];
    for (let at = start; at < end; at++) if (units[at] !== NEWLINE && units[at] !== 13) units[at] = 32;
  }
  return new TextDecoder("utf-16le").decode(units);
}

/** A range of text tree-sitter reads (web-tree-sitter's `Range`: offsets and points in UTF-16 units). */
export interface IncludedRange {
  startIndex: number;
  endIndex: number;
  startPosition: { row: number; column: number };
  endPosition: { row: number; column: number };
}

/**
 * The text between the items not kept, as tree-sitter's included ranges: the parser skips the blanked items instead of
 * lexing their spaces (a parse of 7.8 MB of mostly spaces still took half a full parse). Ranges of spaces only are left
 * out. Item edges are token edges, so no token spans a gap.
 */
export function includedRanges(text: string, items: readonly TextItem[], kept: readonly boolean[]): IncludedRange[] {
  const ranges: IncludedRange[] = [];
  let row = 0;
  let lineStart = 0;
  let counted = 0;
  const point = (offset: number) => {
    for (let at = text.indexOf("\n", counted); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) {
      row++;
      lineStart = at + 1;
    }
    counted = offset;
    return { row, column: offset - lineStart };
  };
  const add = (start: number, end: number) => {
    let first = start;
    while (first < end && isSpaceCode(text.charCodeAt(first))) first++;
    if (first === end) return;
    ranges.push({ startIndex: start, endIndex: end, startPosition: point(start), endPosition: point(end) });
  };
  let from = 0;
  for (let index = 0; index < items.length; index++) {
    if (kept[index]) continue;
    add(from, items[index].start);
    from = items[index].end;
  }
  add(from, text.length);
  return ranges;
}

/** Index of the item holding `offset`, or -1. */
function itemAt(items: readonly TextItem[], offset: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].end <= offset) low = middle + 1;
    else high = middle;
  }
  return low < items.length && items[low].start <= offset ? low : -1;
}

/** Keeps every item that holds `word` (as a substring, or as a whole identifier); returns how many it newly kept. */
function keepHolding(text: string, items: readonly TextItem[], kept: boolean[], word: string, whole: boolean): number {
  let added = 0;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (whole && (isIdentifierCode(text.charCodeAt(at - 1)) || isIdentifierCode(text.charCodeAt(at + word.length))))
      continue;
    const index = itemAt(items, at);
    if (index >= 0 && !kept[index]) {
      kept[index] = true;
      added++;
    }
  }
  return added;
}

/** Keeps every item that meets (or touches) a region read; returns how many it newly kept. */
function keepMeeting(items: readonly TextItem[], kept: boolean[], reads: ReadRecord): number {
  let added = 0;
  for (const region of reads.regions) {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (items[middle].end < region.start) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < items.length && items[index].start <= region.end; index++) {
      if (!kept[index]) {
        kept[index] = true;
        added++;
      }
    }
  }
  return added;
}

function hasNonAscii(text: string, item: TextItem): boolean {
  for (let index = item.start; index < item.end; index++) if (text.charCodeAt(index) > 127) return true;
  return false;
}

/** One analysis of a (reduced) text: what the caller keeps, what it read, and whether its tree was clean. */
export interface ReducedRound<T> {
  value: T;
  reads: ReadRecord;
  /** False when the tree has an ERROR or MISSING node (then the full parse decides). */
  clean: boolean;
}

export interface ReducedResult<T> {
  value: T;
  /** Analyses run (1 when the first reduction already held everything read). */
  rounds: number;
  /** Items kept out of all. */
  keptItems: number;
  items: number;
}

/** At most this many analyses; a read set still growing after them falls back to the full parse. */
export const MAX_REDUCTION_ROUNDS = 6;

/**
 * The analysis of `text` with only the items that matter parsed, iterated to a fixpoint over the recorded reads; null
 * when the lexer is unsure, a reduced tree is not clean, or the rounds run out: the caller parses the whole text.
 * `triggers`: words any occurrence of which (as a substring) keeps its item from the start. `release` frees the value of
 * a round that is not the last.
 */
export function analyseReduced<T>(
  text: string,
  triggers: readonly string[],
  analyse: (reduced: string, ranges: IncludedRange[]) => ReducedRound<T> | null,
  release: (value: T) => void,
): ReducedResult<T> | null {
  // blankItems decodes UTF-16, which would turn a lone surrogate into U+FFFD; astral characters are rare in C.
  if (/[\uD800-\uDFFF]/.test(text)) return null;
  const items = topLevelItems(text);
  if (!items) return null;
  const kept = items.map((item) => hasNonAscii(text, item));
  for (const word of triggers) keepHolding(text, items, kept, word, false);
  const searched = new Set<string>();
  for (let rounds = 1; rounds <= MAX_REDUCTION_ROUNDS; rounds++) {
    const round = analyse(blankItems(text, items, kept), includedRanges(text, items, kept));
    if (!round) return null;
    if (!round.clean) {
      release(round.value);
      return null;
    }
    let added = keepMeeting(items, kept, round.reads);
    for (const name of round.reads.names) {
      if (searched.has(name)) continue;
      searched.add(name);
      added += keepHolding(text, items, kept, name, true);
    }
    // Names searched in earlier rounds were restored then; restoring more items cannot add occurrences of them elsewhere.
    if (added === 0) return { value: round.value, rounds, keptItems: kept.filter(Boolean).length, items: items.length };
    release(round.value);
  }
  return null;
}

/**
 * The text with the inside of every function body blanked, and every item that begins with `static` blanked whole,
 * as the reduced text and its included ranges: what is left (declarations, directives, signatures of functions that
 * may have external linkage, with an empty body) holds a file's include directives and the functions it defines for
 * other files, for a small part of a full parse. A body or static item holding a directive (`#include "table.inc"`
 * inside an initialiser) or a non-ASCII character is kept whole. Null when the lexer is unsure (then the full parse decides). No
 * range at all means nothing but spaces is left: no directive, and no function but static ones.
 */
export function skeleton(text: string): { text: string; ranges: IncludedRange[] } | null {
  if (/[\uD800-\uDFFF]/.test(text)) return null;
  const items = topLevelItems(text);
  if (!items) return null;
  const interiors: TextItem[] = [];
  for (const item of items) {
    // An item that begins with the keyword `static` defines no function other files see: it is blanked whole.
    if (text.startsWith("static", item.start) && !isIdentifierCode(text.charCodeAt(item.start + 6))) {
      if (!hasNonAscii(text, item) && !text.slice(item.start, item.end).includes("#")) interiors.push(item);
      continue;
    }
    if (item.body === undefined) continue;
    const interior = { start: item.body + 1, end: item.end - 1 };
    if (text.slice(interior.start, interior.end).includes("#") || hasNonAscii(text, interior)) continue;
    interiors.push(interior);
  }
  const none = interiors.map(() => false);
  const ranges = includedRanges(text, interiors, none);
  return { text: ranges.length === 0 ? "" : blankItems(text, interiors, none), ranges };
}
