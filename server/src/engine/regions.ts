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
 * Each text is lexed once (`ItemTable`): its items and every per-name question of every round and every reduction of it
 * (the engine's facts, the project's summaries and skeleton) come from its table, and a round's blanked text is never
 * built for them: tree-sitter parses the whole text within the included ranges, and the names searched are answered
 * from the table as a scan of the blanked text would answer (`ReducedView`). Tables are shared through `ItemTables`,
 * which a front end owns (the CLI: one per session), keyed by content.
 *
 * Pure: no I/O.
 */
import type { ReadRecord } from "../analysis/scope";
import { wordOccurrences } from "../analysis/syntax";
import { IdentifierRuns, indexable } from "./identifier-runs";

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

/** The ASCII characters the lexer must look at inside brackets: `{}()[]`, quotes, `/`, `#` and backslash. */
const INSIDE_BRACKETS = new Uint8Array(128);
for (const char of "{}()[]\"'/#\\") INSIDE_BRACKETS[char.charCodeAt(0)] = 1;

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
      let code = text.charCodeAt(index);
      // Inside brackets only brackets, literals, comments, directives and backslashes matter (a `;` ends nothing, and
      // the last significant character is set again by the bracket that closes depth 1): skip everything else at once.
      if (this.depth > 0 && (code > 127 || !INSIDE_BRACKETS[code])) {
        do code = text.charCodeAt(++index);
        while (index < text.length && (code > 127 || !INSIDE_BRACKETS[code]));
        continue;
      }
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

/** One flag per item, set when the item is kept (parsed); items not kept are blanked. */
export type KeptFlags = ArrayLike<boolean | number>;

/** The text with every item not kept replaced by spaces (newlines and carriage returns stay). */
export function blankItems(text: string, items: readonly TextItem[], kept: KeptFlags): string {
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

type Point = { row: number; column: number };

/** Points of increasing offsets, counting newlines from the last offset asked (one pass over the text in all). */
function pointCounter(text: string): (offset: number) => Point {
  let row = 0;
  let lineStart = 0;
  let counted = 0;
  return (offset) => {
    for (let at = text.indexOf("\n", counted); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) {
      row++;
      lineStart = at + 1;
    }
    counted = offset;
    return { row, column: offset - lineStart };
  };
}

/** What `rangesOutside` reads of a text: a string, or an edited table's view of one (live-items.ts). */
export interface CharacterSource {
  readonly length: number;
  charCodeAt(index: number): number;
}

/** The text between the regions not kept, as included ranges (see `includedRanges`); `point` is asked in offset order. */
export function rangesOutside(
  text: CharacterSource,
  regions: readonly TextItem[],
  kept: KeptFlags,
  point: (offset: number) => Point,
): IncludedRange[] {
  const ranges: IncludedRange[] = [];
  const add = (start: number, end: number) => {
    let first = start;
    while (first < end && isSpaceCode(text.charCodeAt(first))) first++;
    if (first === end) return;
    ranges.push({ startIndex: start, endIndex: end, startPosition: point(start), endPosition: point(end) });
  };
  let from = 0;
  for (let index = 0; index < regions.length; index++) {
    if (kept[index]) continue;
    add(from, regions[index].start);
    from = regions[index].end;
  }
  add(from, text.length);
  return ranges;
}

/**
 * The text between the items not kept, as tree-sitter's included ranges: the parser skips the blanked items instead of
 * lexing their spaces (a parse of 7.8 MB of mostly spaces still took half a full parse). Ranges of spaces only are left
 * out. Item edges are token edges, so no token spans a gap.
 */
export function includedRanges(text: string, items: readonly TextItem[], kept: KeptFlags): IncludedRange[] {
  return rangesOutside(text, items, kept, pointCounter(text));
}

/** Index of the first item ending after `offset` (items.length when none). */
export function firstEndingAfter(items: readonly TextItem[], offset: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].end <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the item holding `offset`, or -1. */
export function itemAt(items: readonly TextItem[], offset: number): number {
  const index = firstEndingAfter(items, offset);
  return index < items.length && items[index].start <= offset ? index : -1;
}

/** Index of the first of the sorted `offsets` at or after `offset` (offsets.length when none). */
function firstAtOrAfter(offsets: readonly number[], offset: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle] < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Offsets of every match of a pattern with the global flag. */
function matchOffsets(text: string, pattern: RegExp): number[] {
  const found: number[] = [];
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) found.push(match.index);
  return found;
}

/** Names searched for in the text itself before the identifier runs are indexed (see `ItemTable.wholeOccurrences`). */
export const SEARCHES_BEFORE_INDEX = 32;

/**
 * One text's top-level items and the questions the reductions ask of it, each answered once per text (issue 12): the
 * engine's reduced extraction, the project's reduced summaries and skeleton, and every round of each, used to lex the
 * same text again and scan it again per name. Immutable once made (answers are memoised), so sharing it between
 * consumers of the same text changes nothing they compute.
 */
/**
 * What a reduction asks of a text's items (`reduceToFixpoint`): an `ItemTable`, or the table of a text being edited
 * (live-items.ts `LiveItems`), which answers the same questions of the current text.
 */
export interface ItemIndex<V extends ReducedView = ReducedView> {
  /** The top-level items, or null when no reduction of this text is made. */
  readonly items: readonly TextItem[] | null;
  /** Offsets of every occurrence of `word`, overlapping ones included. */
  occurrences(word: string): readonly number[];
  /** Offsets of `word` where no identifier character touches it on either side. */
  wholeOccurrences(word: string): readonly number[];
  /** Whether [start, end) holds a character above U+007F. */
  hasNonAscii(start: number, end: number): boolean;
  /** The view of the text with the items `kept` flags (see `ReducedView`). */
  view(kept: Uint8Array): V;
}

/** `ItemTable.reducedOccurrences` for any item index (see there). */
export function reducedOccurrencesOf(
  index: Pick<ItemIndex, "items" | "wholeOccurrences">,
  name: string,
  kept: KeptFlags,
  limit: number,
): number[] | null {
  const items = index.items;
  if (!indexable(name) || !items) return null;
  const found: number[] = [];
  for (const at of index.wholeOccurrences(name)) {
    if (found.length >= limit) break;
    const holding = itemAt(items, at);
    if (holding < 0 || kept[holding]) found.push(at);
  }
  return found;
}

export class ItemTable implements ItemIndex<TableView> {
  /** The top-level items, or null when no reduction of this text is made (the lexer is unsure, or a surrogate). */
  readonly items: TextItem[] | null;
  private readonly substrings = new Map<string, number[]>();
  private readonly wholes = new Map<string, readonly number[]>();
  private runs: IdentifierRuns | null = null;
  private searchedNames = 0;
  private newlines: number[] | null = null;
  private nonAscii: number[] | null = null;
  private hashes: number[] | null = null;

  constructor(readonly text: string) {
    // blankItems decodes UTF-16, which would turn a lone surrogate into U+FFFD; astral characters are rare in C.
    this.items = /[\uD800-\uDFFF]/.test(text) ? null : topLevelItems(text);
  }

  /** Index of the item holding `offset`, or -1. */
  itemAt(offset: number): number {
    return this.items ? itemAt(this.items, offset) : -1;
  }

  /** Offsets of every occurrence of `word`, overlapping ones included. */
  occurrences(word: string): readonly number[] {
    let found = this.substrings.get(word);
    if (found) return found;
    found = [];
    const text = this.text;
    if (word.length > 0) for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) found.push(at);
    this.substrings.set(word, found);
    return found;
  }

  /**
   * Offsets of `word` where no identifier character touches it on either side, each word searched once. A name
   * (identifier-runs.ts `indexable`) is answered from the text's identifier runs once more than `SEARCHES_BEFORE_INDEX`
   * names were asked: one pass over the text then answers every further name from its own occurrences. Fewer names
   * are searched for in the text itself (a native search of a few milliseconds each on a sqlite3.c-sized text, against
   * some tens for the pass, which a loaded machine stretches while the pass's loop is being compiled).
   */
  wholeOccurrences(word: string): readonly number[] {
    let found = this.wholes.get(word);
    if (found) return found;
    const text = this.text;
    if (indexable(word) && (this.runs || ++this.searchedNames > SEARCHES_BEFORE_INDEX))
      found = (this.runs ??= new IdentifierRuns(text)).occurrences(word);
    else {
      const offsets: number[] = [];
      if (word.length > 0)
        for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1))
          if (!isIdentifierCode(text.charCodeAt(at - 1)) && !isIdentifierCode(text.charCodeAt(at + word.length)))
            offsets.push(at);
      found = offsets;
    }
    this.wholes.set(word, found);
    return found;
  }

  /** Whether [start, end) holds a character above U+007F. */
  hasNonAscii(start: number, end: number): boolean {
    this.nonAscii ??= /[^\x00-\x7f]/.test(this.text) ? matchOffsets(this.text, /[^\x00-\x7f]/g) : [];
    const at = firstAtOrAfter(this.nonAscii, start);
    return at < this.nonAscii.length && this.nonAscii[at] < end;
  }

  /** Whether [start, end) holds a `#`. */
  hasHash(start: number, end: number): boolean {
    if (!this.hashes) {
      this.hashes = [];
      for (let at = this.text.indexOf("#"); at >= 0; at = this.text.indexOf("#", at + 1)) this.hashes.push(at);
    }
    const at = firstAtOrAfter(this.hashes, start);
    return at < this.hashes.length && this.hashes[at] < end;
  }

  /** Row (counted by "\n") and column (UTF-16 units) of an offset, as tree-sitter counts them for JS strings. */
  point(offset: number): Point {
    if (!this.newlines) {
      this.newlines = [];
      for (let at = this.text.indexOf("\n"); at >= 0; at = this.text.indexOf("\n", at + 1)) this.newlines.push(at);
    }
    const row = firstAtOrAfter(this.newlines, offset);
    return { row, column: offset - (row > 0 ? this.newlines[row - 1] + 1 : 0) };
  }

  /** `includedRanges` over this text, with its newlines counted once. */
  includedRanges(regions: readonly TextItem[], kept: KeptFlags): IncludedRange[] {
    return rangesOutside(this.text, regions, kept, (offset) => this.point(offset));
  }

  /**
   * The occurrences of `name` as a whole identifier in the text with the items not kept blanked, in order, at most
   * `limit` (syntax.ts `wordOccurrences` over that text); null when `name` is not a name (identifier-runs.ts
   * `indexable`). For a name the two agree: a match in the blanked text is a match of the whole text outside the
   * items not kept (blanked characters are spaces), and the characters next to it are the same in both, since an item
   * begins after a space, a comment, a directive's newline, `;` or `}`, and ends with `;` or `}`. Overlapping matches
   * are no concern: a match that starts inside another one has an identifier character before it.
   */
  reducedOccurrences(name: string, kept: KeptFlags, limit: number): number[] | null {
    return reducedOccurrencesOf(this, name, kept, limit);
  }

  view(kept: Uint8Array): TableView {
    return reducedView(this, kept);
  }
}

/**
 * The item tables of the last few texts, by content: the consumers of one file's text (the engine, the project's
 * skeleton and summaries) share one table while the file is being analysed. Owned by a front end's session (the CLI
 * hands the same one to its engine and projects), never global: a few texts at most are kept, so memory follows the
 * files being analysed, not every file seen.
 */
export class ItemTables {
  private readonly tables = new Map<string, ItemTable>();
  /** Tables made so far (each one lexed its text once). */
  made = 0;

  constructor(private readonly capacity = 4) {}

  /** The table of `text` (made on first use). */
  of(text: string): ItemTable {
    let table = this.tables.get(text);
    if (table) this.tables.delete(text);
    else {
      table = new ItemTable(text);
      this.made++;
    }
    this.tables.set(text, table);
    for (const oldest of this.tables.keys()) {
      if (this.tables.size <= this.capacity) break;
      this.tables.delete(oldest);
    }
    return table;
  }
}

/** Keeps the items holding the offsets; returns how many it newly kept. */
function keepHolding(items: readonly TextItem[], kept: Uint8Array, offsets: readonly number[]): number {
  let added = 0;
  for (const at of offsets) {
    const index = itemAt(items, at);
    if (index >= 0 && !kept[index]) {
      kept[index] = 1;
      added++;
    }
  }
  return added;
}

/** Keeps every item that meets (or touches) a region read; returns how many it newly kept. */
function keepMeeting(items: readonly TextItem[], kept: Uint8Array, reads: ReadRecord): number {
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
        kept[index] = 1;
        added++;
      }
    }
  }
  return added;
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

/**
 * One round's reduced text, without building it: tree-sitter parses `text` restricted to `ranges`, which reads exactly
 * the reduced text's characters (the blanked items lie outside every range), and the name searches answer from the
 * item table as a scan of the reduced text would.
 */
export interface ReducedView {
  /** What the parser reads (and a tree parsed with `ranges` reads its nodes' text from): the whole text or chunks of it. */
  readonly input: string | ((index: number) => string);
  readonly ranges: IncludedRange[];
  /** syntax.ts `wordOccurrences` over the reduced text (names are searched once per text, see ItemTable). */
  occurrences(name: string, limit?: number): number[];
}

/** The view of an `ItemTable`, which holds its text as one string. */
export interface TableView extends ReducedView {
  /** The whole text. */
  readonly text: string;
  /** The reduced text itself: every item not kept replaced by spaces (built on demand). */
  blanked(): string;
}

/** The view of the table's text with the items `kept` flags (the table's own items: it must have them). */
export function reducedView(table: ItemTable, kept: Uint8Array): TableView {
  const items = table.items;
  if (!items) throw new Error("a text the lexer was unsure of has no reduced view");
  let blanked: string | null = null;
  const reduced = () => (blanked ??= blankItems(table.text, items, kept));
  return {
    text: table.text,
    input: table.text,
    ranges: table.includedRanges(items, kept),
    occurrences: (name, limit = 10_000) =>
      table.reducedOccurrences(name, kept, limit) ?? wordOccurrences(reduced(), name, limit),
    blanked: reduced,
  };
}

/** At most this many analyses; a read set still growing after them falls back to the full parse. */
export const MAX_REDUCTION_ROUNDS = 6;

/**
 * The analysis of a text with only the items that matter parsed, iterated to a fixpoint over the recorded reads; null
 * when the lexer is unsure, a reduced tree is not clean, or the rounds run out: the caller parses the whole text.
 * `triggers`: words any occurrence of which (as a substring) keeps its item from the start. `release` frees the value of
 * a round that is not the last.
 */
export function reduceToFixpoint<T, V extends ReducedView>(
  table: ItemIndex<V>,
  triggers: readonly string[],
  analyse: (view: V) => ReducedRound<T> | null,
  release: (value: T) => void,
): ReducedResult<T> | null {
  const items = table.items;
  if (!items) return null;
  const kept = new Uint8Array(items.length);
  // A non-ASCII character keeps its item (tree-sitter's columns are not UTF-16 units everywhere).
  for (let index = 0; index < items.length; index++)
    if (table.hasNonAscii(items[index].start, items[index].end)) kept[index] = 1;
  for (const word of triggers) keepHolding(items, kept, table.occurrences(word));
  const searched = new Set<string>();
  for (let rounds = 1; rounds <= MAX_REDUCTION_ROUNDS; rounds++) {
    // Each round sees its own copy of the flags: the next round's restorations must not change what it read.
    const round = analyse(table.view(kept.slice()));
    if (!round) return null;
    if (!round.clean) {
      release(round.value);
      return null;
    }
    let added = keepMeeting(items, kept, round.reads);
    for (const name of round.reads.names) {
      if (searched.has(name)) continue;
      searched.add(name);
      added += keepHolding(items, kept, table.wholeOccurrences(name));
    }
    // Names searched in earlier rounds were restored then; restoring more items cannot add occurrences of them elsewhere.
    if (added === 0) {
      let keptItems = 0;
      for (const flag of kept) keptItems += flag;
      return { value: round.value, rounds, keptItems, items: items.length };
    }
    release(round.value);
  }
  return null;
}

/** `reduceToFixpoint` over a text of its own, each round given its reduced text and included ranges. */
export function analyseReduced<T>(
  text: string,
  triggers: readonly string[],
  analyse: (reduced: string, ranges: IncludedRange[]) => ReducedRound<T> | null,
  release: (value: T) => void,
): ReducedResult<T> | null {
  return reduceToFixpoint(new ItemTable(text), triggers, (view) => analyse(view.blanked(), view.ranges), release);
}

/** The regions `skeleton` blanks: function body interiors and whole `static` items (see there). */
function skeletonInteriors(table: ItemTable): TextItem[] | null {
  const { text, items } = table;
  if (!items) return null;
  const interiors: TextItem[] = [];
  for (const item of items) {
    // An item that begins with the keyword `static` defines no function other files see: it is blanked whole.
    if (text.startsWith("static", item.start) && !isIdentifierCode(text.charCodeAt(item.start + 6))) {
      if (!table.hasNonAscii(item.start, item.end) && !table.hasHash(item.start, item.end)) interiors.push(item);
      continue;
    }
    if (item.body === undefined) continue;
    const interior = { start: item.body + 1, end: item.end - 1 };
    if (table.hasHash(interior.start, interior.end) || table.hasNonAscii(interior.start, interior.end)) continue;
    interiors.push(interior);
  }
  return interiors;
}

/**
 * The included ranges of a text's skeleton (see `skeleton`): parsing the table's text restricted to them reads the
 * skeleton. Null when the lexer is unsure; no range at all means nothing but spaces is left.
 */
export function skeletonRanges(table: ItemTable): IncludedRange[] | null {
  const interiors = skeletonInteriors(table);
  return interiors && table.includedRanges(interiors, new Uint8Array(interiors.length));
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
  const table = new ItemTable(text);
  const interiors = skeletonInteriors(table);
  if (!interiors) return null;
  const none = new Uint8Array(interiors.length);
  const ranges = table.includedRanges(interiors, none);
  return { text: ranges.length === 0 ? "" : blankItems(text, interiors, none), ranges };
}
