/**
 * Tree-sitter helpers of the fuzzer: the token stream of a C text (leaf nodes, with literals, comments and macro bodies
 * kept whole), node walks, and the ranges where an edit would change what the preprocessor sees.
 * Token-level mutations and neutral rewrites are built on these, never on regular expressions over the source.
 */
import type { Node, Tree } from "web-tree-sitter";

export interface Token {
  start: number;
  end: number;
  /** Node type of the leaf (`identifier`, `number_literal`, `(`, ...). */
  type: string;
  text: string;
  /** The leaf is an ERROR or MISSING node, or lies inside an ERROR region. */
  inError: boolean;
}

/** Nodes kept whole as one token: splitting them would edit the inside of a literal, a comment or a macro body. */
const ATOMIC = new Set([
  "string_literal",
  "char_literal",
  "concatenated_string",
  "system_lib_string",
  "comment",
  "preproc_arg",
  "raw_string_literal",
]);

/** Visits every node in document order without recursion (inputs nest thousands deep). */
export function walk(tree: Tree, visit: (node: Node, inError: boolean) => boolean | void): void {
  const cursor = tree.walk();
  const errorDepths: number[] = [];
  let depth = 0;
  try {
    for (;;) {
      const node = cursor.currentNode;
      const inError = errorDepths.length > 0 || node.type === "ERROR" || node.isMissing;
      const descend = visit(node, inError) !== false;
      if (descend && cursor.gotoFirstChild()) {
        if (node.type === "ERROR") errorDepths.push(depth);
        depth++;
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return;
        depth--;
        if (errorDepths.length > 0 && errorDepths[errorDepths.length - 1] === depth) errorDepths.pop();
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The leaves of the tree in document order, with atomic nodes (literals, comments, macro bodies) kept whole. */
export function tokens(tree: Tree, text: string): Token[] {
  const result: Token[] = [];
  walk(tree, (node, inError) => {
    if (node.childCount === 0 || ATOMIC.has(node.type)) {
      if (node.endIndex > node.startIndex)
        result.push({
          start: node.startIndex,
          end: node.endIndex,
          type: node.type,
          text: text.slice(node.startIndex, node.endIndex),
          inError,
        });
      return false;
    }
    return true;
  });
  return result;
}

/** Every node of the given types (document order), with whether it lies in an ERROR region. */
export function nodesOfType(tree: Tree, types: ReadonlySet<string>): { node: Node; inError: boolean }[] {
  const found: { node: Node; inError: boolean }[] = [];
  walk(tree, (node, inError) => {
    if (types.has(node.type)) found.push({ node, inError });
  });
  return found;
}

/** Number of ERROR and MISSING nodes: a neutral rewrite must not change how tree-sitter recovers. */
export function errorCount(tree: Tree): number {
  let count = 0;
  walk(tree, (node) => {
    if (node.type === "ERROR" || node.isMissing) count++;
  });
  return count;
}

/**
 * Half-open ranges of preprocessor directive lines: whole `#define`/`#include` directives, and the first line of
 * `#if`/`#ifdef`/`#elif`/`#else` (up to the end of its condition). Comments, newlines or renames there could change
 * what the preprocessor sees (a comment between a function-like macro's name and its `(` makes it object-like).
 */
export function directiveRanges(tree: Tree, text: string): [number, number][] {
  const ranges: [number, number][] = [];
  walk(tree, (node) => {
    if (!node.type.startsWith("preproc_") && !node.type.startsWith("#")) return true;
    switch (node.type) {
      case "preproc_include":
      case "preproc_def":
      case "preproc_function_def":
      case "preproc_call":
        ranges.push([node.startIndex, node.endIndex]);
        return false;
      case "preproc_if":
      case "preproc_ifdef":
      case "preproc_elif":
      case "preproc_elifdef":
      case "preproc_else": {
        const head = node.childForFieldName("condition") ?? node.childForFieldName("name") ?? node.child(0);
        const headEnd = head ? head.endIndex : node.startIndex;
        const newline = text.indexOf("\n", headEnd);
        ranges.push([node.startIndex, newline < 0 ? text.length : newline]);
        return true;
      }
      default:
        // `#endif` and other directive tokens: the whole token's line.
        if (node.type.startsWith("#")) {
          const newline = text.indexOf("\n", node.endIndex);
          ranges.push([node.startIndex, newline < 0 ? text.length : newline]);
        }
        return true;
    }
  });
  return ranges;
}

export function insideAny(position: number, ranges: readonly [number, number][]): boolean {
  return ranges.some(([start, end]) => position >= start && position <= end);
}

/** Applies non-overlapping edits (any order) to text. */
export function applyEdits(text: string, edits: readonly { start: number; end: number; insert: string }[]): string {
  const sorted = [...edits].sort((left, right) => right.start - left.start || right.end - left.end);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.insert + result.slice(edit.end);
  return result;
}
