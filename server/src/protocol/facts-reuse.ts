/**
 * Reusing the facts of a large file across keystrokes: when every edit since the last extraction falls inside one
 * function that has nothing to do with any vmsplice call, the previous facts are still right, only shifted.
 *
 * "Nothing to do" is decided conservatively from names. After a full extraction, `buildReuseIndex` collects the
 * free names of every top-level definition that holds a fact (the functions with the calls, their buffers' and
 * pipes' origins, the wrappers' callers, the `#define`s the flags fold through): globals, macros, functions and
 * types they use, but not their own locals and parameters. An edited function may reuse the facts only if neither
 * its old nor its new text mentions one of those names, any file-level trigger (`fork`, `pipe`, `tee`,
 * `pthread_create`, ...), "splice" or the suppression marker, and if it is still one function with the same start.
 * Otherwise the caller extracts again. A test (server-facts-reuse) checks reused and fresh facts are equal on
 * random edits. This module reads trees and facts; it does no I/O.
 */
import type { Node, Tree } from "web-tree-sitter";
import { mentionsVmsplice, type ExtractedFacts } from "../analysis/analyze";
import type { SourceRange } from "../analysis/facts";
import { SUPPRESSION_MARKER } from "../analysis/suppressions";
import { topLevelAt, type EditRegion } from "./documents";

/** Names whose appearance anywhere can change file-level facts (threads, forks, pipes, tee, the syscall itself). */
const FILE_LEVEL_NAMES = [
  "vmsplice",
  "splice",
  "tee",
  "pipe",
  "pipe2",
  "fcntl",
  "syscall",
  "SYS_vmsplice",
  "__NR_vmsplice",
  "sys_vmsplice",
  "fork",
  "vfork",
  "clone",
  "clone3",
  "posix_spawn",
  "system",
  "popen",
  "pthread_create",
  "thrd_create",
  "mmap",
  "munmap",
  "madvise",
  "mlock",
  "mprotect",
  "shm_open",
  "memfd_create",
];

export interface ReuseIndex {
  names: Set<string>;
  /** Every source range in the facts, by start. */
  ranges: SourceRange[];
}

/** The identifier-like words of a text (letters, digits, underscores), as a conservative name set. */
export function identifierWords(text: string): Set<string> {
  const words = new Set<string>();
  let current = "";
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const isWord =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
    if (isWord) current += text[index];
    else if (current) {
      words.add(current);
      current = "";
    }
  }
  if (current) words.add(current);
  return words;
}

function isRange(value: unknown): value is SourceRange {
  if (!value || typeof value !== "object") return false;
  const candidate = value as Partial<SourceRange>;
  return (
    typeof candidate.startIndex === "number" &&
    typeof candidate.endIndex === "number" &&
    typeof candidate.start === "object" &&
    typeof candidate.end === "object"
  );
}

/** Every SourceRange object inside the facts. */
export function collectRanges(value: unknown, into: SourceRange[] = []): SourceRange[] {
  if (!value || typeof value !== "object") return into;
  if (isRange(value)) {
    into.push(value);
    return into;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value as Record<string, unknown>))
    collectRanges(item, into);
  return into;
}

/** Names declared inside a function (parameters and local declarations), which other functions cannot see. */
function localNames(functionNode: Node): Set<string> {
  const names = new Set<string>();
  const declaredIn = (declarator: Node | null) => {
    let current = declarator;
    while (current && current.type !== "identifier") {
      current = current.childForFieldName("declarator") ?? null;
    }
    if (current) names.add(current.text);
  };
  const body = functionNode.childForFieldName("body");
  const declarator = functionNode.childForFieldName("declarator");
  const parameters = declarator?.type === "function_declarator" ? declarator.childForFieldName("parameters") : null;
  for (const scope of [parameters, body]) {
    if (!scope) continue;
    for (const declaration of scope.descendantsOfType(["declaration", "parameter_declaration"])) {
      if (!declaration) continue;
      for (const child of declaration.namedChildren) {
        if (child && (child.type === "identifier" || child.type.endsWith("declarator")))
          declaredIn(child.type === "identifier" ? child : child);
      }
    }
  }
  return names;
}

/** The identifiers (and type names) a subtree uses; keywords and primitive types are not identifiers in the tree. */
function identifiersOf(node: Node): Set<string> {
  const names = new Set<string>();
  for (const identifier of node.descendantsOfType(["identifier", "type_identifier"]))
    if (identifier) names.add(identifier.text);
  return names;
}

/** The name a declarator declares (through pointers, arrays, initialisers, function declarators). */
function declaredName(declarator: Node | null): string | null {
  let current = declarator;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.type === "identifier" || current.type === "type_identifier") return current.text;
    current = current.childForFieldName("declarator") ?? current.namedChild(0);
  }
  return null;
}

/** Names defined at file scope: functions, globals, macros, typedefs, enumerators (and those inside #if blocks). */
function fileScopeNames(tree: Tree): Set<string> {
  const names = new Set<string>();
  const visit = (parent: Node, depth: number) => {
    for (const child of parent.namedChildren) {
      if (!child) continue;
      switch (child.type) {
        case "function_definition":
        case "declaration":
        case "type_definition": {
          const declarators =
            child.type === "function_definition"
              ? [child.childForFieldName("declarator")]
              : child.childrenForFieldName("declarator");
          for (const declarator of declarators) {
            const name = declaredName(declarator);
            if (name) names.add(name);
          }
          // Enumerators and tags declared inline count too.
          for (const enumerator of child.type === "function_definition" ? [] : child.descendantsOfType("enumerator")) {
            const name = enumerator?.childForFieldName("name")?.text;
            if (name) names.add(name);
          }
          break;
        }
        case "preproc_def":
        case "preproc_function_def": {
          const name = child.childForFieldName("name")?.text;
          if (name) names.add(name);
          break;
        }
        case "preproc_if":
        case "preproc_ifdef":
        case "preproc_else":
        case "preproc_elif":
          if (depth < 4) visit(child, depth + 1);
          break;
        default:
          break;
      }
    }
  };
  visit(tree.rootNode, 0);
  return names;
}

export function buildReuseIndex(tree: Tree, _text: string, facts: ExtractedFacts): ReuseIndex {
  const ranges = collectRanges(facts).sort((a, b) => a.startIndex - b.startIndex);
  const names = new Set(FILE_LEVEL_NAMES);
  const seen = new Set<number>();
  const used = new Set<string>();
  for (const range of ranges) {
    const top = topLevelAt(tree, range.startIndex, Math.max(range.startIndex + 1, range.endIndex));
    if (!top || seen.has(top.id)) continue;
    seen.add(top.id);
    const locals = top.type === "function_definition" ? localNames(top) : new Set<string>();
    for (const name of identifiersOf(top)) if (!locals.has(name)) used.add(name);
    // A definition with a fact in it (a #define the flags fold through, a global buffer) matters by its own name.
    if (top.type !== "function_definition") {
      const own = top.childForFieldName("name")?.text ?? declaredName(top.childForFieldName("declarator"));
      if (own) names.add(own);
    } else {
      const own = declaredName(top.childForFieldName("declarator"));
      if (own) names.add(own);
    }
  }
  // A free name matters only if this file defines it: library functions (memcpy, printf) used elsewhere cannot
  // change a call's facts, while a global, a macro or a helper function defined here can.
  const defined = fileScopeNames(tree);
  for (const name of used) if (defined.has(name)) names.add(name);
  return { names, ranges };
}

function mentions(text: string, names: Set<string>): boolean {
  if (text.includes("splice") || mentionsVmsplice(text) || text.includes(SUPPRESSION_MARKER)) return true;
  for (const word of identifierWords(text)) if (names.has(word)) return true;
  return false;
}

/**
 * Moves, in place, every range at or after `from` in the given roots (facts and the verdicts judged from them).
 * Ranges shared between objects are moved once. In place, because copying the facts of a large file at every
 * keystroke cost more than the rest of the analysis; the previous analysis is replaced by the moved one anyway.
 */
export function shiftInPlace(roots: readonly unknown[], shift: Shift): void {
  if (shift.indexDelta === 0 && shift.rowDelta === 0) return;
  const visited = new Set<object>();
  const visit = (value: unknown) => {
    if (!value || typeof value !== "object" || visited.has(value)) return;
    visited.add(value);
    if (isRange(value)) {
      if (value.startIndex < shift.from) return;
      value.startIndex += shift.indexDelta;
      value.endIndex += shift.indexDelta;
      // Positions may be shared between ranges too.
      for (const position of [value.start, value.end]) {
        if (visited.has(position)) continue;
        visited.add(position);
        position.line += shift.rowDelta;
      }
      return;
    }
    if (Array.isArray(value)) for (const item of value) visit(item);
    else for (const key in value as Record<string, unknown>) visit((value as Record<string, unknown>)[key]);
  };
  for (const root of roots) visit(root);
}

/**
 * How to move the previous facts onto the new text (see `shiftInPlace`), or null when the edits may have changed them.
 * `tree` and `text` are the new ones; `region` describes the edits since the previous extraction.
 */
export interface Shift {
  /** Ranges starting at or after this offset (in the previous text) move. */
  from: number;
  indexDelta: number;
  rowDelta: number;
}

export function reuseFacts(
  index: ReuseIndex,
  region: EditRegion,
  tree: Tree,
  text: { slice(start: number, end: number): string },
): Shift | null {
  if (region.type !== "function_definition") return null;
  const top = topLevelAt(tree, region.start, region.end);
  if (!top || top.type !== "function_definition" || top.startIndex !== region.start || top.endIndex !== region.end)
    return null;
  if (mentions(region.oldText, index.names) || mentions(text.slice(region.start, region.end), index.names)) return null;
  // No fact may sit inside the edited definition or on the line where it ends (its columns would move).
  for (const range of index.ranges) {
    if (range.endIndex > region.start && range.startIndex < region.oldEnd) return null;
    if (range.startIndex >= region.oldEnd && range.start.line === region.oldEndRow) return null;
  }
  return {
    from: region.oldEnd,
    indexDelta: region.end - region.oldEnd,
    rowDelta: top.endPosition.row - region.oldEndRow,
  };
}
