/**
 * Call discovery: finds every vmsplice call of a unit and hands it on as a `RawCall` (the reported node, the callee kind
 * and the fd, iov, nr_segs and flags argument expressions with the scope they resolve in). Direct calls, the
 * `sys_vmsplice` stub, `syscall()` with vmsplice's number (also through a macro alias), entry points and the number the
 * project's syscall tables give (with the row as an assumption), wrappers of other files of the project and
 * function-like macros around vmsplice, same-file thin forwarders followed to their call sites, and calls
 * torn apart by ERROR regions. It owns no facts: descriptors, iovecs and surroundings are the other units' (extract.ts
 * assembles them).
 *
 * Discovery starts from the text occurrences of the names and reaches the tree with `descendantForIndex`, so a large file
 * costs little beyond its parse.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { CalleeKind, SourceRange } from "./facts";
import { type FileIndex, reachingDefinitions, type FunctionScope } from "./scope";
import { alignedArguments, callArguments, callName, contains, namedChildren, unwrap, isStatic } from "./syntax";
import { parentOf } from "./ancestry";
import { layoutOf } from "./unit";

/** An argument expression and the function scope its names resolve in (the caller's, for wrapper call sites). */
export interface ArgumentRef {
  node: Node;
  scope: FunctionScope | null;
}

export interface RawCall {
  /** The call expression reported (for wrappers: the wrapper's call site). */
  node: Node;
  callee: CalleeKind;
  wrapperName: string | null;
  /** fd, iov, nr_segs, flags. */
  args: (ArgumentRef | null)[];
  /** Callee name node (for the range of the name). */
  calleeNode: Node;
  /** Set when a syscall table of the project is what makes this a vmsplice call (or confirms it). */
  table?: TableEvidence;
}

/** A row of a project's syscall table (`*.tbl`) that names vmsplice, located in its own file. */
export interface TableRow {
  /** The table's path (for related locations) and its name relative to the project root (for messages). */
  file: string;
  display: string;
  line: number;
  /** The row's range in the table file. */
  range: SourceRange;
  abi: string;
  number: number;
}

/**
 * What the project's syscall tables say about vmsplice (project/syscall-table.ts, joined by the project index):
 * entry-point names that stand for vmsplice (`compat_sys_vmsplice`), each with the row that says so, and vmsplice's
 * number when every vmsplice row of every table gives the same one and no row of another syscall uses it.
 */
export interface SyscallTableFacts {
  entries: { name: string; row: TableRow }[];
  number: { value: number; rows: TableRow[] } | null;
}

/** How a call rests on a table: the assumption its verdict lists (null: it does not rest on it) and the rows. */
export interface TableEvidence {
  assumption: string | null;
  rows: TableRow[];
  message: string;
}

/** Names the analyzer knows as vmsplice without a table: a table row naming them is evidence, not an assumption. */
export const BUILT_IN_NAMES: ReadonlySet<string> = new Set(["vmsplice", "sys_vmsplice"]);

/** The words whose mention makes a file worth reading for the table's sake (entry names; syscall with a number). */
export function tableWords(table: SyscallTableFacts | undefined): string[] {
  if (!table) return [];
  return [...table.entries.map((entry) => entry.name), ...(table.number ? ["syscall"] : [])];
}

const where = (row: TableRow): string => `${row.display}:${row.line}`;

export const MAX_CALLS = 20_000;
const MAX_WRAPPER_DEPTH = 4;

/** A function of another file that forwards to vmsplice: which of its parameters is fd, iov, nr_segs and flags. */
export interface ExternalWrapper {
  name: string;
  /** Parameter positions of fd, iov, nr_segs, flags; null where the wrapper passes something of its own. */
  parameters: (number | null)[];
  file: string;
  line: number;
}

export class CallDiscovery {
  constructor(
    private readonly index: FileIndex,
    private readonly wrappers: readonly ExternalWrapper[] = [],
    private readonly table?: SyscallTableFacts,
  ) {}

  /** Direct calls and syscall() calls (before wrappers are followed). */
  private directCalls(): RawCall[] {
    const direct: RawCall[] = [];
    const root = this.index.tree.rootNode;
    const seen = new Set<number>();
    // `sys_vmsplice` is the raw-syscall stub of projects like CRIU, declared in a header and defined in assembly.
    const stubs = ["sys_vmsplice"].filter((name) => !this.index.functionDefinition(name));
    for (const name of ["vmsplice", ...stubs, "SYS_vmsplice", "__NR_vmsplice"]) {
      for (const offset of this.index.wordOccurrences(name, MAX_CALLS)) {
        const node = root.descendantForIndex(offset, offset + name.length);
        if (!node || node.startIndex !== offset || node.type !== "identifier") continue;
        const found = name === "vmsplice" || name === "sys_vmsplice" ? this.directCall(node) : this.syscallCall(node);
        if (found && !seen.has(found.node.startIndex)) {
          seen.add(found.node.startIndex);
          const row = name === "sys_vmsplice" ? this.table?.entries.find((entry) => entry.name === name)?.row : null;
          // The built-in stub needs no table; a row naming it is shown as where its meaning comes from.
          if (row) found.table = { assumption: null, rows: [row], message: `${name} is vmsplice's entry point here` };
          direct.push(found);
        }
        if (direct.length >= MAX_CALLS) break;
      }
    }
    // syscall(ALIAS, …) where ALIAS is a macro for SYS_vmsplice or __NR_vmsplice: the number by resolution, not spelling.
    for (const site of this.index.callSitesOf("syscall")) {
      if (direct.length >= MAX_CALLS) break;
      if (seen.has(site.node.startIndex) || !this.isVmspliceNumber(site.args[0] ?? null, 0)) continue;
      seen.add(site.node.startIndex);
      direct.push(
        this.rawCall(site.node, site.node.childForFieldName("function") ?? site.node, site.args.slice(1), "syscall"),
      );
    }
    this.tableCalls(direct, seen);
    // Calls of wrappers defined in other files of the project, and of the unit's function-like macros around
    // vmsplice, with the caller's arguments where the wrapper forwards its parameters (an argument the wrapper fixes
    // itself is left out: unknown here).
    for (const wrapper of [...this.wrappers, ...this.macroWrappers()]) {
      if (this.index.functionDefinition(wrapper.name)) continue;
      for (const site of this.index.callSitesOf(wrapper.name)) {
        if (direct.length >= MAX_CALLS || seen.has(site.node.startIndex)) continue;
        seen.add(site.node.startIndex);
        const scope = this.index.scopeOf(site.node);
        direct.push({
          node: site.node,
          callee: "wrapper",
          wrapperName: wrapper.name,
          calleeNode: site.node.childForFieldName("function") ?? site.node,
          args: wrapper.parameters.map((position) => {
            const argument = position === null ? null : site.args[position];
            return argument ? { node: argument, scope } : null;
          }),
        });
      }
    }
    return direct;
  }

  /**
   * Calls through the project's syscall tables: an entry point a table names for vmsplice that the unit does not
   * define (`compat_sys_vmsplice(fd, iov, n, flags)`, arguments one to one), and `syscall(N, …)` with vmsplice's
   * number when the tables agree on one. Neither is known to be vmsplice on the build that runs: the row is an
   * assumption the verdict lists, so such a call is never a move on the table's word alone.
   */
  private tableCalls(direct: RawCall[], seen: Set<number>): void {
    const table = this.table;
    if (!table) return;
    for (const { name, row } of table.entries) {
      // A function or macro of that name in the unit is what the call reaches, not the generated entry point.
      if (
        BUILT_IN_NAMES.has(name) ||
        this.index.functionDefinition(name) ||
        this.index.functionMacro(name) ||
        this.index.macro(name)
      )
        continue;
      for (const site of this.index.callSitesOf(name)) {
        if (direct.length >= MAX_CALLS || seen.has(site.node.startIndex)) continue;
        seen.add(site.node.startIndex);
        const call = this.rawCall(
          site.node,
          site.node.childForFieldName("function") ?? site.node,
          site.args,
          "wrapper",
        );
        call.wrapperName = name;
        call.table = {
          assumption: `${name} is vmsplice by ${where(row)}`,
          rows: [row],
          message: `${name} is vmsplice's entry point (${row.abi ? `${row.abi} ABI, ` : ""}number ${row.number})`,
        };
        direct.push(call);
      }
    }
    const number = table.number;
    if (!number) return;
    for (const site of this.index.callSitesOf("syscall")) {
      if (direct.length >= MAX_CALLS) break;
      if (seen.has(site.node.startIndex) || this.numberOf(site.args[0] ?? null, 0) !== number.value) continue;
      seen.add(site.node.startIndex);
      const call = this.rawCall(
        site.node,
        site.node.childForFieldName("function") ?? site.node,
        site.args.slice(1),
        "syscall",
      );
      call.table = {
        assumption: `${number.value} is vmsplice's number by ${number.rows.map(where).join(", ")}`,
        rows: number.rows,
        message: `vmsplice is syscall ${number.value} in every syscall table of the project`,
      };
      direct.push(call);
    }
  }

  /** The value of an integer literal, directly or through object-like macros (null: not one). */
  private numberOf(node: Node | null, depth: number): number | null {
    const expression = unwrap(node);
    if (!expression || depth > 4) return null;
    if (expression.type === "identifier") {
      const macro = this.index.macro(expression.text);
      return macro?.value ? this.numberOf(macro.value, depth + 1) : null;
    }
    if (expression.type !== "number_literal") return null;
    const text = expression.text.replace(/[uUlL]+$/, "");
    const value = /^0[0-7]+$/.test(text) ? parseInt(text, 8) : Number(text);
    return Number.isSafeInteger(value) ? value : null;
  }

  private macroWrapperList: ExternalWrapper[] | null = null;

  /**
   * Function-like macros of the unit (the file and the headers read with it) whose body is one vmsplice call — direct,
   * through sys_vmsplice, or syscall() with vmsplice's number — with which macro parameter is fd, iov, nr_segs and
   * flags (`#define my_vmsplice(fd, iov, n, fl) syscall(__NR_vmsplice, fd, iov, n, fl)`). A name with disagreeing
   * definitions has no single body and is left out.
   */
  macroWrappers(): ExternalWrapper[] {
    if (this.macroWrapperList) return this.macroWrapperList;
    const found = new Map<string, ExternalWrapper>();
    const root = this.index.tree.rootNode;
    for (const word of ["vmsplice", "sys_vmsplice", "SYS_vmsplice", "__NR_vmsplice"]) {
      for (const offset of this.index.wordOccurrences(word, MAX_CALLS)) {
        // The word in a function-like macro is its body (a preproc_arg) or its name, a child of the definition: no
        // climb to the root for every other occurrence (quadratic in deeply nested code).
        let definition: Node | null = root.descendantForIndex(offset, offset + word.length);
        if (definition?.type !== "preproc_function_def") definition = parentOf(definition);
        if (definition?.type !== "preproc_function_def") continue;
        const name = definition?.childForFieldName("name")?.text;
        if (!definition || !name || found.has(name)) continue;
        const macro = this.index.functionMacro(name);
        const body = unwrap(macro?.body ?? null);
        if (!macro || body?.type !== "call_expression") continue;
        const callee = callName(body);
        const args = callArguments(body);
        let forwarded: Node[];
        if (callee === "vmsplice" || callee === "sys_vmsplice") forwarded = args;
        else if (callee === "syscall" && this.isVmspliceNumber(args[0] ?? null, 0)) forwarded = args.slice(1);
        else continue;
        found.set(name, {
          name,
          parameters: [0, 1, 2, 3].map((index) => {
            const inner = unwrap(forwarded[index] ?? null);
            const position = inner?.type === "identifier" ? macro.parameters.indexOf(inner.text) : -1;
            return position >= 0 ? position : null;
          }),
          file: "macro",
          line: definition.startPosition.row + 1,
        });
      }
    }
    this.macroWrapperList = [...found.values()];
    return this.macroWrapperList;
  }

  /**
   * The wrappers this file defines for other files: functions with external linkage that forward their iovec
   * parameter to vmsplice (the same thin-forwarder test as for calls in the file), with which parameter is which.
   */
  wrapperSummaries(file: string): ExternalWrapper[] {
    const found: ExternalWrapper[] = [];
    for (const call of this.directCalls()) {
      if (call.callee === "wrapper") continue;
      const wrapper = this.wrapperOf(call);
      if (!wrapper || isStatic(wrapper.definition)) continue;
      found.push({
        name: wrapper.name,
        parameters: call.args.map((argument) => {
          const inner = unwrap(argument?.node ?? null);
          const position = inner?.type === "identifier" ? wrapper.parameters.indexOf(inner.text) : -1;
          return position >= 0 ? position : null;
        }),
        file,
        line: wrapper.definition.startPosition.row + 1,
      });
    }
    return found;
  }

  /** Direct calls, syscall() calls and wrapper call sites. */
  discover(): RawCall[] {
    const direct = this.directCalls();
    const result: RawCall[] = [];
    const expand = (call: RawCall, depth: number) => {
      const wrapper = depth < MAX_WRAPPER_DEPTH ? this.wrapperOf(call) : null;
      if (wrapper) {
        // Only the main file's calls: a call in a header or a joined caller file is reported in its own file.
        const mainLength = layoutOf(this.index.tree)?.mainLength ?? Number.POSITIVE_INFINITY;
        const sites = this.index
          .callSitesOf(wrapper.name)
          .filter((site) => !contains(wrapper.definition, site.node) && site.start < mainLength);
        if (sites.length > 0) {
          for (const site of sites.slice(0, MAX_CALLS)) {
            const siteScope = this.index.scopeOf(site.node);
            const args = call.args.map((argument) => {
              if (!argument) return null;
              const inner = unwrap(argument.node);
              const position = inner?.type === "identifier" ? wrapper.parameters.indexOf(inner.text) : -1;
              if (position >= 0) {
                const outer = site.args[position];
                return outer ? { node: outer, scope: siteScope } : null;
              }
              return argument;
            });
            const calleeNode = site.node.childForFieldName("function") ?? site.node;
            expand(
              { node: site.node, callee: "wrapper", wrapperName: call.wrapperName ?? wrapper.name, args, calleeNode },
              depth + 1,
            );
          }
          // A wrapper whose address is taken (or named in a macro body) is also called in ways no call site shows:
          // its own line stays, decided by nothing its direct callers pass.
          if (!this.index.indirectUse(wrapper.name)) return;
        }
      }
      result.push(call);
    };
    for (const call of direct) expand(call, 0);
    // A file that defines its own vmsplice() wrapper reaches the same call site twice (directly and through the wrapper).
    const unique = new Map<number, RawCall>();
    for (const call of result) if (!unique.has(call.node.startIndex)) unique.set(call.node.startIndex, call);
    return [...unique.values()].slice(0, MAX_CALLS);
  }

  /** An expression naming vmsplice's syscall number: SYS_vmsplice, __NR_vmsplice, or a macro that stands for one. */
  isVmspliceNumber(node: Node | null, depth: number): boolean {
    const expression = unwrap(node);
    if (expression?.type !== "identifier" || depth > 4) return false;
    if (expression.text === "SYS_vmsplice" || expression.text === "__NR_vmsplice") return true;
    const macro = this.index.macro(expression.text);
    return macro?.value ? this.isVmspliceNumber(macro.value, depth + 1) : false;
  }

  private directCall(identifier: Node): RawCall | null {
    const parent = parentOf(identifier);
    if (parent?.type === "call_expression" && parent.childForFieldName("function")?.id === identifier.id) {
      return this.rawCall(parent, identifier, callArguments(parent), "vmsplice");
    }
    // An operand of a well-formed expression (`vmsplice[i]`, `a + vmsplice`) is no torn call; asking tree-sitter for its
    // siblings costs the nesting depth, so thousands of nested occurrences would be quadratic.
    if (parent && OPERAND_PARENTS.has(parent.type)) return null;
    // Inside ERROR regions the call may come apart into a name followed by a parenthesised list.
    const next = identifier.nextNamedSibling;
    if (
      next &&
      (next.type === "argument_list" || next.type === "parenthesized_expression") &&
      next.startIndex >= identifier.endIndex
    ) {
      const args =
        next.type === "argument_list"
          ? alignedArguments(next.children.filter((child): child is Node => child !== null))
          : flattenComma(namedChildren(next)[0] ?? null);
      if (args.length >= 3)
        return this.rawCall(parentOf(next) ?? next, identifier, args, "vmsplice", { start: identifier, end: next });
    }
    // Half-typed code (`vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT` and no closing parenthesis): the ERROR region holds the
    // name, a bare "(" and the arguments as loose siblings. Collect them up to ")" or ";".
    const open = identifier.nextSibling;
    const region = parentOf(identifier);
    if (region?.type === "ERROR" && open?.type === "(") {
      const tokens: Node[] = [];
      let last: Node = open;
      for (let sibling = open.nextSibling; sibling && tokens.length < 32; sibling = sibling.nextSibling) {
        if (
          sibling.type === ")" ||
          sibling.type === ";" ||
          sibling.type.endsWith("statement") ||
          sibling.type === "declaration"
        )
          break;
        tokens.push(sibling);
        last = sibling;
      }
      // Positions by commas, as in a well-formed argument list: a missing comma must not shift the flags.
      const args = alignedArguments(tokens);
      if (args.length >= 3) return this.rawCall(region, identifier, args, "vmsplice", { start: identifier, end: last });
    }
    return null;
  }

  private syscallCall(identifier: Node): RawCall | null {
    const list = parentOf(identifier);
    const call = parentOf(list);
    if (list?.type !== "argument_list" || call?.type !== "call_expression" || callName(call) !== "syscall") return null;
    const args = callArguments(call);
    if (args[0]?.id !== identifier.id && unwrap(args[0] ?? null)?.id !== identifier.id) return null;
    return this.rawCall(call, call.childForFieldName("function") ?? identifier, args.slice(1), "syscall");
  }

  private rawCall(
    node: Node,
    calleeNode: Node,
    args: Node[],
    callee: CalleeKind,
    span?: { start: Node; end: Node },
  ): RawCall {
    const scope = this.index.scopeOf(span ? span.start : node);
    const reported = span ? spanNode(span.start, span.end) : node;
    return {
      node: reported,
      callee,
      wrapperName: null,
      calleeNode,
      args: [0, 1, 2, 3].map((position) => (args[position] ? { node: args[position], scope } : null)),
    };
  }

  /** The wrapper function a call sits in, when it forwards its iovec parameter to vmsplice. */
  private wrapperOf(call: RawCall): { name: string; definition: Node; parameters: (string | null)[] } | null {
    const iov = call.args[1];
    const scope = iov?.scope;
    if (!iov || !scope || !scope.name) return null;
    const inner = unwrap(iov.node);
    if (inner?.type !== "identifier" || !scope.parameters.includes(inner.text)) return null;
    if (reachingDefinitions(scope, inner.text, inner).length > 0) return null;
    // Only a thin forwarder is a wrapper (a few statements, no loop); a helper that does more is reported at its own call.
    // Decided once per function: a function of thousands of calls would list its statements again for each.
    let thin = this.thinForwarders.get(scope.node.id);
    if (thin === undefined) {
      const body = scope.node.childForFieldName("body");
      const statements = body ? namedChildren(body) : [];
      thin = !(
        statements.length > 3 ||
        statements.some((statement) => ["for_statement", "while_statement", "do_statement"].includes(statement.type))
      );
      this.thinForwarders.set(scope.node.id, thin);
    }
    if (!thin) return null;
    return { name: scope.name, definition: scope.node, parameters: scope.parameters };
  }

  /** Per function definition, whether it is short enough to be a wrapper (see `wrapperOf`). */
  private readonly thinForwarders = new Map<number, boolean>();
}

function spanNode(start: Node, end: Node): Node {
  // The reported node for a call torn apart by an ERROR region: the smallest common ancestor covering both parts.
  let current: Node | null = start;
  while (current && current.endIndex < end.endIndex) current = parentOf(current);
  return current ?? start;
}

function flattenComma(node: Node | null): Node[] {
  const expression = node;
  if (!expression) return [];
  if (expression.type === "comma_expression")
    return [
      ...flattenComma(expression.childForFieldName("left")),
      ...flattenComma(expression.childForFieldName("right")),
    ];
  return [expression];
}

/** Expressions whose operands are never the pieces of a call torn apart by a syntax error. */
const OPERAND_PARENTS = new Set([
  "subscript_expression",
  "field_expression",
  "binary_expression",
  "unary_expression",
  "pointer_expression",
  "update_expression",
  "cast_expression",
  "sizeof_expression",
  "conditional_expression",
  "assignment_expression",
]);
