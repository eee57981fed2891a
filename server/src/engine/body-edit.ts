/**
 * Edits proven to stay inside the body of one top-level function without reparsing the file: the language server's
 * shortcut for a keystroke far from every recorded read (issue 12). Tree-sitter's incremental reparse of a 270k-line
 * file costs about 15 ms whatever the edit; parsing the one function the edit falls in costs a fraction of a
 * millisecond.
 *
 * The argument: the file parsed without errors, the edit lies strictly inside the `{ … }` body of a function
 * definition that is a top-level item, and that item's new text, parsed alone, is again exactly one function
 * definition spanning all of it, without errors, and closes every comment and literal it opens. The parser enters
 * every top-level item in the same state, no token of the item runs on past it, and nothing can continue a function
 * definition after its closing brace, so the file's other items parse as before and this item keeps its extent (moved by the edit), its kind and everything before its body (specifiers, name,
 * parameters: unchanged text in front of an unchanged `{`). What the item holds inside its body is unknown until the
 * file is reparsed, so the caller keeps facts only when no recorded read meets the item.
 * The property test runs the engine with `checkConfinement`, which reparses the file and compares tree-sitter's
 * changed ranges with the item each time the shortcut vouches for one.
 *
 * Pure: trees and text in, a region or null out.
 */
import type { Edit, Parser, Tree } from "web-tree-sitter";
import type { TextRegion } from "../analysis/scope";
import { topLevelItems } from "./regions";

/** Items longer than this are not parsed alone (the full reparse costs about the same then). */
const MAX_ITEM_CHARS = 256 * 1024;

/**
 * The top-level function definition whose body strictly holds the edit, in the tree before the edit (which may
 * carry earlier edits not yet reparsed: node positions follow them); null otherwise.
 */
export function functionHoldingEdit(tree: Tree, edit: Edit): TextRegion | null {
  const root = tree.rootNode;
  if (root.hasError) return null;
  const item = root.firstChildForIndex(edit.startIndex);
  if (!item || item.type !== "function_definition" || item.endIndex - item.startIndex > MAX_ITEM_CHARS) return null;
  const body = item.childForFieldName("body");
  if (!body || body.type !== "compound_statement") return null;
  if (edit.startIndex <= body.startIndex || edit.oldEndIndex >= body.endIndex) return null;
  return { start: item.startIndex, end: item.endIndex };
}

/**
 * Whether `text` (an item's new text) parses alone as one function definition spanning all of it, without errors, and
 * every comment and literal it opens also closes in it. Parsed alone, a token can only end inside the text; in the
 * file, one may run on past the item: `MAP_ANONYMO/*US` parses alone as a division by `*US`, but in the file the `/*`
 * opens a comment that the next comment's end closes, swallowing the items between. The item lexer (regions.ts) is
 * unsure of, or sees more than one item in, any text with a comment or literal left open.
 */
export function parsesAsOneFunction(parser: Parser, text: string): boolean {
  const lexed = topLevelItems(text);
  if (lexed?.length !== 1 || lexed[0].end !== text.length) return false;
  const tree = parser.parse(text);
  if (!tree) return false;
  try {
    const root = tree.rootNode;
    const item = root.firstChild;
    return (
      !root.hasError &&
      root.childCount === 1 &&
      item !== null &&
      item.type === "function_definition" &&
      item.startIndex === 0 &&
      item.endIndex === text.length
    );
  } finally {
    tree.delete();
  }
}

/**
 * The top-level item one edit fell strictly inside, as it was before the edit (see `confinedToItem`). Undefined in
 * FileState when there was no edit since the last parse, null when the shortcut does not apply.
 */
export interface EditedItem {
  start: number;
  end: number;
  type: string;
  delta: number;
  rootChildCount: number;
}

/**
 * The item an edit fell inside, in the new tree, when the edit provably changed nothing outside it; null otherwise
 * (then the caller asks tree-sitter for the changed ranges, which costs a walk over every top-level item: a quarter of
 * a keystroke on a 270k-line file). It holds when neither tree has an error anywhere, the root has as many items as
 * before, and the item starts where it did, ends where it did moved by the edit, and has the same type: the parser is
 * then in the same state at the item's boundaries as before, and the text outside is unchanged, so every other item
 * parses as before. The property test runs with `checkConfinement` to compare this with tree-sitter's changed ranges.
 */
export function confinedToItem(edited: EditedItem, tree: Tree): TextRegion | null {
  const root = tree.rootNode;
  if (root.hasError || root.childCount !== edited.rootChildCount) return null;
  const item = root.firstChildForIndex(edited.start);
  if (!item || item.startIndex !== edited.start || item.endIndex !== edited.end + edited.delta) return null;
  return item.type === edited.type ? { start: item.startIndex, end: item.endIndex } : null;
}

/** The top-level item an edit falls strictly inside (after its first token), before the edit; null otherwise. */
export function editedItem(tree: Tree | null, edit: Edit): EditedItem | null {
  if (!tree) return null;
  const root = tree.rootNode;
  if (root.hasError) return null;
  const item = root.firstChildForIndex(edit.startIndex);
  const firstToken = item?.firstChild;
  if (!item || !firstToken || firstToken.endIndex >= edit.startIndex || edit.oldEndIndex >= item.endIndex) return null;
  return {
    start: item.startIndex,
    end: item.endIndex,
    type: item.type,
    delta: edit.newEndIndex - edit.oldEndIndex,
    rootChildCount: root.childCount,
  };
}

/**
 * The regions of the functions proven edits fell in, moved by an edit of `delta` inside `item` (which now ends at
 * `end`): those after it shift, the item itself grows or shrinks, and it is added when it is new.
 */
export function shiftProven(proven: TextRegion[], item: TextRegion, end: number, delta: number): void {
  for (const region of proven)
    if (region.start >= item.end) {
      region.start += delta;
      region.end += delta;
    } else if (region.start === item.start) region.end = end;
  if (!proven.some((region) => region.start === item.start)) proven.push({ start: item.start, end });
}
