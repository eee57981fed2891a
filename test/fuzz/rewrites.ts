/**
 * Verdict-neutral rewrites: edits that cannot change what a C compiler makes of the program, so they must not change any
 * verdict, page outcome or rule id. Each is found with tree-sitter and stays conservative: it skips ERROR regions and
 * preprocessor directive lines, and the caller discards a rewrite that changes how tree-sitter recovers from errors.
 *
 *   spacing   spaces (or a newline) around the punctuation of one syntax node: `fds[1]` → `fds[ 1 ]`, `f(a,b)` → `f( a , b )`
 *   rename    a local variable or parameter renamed consistently within its function
 *   alias     `#define LENS_ALIAS_n CONSTANT` at the top of the file, one use of the constant replaced by the alias
 *   comment   comments inserted between tokens
 *   reorder   two adjacent independent statements swapped (declarations and plain assignments without calls,
 *             dereferences or shared identifiers)
 */
import type { Node, Tree } from "web-tree-sitter";
import type { Rng } from "./random";
import { applyEdits, directiveRanges, insideAny, nodesOfType, tokens, walk, type Token } from "./syntax";

export interface RewriteInput {
  text: string;
  tree: Tree;
  rng: Rng;
}

export interface Rewrite {
  text: string;
  /** `spacing`, `rename`, `alias`, `comment` or `reorder`. */
  kind: string;
  /** What was rewritten, for the failure key (node type, constant name). */
  detail: string;
  description: string;
}

type Edit = { start: number; end: number; insert: string };

function line(text: string, index: number): number {
  let count = 1;
  for (let cursor = text.indexOf("\n"); cursor !== -1 && cursor < index; cursor = text.indexOf("\n", cursor + 1))
    count++;
  return count;
}

function hasErrorAncestor(node: Node): boolean {
  for (let current: Node | null = node; current; current = current.parent)
    if (current.type === "ERROR" || current.isMissing) return true;
  return false;
}

/** Name of the innermost call around a node (`read`, `vmsplice`), or `-`. */
function enclosingCall(node: Node): string {
  for (let current: Node | null = node; current; current = current.parent)
    if (current.type === "call_expression") return current.childForFieldName("function")?.text.slice(0, 30) ?? "-";
  return "-";
}

const SPACED = new Set([
  "subscript_expression",
  "argument_list",
  "binary_expression",
  "initializer_list",
  "parenthesized_expression",
  "field_expression",
  "pointer_expression",
  "cast_expression",
  "unary_expression",
  "assignment_expression",
  "init_declarator",
  "sizeof_expression",
]);

function spacing({ text, tree, rng }: RewriteInput): Rewrite | null {
  const directives = directiveRanges(tree, text);
  const candidates = nodesOfType(tree, SPACED).filter(
    ({ node, inError }) => !inError && !node.hasError && !insideAny(node.startIndex, directives),
  );
  if (candidates.length === 0) return null;
  const kind = rng.pick(candidates).node.type;
  const sameKind = candidates.filter(({ node }) => node.type === kind).map(({ node }) => node);
  const chosen = rng.chance(0.7) ? [rng.pick(sameKind)] : rng.subset(sameKind);
  const newline = rng.chance(0.15);
  const edits: Edit[] = [];
  for (const node of chosen)
    for (const child of node.children) {
      if (!child || child.isNamed || child.startIndex === child.endIndex) continue;
      const after = newline && child.type === "," ? "\n\t " : " ";
      edits.push({ start: child.startIndex, end: child.startIndex, insert: " " });
      edits.push({ start: child.endIndex, end: child.endIndex, insert: after });
    }
  if (edits.length === 0) return null;
  const first = chosen[0];
  return {
    text: applyEdits(text, edits),
    kind: "spacing",
    detail: `${kind} in ${enclosingCall(first)}()`,
    description: `spacing${newline ? " with newlines" : ""} in ${chosen.length} ${kind} node(s), first ${JSON.stringify(first.text.slice(0, 40))} at line ${line(text, first.startIndex)}`,
  };
}

/** Names that must not be renamed: anything visible outside function bodies, function names, macro names and bodies, callees. */
function fileLevelNames(tree: Tree): Set<string> {
  const names = new Set<string>();
  const addWords = (node: Node) => {
    for (const word of node.text.split(/[^A-Za-z0-9_]+/)) if (word) names.add(word);
  };
  walk(tree, (node) => {
    if (node.type === "function_definition") {
      let declarator = node.childForFieldName("declarator");
      while (declarator && declarator.type !== "function_declarator")
        declarator = declarator.childForFieldName("declarator");
      const name = declarator?.childForFieldName("declarator");
      if (name) names.add(name.text);
      return false;
    }
    if (node.type === "preproc_arg") {
      addWords(node);
      return false;
    }
    if (node.type === "identifier" || node.type === "type_identifier" || node.type === "field_identifier")
      names.add(node.text);
    return true;
  });
  // Inside function bodies: macro bodies (a local `#define` may name a local) and callees.
  for (const { node } of nodesOfType(tree, new Set(["preproc_arg", "call_expression"]))) {
    if (node.type === "preproc_arg") {
      addWords(node);
      continue;
    }
    const callee = node.childForFieldName("function");
    if (callee?.type === "identifier") names.add(callee.text);
  }
  return names;
}

function subtreeTokens(node: Node, text: string): Token[] {
  const found: Token[] = [];
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.childCount === 0)
      found.push({
        start: current.startIndex,
        end: current.endIndex,
        type: current.type,
        text: text.slice(current.startIndex, current.endIndex),
        inError: false,
      });
    else for (let index = current.childCount - 1; index >= 0; index--) stack.push(current.child(index)!);
  }
  return found;
}

const DECLARATOR_WRAPPERS = new Set([
  "pointer_declarator",
  "array_declarator",
  "parenthesized_declarator",
  "init_declarator",
  "attributed_declarator",
]);

/** True when an identifier is the name a local declaration or parameter declares (not a prototype, not a value). */
function isDeclaredName(identifier: Node): boolean {
  let child: Node = identifier;
  for (let parent = identifier.parent; parent; child = parent, parent = parent.parent) {
    if (DECLARATOR_WRAPPERS.has(parent.type)) {
      if (parent.type === "init_declarator" && parent.childForFieldName("value")?.id === child.id) return false;
      if (parent.type === "array_declarator" && parent.childForFieldName("size")?.id === child.id) return false;
      continue;
    }
    if (parent.type === "declaration" || parent.type === "parameter_declaration")
      return parent.childForFieldName("type")?.id !== child.id;
    return false;
  }
  return false;
}

function freshName(text: string, prefix: string, rng: Rng): string {
  for (;;) {
    const name = `${prefix}${rng.range(1, 9999)}`;
    if (!text.includes(name)) return name;
  }
}

function rename({ text, tree, rng }: RewriteInput): Rewrite | null {
  const functions = nodesOfType(tree, new Set(["function_definition"])).filter(
    ({ node, inError }) => !inError && !node.hasError,
  );
  if (functions.length === 0) return null;
  const outside = fileLevelNames(tree);
  const options: { fn: Node; name: string; uses: Token[] }[] = [];
  for (const { node: fn } of functions) {
    const identifiers = subtreeTokens(fn, text).filter((token) => token.type === "identifier");
    const declared = new Set<string>();
    for (const token of identifiers) {
      const node = fn.descendantForIndex(token.start, token.end);
      if (node?.type === "identifier" && isDeclaredName(node)) declared.add(token.text);
    }
    for (const name of declared) {
      if (outside.has(name)) continue;
      options.push({ fn, name, uses: identifiers.filter((token) => token.text === name) });
    }
  }
  if (options.length === 0) return null;
  const { fn, name, uses } = rng.pick(options);
  const renamed = freshName(text, "lens_v", rng);
  const functionName = fn.childForFieldName("declarator")?.text.split("(")[0].trim() ?? "?";
  return {
    text: applyEdits(
      text,
      uses.map((token) => ({ start: token.start, end: token.end, insert: renamed })),
    ),
    kind: "rename",
    detail: "local",
    description: `rename ${name} → ${renamed} in ${functionName} (${uses.length} uses, line ${line(text, fn.startIndex)})`,
  };
}

/** Constants of the system headers the analyzer folds; file-defined object-like macros are added per file. */
export const KNOWN_CONSTANTS: ReadonlySet<string> = new Set([
  "SPLICE_F_GIFT",
  "SPLICE_F_MOVE",
  "SPLICE_F_NONBLOCK",
  "SPLICE_F_MORE",
  "MAP_SHARED",
  "MAP_PRIVATE",
  "MAP_ANONYMOUS",
  "MAP_ANON",
  "MAP_HUGETLB",
  "MAP_LOCKED",
  "MAP_POPULATE",
  "MAP_FIXED",
  "MAP_FAILED",
  "PROT_READ",
  "PROT_WRITE",
  "PROT_NONE",
  "MADV_MERGEABLE",
  "MADV_UNMERGEABLE",
  "MADV_HUGEPAGE",
  "MADV_NOHUGEPAGE",
  "MADV_DONTNEED",
  "MADV_FREE",
  "MADV_DONTFORK",
  "MADV_WILLNEED",
  "MADV_SEQUENTIAL",
  "O_NONBLOCK",
  "O_WRONLY",
  "O_RDONLY",
  "O_RDWR",
  "O_CREAT",
  "O_TRUNC",
  "O_APPEND",
  "O_DIRECT",
  "F_SETPIPE_SZ",
  "F_SETFL",
  "F_GETFL",
  "_SC_PAGESIZE",
  "_SC_PAGE_SIZE",
  "IOV_MAX",
  "CLONE_VM",
  "SHM_HUGETLB",
  "IPC_CREAT",
  "SYS_vmsplice",
  "__NR_vmsplice",
  "MSG_DONTWAIT",
]);

function objectMacros(tree: Tree): Set<string> {
  const names = new Set<string>();
  for (const { node } of nodesOfType(tree, new Set(["preproc_def"]))) {
    const name = node.childForFieldName("name")?.text;
    if (name && node.childForFieldName("value")) names.add(name);
  }
  return names;
}

function alias({ text, tree, rng }: RewriteInput): Rewrite | null {
  const directives = directiveRanges(tree, text);
  const macros = objectMacros(tree);
  const uses = tokens(tree, text).filter(
    (token) =>
      token.type === "identifier" &&
      !token.inError &&
      (KNOWN_CONSTANTS.has(token.text) || macros.has(token.text)) &&
      !insideAny(token.start, directives),
  );
  if (uses.length === 0) return null;
  const use = rng.pick(uses);
  const name = freshName(text, "LENS_ALIAS_", rng);
  const parenthesised = rng.chance(0.2);
  const definition = `#define ${name} ${parenthesised ? `(${use.text})` : use.text}\n`;
  return {
    text: definition + text.slice(0, use.start) + name + text.slice(use.end),
    kind: "alias",
    detail: KNOWN_CONSTANTS.has(use.text) ? use.text : "file macro",
    description: `alias ${definition.trim()} for the use at line ${line(text, use.start)}`,
  };
}

function comment({ text, tree, rng }: RewriteInput): Rewrite | null {
  const directives = directiveRanges(tree, text);
  const stream = tokens(tree, text);
  const gaps: { at: number; lineEnd: boolean; left: Token }[] = [];
  for (let index = 0; index + 1 < stream.length; index++) {
    const [left, right] = [stream[index], stream[index + 1]];
    if (left.inError || right.inError || insideAny(left.end, directives) || insideAny(right.start, directives))
      continue;
    gaps.push({ at: left.end, lineEnd: text.slice(left.end, right.start).includes("\n"), left });
  }
  if (gaps.length === 0) return null;
  const chosen = rng.chance(0.6) ? [rng.pick(gaps)] : rng.subset(gaps);
  const edits = chosen.map(({ at, lineEnd }) => ({
    start: at,
    end: at,
    insert: lineEnd && rng.chance(0.5) ? " // lens" : rng.pick([" /* lens */ ", "/**/", " /* multi\n  line */ "]),
  }));
  const first = chosen[0];
  return {
    text: applyEdits(text, edits),
    kind: "comment",
    detail: chosen.length === 1 ? `after ${first.left.type}` : "many",
    description: `comment at ${chosen.length} place(s), first after ${JSON.stringify(first.left.text.slice(0, 30))} at line ${line(text, first.at)}`,
  };
}

const FORBIDDEN_IN_REORDER = new Set([
  "call_expression",
  "pointer_expression",
  "subscript_expression",
  "field_expression",
  "assignment_expression",
  "update_expression",
  "comma_expression",
  "compound_literal_expression",
  "gnu_asm_expression",
  "ERROR",
]);

/** The identifiers a statement mentions, or null when it is not a simple independent statement. */
function simpleStatement(node: Node): Set<string> | null {
  let root: Node | null = null;
  if (node.type === "declaration") {
    if (node.children.some((child) => child?.type === "storage_class_specifier")) return null;
    root = node;
  } else if (node.type === "expression_statement") {
    const expression = node.namedChild(0);
    if (expression?.type !== "assignment_expression") return null;
    if (expression.childForFieldName("left")?.type !== "identifier") return null;
    if (expression.childForFieldName("operator")?.text !== "=") return null;
    root = expression.childForFieldName("right");
  }
  if (!root || node.hasError) return null;
  const names = new Set<string>();
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current !== node && current.id !== node.namedChild(0)?.id && FORBIDDEN_IN_REORDER.has(current.type))
      return null;
    if (current.type === "identifier" || current.type === "type_identifier") names.add(current.text);
    for (let index = 0; index < current.childCount; index++) stack.push(current.child(index)!);
  }
  return names;
}

function reorder({ text, tree, rng }: RewriteInput): Rewrite | null {
  const pairs: [Node, Node][] = [];
  for (const { node: block, inError } of nodesOfType(tree, new Set(["compound_statement"]))) {
    if (inError || hasErrorAncestor(block)) continue;
    const children = block.namedChildren.filter((child): child is Node => child !== null);
    for (let index = 0; index + 1 < children.length; index++) {
      const [first, second] = [children[index], children[index + 1]];
      const left = simpleStatement(first);
      const right = simpleStatement(second);
      if (!left || !right || [...left].some((name) => right.has(name))) continue;
      pairs.push([first, second]);
    }
  }
  if (pairs.length === 0) return null;
  const [first, second] = rng.pick(pairs);
  const swapped =
    text.slice(0, first.startIndex) +
    second.text +
    text.slice(first.endIndex, second.startIndex) +
    first.text +
    text.slice(second.endIndex);
  return {
    text: swapped,
    kind: "reorder",
    detail: `${first.type}/${second.type}`,
    description: `reorder ${JSON.stringify(first.text.slice(0, 40))} and ${JSON.stringify(second.text.slice(0, 40))} at line ${line(text, first.startIndex)}`,
  };
}

export const REWRITERS: readonly { name: string; weight: number; apply(input: RewriteInput): Rewrite | null }[] = [
  { name: "spacing", weight: 5, apply: spacing },
  { name: "rename", weight: 4, apply: rename },
  { name: "alias", weight: 4, apply: alias },
  { name: "comment", weight: 4, apply: comment },
  { name: "reorder", weight: 2, apply: reorder },
];
