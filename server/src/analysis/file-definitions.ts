/**
 * The names a file defines at file scope, for joining two files of a program into one unit (project/caller-join.ts):
 * functions, variables (not `extern` declarations or prototypes), macros, struct, union and enum tags with a body,
 * typedef names and enumerators. Read into one unit, two files that define the same name would have their
 * definitions merged by the name lookups, so such a pair is not joined.
 *
 * Pure: tree in, names out.
 */
import type { Node, Tree } from "web-tree-sitter";
import { declaratorName, functionName, identifierWords, isStatic } from "./syntax";

export interface FileDefinitions {
  /**
   * Every name defined at file scope (tags as `struct x`), with the definition's text for the kinds two files may
   * define alike without harm (macros, tags, typedefs, enumerators: the same text means the same thing), null for
   * functions and variables (two definitions are two objects, however alike).
   */
  all: Map<string, string | null>;
  /** Those another file cannot see: static functions and variables, macros, tags, typedefs and enumerators. */
  local: Set<string>;
  /**
   * The names the file uses: identifiers and type names in its code, and every word of its macro bodies (member
   * names, comments, strings and include paths are not uses).
   */
  words: Set<string>;
  /** Functions the file declares by a prototype (`char *alloc(size_t);`, `extern` or not) at file scope. */
  prototypes: Set<string>;
}

/** Items holding more file-scope items: conditional groups and `extern "C" { … }`. */
const GROUPS = new Set([
  "preproc_if",
  "preproc_ifdef",
  "preproc_elif",
  "preproc_else",
  "preproc_elifdef",
  "linkage_specification",
  "declaration_list",
]);

export function fileDefinitions(tree: Tree): FileDefinitions {
  const found: FileDefinitions = { all: new Map(), local: new Set(), words: new Set(), prototypes: new Set() };
  const add: Add = (name, local, text = null) => {
    if (!name) return;
    found.all.set(name, text === null ? null : text.replace(/\s+/g, " ").trim());
    if (local) found.local.add(name);
  };
  const visit = (parent: Node, depth: number) => {
    for (const item of parent.namedChildren) {
      if (!item) continue;
      if (GROUPS.has(item.type) && depth < 32) visit(item, depth + 1);
      else if (item.type === "function_definition") add(functionName(item), isStatic(item));
      else if (item.type === "preproc_def" || item.type === "preproc_function_def")
        add(item.childForFieldName("name")?.text, true, item.text);
      else if (item.type === "declaration" || item.type === "type_definition") declared(item, add, found.prototypes);
      if (item.type !== "preproc_def" && item.type !== "preproc_function_def") types(item, add);
    }
  };
  visit(tree.rootNode, 0);
  for (const node of tree.rootNode.descendantsOfType(["identifier", "type_identifier"]))
    if (node) found.words.add(node.text);
  for (const body of tree.rootNode.descendantsOfType("preproc_arg"))
    for (const word of identifierWords(body?.text ?? "")) found.words.add(word);
  return found;
}

type Add = (name: string | null | undefined, local: boolean, text?: string | null) => void;

/** The variables a file-scope declaration defines, and the names a typedef defines. */
function declared(item: Node, add: Add, prototypes: Set<string>): void {
  const storage = item.namedChildren.filter((child) => child?.type === "storage_class_specifier").map((c) => c?.text);
  const typedef = item.type === "type_definition";
  for (const declarator of item.childrenForFieldName("declarator")) {
    if (!declarator) continue;
    const inner = declarator.type === "init_declarator" ? declarator.childForFieldName("declarator") : declarator;
    // A prototype declares a function another file may define; it defines nothing.
    if (!typedef && inner && isFunctionDeclarator(inner)) {
      const name = declaratorName(inner)?.text;
      if (name) prototypes.add(name);
      continue;
    }
    if (storage.includes("extern")) continue;
    add(
      declaratorName(inner)?.text ?? (inner?.type === "type_identifier" ? inner.text : null),
      typedef || storage.includes("static"),
      typedef ? item.text : null,
    );
  }
}

/** `f(void)` and `*f(void)` declare a function; `(*fp)(void)` declares a pointer variable. */
function isFunctionDeclarator(declarator: Node): boolean {
  let current: Node | null = declarator;
  let function_ = false;
  for (let depth = 0; current && depth < 16; depth++) {
    if (current.type === "function_declarator") function_ = true;
    else if (current.type === "pointer_declarator" && function_) return false;
    else if (current.type === "identifier") return function_;
    current = current.childForFieldName("declarator") ?? current.namedChild(0);
  }
  return false;
}

/** Tags defined with a body, and enumerators, anywhere in a file-scope item. */
function types(item: Node, add: Add): void {
  for (const specifier of item.descendantsOfType(["struct_specifier", "union_specifier", "enum_specifier"])) {
    if (!specifier || !specifier.childForFieldName("body")) continue;
    const name = specifier.childForFieldName("name")?.text;
    if (name) add(`${specifier.type.replace("_specifier", "")} ${name}`, true, specifier.text);
    if (specifier.type === "enum_specifier")
      for (const enumerator of specifier.descendantsOfType("enumerator"))
        add(enumerator?.childForFieldName("name")?.text, true, specifier.text);
  }
}

/**
 * The functions a file defines without `static` at file scope, conditional groups included (a definition on some
 * builds counts): who may define a function another file calls (project.ts `definerFiles`).
 */
export function linkedDefinitions(tree: Tree): string[] {
  const names: string[] = [];
  const visit = (parent: Node, depth: number) => {
    for (const item of parent.namedChildren) {
      if (!item) continue;
      if (GROUPS.has(item.type) && depth < 32) visit(item, depth + 1);
      else if (item.type === "function_definition" && !isStatic(item)) {
        const name = functionName(item);
        if (name) names.push(name);
      }
    }
  };
  visit(tree.rootNode, 0);
  return names;
}
