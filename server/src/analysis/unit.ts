/**
 * A translation unit as the analyzer reads it: the main file's text followed by the project headers it includes
 * (resolved by the project layer, server/src/project/), each starting on a line of its own.
 *
 * The main file comes first so that every offset, row and column in it is unchanged: facts, findings and edits of the
 * main file need no mapping, and only locations past its end (in a header) are mapped to the header's own file. The
 * names the headers define (macros, wrappers, struct types, constants) are then found by the same lookups as the
 * file's own, which is what the compiler sees in this unit; conflicting definitions make a fact unknown as in one file.
 *
 * Pure: text in, text and layout out.
 */
import type { SourceRange } from "./facts";

export interface UnitHeader {
  /** The header's path as the front end names files. */
  file: string;
  text: string;
  /** Found only by searching include/ directories (not by the includer's directory, -I or a compile database). */
  heuristic: boolean;
  /** The include chain that reached it, from the main file (`a.c → util.h → splice.h`). */
  chain: string[];
  /**
   * For a caller file read into the unit (project/caller-join.ts): its calls of the unit's functions, by function,
   * with their ranges in this file.
   */
  callsOf?: { name: string; range: SourceRange }[];
  /**
   * For a file read into the unit because it alone defines functions the unit calls (project/caller-join.ts): those
   * definitions, by function, with their ranges in this file.
   */
  definitionsOf?: { name: string; range: SourceRange }[];
}

export interface UnitPart {
  file: string;
  /** Offset and row of the header's first character in the unit's text. */
  start: number;
  end: number;
  startRow: number;
  heuristic: boolean;
  chain: string[];
  callsOf?: UnitHeader["callsOf"];
  definitionsOf?: UnitHeader["definitionsOf"];
}

export interface UnitLayout {
  /** Length of the main file's text: offsets below it are the main file's own. */
  mainLength: number;
  parts: UnitPart[];
}

/** The unit's text (main text, then each header on a fresh line) and where each header sits in it. */
export function composeUnit(mainText: string, headers: readonly UnitHeader[]): { text: string; layout: UnitLayout } {
  const pieces = [mainText];
  const parts: UnitPart[] = [];
  let offset = mainText.length;
  let row = countLines(mainText);
  for (const header of headers) {
    // A newline ends any preprocessor line the previous piece left open; the header starts at column 0.
    pieces.push("\n");
    offset += 1;
    row += 1;
    parts.push({
      file: header.file,
      start: offset,
      end: offset + header.text.length,
      startRow: row,
      heuristic: header.heuristic,
      chain: header.chain,
      ...(header.callsOf ? { callsOf: header.callsOf } : {}),
      ...(header.definitionsOf ? { definitionsOf: header.definitionsOf } : {}),
    });
    pieces.push(header.text);
    offset += header.text.length;
    row += countLines(header.text);
  }
  return { text: pieces.join(""), layout: { mainLength: mainText.length, parts } };
}

function countLines(text: string): number {
  let count = 0;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) count++;
  return count;
}

/** The header an offset of the unit's text falls in, or null for the main file. */
export function partAt(layout: UnitLayout | null, offset: number): UnitPart | null {
  if (!layout || offset < layout.mainLength) return null;
  let found: UnitPart | null = null;
  for (const part of layout.parts) {
    if (part.start > offset) break;
    found = part;
  }
  return found;
}

/** "line 12" in the main file, "util.h:12" in a header (by the last path component, as compilers print includes). */
export function lineLabel(layout: UnitLayout | null, offset: number, row: number): string {
  const part = partAt(layout, offset);
  if (!part) return `line ${row + 1}`;
  return `${baseName(part.file)}:${row - part.startRow + 1}`;
}

export function baseName(file: string): string {
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash >= 0 ? file.slice(slash + 1) : file;
}

/** A unit range as a range of its own file: unchanged in the main file, moved to the header's start otherwise. */
export function locateRange(
  layout: UnitLayout | null,
  mainFile: string,
  range: SourceRange,
): { file: string; range: SourceRange; part: UnitPart | null } {
  const part = partAt(layout, range.startIndex);
  if (!part) return { file: mainFile, range, part: null };
  const end = Math.min(range.endIndex, part.end);
  const endRow = range.end.line - part.startRow;
  return {
    file: part.file,
    part,
    range: {
      startIndex: range.startIndex - part.start,
      endIndex: end - part.start,
      start: { line: range.start.line - part.startRow, column: range.start.column },
      end: { line: Math.max(endRow, range.start.line - part.startRow), column: range.end.column },
    },
  };
}

/** The layout of each unit tree being analysed (a side table, so that message builders need only the node). */
const layouts = new WeakMap<object, UnitLayout>();

/** Records that a tree was parsed from a unit's text (call before extracting facts from it). */
export function registerLayout(tree: object, layout: UnitLayout): void {
  layouts.set(tree, layout);
}

export function layoutOf(tree: object): UnitLayout | null {
  return layouts.get(tree) ?? null;
}

/**
 * The last offset of a node whose line a message of each tree's facts names (a recorded read, see `lastLineNamed`):
 * an edit that adds or removes lines before it changes those messages, which moving the facts' ranges would not.
 */
const linesNamed = new WeakMap<object, number>();

/** The row of a node, counted from 1, recorded as named (see `linesNamed`). */
export function namedRow(node: { tree: object; startIndex: number; startPosition: { row: number } }): number {
  linesNamed.set(node.tree, Math.max(linesNamed.get(node.tree) ?? -1, node.startIndex));
  return node.startPosition.row + 1;
}

/** The last offset of a node whose line a message read from `tree` names, or -1 (see `linesNamed`). */
export function lastLineNamed(tree: object): number {
  return linesNamed.get(tree) ?? -1;
}

/** "line N" of a node, or "header.h:N" when the node sits in an included header. */
export function nodeLine(node: { tree: object; startIndex: number; startPosition: { row: number } }): string {
  return lineLabel(layouts.get(node.tree) ?? null, node.startIndex, namedRow(node) - 1);
}
