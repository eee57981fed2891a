/**
 * The item table of a text being edited (issue 12, "an edit inside one relevant region reparses that region"): the
 * language server's large documents answer the reductions' questions (regions.ts `ItemIndex`) after each keystroke
 * without lexing, scanning or even joining the whole text again.
 *
 * It is the table of the text at some earlier moment (`base`, an immutable `ItemTable`) plus the function bodies edited
 * since (`dirty`), each held as its current text. An edit is taken only when it is proven to leave every item boundary
 * where it was: it lies inside one function's body (after its `{`, before its `}`), and the item's new text, lexed
 * alone, is one function whose body opens at the same place. The lexer reads an item from a clean top-level state (no
 * open bracket, comment, literal or directive before its first token) and decides how it ends from the first
 * significant character after its `}`, which the edit left alone; so lexing the whole new text would find the same
 * items, the edited one longer or shorter. Any other edit is refused and the caller starts a new table from the text.
 *
 * Every answer equals a fresh `ItemTable` of the current text (test/unit/live-items.test.ts checks it over random
 * edits): outside the dirty items the text is the base's, moved by the length changes before it; an identifier-like
 * word never spans an item's edge (an item begins after a space, comment, directive, `;` or `}`, and ends with `;` or
 * `}`), and the characters next to an item's edges are not edited, so an occurrence is found in the base or in one
 * dirty text, and is whole in the current text exactly when it was found whole there.
 *
 * Pure: no I/O.
 */
import { isCallWord } from "../analysis/analyze";
import { wordOccurrences } from "../analysis/syntax";
import { indexable } from "./identifier-runs";
import {
  blankItems,
  firstEndingAfter,
  itemAt,
  ItemTable,
  rangesOutside,
  reducedOccurrencesOf,
  topLevelItems,
  type IncludedRange,
  type ItemIndex,
  type KeptFlags,
  type ReducedView,
  type TextItem,
} from "./regions";
import { ShiftingOffsets } from "./shifting-offsets";
import type { SourceText } from "./source-text";

/** One edited span of whole items (and the gaps between them): where it was in the base, and its text now. */
interface Dirty {
  baseStart: number;
  baseEnd: number;
  text: string;
}

/** What an edit the table followed did: one function's body changed, or the items around it were lexed again. */
export interface LiveEdit {
  /** The edited function, or the span lexed again, in the new text. */
  item: TextItem;
  /** The items themselves changed (which there are, or where they begin or end), not only one body. */
  structural: boolean;
}

/** Past this many edited items (or this much of their text), the caller is told to start afresh (see `edit`). */
const MAX_DIRTY = 64;
const MAX_DIRTY_CHARS = 1 << 20;

interface Edit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
}

function isIdentifierCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** Per version of the text: the answers asked since the last edit. */
interface Answers {
  /** Current start of each dirty item, in order. */
  starts: number[];
  /** Length change of the text up to the end of each dirty item. */
  shifts: number[];
  occurrences: Map<string, readonly number[]>;
  wholes: Map<string, readonly number[]>;
}

export class LiveItems implements ItemIndex {
  private dirty: Dirty[] = [];
  private answers: Answers | null = null;
  /** Length of the current text in UTF-16 units. */
  length: number;
  /** Offsets of the current text's newlines, in order. */
  private readonly newlines: ShiftingOffsets;

  /** The items of the current text (the base's, copied once and moved in place by each edit). */
  private readonly current: TextItem[];
  /** Per item, whether it holds a character above U+007F (kept up to date for the edited ones). */
  private nonAscii: Uint8Array;

  private constructor(private readonly base: ItemTable) {
    this.length = base.text.length;
    const items = base.items!;
    this.current = items.map((item) => ({ ...item }));
    this.nonAscii = Uint8Array.from(items, (item) => (base.hasNonAscii(item.start, item.end) ? 1 : 0));
    const text = base.text;
    const found: number[] = [];
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) found.push(at);
    this.newlines = new ShiftingOffsets(found);
  }

  /** The table of `text`, or null when the lexer is unsure of it (no reduction is made then). */
  static of(text: string): LiveItems | null {
    const base = new ItemTable(text);
    return base.items ? new LiveItems(base) : null;
  }

  /**
   * Moves the table onto the text after one edit (`source` is the text after it) and says what it changed. An edit
   * strictly inside one function's body that keeps it one function moves the items after it. Any other edit lexes again
   * the span from the start of the item before it to the end of the item after it (or the text's ends), which must lex
   * alone with the lexer sure of it: the lexer's state is the same clean one at both ends of that span in the old and
   * the new text, and how an item ends depends on nothing past the next significant character, which the span's last
   * item keeps. Null when that fails, or the edited spans grew past their limits: the table is then unusable.
   */
  edit(edit: Edit, source: SourceText): LiveEdit | null {
    const items = this.current;
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const index = itemAt(items, edit.startIndex);
    const item = index >= 0 ? items[index] : null;
    let result: LiveEdit | null;
    if (item?.body !== undefined && edit.startIndex > item.body && edit.oldEndIndex <= item.end - 1)
      result = this.editBody(index, edit, source) ?? this.editSpan(edit, source);
    else result = this.editSpan(edit, source);
    if (!result) return null;
    this.moveNewlines(edit.startIndex, edit.oldEndIndex, source.slice(edit.startIndex, edit.newEndIndex));
    this.length += delta;
    this.answers = null;
    let chars = 0;
    for (const dirty of this.dirty) chars += dirty.text.length;
    if (this.dirty.length > MAX_DIRTY || chars > MAX_DIRTY_CHARS) return null;
    return result;
  }

  /** The fast case of `edit`: one function's body, the items after it moved in place. Null: lex the span instead. */
  private editBody(index: number, edit: Edit, source: SourceText): LiveEdit | null {
    const items = this.current;
    const item = items[index];
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const text = source.slice(item.start, item.end + delta);
    if (text.length !== item.end + delta - item.start || /[\uD800-\uDFFF]/.test(text)) return null;
    const alone = topLevelItems(text);
    if (alone?.length !== 1 || alone[0].end !== text.length || alone[0].body !== item.body! - item.start) return null;
    this.recordSpan(item.start, item.end, delta, source);
    item.end += delta;
    for (let after = index + 1; after < items.length; after++) {
      const moved = items[after];
      moved.start += delta;
      moved.end += delta;
      if (moved.body !== undefined) moved.body += delta;
    }
    this.nonAscii[index] = /[^\x00-\x7f]/.test(text) ? 1 : 0;
    return { item: { ...item }, structural: false };
  }

  /** The general case of `edit` (see there): the items around the edit lexed again. */
  private editSpan(edit: Edit, source: SourceText): LiveEdit | null {
    const items = this.current;
    const delta = edit.newEndIndex - edit.oldEndIndex;
    // The first item ending after the edit's start, and the first starting at or after its old end.
    let first = firstEndingAfter(items, edit.startIndex);
    let last = first;
    while (last < items.length && items[last].start < edit.oldEndIndex) last++;
    // One whole item more on each side (its end, or the next item's start, may depend on the edited text).
    first = Math.max(0, first - 1);
    last = Math.min(items.length - 1, last);
    let start = first < items.length ? items[first].start : 0;
    let end = last >= 0 && last < items.length ? items[last].end : this.length;
    if (first === 0) start = 0;
    if (last >= items.length - 1) end = this.length;
    // A span already recorded is taken whole (its text is known only whole).
    ({ start, end } = this.widenToDirty(start, end));
    const text = source.slice(start, end + delta);
    if (text.length !== end + delta - start || /[\uD800-\uDFFF]/.test(text)) return null;
    const lexed = topLevelItems(text);
    if (!lexed) return null;
    const removedFrom = firstEndingAfter(items, start);
    let removedTo = removedFrom;
    while (removedTo < items.length && items[removedTo].start < end) removedTo++;
    this.recordSpan(start, end, delta, source);
    const placed = lexed.map((found) => ({
      start: found.start + start,
      end: found.end + start,
      ...(found.body !== undefined ? { body: found.body + start } : {}),
    }));
    for (let after = removedTo; after < items.length; after++) {
      const moved = items[after];
      moved.start += delta;
      moved.end += delta;
      if (moved.body !== undefined) moved.body += delta;
    }
    items.splice(removedFrom, removedTo - removedFrom, ...placed);
    const flags = placed.map((found) =>
      /[^\x00-\x7f]/.test(text.slice(found.start - start, found.end - start)) ? 1 : 0,
    );
    this.nonAscii = Uint8Array.from([
      ...this.nonAscii.subarray(0, removedFrom),
      ...flags,
      ...this.nonAscii.subarray(removedTo),
    ]);
    return { item: { start, end: end + delta }, structural: true };
  }

  /** [start, end) widened to the whole of every recorded span it meets. */
  private widenToDirty(start: number, end: number): { start: number; end: number } {
    const { starts } = this.state;
    let from = start;
    let to = end;
    for (let position = 0; position < this.dirty.length; position++) {
      const dirtyStart = starts[position];
      const dirtyEnd = dirtyStart + this.dirty[position].text.length;
      if (dirtyEnd > from && dirtyStart < to) {
        from = Math.min(from, dirtyStart);
        to = Math.max(to, dirtyEnd);
      }
    }
    return { start: from, end: to };
  }

  /**
   * Records that the current text's [start, end) (before the edit; whole items, or whole recorded spans) reads
   * `source.slice(start, end + delta)` now: the recorded spans inside it are merged into one.
   */
  private recordSpan(start: number, end: number, delta: number, source: SourceText): void {
    const { starts } = this.state;
    const widened = this.widenToDirty(start, end);
    const inside: number[] = [];
    for (let position = 0; position < this.dirty.length; position++) {
      const dirtyStart = starts[position];
      if (dirtyStart >= widened.start && dirtyStart + this.dirty[position].text.length <= widened.end)
        inside.push(position);
    }
    const baseOf = (offset: number, edge: "start" | "end"): number => {
      for (const position of inside) {
        if (edge === "start" && starts[position] === offset) return this.dirty[position].baseStart;
        if (edge === "end" && starts[position] + this.dirty[position].text.length === offset)
          return this.dirty[position].baseEnd;
      }
      // Outside every recorded span: moved by the spans before it.
      let shift = 0;
      for (let position = 0; position < this.dirty.length; position++)
        if (starts[position] + this.dirty[position].text.length <= offset) shift = this.state.shifts[position];
      return offset - shift;
    };
    const entry: Dirty = {
      baseStart: baseOf(widened.start, "start"),
      baseEnd: baseOf(widened.end, "end"),
      text: source.slice(widened.start, widened.end + delta),
    };
    const at = inside.length > 0 ? inside[0] : this.dirty.findIndex((dirty) => dirty.baseStart >= entry.baseStart);
    this.dirty.splice(at < 0 ? this.dirty.length : at, inside.length, entry);
  }

  /**
   * Whether one of the call words occurs as a whole identifier (analyze.ts `mentionsVmsplice` for a file alone), read
   * around each "splice".
   */
  mentionsCallWord(): boolean {
    return this.occurrences("splice").some((at) => {
      let start = at;
      while (start > 0 && isIdentifierCode(this.charCodeAt(start - 1))) start--;
      let end = at + 6;
      while (end < this.length && isIdentifierCode(this.charCodeAt(end))) end++;
      return isCallWord(this.slice(start, end));
    });
  }

  /** Whether `marker` occurs where "splice" does `offset` characters into it (a word holding "splice"). */
  holdsAround(marker: string, offset: number): boolean {
    return this.occurrences("splice").some((at) => this.slice(at - offset, at - offset + marker.length) === marker);
  }

  private get state(): Answers {
    if (this.answers) return this.answers;
    const starts: number[] = [];
    const shifts: number[] = [];
    let shift = 0;
    for (const dirty of this.dirty) {
      starts.push(dirty.baseStart + shift);
      shift += dirty.text.length - (dirty.baseEnd - dirty.baseStart);
      shifts.push(shift);
    }
    this.answers = { starts, shifts, occurrences: new Map(), wholes: new Map() };
    return this.answers;
  }

  /** The dirty item holding current offset `at` (its position in `dirty`), or -1; `before`: dirty items ending at or before it. */
  private locate(at: number): { holding: number; before: number } {
    const { starts } = this.state;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (starts[middle] <= at) low = middle + 1;
      else high = middle;
    }
    // low: dirty items starting at or before `at`.
    const last = low - 1;
    if (last >= 0 && at < starts[last] + this.dirty[last].text.length) return { holding: last, before: last };
    return { holding: -1, before: low };
  }

  /** The shift of current offsets after the first `count` dirty items. */
  private shiftAfter(count: number): number {
    return count === 0 ? 0 : this.state.shifts[count - 1];
  }

  get items(): TextItem[] {
    return this.current;
  }

  charCodeAt(at: number): number {
    if (at < 0 || at >= this.length) return Number.NaN;
    const { holding, before } = this.locate(at);
    if (holding >= 0) return this.dirty[holding].text.charCodeAt(at - this.state.starts[holding]);
    return this.base.text.charCodeAt(at - this.shiftAfter(before));
  }

  /** The current text between two offsets. */
  slice(start: number, end: number): string {
    let result = "";
    let at = Math.max(0, start);
    const to = Math.min(this.length, end);
    while (at < to) {
      const { holding, before } = this.locate(at);
      if (holding >= 0) {
        const from = at - this.state.starts[holding];
        const piece = this.dirty[holding].text.slice(from, from + (to - at));
        result += piece;
        at += piece.length;
      } else {
        const shift = this.shiftAfter(before);
        const stop = before < this.dirty.length ? Math.min(to, this.state.starts[before]) : to;
        result += this.base.text.slice(at - shift, stop - shift);
        at = stop;
      }
    }
    return result;
  }

  /** The base's answer for `word` moved onto the current text, with each dirty item's own occurrences instead of its old ones. */
  private merged(word: string, fromBase: readonly number[], whole: boolean): number[] {
    if (this.dirty.length === 0) return fromBase.slice();
    const state = this.state;
    const found: number[] = [];
    let next = 0;
    let shift = 0;
    const addDirty = (position: number) => {
      const { text } = this.dirty[position];
      const start = state.starts[position];
      for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
        if (whole && (isIdentifierCode(text.charCodeAt(at - 1)) || isIdentifierCode(text.charCodeAt(at + word.length))))
          continue;
        found.push(start + at);
      }
    };
    for (const offset of fromBase) {
      while (next < this.dirty.length && this.dirty[next].baseEnd <= offset) {
        addDirty(next);
        shift = state.shifts[next++];
      }
      if (next < this.dirty.length && offset >= this.dirty[next].baseStart) continue;
      found.push(offset + shift);
    }
    while (next < this.dirty.length) addDirty(next++);
    return found;
  }

  occurrences(word: string): readonly number[] {
    const cache = this.state.occurrences;
    let found = cache.get(word);
    if (found) return found;
    // A word with other characters may span an item's edge: searched in the current text itself (rare: none of the
    // engine's trigger words is one).
    found = indexable(word)
      ? this.merged(word, this.base.occurrences(word), false)
      : allOffsets(this.slice(0, this.length), word);
    cache.set(word, found);
    return found;
  }

  wholeOccurrences(word: string): readonly number[] {
    const cache = this.state.wholes;
    let found = cache.get(word);
    if (found) return found;
    found = indexable(word)
      ? this.merged(word, this.base.wholeOccurrences(word), true)
      : wholeOffsets(this.slice(0, this.length), word);
    cache.set(word, found);
    return found;
  }

  hasNonAscii(start: number, end: number): boolean {
    for (let at = start; at < end;) {
      const { holding, before } = this.locate(at);
      if (holding >= 0) {
        const from = at - this.state.starts[holding];
        const to = Math.min(this.dirty[holding].text.length, from + (end - at));
        if (/[^\x00-\x7f]/.test(this.dirty[holding].text.slice(from, to))) return true;
        at += to - from;
      } else {
        const shift = this.shiftAfter(before);
        const stop = before < this.dirty.length ? Math.min(end, this.state.starts[before]) : end;
        if (this.base.hasNonAscii(at - shift, stop - shift)) return true;
        at = stop;
      }
    }
    return false;
  }

  /** Row and column of a current offset, as tree-sitter counts them ("\n" only). */
  point(offset: number): { row: number; column: number } {
    const row = this.newlines.firstAtOrAfter(offset);
    return { row, column: offset - (row > 0 ? this.newlines.at(row - 1) + 1 : 0) };
  }

  /** Keeps the newline offsets in step with an edit of [start, oldEnd) into `inserted`. */
  private moveNewlines(start: number, oldEnd: number, inserted: string): void {
    const first = this.newlines.firstAtOrAfter(start);
    const after = this.newlines.firstAtOrAfter(oldEnd);
    const added: number[] = [];
    for (let at = inserted.indexOf("\n"); at >= 0; at = inserted.indexOf("\n", at + 1)) added.push(start + at);
    this.newlines.replace(first, after, added, inserted.length - (oldEnd - start));
  }

  includedRanges(regions: readonly TextItem[], kept: KeptFlags): IncludedRange[] {
    return rangesOutside(this, regions, kept, (offset) => this.point(offset));
  }

  reducedOccurrences(name: string, kept: KeptFlags, limit: number): number[] | null {
    return reducedOccurrencesOf(this, name, kept, limit);
  }

  view(kept: Uint8Array): ReducedView {
    let whole: string | null = null;
    const text = () => (whole ??= this.slice(0, this.length));
    const items = this.items!;
    return {
      input: (index) => this.slice(index, index + 4096),
      ranges: this.includedRanges(items, kept),
      occurrences: (name, limit = 10_000) =>
        this.reducedOccurrences(name, kept, limit) ?? wordOccurrences(blankItems(text(), items, kept), name, limit),
    };
  }
}

function allOffsets(text: string, word: string): number[] {
  const found: number[] = [];
  if (word.length > 0) for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) found.push(at);
  return found;
}

function wholeOffsets(text: string, word: string): number[] {
  return allOffsets(text, word).filter(
    (at) => !isIdentifierCode(text.charCodeAt(at - 1)) && !isIdentifierCode(text.charCodeAt(at + word.length)),
  );
}
