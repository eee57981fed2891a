/**
 * Quick-fix builders over the analyzer's facts for one call: plain text edits (UTF-16 offsets into the analysed
 * text) with a title, the rules they address and whether they are safe enough to be the preferred fix. Each rule
 * module (server/src/rules/<rule-id>.ts) says which builders fix it; rules/quick-fixes.ts loops over the rules and
 * re-analyses every fixed text before offering it.
 *
 * A fix is offered only when its preconditions hold in the facts and in the syntax tree, because every fix must keep
 * the file compiling and must change the verdict as its title claims (test/unit/fixes-samples.test.ts applies each fix
 * to the samples, compiles with `gcc -fsyntax-only -Wall` and analyses again). When a precondition cannot be checked,
 * the fix is not offered. Fixes add the headers they need.
 *
 * The tree is used to locate the exact expression behind a fact's range (an allocation call, a flags argument, a
 * literal) and the statement around the call; no text pattern matching over C is done.
 * Pure: no I/O, no editor or protocol imports; never throws (a failure inside one fix drops that fix).
 */
import type { Node, Tree } from "web-tree-sitter";
import {
  evaluate,
  literalPageSizes,
  PAGE_SIZES,
  flagNames,
  SPLICE_F_NONBLOCK,
  type BufferFact,
  type CallAnalysis,
  type Finding,
  type SegmentFact,
  type SegmentVerdict,
  type SourceRange,
  type SymValue,
} from "./facts";
import { suppressionCommentText } from "./suppressions";
import {
  ancestors,
  callArguments,
  callName,
  enclosingFunction,
  enclosingOfType,
  identifiersIn,
  namesWritten,
  nodeWithRange,
  statementInBlock,
  stripParentheses,
  topLevelOf,
} from "./syntax";

export interface FixEdit {
  startIndex: number;
  endIndex: number;
  newText: string;
}

export interface QuickFix {
  title: string;
  /** Rule ids whose findings this fix addresses. */
  rules: string[];
  edits: FixEdit[];
  isPreferred: boolean;
  /** The fix replaces the vmsplice call itself (by writev), so the fixed file has one call fewer. */
  replacesCall?: boolean;
}

/** The runtime page size expression every fix writes (the analyzer reads it as the symbolic page size). */
export const PAGE_SIZE_EXPRESSION = "sysconf(_SC_PAGESIZE)";

/** Start offset of the line holding `offset`, and the indentation (spaces and tabs) at the start of that line. */
export function lineStartAndIndent(text: string, offset: number): { lineStart: number; indent: string } {
  let lineStart = offset;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  let end = lineStart;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  return { lineStart, indent: text.slice(lineStart, end) };
}

function newlineOf(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/** The "insert suppression comment" fix: a comment line above the statement of the call, naming the rules. */
export function suppressionFix(analysis: CallAnalysis, text: string, ruleIds: readonly string[]): QuickFix | null {
  if (ruleIds.length === 0) return null;
  const { lineStart, indent } = lineStartAndIndent(text, analysis.call.range.startIndex);
  return {
    title: `Suppress ${ruleIds.join(", ")} for this call (insert a vmsplice-lens comment)`,
    rules: [...ruleIds],
    edits: [
      {
        startIndex: lineStart,
        endIndex: lineStart,
        newText: `${indent}${suppressionCommentText(ruleIds)}${newlineOf(text)}`,
      },
    ],
    isPreferred: false,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Side effects

/** Whether an expression can be evaluated again without side effects (identifiers, literals, arithmetic, fields). */
function isPure(node: Node): boolean {
  switch (node.type) {
    case "identifier":
    case "number_literal":
    case "field_identifier":
    case "sizeof_expression":
      return true;
    case "call_expression": {
      const callee = node.childForFieldName("function");
      return (
        callee !== null &&
        (callee.text === "sysconf" || callee.text === "getpagesize") &&
        node.namedChildren.every((child) => child === null || isPure(child) || child.type === "argument_list")
      );
    }
    case "argument_list":
    case "parenthesized_expression":
    case "binary_expression":
    case "field_expression":
    case "cast_expression":
    case "type_descriptor":
    case "subscript_expression":
      return node.namedChildren.every((child) => child === null || child.type === "type_descriptor" || isPure(child));
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Headers and helper functions

/** An edit adding the `#include <header>` lines the text does not have yet, after its last top-level include. */
function includeEdit(tree: Tree, text: string, headers: readonly string[]): FixEdit | null {
  const present = new Set<string>();
  let lastInclude: Node | null = null;
  const visit = (node: Node, depth: number) => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === "preproc_include") {
        const pathNode = child.childForFieldName("path");
        if (pathNode) present.add(pathNode.text.slice(1, -1).trim());
        if (depth === 0) lastInclude = child;
      } else if (
        depth < 2 &&
        (child.type === "preproc_ifdef" || child.type === "preproc_if" || child.type === "preproc_else")
      ) {
        visit(child, depth + 1);
      }
    }
  };
  visit(tree.rootNode, 0);
  const missing = headers.filter((header) => !present.has(header));
  if (missing.length === 0) return null;
  const newline = newlineOf(text);
  const lines = missing.map((header) => `#include <${header}>${newline}`).join("");
  const anchor = lastInclude as Node | null;
  if (anchor) {
    // preproc_include nodes end after their newline; insert right there.
    let at = anchor.endIndex;
    if (text.charCodeAt(at - 1) !== 10) {
      while (at < text.length && text.charCodeAt(at) !== 10) at++;
      if (at < text.length) at++;
    }
    return { startIndex: at, endIndex: at, newText: lines };
  }
  return { startIndex: 0, endIndex: 0, newText: lines };
}

/** Helper names that read like the user's own code (a file that already has one, from an earlier fix, reuses it). */
export const PAGE_ALLOC_HELPER = "page_aligned_alloc";
export const PAGE_CALLOC_HELPER = "page_aligned_calloc";

/**
 * One level of indentation as the file writes it: a tab when more indented lines start with a tab than with spaces,
 * else the smallest run of leading spaces (2, 4 or 8; 4 when the file has no indented line).
 */
export function indentUnitOf(text: string): string {
  let tabs = 0;
  let spaces = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (const line of text.split("\n")) {
    if (line.startsWith("\t")) tabs++;
    else if (line.startsWith(" ")) {
      const run = /^ +/.exec(line)![0].length;
      // A block comment's continuation (` * text`) is one space in; it says nothing about the indentation.
      if (/^ +\*/.test(line) && run === 1) continue;
      if (run >= 2 && line.trim() !== "") {
        spaces++;
        smallest = Math.min(smallest, run);
      }
    }
  }
  if (tabs > spaces) return "\t";
  return " ".repeat(Number.isFinite(smallest) ? Math.min(8, smallest) : 4);
}

/**
 * The page-aligned allocation helper: whole pages (the size rounded up), so a gift of the buffer never takes a page it
 * shares with other data. Its comment says what the alignment is for: gifting from it (writer) or moving into it
 * (reader destination).
 */
function pageAllocHelper(newline: string, zeroed: boolean, indent: string, role: "source" | "destination"): string {
  const purpose =
    role === "destination" ? "so vmsplice can move whole pages into it" : "so vmsplice can gift whole pages from it";
  const lines = zeroed
    ? [
        `/* Zeroed, page-aligned memory in whole pages, ${purpose}. */`,
        `static void *${PAGE_CALLOC_HELPER}(size_t count, size_t size)`,
        "{",
        `${indent}size_t page = (size_t)sysconf(_SC_PAGESIZE);`,
        `${indent}size_t bytes = count * size != 0 ? (count * size + page - 1) / page * page : page;`,
        `${indent}void *memory = NULL;`,
        `${indent}if ((size != 0 && count > (size_t)-1 / size) || posix_memalign(&memory, page, bytes) != 0)`,
        `${indent}${indent}return NULL;`,
        `${indent}memset(memory, 0, bytes);`,
        `${indent}return memory;`,
        "}",
      ]
    : [
        `/* Page-aligned memory in whole pages, ${purpose}. */`,
        `static void *${PAGE_ALLOC_HELPER}(size_t size)`,
        "{",
        `${indent}size_t page = (size_t)sysconf(_SC_PAGESIZE);`,
        `${indent}void *memory = NULL;`,
        `${indent}if (posix_memalign(&memory, page, size != 0 ? (size + page - 1) / page * page : page) != 0)`,
        `${indent}${indent}return NULL;`,
        `${indent}return memory;`,
        "}",
      ];
  return lines.join(newline) + newline + newline;
}

// ---------------------------------------------------------------------------------------------------------------
// Flags

/** The flags value as `SPLICE_F_*` names (unknown bits as hex), `0` when empty. */
export function flagsExpression(value: number): string {
  const names = flagNames(value) ?? [];
  return names.length ? names.join(" | ") : "0";
}

function flagsFix(
  analysis: CallAnalysis,
  tree: Tree,
  text: string,
  newValue: number,
  title: string,
  rules: string[],
  isPreferred: boolean,
): QuickFix | null {
  const flags = analysis.call.flags;
  if (flags.value === null || newValue === flags.value) return null;
  const node = nodeWithRange(tree.rootNode, flags.range);
  if (!node) return null;
  const edits: FixEdit[] = [];
  const include = includeEdit(tree, text, ["fcntl.h"]);
  if (include) edits.push(include);
  edits.push({
    startIndex: flags.range.startIndex,
    endIndex: flags.range.endIndex,
    newText: flagsExpression(newValue),
  });
  return { title, rules, edits, isPreferred };
}

// ---------------------------------------------------------------------------------------------------------------
// Allocation

function allocationFix(
  analysis: CallAnalysis,
  tree: Tree,
  text: string,
  segment: SegmentVerdict,
  rule: string,
): QuickFix | null {
  const buffer = segment.segment.buffer;
  if (!buffer || !buffer.originRange) return null;
  // The segment must start at the buffer's start (or a whole number of pages into it): aligning the buffer then
  // aligns the segment. `buf + 100` stays unaligned whatever the allocation does.
  if (!PAGE_SIZES.every((pageSize) => multipleOf(evaluate(segment.segment.offset, pageSize), pageSize))) return null;
  if (buffer.origin === "malloc" || buffer.origin === "calloc") return heapAllocationFix(tree, text, buffer, rule);
  if (buffer.origin === "stack-array" || buffer.origin === "static-array")
    return arrayAlignmentFix(analysis, tree, buffer, rule);
  return null;
}

function multipleOf(value: number | null, pageSize: number): boolean {
  return value !== null && value % pageSize === 0;
}

/** The first call (the node itself or a descendant) of one of the named functions. */
function findCall(node: Node, names: readonly string[]): Node | null {
  const candidates = [node, ...node.descendantsOfType("call_expression")].filter(
    (candidate): candidate is Node => candidate !== null,
  );
  return (
    candidates.find((candidate) => {
      if (candidate.type !== "call_expression") return false;
      const name = callName(candidate);
      return name !== null && names.includes(name);
    }) ?? null
  );
}

function heapAllocationFix(tree: Tree, text: string, buffer: BufferFact, rule: string): QuickFix | null {
  const origin = buffer.originRange as SourceRange;
  const container = tree.rootNode.descendantForIndex(
    origin.startIndex,
    Math.max(origin.startIndex, origin.endIndex - 1),
  );
  if (!container) return null;
  const allocation = findCall(container, [buffer.origin]);
  if (!allocation || !enclosingFunction(allocation)) return null;
  const argumentsNode = allocation.childForFieldName("arguments");
  const args = argumentsNode
    ? argumentsNode.namedChildren.filter((child): child is Node => child !== null && child.type !== "comment")
    : [];
  const zeroed = buffer.origin === "calloc";
  if (args.length !== (zeroed ? 2 : 1)) return null;
  const helper = zeroed ? PAGE_CALLOC_HELPER : PAGE_ALLOC_HELPER;
  const topLevel = topLevelOf(allocation);
  if (!topLevel) return null;
  const edits: FixEdit[] = [];
  // The helper goes once, before the function that allocates; a file that already has it (an earlier fix) reuses it.
  if (!text.includes(`${helper}(size_t`)) {
    // posix_memalign is in stdlib.h, sysconf in unistd.h, memset (the zeroed helper only) in string.h.
    const include = includeEdit(tree, text, zeroed ? ["stdlib.h", "string.h", "unistd.h"] : ["stdlib.h", "unistd.h"]);
    if (include) edits.push(include);
    const { lineStart } = lineStartAndIndent(text, topLevel.startIndex);
    const role = rule === "VMS-ALIGN-DST" ? "destination" : "source";
    edits.push({
      startIndex: lineStart,
      endIndex: lineStart,
      newText: pageAllocHelper(newlineOf(text), zeroed, indentUnitOf(text), role),
    });
  }
  const callee = allocation.childForFieldName("function") as Node;
  edits.push({ startIndex: callee.startIndex, endIndex: callee.endIndex, newText: helper });
  return {
    title: `Allocate ${buffer.name} page-aligned: ${buffer.origin}() becomes ${helper}(), a posix_memalign of whole pages`,
    rules: [rule],
    edits,
    isPreferred: true,
  };
}

function arrayAlignmentFix(_analysis: CallAnalysis, tree: Tree, buffer: BufferFact, rule: string): QuickFix | null {
  const origin = buffer.originRange as SourceRange;
  const container = tree.rootNode.descendantForIndex(
    origin.startIndex,
    Math.max(origin.startIndex, origin.endIndex - 1),
  );
  if (!container) return null;
  const declarators = [container, ...container.descendantsOfType("array_declarator")].filter(
    (node): node is Node => node !== null && node.type === "array_declarator",
  );
  const declarator = declarators.find((node) => node.childForFieldName("declarator")?.text === buffer.name);
  if (!declarator) return null;
  // The attribute goes before the declarator (`char __attribute__((aligned(N))) buf[4096];`): after it, where GCC also
  // takes it, tree-sitter-c 0.24 parses an ERROR. Before the declarator it applies to every declarator of the
  // declaration, so the fix is offered only for a declaration of this one array.
  const whole = declarator.parent?.type === "init_declarator" ? declarator.parent : declarator;
  const declaration = whole.parent;
  if (!declaration || declaration.type !== "declaration" || declaration.childrenForFieldName("declarator").length !== 1)
    return null;
  // The alignment must be a compile-time constant; the largest page size any supported kernel uses covers them all.
  const alignment = Math.max(...PAGE_SIZES);
  return {
    title: `Align the array ${buffer.name} to ${alignment} bytes (__attribute__((aligned)))`,
    rules: [rule],
    edits: [
      {
        startIndex: whole.startIndex,
        endIndex: whole.startIndex,
        newText: `__attribute__((aligned(${alignment}))) `,
      },
    ],
    isPreferred: true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lengths and literals

function roundUp(value: number, pageSize: number): number {
  return Math.ceil(value / pageSize) * pageSize;
}

function roundLengthFix(tree: Tree, text: string, segment: SegmentVerdict, rule: string): QuickFix | null {
  const fact = segment.segment;
  if (!fact.lengthRange || !fact.buffer || !fact.buffer.size || fact.repeat) return null;
  // Rounding up must stay inside the allocation under every page size the fix may run with.
  // The segment must start on a page (rounding the length of an unaligned segment leaves its chunks short), and the
  // rounded length must stay inside the allocation, under every page size the fix may run with.
  for (const pageSize of PAGE_SIZES) {
    const length = evaluate(fact.length, pageSize);
    const offset = evaluate(fact.offset, pageSize);
    const size = evaluate(fact.buffer.size, pageSize);
    if (length === null || offset === null || size === null || length <= 0) return null;
    if (offset % pageSize !== 0 || offset + roundUp(length, pageSize) > size) return null;
  }
  if (PAGE_SIZES.every((pageSize) => (evaluate(fact.length, pageSize) as number) % pageSize === 0)) return null;
  const node = nodeWithRange(tree.rootNode, fact.lengthRange);
  if (!node || !isPure(stripParentheses(node)) || !enclosingFunction(node)) return null;
  const edits: FixEdit[] = [];
  const include = includeEdit(tree, text, ["unistd.h"]);
  if (include) edits.push(include);
  const page = PAGE_SIZE_EXPRESSION;
  edits.push({
    startIndex: node.startIndex,
    endIndex: node.endIndex,
    newText: `((${node.text}) + ${page} - 1) / ${page} * ${page}`,
  });
  return {
    title: `Round the length ${fact.lengthText} up to a whole number of pages`,
    rules: [rule],
    edits,
    isPreferred: false,
  };
}

/** The contexts where a runtime value cannot replace a constant. */
function needsConstant(node: Node): boolean {
  for (const ancestor of ancestors(node)) {
    if (
      ancestor.type === "array_declarator" ||
      ancestor.type === "case_statement" ||
      ancestor.type === "enumerator" ||
      ancestor.type === "bitfield_clause"
    )
      return true;
    if (ancestor.type.startsWith("preproc_if") || ancestor.type === "preproc_elif") return true;
    if (ancestor.type === "declaration") {
      const isStatic = ancestor.namedChildren.some(
        (child) => child?.type === "storage_class_specifier" && (child.text === "static" || child.text === "extern"),
      );
      if (isStatic || ancestor.parent?.type === "translation_unit") return true;
    }
    if (ancestor.type === "function_definition") return false;
  }
  return true;
}

function literalFix(
  tree: Tree,
  text: string,
  values: readonly SymValue[],
  rule: string,
  extra: readonly SourceRange[] = [],
  title = `Use the runtime page size ${PAGE_SIZE_EXPRESSION} instead of the literal 4096`,
): QuickFix | null {
  const ranges = new Map<number, SourceRange>();
  for (const value of values) for (const range of literalPageSizes(value)) ranges.set(range.startIndex, range);
  for (const range of extra) ranges.set(range.startIndex, range);
  if (ranges.size === 0) return null;
  const edits: FixEdit[] = [];
  const macros: string[] = [];
  for (const range of [...ranges.values()].sort((a, b) => a.startIndex - b.startIndex)) {
    const node =
      nodeWithRange(tree.rootNode, range) ??
      tree.rootNode.descendantForIndex(range.startIndex, Math.max(range.startIndex, range.endIndex - 1));
    if (!node) return null;
    if (node.type === "preproc_def") {
      // The analyzer points at the whole `#define PAGE 4096` line; the body is preprocessor text to tree-sitter, so
      // the literal is located inside it, and only a body that is exactly the literal is rewritten.
      const value = node.childForFieldName("value");
      if (!value || value.text.trim() !== "4096" || !macroUsesAllowRuntimeValue(tree, node)) return null;
      const at = value.startIndex + value.text.indexOf("4096");
      edits.push({ startIndex: at, endIndex: at + 4, newText: PAGE_SIZE_EXPRESSION });
      const name = node.childForFieldName("name")?.text;
      if (name) macros.push(name);
      continue;
    }
    if (node.type !== "number_literal") return null;
    const define = enclosingOfType(node, "preproc_def");
    if (define) {
      if (!macroUsesAllowRuntimeValue(tree, define)) return null;
    } else if (needsConstant(node)) {
      return null;
    }
    edits.push({ startIndex: node.startIndex, endIndex: node.endIndex, newText: PAGE_SIZE_EXPRESSION });
  }
  const include = includeEdit(tree, text, ["unistd.h"]);
  if (include) edits.unshift(include);
  // Only a macro changes: the title names it, since every use of it (not only the ones listed) follows.
  if (macros.length > 0 && macros.length === edits.length - (include ? 1 : 0))
    title = `Define ${macros.join(" and ")} as the runtime page size ${PAGE_SIZE_EXPRESSION} instead of 4096 (every use follows)`;
  return { title, rules: [rule], edits, isPreferred: true };
}

/** Functions that fill or copy into their first argument, with a byte count among the others. */
const FILL_FUNCTIONS = ["memset", "memcpy", "memmove", "read", "pread", "fread", "explicit_bzero", "bzero"];

/**
 * The literal page sizes (`4096`) in the byte counts of the calls that fill `buffer` in the function of the vmsplice
 * call (`memset(buf, 'A', 4096)`): the page-size fix changes them with the length, or the fill and the gift disagree.
 */
function fillLiterals(analysis: CallAnalysis, tree: Tree, buffer: BufferFact): SourceRange[] {
  const call = tree.rootNode.descendantForIndex(analysis.call.range.startIndex);
  const body = call ? enclosingFunction(call) : null;
  if (!body) return [];
  const ranges: SourceRange[] = [];
  for (const fill of body.descendantsOfType("call_expression")) {
    if (!fill || !FILL_FUNCTIONS.includes(callName(fill) ?? "")) continue;
    const args = callArguments(fill);
    if (args.length < 2 || !identifiersIn(args[0]).has(buffer.name)) continue;
    for (const arg of args.slice(1))
      for (const literal of [arg, ...arg.descendantsOfType("number_literal")]) {
        if (!literal || literal.type !== "number_literal" || evaluateLiteral(literal.text) !== 4096) continue;
        ranges.push(rangeOf(literal));
      }
  }
  return ranges;
}

/** A C integer literal's value (`4096`, `0x1000`, `4096UL`), or null. */
function evaluateLiteral(text: string): number | null {
  const digits = text.replace(/[uUlL]+$/, "");
  const value = /^0[xX][0-9a-fA-F]+$/.test(digits)
    ? parseInt(digits, 16)
    : /^[1-9][0-9]*$/.test(digits)
      ? Number(digits)
      : null;
  return value !== null && Number.isFinite(value) ? value : null;
}

function rangeOf(node: Node): SourceRange {
  return {
    startIndex: node.startIndex,
    endIndex: node.endIndex,
    start: { line: node.startPosition.row, column: node.startPosition.column },
    end: { line: node.endPosition.row, column: node.endPosition.column },
  };
}

/** A `#define NAME 4096` may become a runtime value only if every use of NAME is inside a function body and no constant is required there. */
function macroUsesAllowRuntimeValue(tree: Tree, define: Node): boolean {
  const name = define.childForFieldName("name")?.text;
  if (!name) return false;
  for (const identifier of tree.rootNode.descendantsOfType("identifier")) {
    if (!identifier || identifier.text !== name) continue;
    if (identifier.parent?.id === define.id) continue;
    if (needsConstant(identifier)) return false;
  }
  // Uses inside other macro bodies are plain text to tree-sitter; refuse when the name appears in another #define.
  for (const other of tree.rootNode.descendantsOfType("preproc_def")) {
    if (other && other.id !== define.id && other.childForFieldName("value")?.text.includes(name)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Descriptors, iovec splitting, fills

function wrongEndFix(analysis: CallAnalysis, tree: Tree, rule: string): QuickFix | null {
  const fd = analysis.call.fd;
  if (fd.pipeIndex !== 0) return null;
  const node = nodeWithRange(tree.rootNode, fd.range);
  const target = node ? stripParentheses(node) : null;
  if (!target || target.type !== "subscript_expression") return null;
  const index = target.childForFieldName("index");
  if (!index || index.type !== "number_literal" || index.text !== "0") return null;
  return {
    title: `Write into the pipe's write end: ${target.childForFieldName("argument")?.text ?? "fds"}[1]`,
    rules: [rule],
    edits: [{ startIndex: index.startIndex, endIndex: index.endIndex, newText: "1" }],
    isPreferred: true,
  };
}

function uniqueName(text: string, base: string): string {
  if (!text.includes(base)) return base;
  for (let suffix = 2; ; suffix++) if (!text.includes(`${base}${suffix}`)) return `${base}${suffix}`;
}

/**
 * The base and length expressions of a segment, when they can be written again at the call: both are side-effect
 * free, sit in the same function before the call, and in a block that encloses the call (so every name they use is in
 * scope there), not inside a loop that does not contain the call.
 */
function segmentExpressionsAtCall(
  tree: Tree,
  callNode: Node,
  segment: SegmentFact,
): { base: string; length: string } | null {
  if (!segment.baseRange || !segment.lengthRange) return null;
  const base = nodeWithRange(tree.rootNode, segment.baseRange);
  const length = nodeWithRange(tree.rootNode, segment.lengthRange);
  if (!base || !length) return null;
  const callFunction = enclosingFunction(callNode);
  for (const node of [base, length]) {
    if (!isPure(stripParentheses(node)) || node.endIndex > callNode.startIndex) return null;
    const nodeFunction = enclosingFunction(node);
    if (!callFunction || !nodeFunction || nodeFunction.id !== callFunction.id) return null;
    const block = enclosingOfType(node, "compound_statement");
    if (!block || !ancestors(callNode).some((ancestor) => ancestor.id === block.id)) return null;
    const loop = ancestors(node).find(
      (ancestor) =>
        ancestor.type === "for_statement" || ancestor.type === "while_statement" || ancestor.type === "do_statement",
    );
    if (loop && !ancestors(callNode).some((ancestor) => ancestor.id === loop.id)) return null;
  }
  const wrap = (node: Node) =>
    stripParentheses(node).type === "identifier" || stripParentheses(node).type === "number_literal"
      ? node.text
      : `(${node.text})`;
  return { base: wrap(base), length: wrap(length) };
}

/**
 * For `vmsplice(fd, &iov, 1, ...)` with `struct iovec iov = {...};` on lines of its own in the same function and no
 * other use of `iov`: the range of those lines (to delete) and the name.
 */
function replaceableIovecDeclaration(
  tree: Tree,
  text: string,
  callNode: Node,
  iovNode: Node,
): { name: string; startIndex: number; endIndex: number } | null {
  const target = stripParentheses(iovNode);
  if (target.type !== "pointer_expression" || !target.text.startsWith("&")) return null;
  const identifier = target.childForFieldName("argument");
  if (!identifier || identifier.type !== "identifier") return null;
  const name = identifier.text;
  const functionNode = enclosingFunction(callNode);
  if (!functionNode) return null;
  const uses = functionNode
    .descendantsOfType("identifier")
    .filter((node): node is Node => node !== null && node.text === name);
  const declarationUses = uses.filter((node) => node.id !== identifier.id);
  if (declarationUses.length !== 1) return null;
  const declarator = declarationUses[0].parent;
  const declaration = declarator?.parent;
  if (!declarator || declarator.type !== "init_declarator" || !declaration || declaration.type !== "declaration")
    return null;
  if (
    declaration.namedChildren.filter((child) => child?.type === "init_declarator" || child?.type === "identifier")
      .length !== 1
  )
    return null;
  if (declaration.childForFieldName("type")?.text !== "struct iovec" || declaration.endIndex > callNode.startIndex)
    return null;
  const { lineStart } = lineStartAndIndent(text, declaration.startIndex);
  if (text.slice(lineStart, declaration.startIndex).trim() !== "") return null;
  let end = declaration.endIndex;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  if (text.startsWith("\r\n", end)) end += 2;
  else if (text[end] === "\n") end += 1;
  else return null;
  return { name, startIndex: lineStart, endIndex: end };
}

function splitIovecFix(analysis: CallAnalysis, tree: Tree, text: string, rule: string): QuickFix | null {
  const call = analysis.call;
  const segments = call.iov.segments;
  if (!segments || segments.length !== 1 || evaluate(call.iov.nrSegs, 4096) !== 1) return null;
  const segment = segments[0];
  if (segment.repeat) return null;
  // The length must be the same whole number of pages under every page size (k * P), so the split is exact.
  const counts = PAGE_SIZES.map((pageSize) => {
    const length = evaluate(segment.length, pageSize);
    return length !== null && length % pageSize === 0 ? length / pageSize : null;
  });
  const pages = counts[0];
  if (pages === null || pages < 2 || pages > 64 || counts.some((count) => count !== pages)) return null;
  // An unaligned base stays unaligned after the split; only a page-aligned segment turns into whole-page gifts.
  if (!PAGE_SIZES.every((pageSize) => multipleOf(evaluate(segment.offset, pageSize), pageSize))) return null;
  const callNode = nodeWithRange(tree.rootNode, call.range);
  const iovNode = nodeWithRange(tree.rootNode, call.iov.iovRange);
  const nrNode = nodeWithRange(tree.rootNode, call.iov.nrSegsRange);
  if (!callNode || !iovNode || !nrNode) return null;
  const statement = statementInBlock(callNode);
  if (!statement) return null;
  const expressions = segmentExpressionsAtCall(tree, callNode, segment);
  if (!expressions) return null;
  const newline = newlineOf(text);
  const { lineStart, indent } = lineStartAndIndent(text, statement.startIndex);
  // When the old single iovec is used only by this call, its declaration is replaced (same name, no unused variable);
  // otherwise a new array is added beside it.
  const replaced = replaceableIovecDeclaration(tree, text, callNode, iovNode);
  const name = replaced ? replaced.name : uniqueName(text, "iov_pages");
  const entries: string[] = [];
  for (let index = 0; index < pages; index++) {
    const base = index === 0 ? expressions.base : `${expressions.base} + ${index} * ${PAGE_SIZE_EXPRESSION}`;
    entries.push(`${indent}${indentUnitOf(text)}{ .iov_base = ${base}, .iov_len = ${PAGE_SIZE_EXPRESSION} },`);
  }
  const declaration =
    [
      `${indent}/* One iovec per page: the RFC kernel unmaps only the page at each iov_base. */`,
      `${indent}struct iovec ${name}[${pages}] = {`,
      ...entries,
      `${indent}};`,
    ].join(newline) + newline;
  const edits: FixEdit[] = [];
  const include = includeEdit(tree, text, ["sys/uio.h", "unistd.h"]);
  if (include) edits.push(include);
  if (replaced) edits.push({ startIndex: replaced.startIndex, endIndex: replaced.endIndex, newText: "" });
  edits.push({ startIndex: lineStart, endIndex: lineStart, newText: declaration });
  edits.push({ startIndex: iovNode.startIndex, endIndex: iovNode.endIndex, newText: name });
  edits.push({ startIndex: nrNode.startIndex, endIndex: nrNode.endIndex, newText: String(pages) });
  return {
    title: `Split the ${pages}-page iovec into ${pages} one-page iovecs`,
    rules: [rule],
    edits,
    isPreferred: false,
  };
}

/** Moves the first write after the call (the late fill) to just before the call's statement. */
function moveFillFix(
  analysis: CallAnalysis,
  tree: Tree,
  text: string,
  buffer: BufferFact,
  rules: string[],
): QuickFix | null {
  if (!buffer.writtenAfter) return null;
  const callNode = nodeWithRange(tree.rootNode, analysis.call.range);
  if (!callNode) return null;
  const callStatement = statementInBlock(callNode);
  const fillNode = tree.rootNode.descendantForIndex(
    buffer.writtenAfter.range.startIndex,
    Math.max(buffer.writtenAfter.range.startIndex, buffer.writtenAfter.range.endIndex - 1),
  );
  const fillStatement = fillNode ? statementInBlock(fillNode) : null;
  if (!callStatement || !fillStatement || fillStatement.type !== "expression_statement") return null;
  if (fillStatement.parent?.id !== callStatement.parent?.id || fillStatement.startIndex <= callStatement.endIndex)
    return null;
  // Moving the fill up is only correct when nothing between the call and the fill (the call included) writes a
  // name the fill reads, for example the call's result or a length computed afterwards.
  const read = identifiersIn(fillStatement);
  for (
    let sibling: Node | null = callStatement;
    sibling && sibling.id !== fillStatement.id;
    sibling = sibling.nextNamedSibling
  ) {
    if (
      sibling.type === "return_statement" ||
      sibling.type === "goto_statement" ||
      sibling.type === "break_statement" ||
      sibling.type === "continue_statement"
    )
      return null;
    for (const name of namesWritten(sibling)) if (read.has(name)) return null;
    if (
      sibling.type === "if_statement" &&
      sibling.descendantsOfType("return_statement").length > 0 &&
      sibling.id !== callStatement.id
    ) {
      // An early return between call and fill is fine: the fill then simply also happens on that path, before the call.
    }
  }
  const newline = newlineOf(text);
  const fillLine = lineStartAndIndent(text, fillStatement.startIndex);
  let fillEnd = fillStatement.endIndex;
  while (fillEnd < text.length && (text[fillEnd] === " " || text[fillEnd] === "\t")) fillEnd++;
  if (text.startsWith("\r\n", fillEnd)) fillEnd += 2;
  else if (text[fillEnd] === "\n") fillEnd += 1;
  const onlyStatementOnLine = text.slice(fillLine.lineStart, fillStatement.startIndex).trim() === "";
  const callLine = lineStartAndIndent(text, callStatement.startIndex);
  if (text.slice(callLine.lineStart, callStatement.startIndex).trim() !== "") return null;
  return {
    title: `Fill ${buffer.name} before vmsplice (move \`${fillStatement.text.length > 40 ? `${fillStatement.text.slice(0, 37)}...` : fillStatement.text}\` above the call)`,
    rules,
    edits: [
      {
        startIndex: callLine.lineStart,
        endIndex: callLine.lineStart,
        newText: `${callLine.indent}${fillStatement.text}${newline}`,
      },
      onlyStatementOnLine
        ? { startIndex: fillLine.lineStart, endIndex: fillEnd, newText: "" }
        : { startIndex: fillStatement.startIndex, endIndex: fillStatement.endIndex, newText: "" },
    ],
    isPreferred: true,
  };
}

/** Writes zeros into every segment before the call: the reader gets the same zeros, now from real pages. */
function touchFix(analysis: CallAnalysis, tree: Tree, text: string, rules: string[]): QuickFix | null {
  const call = analysis.call;
  const segments = call.iov.segments;
  if (!segments || segments.length === 0 || segments.length > 16 || call.fd.direction !== "to-pipe") return null;
  // Only anonymous memory has a zero page to avoid; writing into a file mapping would change what the file holds.
  if (
    !segments.every(
      (segment) => segment.buffer && ["private-anon", "heap", "stack", "static"].includes(segment.buffer.memory),
    )
  )
    return null;
  const callNode = nodeWithRange(tree.rootNode, call.range);
  if (!callNode) return null;
  const statement = statementInBlock(callNode);
  if (!statement) return null;
  const callLine = lineStartAndIndent(text, statement.startIndex);
  if (text.slice(callLine.lineStart, statement.startIndex).trim() !== "") return null;
  const lines: string[] = [];
  for (const segment of segments) {
    // A loop template stands for several entries whose expressions mention the loop index.
    if (segment.repeat) return null;
    const expressions = segmentExpressionsAtCall(tree, callNode, segment);
    if (!expressions) return null;
    lines.push(`memset(${expressions.base}, 0, ${expressions.length});`);
  }
  const newline = newlineOf(text);
  const edits: FixEdit[] = [];
  const include = includeEdit(tree, text, ["string.h"]);
  if (include) edits.push(include);
  const comment = `${callLine.indent}/* Touch the pages so the pipe gets real pages, not the shared zero page. */${newline}`;
  edits.push({
    startIndex: callLine.lineStart,
    endIndex: callLine.lineStart,
    newText: comment + lines.map((line) => `${callLine.indent}${line}${newline}`).join(""),
  });
  return {
    title: "Write the buffer before vmsplice (zero-fill it, so the pipe gets real pages instead of the zero page)",
    rules,
    edits,
    isPreferred: false,
  };
}

/**
 * Removes the zero-length entries of an iovec array written as an initializer list, and lowers the literal segment
 * count to match: the array is used only by its declaration and this call, so shifting the later entries down is safe.
 */
function zeroLengthFix(analysis: CallAnalysis, tree: Tree, text: string, rule: string): QuickFix | null {
  const call = analysis.call;
  const segments = call.iov.segments;
  if (!segments || segments.some((segment) => segment.repeat)) return null;
  const count = evaluate(call.iov.nrSegs, 4096);
  const empty = segments.filter((segment) => PAGE_SIZES.every((pageSize) => evaluate(segment.length, pageSize) === 0));
  if (count === null || count !== segments.length || empty.length === 0 || empty.length === segments.length)
    return null;
  const callNode = nodeWithRange(tree.rootNode, call.range);
  const iovNode = nodeWithRange(tree.rootNode, call.iov.iovRange);
  const nrNode = nodeWithRange(tree.rootNode, call.iov.nrSegsRange);
  if (
    !callNode ||
    !iovNode ||
    !nrNode ||
    nrNode.type !== "number_literal" ||
    stripParentheses(iovNode).type !== "identifier"
  )
    return null;
  const name = stripParentheses(iovNode).text;
  const functionNode = enclosingFunction(callNode);
  if (!functionNode) return null;
  const uses = functionNode
    .descendantsOfType("identifier")
    .filter((node): node is Node => node !== null && node.text === name);
  if (uses.length !== 2) return null;
  const declarationUse = uses.find((node) => node.id !== stripParentheses(iovNode).id);
  const arrayDeclarator = declarationUse?.parent;
  const initDeclarator = arrayDeclarator?.parent;
  const list = initDeclarator?.childForFieldName("value");
  if (
    !arrayDeclarator ||
    arrayDeclarator.type !== "array_declarator" ||
    !initDeclarator ||
    initDeclarator.type !== "init_declarator" ||
    !list ||
    list.type !== "initializer_list"
  )
    return null;
  const entries = list.namedChildren.filter((child): child is Node => child !== null && child.type !== "comment");
  if (entries.length !== segments.length) return null;
  const edits: FixEdit[] = [];
  for (const segment of empty) {
    if (!segment.lengthRange) return null;
    const entry = entries.find(
      (candidate) =>
        candidate.startIndex <= (segment.lengthRange as SourceRange).startIndex &&
        (segment.lengthRange as SourceRange).endIndex <= candidate.endIndex,
    );
    if (!entry) return null;
    // The entry, its comma and a comment after it on the same line go; the whole line goes when nothing else is on it.
    let end = entry.endIndex;
    while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
    if (text[end] === ",") end++;
    const lineEnd = text.indexOf("\n", end) < 0 ? text.length : text.indexOf("\n", end);
    const rest = text.slice(end, lineEnd).trim();
    const restIsComment =
      rest === "" ||
      (rest.startsWith("/*") && rest.endsWith("*/") && rest.indexOf("*/") === rest.length - 2) ||
      rest.startsWith("//");
    const { lineStart } = lineStartAndIndent(text, entry.startIndex);
    if (text.slice(lineStart, entry.startIndex).trim() === "" && restIsComment) {
      edits.push({ startIndex: lineStart, endIndex: Math.min(text.length, lineEnd + 1), newText: "" });
    } else {
      edits.push({ startIndex: entry.startIndex, endIndex: end, newText: "" });
    }
  }
  edits.push({ startIndex: nrNode.startIndex, endIndex: nrNode.endIndex, newText: String(count - empty.length) });
  return {
    title: `Remove the ${empty.length === 1 ? "zero-length iovec" : `${empty.length} zero-length iovecs`} (a 3.12 or RFC kernel stops the transfer there)`,
    rules: [rule],
    edits,
    isPreferred: true,
  };
}

/**
 * Replaces a writing `vmsplice(fd, iov, n, flags)` by `writev(fd, iov, n)`: the pipe then holds a copy made at the
 * call, so later writes to the buffer no longer reach the reader. Same return type and errno conventions; offered
 * only for direct calls without SPLICE_F_NONBLOCK (whose EAGAIN behaviour writev on a blocking pipe would not keep).
 */
function writevFix(analysis: CallAnalysis, tree: Tree, text: string, rules: string[]): QuickFix | null {
  const call = analysis.call;
  if (
    call.callee !== "vmsplice" ||
    call.fd.direction !== "to-pipe" ||
    call.flags.value === null ||
    (call.flags.value & SPLICE_F_NONBLOCK) !== 0
  )
    return null;
  const callNode = nodeWithRange(tree.rootNode, call.range);
  if (!callNode || callNode.type !== "call_expression") return null;
  const callee = callNode.childForFieldName("function");
  const argumentsNode = callNode.childForFieldName("arguments");
  const args = argumentsNode
    ? argumentsNode.namedChildren.filter((child): child is Node => child !== null && child.type !== "comment")
    : [];
  if (!callee || callee.text !== "vmsplice" || args.length !== 4) return null;
  const edits: FixEdit[] = [];
  const include = includeEdit(tree, text, ["sys/uio.h"]);
  if (include) edits.push(include);
  edits.push({ startIndex: callee.startIndex, endIndex: callee.endIndex, newText: "writev" });
  // Drop ", flags" after the third argument.
  edits.push({ startIndex: args[2].endIndex, endIndex: args[3].endIndex, newText: "" });
  return {
    title: "Copy the data now: writev() instead of vmsplice (later writes to the buffer no longer reach the reader)",
    rules,
    edits,
    isPreferred: false,
    replacesCall: true,
  };
}

/** Replaces the advice of the buffer's `madvise(..., FROM)` calls by TO (the third argument, a named constant). */
function adviceFix(
  tree: Tree,
  buffers: readonly BufferFact[],
  from: string,
  to: string,
  title: string,
  rule: string,
): QuickFix | null {
  const edits: FixEdit[] = [];
  for (const buffer of buffers) {
    for (const advice of buffer.madvise) {
      if (advice.advice !== from) continue;
      const container = tree.rootNode.descendantForIndex(
        advice.range.startIndex,
        Math.max(advice.range.startIndex, advice.range.endIndex - 1),
      );
      const call = container ? findCall(container, ["madvise", "posix_madvise"]) : null;
      const args = call ? callArguments(call) : [];
      // Only a plain constant is rewritten; advice spelled through a macro alias keeps the finding without a fix.
      if (args.length !== 3 || args[2].type !== "identifier" || args[2].text !== from) return null;
      if (!edits.some((edit) => edit.startIndex === args[2].startIndex))
        edits.push({ startIndex: args[2].startIndex, endIndex: args[2].endIndex, newText: to });
    }
  }
  return edits.length ? { title, rules: [rule], edits, isPreferred: false } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders the rule modules (server/src/rules/<rule-id>.ts) offer; the loop over rules is in rules/quick-fixes.ts.

/** What a rule module's fixes read about one call: the call, the text and tree, and the rules shown on it. */
export interface FixContext {
  analysis: CallAnalysis;
  text: string;
  tree: Tree;
  /** Rule ids of the findings the user is looking at (already filtered by suppressions and settings). */
  rules: ReadonlySet<string>;
  flags: number | null;
  writer: boolean;
  reader: boolean;
  buffers: readonly BufferFact[];
  /** Some buffer of the call is used or written after it. */
  usedAfter: boolean;
}

export function fixContext(analysis: CallAnalysis, text: string, tree: Tree, findings: readonly Finding[]): FixContext {
  const call = analysis.call;
  const buffers = (call.iov.segments ?? [])
    .map((segment) => segment.buffer)
    .filter((buffer): buffer is BufferFact => buffer !== null);
  return {
    analysis,
    text,
    tree,
    rules: new Set(findings.map((finding) => finding.rule)),
    flags: call.flags.value,
    writer: call.fd.direction === "to-pipe",
    reader: call.fd.direction === "from-pipe",
    buffers,
    usedAfter: buffers.some((buffer) => buffer.usedAfter !== null || buffer.writtenAfter !== null),
  };
}

/** The rules of `group` shown on the call, in the group's order. */
export function shownRules(context: FixContext, group: readonly string[]): string[] {
  return group.filter((rule) => context.rules.has(rule));
}

/** Adding a flag claims the pages then move, so every segment must be held back by that flag alone. */
export function onlyBlockedBy(context: FixContext, rule: string): boolean {
  const analysis = context.analysis;
  return (
    analysis.segments.length > 0 &&
    analysis.missing.length === 0 &&
    analysis.segments.every(
      (segment) => segment.missing.length === 0 && segment.pages !== null && segment.rules.every((id) => id === rule),
    )
  );
}

/** Rewrites the flags argument to `change(flags)`; nothing when the flags are unknown. */
export function flagsChange(
  context: FixContext,
  change: (flags: number) => number,
  title: string,
  rules: string[],
  isPreferred: boolean,
): QuickFix | null {
  const flags = context.flags;
  if (flags === null) return null;
  return flagsFix(context.analysis, context.tree, context.text, change(flags), title, rules, isPreferred);
}

/** One allocation fix per distinct buffer origin of the call's segments. */
export function alignmentFixes(context: FixContext, rule: string): (() => QuickFix | null)[] {
  const seen = new Set<string>();
  const candidates: (() => QuickFix | null)[] = [];
  for (const segment of context.analysis.segments) {
    const key = segment.segment.buffer?.originRange ? String(segment.segment.buffer.originRange.startIndex) : null;
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    candidates.push(() => allocationFix(context.analysis, context.tree, context.text, segment, rule));
  }
  return candidates;
}

/** One length-rounding fix per segment the rule fired on. */
export function lengthFixes(context: FixContext, rule: string): (() => QuickFix | null)[] {
  return context.analysis.segments
    .filter((segment) => segment.rules.length === 0 || segment.rules.includes(rule))
    .map((segment) => () => roundLengthFix(context.tree, context.text, segment, rule));
}

/**
 * The literal page size in the iovec, in the allocation of its buffers and in the fills of them, all changed to the
 * runtime page size together: changing the length alone would gift (and read) a 16 or 64 KiB page out of a 4096-byte
 * allocation. Not offered when a buffer's size is a constant the fix cannot change (an array `char buf[4096]`).
 */
export function pageSizeLiteralFix(context: FixContext, rule: string): QuickFix | null {
  const segments = context.analysis.call.iov.segments ?? [];
  const values = segments.flatMap((segment) => [segment.length, segment.offset]);
  const extra: SourceRange[] = [];
  const sizes: SymValue[] = [];
  for (const segment of segments) {
    if (!segment.buffer) continue;
    extra.push(...fillLiterals(context.analysis, context.tree, segment.buffer));
    if (segment.buffer.size) sizes.push(segment.buffer.size);
  }
  const changesAllocation = sizes.some((size) => literalPageSizes(size).length > 0);
  const changesFill = extra.length > 0;
  const parts = ["the length", changesAllocation ? "the allocation" : "", changesFill ? "the fill" : ""].filter(
    Boolean,
  );
  const title = `Use the runtime page size ${PAGE_SIZE_EXPRESSION} instead of 4096 in ${parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0]}`;
  const fix = literalFix(context.tree, context.text, [...values, ...sizes], rule, extra, title);
  if (!fix) return null;
  // A buffer whose size stays a constant would be outgrown by a length that follows the page size.
  const edited = new Set(fix.edits.map((edit) => edit.startIndex));
  for (const size of sizes) {
    const constant = PAGE_SIZES.every((pageSize) => evaluate(size, pageSize) === evaluate(size, PAGE_SIZES[0]));
    if (!constant) continue;
    const literals = literalPageSizes(size);
    if (literals.length === 0 || literals.some((range) => !edited.has(range.startIndex) && !definedIn(fix, range)))
      return null;
  }
  return fix;
}

/** Whether an edit of the fix lies inside the range (a `#define PAGE 4096` line is edited at its literal). */
function definedIn(fix: QuickFix, range: SourceRange): boolean {
  return fix.edits.some((edit) => edit.startIndex >= range.startIndex && edit.endIndex <= range.endIndex);
}

export function readEndFix(context: FixContext, rule: string): QuickFix | null {
  return wrongEndFix(context.analysis, context.tree, rule);
}

/** Replaces the vmsplice by writev for the alias rules shown (one fix for the group). */
export function copyWithWritevFix(context: FixContext, group: readonly string[]): QuickFix | null {
  const rules = shownRules(context, group);
  return rules.length > 0 ? writevFix(context.analysis, context.tree, context.text, rules) : null;
}

export function dropEmptySegmentsFix(context: FixContext, rule: string): QuickFix | null {
  return zeroLengthFix(context.analysis, context.tree, context.text, rule);
}

export function madviseFix(
  context: FixContext,
  from: string,
  to: string,
  title: string,
  rule: string,
): QuickFix | null {
  return adviceFix(context.tree, context.buffers, from, to, title, rule);
}

export function onePagePerIovecFix(context: FixContext, rule: string): QuickFix | null {
  return splitIovecFix(context.analysis, context.tree, context.text, rule);
}

/**
 * For the zero-page rules shown (`group`): move a fill written after the call before it, or (only when the buffer is
 * not filled after the call at all) write every page before the call.
 */
export function fillBeforeFix(context: FixContext, group: readonly string[], lateRule: string): QuickFix | null {
  const rules = shownRules(context, group);
  if (rules.length === 0) return null;
  const late = context.buffers.find((buffer) => buffer.writtenAfter !== null && buffer.writtenBefore !== "yes");
  const moved = late ? safely(() => moveFillFix(context.analysis, context.tree, context.text, late, rules)) : null;
  if (moved) return moved;
  return context.rules.has(lateRule) ? null : touchFix(context.analysis, context.tree, context.text, rules);
}

/** Runs a fix builder; a failure inside it drops that fix only. */
export function safely<T>(make: () => T | null): T | null {
  try {
    return make();
  } catch {
    return null;
  }
}
