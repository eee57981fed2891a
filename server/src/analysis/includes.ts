/**
 * The `#include` directives of a tree, in source order, including those under `#if`/`#ifdef` (both branches stay
 * live: the analyzer does not run the preprocessor). A computed include (`#include MACRO`) is left out.
 *
 * Pure: tree in, directives out.
 */
import type { Node, Tree } from "web-tree-sitter";

export interface IncludeDirective {
  /** The path as written between the quotes or angle brackets. */
  spelled: string;
  /** `#include <…>` (searched only in -I and include directories, never next to the includer). */
  angle: boolean;
  /** Zero-based line of the directive. */
  line: number;
}

export function includeDirectives(tree: Tree): IncludeDirective[] {
  const found: IncludeDirective[] = [];
  const visit = (node: Node) => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === "preproc_include") {
        const path = child.childForFieldName("path");
        if (path?.type === "string_literal") {
          const content = path.namedChildren.find((part) => part?.type === "string_content");
          if (content) found.push({ spelled: content.text, angle: false, line: child.startPosition.row });
        } else if (path?.type === "system_lib_string") {
          found.push({ spelled: path.text.slice(1, -1), angle: true, line: child.startPosition.row });
        }
      } else if (
        child.type.startsWith("preproc_") ||
        child.type === "ERROR" ||
        child.type === "linkage_specification" ||
        child.type === "declaration_list"
      ) {
        // Directives sit at the top level or inside conditional groups (and `extern "C" { … }` in headers).
        visit(child);
      }
    }
  };
  visit(tree.rootNode);
  return found;
}
