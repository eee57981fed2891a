/**
 * Edits proven to stay inside the body of one top-level function without reparsing the file: the language server's
 * shortcut for a keystroke far from every recorded read (issue 12). Tree-sitter's incremental reparse of a 270k-line
 * file costs about 15 ms whatever the edit; parsing the one function the edit falls in costs a fraction of a
 * millisecond.
 *
 * The argument: the file parsed without errors, the edit lies strictly inside the `{ … }` body of a function
 * definition that is a top-level item, and that item's new text, parsed alone, is again exactly one function
 * definition spanning all of it, without errors. The parser enters every top-level item in the same state and
 * nothing can continue a function definition after its closing brace, so the file's other items parse as before
 * and this item keeps its extent (moved by the edit), its kind and everything before its body (specifiers, name,
 * parameters: unchanged text in front of an unchanged `{`). What the item holds inside its body is unknown until the
 * file is reparsed, so the caller keeps facts only when no recorded read meets the item.
 * The property test runs the engine with `checkConfinement`, which reparses the file and compares tree-sitter's
 * changed ranges with the item each time the shortcut vouches for one.
 *
 * Pure: trees and text in, a region or null out.
 */
import type { Edit, Parser, Tree } from "web-tree-sitter";
import type { TextRegion } from "../analysis/scope";

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

/** Whether `text` (an item's new text) parses alone as one function definition spanning all of it, without errors. */
export function parsesAsOneFunction(parser: Parser, text: string): boolean {
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
