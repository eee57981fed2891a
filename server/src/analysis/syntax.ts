/**
 * The one set of helpers over web-tree-sitter nodes (the analyzer and the quick fixes both use them): ranges, exact-range
 * lookup, unwrapping of parentheses and casts, call names and arguments, declarator names, ancestors, enclosing
 * functions, blocks and statements, names read and written, and bounded walks.
 *
 * Pure; imports only web-tree-sitter's types. Every walk is bounded so that deep nesting cannot hang or overflow the stack.
 */
import type { Node } from "web-tree-sitter";
import { nearest, parentOf } from "./ancestry";
import type { SourceRange } from "./facts";

/** Upper bound on nodes visited by one bounded walk. */
export const WALK_LIMIT = 200_000;

export function toRange(node: Node): SourceRange {
  return {
    start: { line: node.startPosition.row, column: node.startPosition.column },
    end: { line: node.endPosition.row, column: node.endPosition.column },
    startIndex: node.startIndex,
    endIndex: node.endIndex,
  };
}

/** Strips parentheses only: `((x))` -> `x` (a rewrite must keep a cast, which changes the type). */
export function stripParentheses(node: Node): Node {
  let current = node;
  for (
    let depth = 0;
    depth < 64 && current.type === "parenthesized_expression" && current.namedChildCount === 1;
    depth++
  )
    current = current.namedChild(0) as Node;
  return current;
}

/** Strips parentheses, casts and the comma-free wrappers that do not change a value's identity. */
export function unwrap(node: Node | null): Node | null {
  let current = node;
  for (let depth = 0; current && depth < 64; depth++) {
    if (current.type === "parenthesized_expression") {
      current =
        current.namedChildren.find((child): child is Node => child !== null && child.type !== "comment") ?? null;
    } else if (current.type === "cast_expression") {
      current = current.childForFieldName("value");
    } else if (current.type === "call_expression" && isNamedCast(current)) {
      current =
        current.childForFieldName("arguments")?.namedChildren.find((child) => child?.type !== "comment") ?? null;
    } else {
      return current;
    }
  }
  return current;
}

/** C++ `static_cast<T>(x)`, `reinterpret_cast<T>(x)`, `const_cast<T>(x)`: a cast, as `(T)x` is in C. */
function isNamedCast(call: Node): boolean {
  const callee = call.childForFieldName("function");
  if (callee?.type !== "template_function") return false;
  const name = callee.childForFieldName("name")?.text;
  const args = call.childForFieldName("arguments");
  return (
    (name === "static_cast" || name === "reinterpret_cast" || name === "const_cast") &&
    (args?.namedChildren.filter((child) => child?.type !== "comment").length ?? 0) === 1
  );
}

/** The callee name of a call expression (`vmsplice`, `syscall`), or null for calls through pointers. */
export function callName(call: Node): string | null {
  const callee = unwrap(call.childForFieldName("function"));
  if (!callee) return null;
  if (callee.type === "identifier") return callee.text;
  // C++: `std::memset(…)` and `::pipe(…)` are the C library's functions.
  if (callee.type === "qualified_identifier") {
    const scope = callee.childForFieldName("scope");
    const name = callee.childForFieldName("name");
    if (name?.type === "identifier" && (!scope || scope.text === "std")) return name.text;
  }
  return null;
}

/**
 * The argument expressions of a call, one per comma-separated position, without comments.
 *
 * Half-typed code puts ERROR and MISSING nodes into argument lists (`mmap(p, n, PROT_READ PROT_WRITE, ...)`,
 * `vmsplice(fd, &iov, 1 SPLICE_F_GIFT, 0)`). Positions are counted by the commas, never by counting named children, so a
 * broken argument cannot shift the ones after it: a position whose tokens are not exactly one well-formed expression is
 * given as a node the analyzer cannot read (the ERROR node, or the expression with the error inside), and when an ERROR
 * node swallows a comma the positions after it are not given at all (the call then lacks those arguments: unknown).
 */
export function callArguments(call: Node): Node[] {
  const list = call.childForFieldName("arguments");
  if (!list) return [];
  return alignedArguments(list.children.filter((child): child is Node => child !== null));
}

/** Groups sibling tokens between an argument list's parentheses into positions (see `callArguments`). */
export function alignedArguments(children: readonly Node[]): Node[] {
  const result: Node[] = [];
  let group: Node[] = [];
  let broken = false;
  const flush = (): boolean => {
    const named = group.filter((node) => node.isNamed && node.type !== "comment");
    if (named.length === 1 && !broken) result.push(named[0]);
    else if (named.length > 0)
      result.push(named.find((node) => node.type === "ERROR") ?? named.find((node) => node.hasError) ?? named[0]);
    else if (broken || group.length > 0) result.push(group[0]);
    const complete = group.length > 0 || broken;
    group = [];
    broken = false;
    return complete;
  };
  for (const child of children) {
    if (child.type === "(" || child.type === ")") continue;
    if (child.type === ",") {
      if (!flush()) return result; // `f(, x)`: an empty position cannot be aligned.
      continue;
    }
    if (child.type === "comment") continue;
    if (child.type === "ERROR" || child.isMissing || child.hasError) {
      broken = true;
      if (child.type === "ERROR" && containsComma(child)) {
        // The ERROR node holds a comma: where the following arguments start is no longer known.
        group.push(child);
        flush();
        return result;
      }
    }
    group.push(child);
  }
  if (group.length > 0 || broken) flush();
  return result;
}

/** Whether an ERROR node's subtree holds a comma token (bounded). */
function containsComma(node: Node): boolean {
  let found = false;
  walk(node, (inner) => {
    if (found) return false;
    if (inner.type === ",") found = true;
    return !found;
  });
  return found;
}

/**
 * Whether a node is, or contains, a syntax error or a token tree-sitter inserted (a MISSING node). A call whose only
 * errors are inside its argument list is not broken as a whole: `callArguments` aligns its positions and hands the broken
 * ones over as unreadable nodes, so `mmap(p, n, PROT_READ PROT_WRITE, MAP_SHARED, -1, 0)` still shows MAP_SHARED.
 */
export function isBroken(node: Node | null): boolean {
  if (node === null) return false;
  if (node.type === "ERROR" || node.isMissing) return true;
  if (!node.hasError) return false;
  if (node.type !== "call_expression") return true;
  const callee = node.childForFieldName("function");
  return callee === null || callee.hasError || node.childForFieldName("arguments") === null;
}

export function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null && child.type !== "comment");
}

/** The identifier a declarator declares (`*buf`, `buf[16]`, `buf = ...`, `(*fn)(void)` all give their name node). */
export function declaratorName(declarator: Node | null): Node | null {
  let current = declarator;
  for (let depth = 0; current && depth < 64; depth++) {
    switch (current.type) {
      case "identifier":
      case "field_identifier":
        return current;
      case "init_declarator":
      case "pointer_declarator":
      case "array_declarator":
      case "function_declarator":
      case "attributed_declarator":
      case "parenthesized_declarator":
        current = current.childForFieldName("declarator") ?? namedChildren(current)[0] ?? null;
        break;
      default:
        return null;
    }
  }
  return null;
}

/** The function definition that contains the node, or null at file scope. */
export function enclosingFunction(node: Node): Node | null {
  return nearest(parentOf(node), "function");
}

/** The name of a function definition. */
export function functionName(definition: Node): string | null {
  const declarator = definition.childForFieldName("declarator");
  let current = declarator;
  for (let depth = 0; current && depth < 16; depth++) {
    if (current.type === "function_declarator")
      return declaratorName(current.childForFieldName("declarator"))?.text ?? null;
    current = current.childForFieldName("declarator");
  }
  return declaratorName(declarator)?.text ?? null;
}

/** Parameter names of a function definition, in order (unnamed parameters give null). */
export function parameterNames(definition: Node): (string | null)[] {
  let declarator = definition.childForFieldName("declarator");
  for (let depth = 0; declarator && declarator.type !== "function_declarator" && depth < 16; depth++) {
    declarator = declarator.childForFieldName("declarator");
  }
  const parameters = declarator?.childForFieldName("parameters");
  if (!parameters) return [];
  return namedChildren(parameters)
    .filter((parameter) => parameter.type === "parameter_declaration")
    .map((parameter) => declaratorName(parameter.childForFieldName("declarator"))?.text ?? null);
}

/** Visits descendants in document order, depth-first, bounded by WALK_LIMIT; `visit` returning false skips the subtree. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const cursor = root.walk();
  let visited = 0;
  try {
    for (;;) {
      const node = cursor.currentNode;
      const descend = visit(node) !== false && ++visited < WALK_LIMIT;
      if (descend && cursor.gotoFirstChild()) continue;
      if (visited >= WALK_LIMIT) return;
      for (;;) {
        if (cursor.currentNode.id === root.id) return;
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The node spanning exactly the range (the smallest one), or null when no node has exactly these bounds. */
export function nodeWithRange(root: Node, range: { startIndex: number; endIndex: number }): Node | null {
  let node: Node | null = root.descendantForIndex(range.startIndex, Math.max(range.startIndex, range.endIndex - 1));
  while (node && !(node.startIndex === range.startIndex && node.endIndex === range.endIndex)) {
    // The smallest spanning node is larger than the range; a parent can only be larger still.
    if (node.startIndex < range.startIndex || node.endIndex > range.endIndex) return null;
    node = node.parent;
  }
  return node;
}

/** The ancestors of a node, innermost first (the node itself excluded). */
export function ancestors(node: Node): Node[] {
  const list: Node[] = [];
  for (let current = node.parent; current; current = current.parent) list.push(current);
  return list;
}

/** The innermost ancestor of the given type, or null. */
export function enclosingOfType(node: Node, type: string): Node | null {
  for (let current = node.parent; current; current = current.parent) if (current.type === type) return current;
  return null;
}

/** The statement holding the node whose parent is a `{ ... }` block, or null (for example the body of a braceless `if`). */
export function statementInBlock(node: Node): Node | null {
  for (let current: Node | null = node; current; current = current.parent) {
    const parent: Node | null = current.parent;
    if (parent && parent.type === "compound_statement") return current;
    if (
      parent &&
      (parent.type === "if_statement" ||
        parent.type === "for_statement" ||
        parent.type === "while_statement" ||
        parent.type === "do_statement")
    ) {
      // A statement that is the direct body of a control statement is not in a block: inserting before it would
      // move code out of the condition.
      if (current.type !== "parenthesized_expression" && current.type !== "condition_clause") return null;
    }
  }
  return null;
}

/** The top-level definition or declaration holding a node. */
export function topLevelOf(node: Node): Node | null {
  let current: Node | null = node;
  while (current && current.parent && current.parent.type !== "translation_unit") current = current.parent;
  return current && current.parent ? current : null;
}

/** The identifier names under a node (bounded walk). */
export function identifiersIn(node: Node): Set<string> {
  const names = new Set<string>();
  walk(node, (current) => {
    if (current.type === "identifier") names.add(current.text);
  });
  return names;
}

/** Names a statement declares or assigns to (left sides of `=`, `+=`, `++`, declarators), by a bounded walk. */
export function namesWritten(node: Node): Set<string> {
  const names = new Set<string>();
  const add = (from: Node | null) => {
    if (from) for (const name of identifiersIn(from)) names.add(name);
  };
  walk(node, (current) => {
    if (current.type === "assignment_expression") add(current.childForFieldName("left"));
    else if (current.type === "update_expression") add(current);
    else if (current.type === "init_declarator" || current.type === "declaration")
      add(current.childForFieldName("declarator"));
  });
  return names;
}

/** True when `inner` lies inside `outer` (or is it). */
export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** True when the node is inside a tree-sitter ERROR region. */
export function inErrorRegion(node: Node): boolean {
  return nearest(node, "error") !== null;
}

/** The loop statements that enclose `node` inside `boundary` (innermost first). */
export function enclosingLoops(node: Node, boundary: Node | null): Node[] {
  const loops: Node[] = [];
  let current = parentOf(node);
  while (current && (!boundary || current.id !== boundary.id)) {
    if (current.type === "for_statement" || current.type === "while_statement" || current.type === "do_statement")
      loops.push(current);
    current = parentOf(current);
  }
  return loops;
}

/** Occurrences of `word` in `text` as a whole C identifier (the cheap text pre-filter used to reach nodes quickly). */
export function wordOccurrences(text: string, word: string, limit = 10_000): number[] {
  const found: number[] = [];
  let from = 0;
  while (found.length < limit) {
    const index = text.indexOf(word, from);
    if (index < 0) break;
    const before = index > 0 ? text.charCodeAt(index - 1) : 32;
    const after = index + word.length < text.length ? text.charCodeAt(index + word.length) : 32;
    if (!isIdentifierChar(before) && !isIdentifierChar(after)) found.push(index);
    from = index + word.length;
  }
  return found;
}

function isIdentifierChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** `for (i = a; i < n; i++)` (also `int i = a`, `<=`, `!=`, `++i`, `i += 1`): the start and bound of induction variable `variable`. */
export function parseForLoop(loop: Node, variable: string): { start: Node; end: Node; inclusive: boolean } | null {
  const initializer = loop.childForFieldName("initializer");
  const condition = unwrap(loop.childForFieldName("condition"));
  const update = unwrap(loop.childForFieldName("update"));
  let start: Node | null = null;
  if (initializer?.type === "declaration") {
    for (const child of namedChildren(initializer)) {
      if (child.type === "init_declarator" && child.childForFieldName("declarator")?.text === variable)
        start = child.childForFieldName("value");
    }
  } else if (
    initializer?.type === "assignment_expression" &&
    unwrap(initializer.childForFieldName("left"))?.text === variable
  ) {
    start = initializer.childForFieldName("right");
  }
  if (!start || condition?.type !== "binary_expression") return null;
  const operator = condition.childForFieldName("operator")?.text;
  if (unwrap(condition.childForFieldName("left"))?.text !== variable) return null;
  const end = condition.childForFieldName("right");
  if (!end || !(operator === "<" || operator === "<=" || operator === "!=")) return null;
  const increments =
    (update?.type === "update_expression" &&
      update.childForFieldName("operator")?.text === "++" &&
      unwrap(update.childForFieldName("argument"))?.text === variable) ||
    (update?.type === "assignment_expression" &&
      update.childForFieldName("operator")?.text === "+=" &&
      unwrap(update.childForFieldName("left"))?.text === variable &&
      update.childForFieldName("right")?.text === "1");
  if (!increments) return null;
  return { start, end, inclusive: operator === "<=" };
}

/** The for loop whose induction variable is `identifier` and which encloses it, if any. */
export function inductionLoop(identifier: Node): Node | null {
  // The for loops around the identifier, innermost first, up to its function (memoised climbs: see ancestry.ts).
  for (let loop = nearest(parentOf(identifier), "forLoop"); loop; loop = nearest(parentOf(loop), "forLoop")) {
    const body = loop.childForFieldName("body");
    if (body && contains(body, identifier) && parseForLoop(loop, identifier.text)) return loop;
  }
  return null;
}

/** Whether an expression mentions the identifier or member `name` anywhere inside it. */
export function mentions(node: Node | null, name: string): boolean {
  if (!node) return false;
  let found = false;
  walk(node, (inner) => {
    if (found) return false;
    if ((inner.type === "identifier" || inner.type === "field_identifier") && inner.text === name) found = true;
    return !found;
  });
  return found;
}

/** The return statements of a function body, not looking into nested function definitions. */
export function returnStatements(body: Node): Node[] {
  const found: Node[] = [];
  walk(body, (node) => {
    if (node.type === "function_definition" && node.id !== body.id) return false;
    if (node.type === "return_statement") found.push(node);
    return true;
  });
  return found;
}

/**
 * The index expression of a subscript: the `index` field in C, the single expression of the `indices` list in C++
 * (tree-sitter-cpp's `a[i]`); null for a C++ multi-index or empty subscript.
 */
export function subscriptIndex(subscript: Node): Node | null {
  const index = subscript.childForFieldName("index");
  if (index) return index;
  const list = subscript.childForFieldName("indices");
  if (!list) return null;
  const items = list.namedChildren.filter((child): child is Node => child !== null && child.type !== "comment");
  return items.length === 1 ? items[0] : null;
}

/** A definition or declaration with `static` storage (invisible to the program's other files). */
export function isStatic(item: Node): boolean {
  return item.namedChildren.some((child) => child?.type === "storage_class_specifier" && child.text === "static");
}

/**
 * The identifier-shaped words of a text, comments and strings included (a token scan for membership questions: a
 * macro body is tokens, not an expression to parse; a file's words over-approximate the names it uses).
 */
export function identifierWords(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : 0;
    const part = code === 95 || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (part && start < 0) start = index;
    if (!part && start >= 0) {
      const first = text.charCodeAt(start);
      if (!(first >= 48 && first <= 57)) words.push(text.slice(start, index));
      start = -1;
    }
  }
  return words;
}
