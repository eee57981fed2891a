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
  // A cursor over the items: the language server asks at every keystroke, and a Node per top-level item of a
  // 270k-line file (Node.namedChildren) cost more than the reparse. Only directives become Nodes.
  const cursor = tree.rootNode.walk();
  const visitChildren = () => {
    if (!cursor.gotoFirstChild()) return;
    do {
      if (!cursor.nodeIsNamed) continue;
      const type = cursor.nodeType;
      if (type === "preproc_include") {
        const directive = includeOf(cursor.currentNode);
        if (directive) found.push(directive);
      } else if (
        type.startsWith("preproc_") ||
        type === "ERROR" ||
        type === "linkage_specification" ||
        type === "declaration_list"
      ) {
        // Directives sit at the top level or inside conditional groups (and `extern "C" { … }` in headers).
        visitChildren();
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  try {
    visitChildren();
  } finally {
    cursor.delete();
  }
  return found;
}

/** The directive a `preproc_include` node spells, or null for a computed include. */
function includeOf(child: Node): IncludeDirective | null {
  const path = child.childForFieldName("path");
  if (path?.type === "string_literal") {
    const content = path.namedChildren.find((part) => part?.type === "string_content");
    return content ? { spelled: content.text, angle: false, line: child.startPosition.row } : null;
  }
  if (path?.type === "system_lib_string")
    return { spelled: path.text.slice(1, -1), angle: true, line: child.startPosition.row };
  return null;
}

/** A name a header defines (function, function-like or object-like macro) and the text of its definition. */
export interface HeaderDefinition {
  name: string;
  text: string;
}

/** The functions and macros a header defines at its top level or inside conditional groups. */
export function headerDefinitions(tree: Tree): HeaderDefinition[] {
  const found: HeaderDefinition[] = [];
  const visit = (node: Node) => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === "preproc_def" || child.type === "preproc_function_def") {
        const name = child.childForFieldName("name")?.text;
        if (name) found.push({ name, text: child.text });
      } else if (child.type === "function_definition") {
        let declarator = child.childForFieldName("declarator");
        while (declarator && declarator.type !== "function_declarator")
          declarator = declarator.childForFieldName("declarator");
        const name = declarator?.childForFieldName("declarator")?.text;
        if (name) found.push({ name, text: child.text });
      } else if (
        child.type.startsWith("preproc_") ||
        child.type === "linkage_specification" ||
        child.type === "declaration_list"
      ) {
        visit(child);
      }
    }
  };
  visit(tree.rootNode);
  return found;
}

/** Words whose mention makes a file worth reading with its headers: vmsplice and its syscall names. */
export const VMSPLICE_WORDS = ["vmsplice", "__NR_vmsplice", "SYS_vmsplice", "sys_vmsplice"] as const;

/**
 * The names of the headers' definitions that lead to vmsplice (directly, or through another such definition, a few
 * levels deep): a file that mentions none of them, nor "splice", has no vmsplice call even with its headers.
 */
export function vmspliceTriggers(
  definitions: readonly HeaderDefinition[],
  seeds: readonly string[] = VMSPLICE_WORDS,
): string[] {
  const triggers = new Set<string>(seeds);
  for (let round = 0; round < 4; round++) {
    const before = triggers.size;
    for (const definition of definitions) {
      if (triggers.has(definition.name)) continue;
      if ([...triggers].some((word) => mentionsWord(definition.text, word))) triggers.add(definition.name);
    }
    if (triggers.size === before) break;
  }
  return [...triggers];
}

/** `word` as a whole identifier in `text` (a pre-filter over definition texts, not a parse). */
function mentionsWord(text: string, word: string): boolean {
  for (let index = text.indexOf(word); index >= 0; index = text.indexOf(word, index + 1)) {
    const before = index > 0 ? text.charCodeAt(index - 1) : 32;
    const after = index + word.length < text.length ? text.charCodeAt(index + word.length) : 32;
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
