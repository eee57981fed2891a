/**
 * Call discovery and fact extraction: finds every vmsplice call (direct, `syscall(SYS_vmsplice, ...)`, and same-file
 * wrappers reported at their call sites with the caller's arguments), then reconstructs its descriptor direction,
 * flags, iovec segments and buffer facts.
 *
 * Discovery starts from the text occurrences of the names and reaches the tree with `descendantForIndex`, so a large file
 * costs little beyond its parse. Calls inside tree-sitter ERROR regions are found too.
 * Pure; no I/O, no editor or protocol imports; never throws for any input (the caller still guards).
 */
import type { Node, Tree } from "web-tree-sitter";
import type {
  BufferFact,
  CalleeKind,
  Direction,
  FdFact,
  FlagsFact,
  SegmentFact,
  SegmentsFact,
  SourceRange,
  SpliceCall,
  SymValue,
  VmspliceCall,
} from "./facts";
import { baseIdentifier, BufferResolver } from "./buffers";
import { PipeFillers, type ExternalFieldFill, type ExternalPipeFiller } from "./pipe-fillers";
import {
  FileIndex,
  pathDefinitions,
  pathDefinitionsOf,
  reachingDefinitions,
  type Definition,
  type FunctionScope,
} from "./scope";
import {
  alignedArguments,
  callArguments,
  callName,
  contains,
  enclosingFunction,
  inErrorRegion,
  isBroken,
  mentions,
  namedChildren,
  parseForLoop,
  toRange,
  unwrap,
  subscriptIndex,
  isStatic,
} from "./syntax";
import { parentOf } from "./ancestry";
import {
  clip,
  declarationOfName,
  describeValue,
  structTypeOf,
  Evaluator,
  firstUnknownReason,
  sameValue,
  SYSTEM_CONSTANTS,
  unknown,
  type EvalContext,
} from "./values";

/** An argument expression and the function scope its names resolve in (the caller's, for wrapper call sites). */
interface ArgumentRef {
  node: Node;
  scope: FunctionScope | null;
}

interface RawCall {
  /** The call expression reported (for wrappers: the wrapper's call site). */
  node: Node;
  callee: CalleeKind;
  wrapperName: string | null;
  /** fd, iov, nr_segs, flags. */
  args: (ArgumentRef | null)[];
  /** Callee name node (for the range of the name). */
  calleeNode: Node;
}

/** An iovec entry's base and length expressions, before evaluation (null: left out of the initializer). */
interface RawEntry {
  base: ArgumentRef | null;
  length: ArgumentRef | null;
}

/** One value an iovec member may hold at the call: an expression, zero (left out of an initializer) or not set. */
type Candidate = ArgumentRef | "zero" | "unset";

const MAX_CALLS = 20_000;
const MAX_WRAPPER_DEPTH = 4;

/** Facts of other files of the project, summarised by the project layer (server/src/project/). */
export interface ProjectFacts {
  pipeFillers?: readonly ExternalPipeFiller[];
  /** Functions of the unit that other files of the project call, with those files. */
  externalCallers?: ReadonlyMap<string, readonly string[]>;
  /** -D macros of the translation unit (its compile database entry): they decide simple #ifdef/#if groups. */
  defines?: ReadonlyMap<string, string>;
  /** Wrappers of vmsplice that other files of the project define. */
  wrappers?: readonly ExternalWrapper[];
  /** Struct members other files fill with pipe() (matched by struct type and field across files). */
  fieldFills?: readonly ExternalFieldFill[];
  /**
   * Set while the project's index is being built (the language server): the facts above are not known yet, so every
   * call of the unit carries this as a missing fact and none is judged a move from what is at hand.
   */
  pending?: string;
}

/** A function of another file that forwards to vmsplice: which of its parameters is fd, iov, nr_segs and flags. */
export interface ExternalWrapper {
  name: string;
  /** Parameter positions of fd, iov, nr_segs, flags; null where the wrapper passes something of its own. */
  parameters: (number | null)[];
  file: string;
  line: number;
}

export interface ExtractionResult {
  calls: VmspliceCall[];
  splices: SpliceCall[];
}

export class Extractor {
  readonly index: FileIndex;
  readonly evaluator: Evaluator;
  readonly buffers: BufferResolver;

  private readonly fillers: PipeFillers;
  private readonly helperCreationCache = new Map<
    string,
    { callee: string; site: { node: Node; args: Node[] }; nonblock: boolean | null }[]
  >();

  /** `context`: what the project layer found in other files (none: the file alone). */
  constructor(
    tree: Tree,
    text: string,
    private readonly project: ProjectFacts = {},
  ) {
    const context = project;
    this.index = new FileIndex(tree, text, context.externalCallers, context.defines);
    this.evaluator = new Evaluator(this.index);
    this.buffers = new BufferResolver(this.index, this.evaluator);
    this.fillers = new PipeFillers(
      this.index,
      (flags, scope) => {
        const value = this.evaluator.value(flags, { scope });
        return value.kind === "const" ? (value.value & 0o4000) !== 0 : null;
      },
      context.pipeFillers,
    );
  }

  dispose(): void {
    this.index.dispose();
  }

  run(): ExtractionResult {
    const raw = this.discover();
    const calls: VmspliceCall[] = [];
    for (const call of raw) {
      try {
        calls.push(this.facts(call));
      } catch (error) {
        // One call the extractor cannot handle becomes an all-unknown call rather than a lost file.
        calls.push(this.unknownCall(call, error instanceof Error ? error.message : String(error)));
      }
    }
    calls.sort((left, right) => left.range.startIndex - right.range.startIndex);
    return { calls, splices: this.splices() };
  }

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
    // Calls of wrappers defined in other files of the project, and of the unit's function-like macros around
    // vmsplice, with the caller's arguments where the wrapper forwards its parameters (an argument the wrapper fixes
    // itself is left out: unknown here).
    for (const wrapper of [...(this.project.wrappers ?? []), ...this.macroWrappers()]) {
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

  private macroWrapperList: ExternalWrapper[] | null = null;

  /**
   * Function-like macros of the unit (the file and the headers read with it) whose body is one vmsplice call — direct,
   * through sys_vmsplice, or syscall() with vmsplice's number — with which macro parameter is fd, iov, nr_segs and
   * flags (`#define my_vmsplice(fd, iov, n, fl) syscall(__NR_vmsplice, fd, iov, n, fl)`). A name with disagreeing
   * definitions has no single body and is left out.
   */
  private macroWrappers(): ExternalWrapper[] {
    if (this.macroWrapperList) return this.macroWrapperList;
    const found = new Map<string, ExternalWrapper>();
    const root = this.index.tree.rootNode;
    for (const word of ["vmsplice", "sys_vmsplice", "SYS_vmsplice", "__NR_vmsplice"]) {
      for (const offset of this.index.wordOccurrences(word, MAX_CALLS)) {
        let definition: Node | null = root.descendantForIndex(offset, offset + word.length);
        while (definition && definition.type !== "preproc_function_def") definition = parentOf(definition);
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
        const sites = this.index.callSitesOf(wrapper.name).filter((site) => !contains(wrapper.definition, site.node));
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
          return;
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
  private isVmspliceNumber(node: Node | null, depth: number): boolean {
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

  private unknownCall(call: RawCall, reason: string): VmspliceCall {
    const range = toRange(call.node);
    const missing = `the analyzer failed on this call (${reason})`;
    return {
      range,
      calleeRange: toRange(call.calleeNode),
      callee: call.callee,
      wrapperName: call.wrapperName,
      functionName: null,
      fd: {
        direction: "unknown",
        kind: "unknown",
        pipeIndex: null,
        pipeName: null,
        nonblock: null,
        pipeSizeBytes: null,
        range,
        originRange: null,
        explanation: missing,
      },
      flags: { value: null, text: "", range, definitionRanges: [], missing },
      iov: {
        segments: null,
        nrSegs: unknown(missing),
        nrSegsRange: range,
        iovRange: range,
        declarationRange: null,
        missing,
      },
      returnChecked: true,
      multithreaded: null,
      teeOnPipe: null,
      readBefore: null,
      inErrorRegion: inErrorRegion(call.node),
    };
  }

  /** Every fact of one call. */
  facts(call: RawCall): VmspliceCall {
    const [fdArgument, iovArgument, nrArgument, flagsArgument] = call.args;
    const range = toRange(call.node);
    const callScope = this.index.scopeOf(call.node);
    const fd = this.fdFact(fdArgument, range);
    let flags = this.flagsFact(flagsArgument, range);
    const external = call.wrapperName ? this.project.wrappers?.find((item) => item.name === call.wrapperName) : null;
    const macro = call.wrapperName ? this.macroWrappers().find((item) => item.name === call.wrapperName) : null;
    if (!flagsArgument && external)
      flags = {
        ...flags,
        missing: `the flags ${call.wrapperName}() passes itself (${external.file}:${external.line}; another file's constants are not followed)`,
      };
    else if (!flagsArgument && macro)
      flags = {
        ...flags,
        missing: `the flags the macro ${call.wrapperName} passes itself (not followed into its body)`,
      };
    const iov = this.segmentsFact(iovArgument, nrArgument, call.node, range);
    this.dropConsumedReuse(iov, fd, call.node, callScope);
    const threads = this.index.callSitesOf("pthread_create")[0] ?? this.index.callSitesOf("thrd_create")[0] ?? null;
    return {
      range,
      calleeRange: toRange(call.calleeNode),
      callee: call.callee,
      wrapperName: call.wrapperName,
      functionName: callScope?.name ?? null,
      fd,
      flags,
      iov,
      returnChecked: this.returnChecked(call.node, callScope),
      multithreaded: threads ? { range: toRange(threads.node) } : null,
      teeOnPipe: this.teeOnPipe(fd, fdArgument),
      readBefore: this.readBefore(fdArgument, call.node, callScope),
      inErrorRegion: inErrorRegion(call.node),
      ...(fd.assumption ? { assumptions: [fd.assumption] } : {}),
    };
  }

  // ---------------------------------------------------------------- flags

  private flagsFact(argument: ArgumentRef | null, fallback: SourceRange): FlagsFact {
    if (!argument)
      return {
        value: null,
        text: "",
        range: fallback,
        definitionRanges: [],
        missing: "the call has no flags argument",
      };
    const definitions: SourceRange[] = [];
    const value = this.evaluator.value(argument.node, { scope: argument.scope, definitions });
    const folded = value.kind === "const" ? value.value : null;
    return {
      value: folded,
      text: argument.node.text,
      range: toRange(argument.node),
      definitionRanges: dedupeRanges(definitions),
      missing:
        folded === null
          ? `flags ${clip(argument.node.text)} cannot be folded to a constant (${firstUnknownReason(value) ?? "not a constant"})`
          : null,
    };
  }

  // ---------------------------------------------------------------- descriptor

  private fdFact(argument: ArgumentRef | null, fallback: SourceRange): FdFact {
    const empty: FdFact = {
      direction: "unknown",
      kind: "unknown",
      pipeIndex: null,
      pipeName: null,
      nonblock: null,
      pipeSizeBytes: null,
      range: fallback,
      originRange: null,
      explanation: "the call has no descriptor argument",
    };
    if (!argument) return empty;
    const fact = this.fdOrigin(argument.node, argument.scope, 0);
    fact.range = toRange(argument.node);
    return fact;
  }

  private fdOrigin(node: Node, scope: FunctionScope | null, depth: number): FdFact {
    const range = toRange(node);
    const base: FdFact = {
      direction: "unknown",
      kind: "unknown",
      pipeIndex: null,
      pipeName: null,
      nonblock: null,
      pipeSizeBytes: null,
      range,
      originRange: null,
      explanation: `cannot tell which pipe end ${clip(node.text)} is`,
    };
    if (depth > 8) return base;
    const expression = unwrap(node);
    if (!expression) return base;
    if (isBroken(expression)) return { ...base, explanation: `${clip(node.text)} has a syntax error` };
    if (expression.type === "subscript_expression") return this.pipeElement(expression, scope);
    if (
      expression.type === "number_literal" ||
      (expression.type === "identifier" && ["STDIN_FILENO", "STDOUT_FILENO", "STDERR_FILENO"].includes(expression.text))
    )
      return this.standardFd(expression, base);
    if (expression.type === "identifier") return this.namedFd(expression, scope, depth, base);
    if (expression.type === "field_expression") {
      const fieldName = expression.childForFieldName("field")?.text ?? "";
      const assignments = this.evaluator.fieldAssignmentsFor(expression, scope);
      if (assignments.length === 0) return { ...base, explanation: `member ${fieldName} is not assigned in this file` };
      const facts = assignments
        .slice(0, 16)
        .map((assignment) => this.fdValue(assignment.value, this.index.scopeOf(assignment.site), depth + 1));
      return this.withDescriptorState(
        agreeFd(facts, fieldName, { ...base, explanation: `member ${fieldName} holds different descriptors` }),
        expression,
        fieldName,
      );
    }
    if (expression.type === "call_expression") return this.fdValue(expression, scope, depth + 1);
    return base;
  }

  /** 0, 1, 2 and STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO: the direction standard input and output are open for. */
  private standardFd(expression: Node, base: FdFact): FdFact {
    const number = expression.type === "number_literal" ? Number(expression.text) : SYSTEM_CONSTANTS[expression.text];
    if (number === 0)
      return {
        ...base,
        direction: "from-pipe",
        explanation: "standard input is open for reading: the call reads from the pipe (when stdin is a pipe)",
      };
    if (number === 1 || number === 2) {
      const sized = expression.type === "identifier" ? this.pipeSize(expression.text) : null;
      return {
        ...base,
        direction: "to-pipe",
        pipeSizeBytes: sized,
        nonblock: expression.type === "identifier" && this.fcntlSetsNonblock(expression.text) ? true : null,
        explanation: `${number === 1 ? "standard output" : "standard error"} is open for writing: the call writes into the pipe (when it is a pipe)`,
      };
    }
    return base;
  }

  /** A descriptor variable: its reaching definitions, its callers' arguments when a parameter, or a global's. */
  private namedFd(expression: Node, scope: FunctionScope | null, depth: number, base: FdFact): FdFact {
    const name = expression.text;
    if (scope) {
      const definitions = reachingDefinitions(scope, name, expression).filter(
        (definition) => definition.kind === "init" || definition.kind === "assign",
      );
      if (definitions.length > 0) {
        const facts = definitions.map((definition) =>
          definition.value ? this.fdValue(definition.value, scope, depth + 1) : base,
        );
        return this.withDescriptorState(agreeFd(facts, name, base), expression, name);
      }
      const position = scope.parameters.indexOf(name);
      if (position >= 0 && scope.name) {
        const sites = this.index.callersOf(scope.name);
        if (sites.length === 0)
          return {
            ...base,
            explanation: `${name} is a parameter of ${scope.name}(), ${this.index.callerNote(scope.name)}`,
          };
        const facts = sites
          .slice(0, 32)
          .map((site) =>
            site.args[position] ? this.fdOrigin(site.args[position], this.index.scopeOf(site.node), depth + 1) : base,
          );
        return this.withDescriptorState(
          agreeFd(facts, name, {
            ...base,
            explanation: `callers of ${scope.name}() pass different descriptors for ${name}`,
          }),
          expression,
          name,
        );
      }
    }
    const globals = this.index
      .globalDefinitions(name)
      .filter((definition) => definition.kind === "init" || definition.kind === "assign");
    if (globals.length > 0) {
      const facts = globals
        .slice(0, 16)
        .map((definition) =>
          definition.value ? this.fdValue(definition.value, this.index.scopeOf(definition.site), depth + 1) : base,
        );
      return this.withDescriptorState(agreeFd(facts, name, base), expression, name);
    }
    return base;
  }

  /** A descriptor value expression: a pipe element, open(), socket(), dup() or another variable. */
  /** open(), open64(), openat(): a FIFO's end by the open mode, or a regular file when created, truncated or appended. */
  private openedFd(expression: Node, name: string, scope: FunctionScope | null, base: FdFact): FdFact {
    const args = callArguments(expression);
    const flagsNode = args[name === "openat" ? 2 : 1] ?? null;
    const flags = this.evaluator.value(flagsNode, { scope });
    const isFifo =
      this.index.callSitesOf("mkfifo").length > 0 ||
      this.index.callSitesOf("mkfifoat").length > 0 ||
      this.index.callSitesOf("mknod").length > 0;
    const origin = {
      ...base,
      originRange: toRange(expression),
      kind: isFifo ? ("fifo" as const) : ("unknown" as const),
    };
    if (flags.kind !== "const")
      return { ...origin, explanation: `open() flags ${clip(flagsNode?.text ?? "")} cannot be folded` };
    const mode = flags.value & 3;
    const nonblock = (flags.value & 0o4000) !== 0;
    if (!isFifo && (flags.value & (0o100 | 0o1000 | 0o2000)) !== 0) {
      return {
        ...origin,
        kind: "not-pipe",
        explanation: `open() with O_CREAT, O_TRUNC or O_APPEND of ${clip(args[name === "openat" ? 1 : 0]?.text ?? "a path")} makes a regular file, not a pipe (no mkfifo() in this file)`,
      };
    }
    const what = isFifo ? "the FIFO" : "the file (a FIFO, for vmsplice to work)";
    if (mode === 1)
      return {
        ...origin,
        direction: "to-pipe",
        nonblock,
        explanation: `${what} is opened O_WRONLY: the call writes into the pipe`,
      };
    if (mode === 2)
      return {
        ...origin,
        direction: "to-pipe",
        nonblock,
        explanation: `${what} is opened O_RDWR, which vmsplice treats as the write end`,
      };
    return {
      ...origin,
      direction: "from-pipe",
      nonblock,
      explanation: `${what} is opened O_RDONLY: the call reads from the pipe`,
    };
  }

  private fdValue(node: Node, scope: FunctionScope | null, depth: number): FdFact {
    const expression = unwrap(node);
    const range = toRange(node);
    const base: FdFact = {
      direction: "unknown",
      kind: "unknown",
      pipeIndex: null,
      pipeName: null,
      nonblock: null,
      pipeSizeBytes: null,
      range,
      originRange: null,
      explanation: `cannot tell which pipe end ${clip(node.text)} is`,
    };
    if (!expression) return base;
    if (expression.type !== "call_expression") return this.fdOrigin(expression, scope, depth);
    const name = callName(expression) ?? "";
    const args = callArguments(expression);
    if (name === "open" || name === "open64" || name === "openat") return this.openedFd(expression, name, scope, base);
    if (
      [
        "socket",
        "accept",
        "accept4",
        "eventfd",
        "signalfd",
        "timerfd_create",
        "epoll_create",
        "epoll_create1",
        "memfd_create",
        "inotify_init",
        "inotify_init1",
        "creat",
      ].includes(name)
    ) {
      return {
        ...base,
        kind: "not-pipe",
        originRange: toRange(expression),
        explanation: `the descriptor comes from ${name}(), which is not a pipe`,
      };
    }
    if ((name === "dup" || name === "fcntl") && args[0]) return this.fdOrigin(args[0], scope, depth + 1);
    if (name === "fileno" && args[0]) {
      const stream = unwrap(args[0])?.text;
      if (stream === "stdout" || stream === "stderr")
        return { ...base, direction: "to-pipe", explanation: `fileno(${stream}) is open for writing` };
      if (stream === "stdin")
        return { ...base, direction: "from-pipe", explanation: "fileno(stdin) is open for reading" };
    }
    return { ...base, explanation: `the descriptor comes from ${name}(), which the analyzer cannot see` };
  }

  /** `fds[1]`: a pipe()/pipe2() array element. */
  private pipeElement(subscript: Node, scope: FunctionScope | null): FdFact {
    const range = toRange(subscript);
    const array = unwrap(subscript.childForFieldName("argument"));
    const indexValue = this.evaluator.value(subscriptIndex(subscript), { scope });
    const arrayName =
      array?.type === "field_expression" ? (array.childForFieldName("field")?.text ?? "") : (array?.text ?? "");
    const base: FdFact = {
      direction: "unknown",
      kind: "unknown",
      pipeIndex: null,
      pipeName: arrayName,
      nonblock: null,
      pipeSizeBytes: null,
      range,
      originRange: null,
      explanation: `cannot find the pipe() call that fills ${clip(array?.text ?? "")}`,
    };
    let creation = array ? this.pipeCreation(arrayName, array, scope) : null;
    if (!creation && array?.type === "identifier" && scope && scope.name && scope.parameters.includes(arrayName)) {
      // `int fds[2]` passed in: follow the callers' arrays; they must all come from pipe() and agree.
      const position = scope.parameters.indexOf(arrayName);
      const creations = this.index.callersOf(scope.name).map((site) => {
        const argument = unwrap(site.args[position] ?? null);
        if (!argument) return null;
        const name =
          argument.type === "field_expression" ? (argument.childForFieldName("field")?.text ?? "") : argument.text;
        return this.pipeCreation(name, argument, this.index.scopeOf(site.node));
      });
      if (creations.length > 0 && creations.every((item) => item !== null && item.kind === creations[0]?.kind))
        creation = creations[0];
    }
    if (creation?.kind === "mixed")
      return {
        ...base,
        explanation: `${clip(array?.text ?? "")} is filled by pipe() on one path and socketpair() on another`,
      };
    if (creation?.kind === "socketpair")
      return {
        ...base,
        kind: "not-pipe",
        originRange: toRange(creation.call.node),
        explanation: `${clip(array?.text ?? "")} is filled by socketpair(), which makes sockets, not a pipe`,
      };
    if (!creation && indexValue.kind === "const") {
      // `ch->pipefd[1] = fds[1];`: an array member filled element by element from another descriptor.
      const element = this.elementAssignment(arrayName, indexValue.value);
      if (element) {
        const fact = this.fdValue(element.value, this.index.scopeOf(element.site), 1);
        if (fact.direction !== "unknown") return { ...fact, range, pipeName: fact.pipeName ?? arrayName };
      }
    }
    if (!creation && array?.type === "field_expression") {
      const fact = this.fieldFilledElsewhere(array, scope, subscript, base);
      if (fact) return fact;
    }
    if (!creation) return base;
    const { call, nonblock } = creation;
    const fact: FdFact = {
      ...base,
      kind: "pipe",
      originRange: toRange(call.node),
      nonblock,
      pipeSizeBytes: this.pipeSize(arrayName),
    };
    if (indexValue.kind !== "const" || (indexValue.value !== 0 && indexValue.value !== 1))
      return { ...fact, explanation: `${clip(subscript.text)}: the pipe index cannot be folded to 0 or 1` };
    const pipeIndex = indexValue.value as 0 | 1;
    const direction: Direction = pipeIndex === 1 ? "to-pipe" : "from-pipe";
    return {
      ...fact,
      pipeIndex,
      direction,
      explanation: `${clip(subscript.text)} is the ${pipeIndex === 1 ? "write" : "read"} end of the pipe created by ${clip(call.node.text, 40)}`,
    };
  }

  /**
   * A struct member array no pipe() of this unit fills, but one of another file does (`pipe(ppb->p)` in page-pipe.c):
   * its direction is known, with the identity across files (the struct type and field) named as an assumption, so a
   * page that depends on it is never "move". Fills that disagree (a pipe here, a socket pair there) decide nothing.
   */
  private fieldFilledElsewhere(array: Node, scope: FunctionScope | null, subscript: Node, base: FdFact): FdFact | null {
    const key = this.arrayKey(array, scope);
    if (!key) return null;
    const fills = (this.project.fieldFills ?? []).filter((fill) => `${fill.type}.${fill.field}` === key);
    if (fills.length === 0 || fills.some((fill) => fill.creates !== fills[0].creates)) return null;
    const fill = fills[0];
    const where = `${fill.file}:${fill.line}`;
    const assumption = `${clip(array.text)} is filled in another file (${fills.length === 1 ? where : `${fills.length} places, first ${where}`}), matched by ${fill.type} and ${fill.field} across files`;
    if (fill.creates === "socketpair")
      return {
        ...base,
        kind: "not-pipe",
        assumption,
        explanation: `${clip(array.text)} is filled by socketpair() in ${where}`,
      };
    const indexValue = this.evaluator.value(subscriptIndex(subscript), { scope });
    if (indexValue.kind !== "const" || (indexValue.value !== 0 && indexValue.value !== 1)) return null;
    const pipeIndex = indexValue.value as 0 | 1;
    return {
      ...base,
      kind: "pipe",
      assumption,
      pipeIndex,
      direction: pipeIndex === 1 ? "to-pipe" : "from-pipe",
      nonblock: fills.every((item) => item.nonblock === fill.nonblock) ? fill.nonblock : null,
      explanation: `${clip(subscript.text)} is the ${pipeIndex === 1 ? "write" : "read"} end of the pipe made in ${where}`,
    };
  }

  /** The one assignment `x.name[index] = value` / `name[index] = value` in the file, if there is exactly one. */
  private elementAssignment(name: string, index: number): { value: Node; site: Node } | null {
    const found = this.elementAssignments(name).filter((assignment) => assignment.index === index);
    return found.length === 1 ? found[0] : null;
  }

  /** Per array name, every `x.name[k] = value` / `name[k] = value` with a constant k: one scan of the name per file. */
  private readonly elementAssignmentsByName = new Map<string, { index: number; value: Node; site: Node }[]>();

  private elementAssignments(name: string): { index: number; value: Node; site: Node }[] {
    const cached = this.elementAssignmentsByName.get(name);
    if (cached) return cached;
    const found: { index: number; value: Node; site: Node }[] = [];
    for (const identifier of this.index.identifierNodes(name)) {
      let holder: Node | null = parentOf(identifier);
      if (holder?.type === "field_expression") holder = parentOf(holder);
      if (holder?.type !== "subscript_expression") continue;
      const indexValue = this.evaluator.value(subscriptIndex(holder), { scope: this.index.scopeOf(holder) });
      const assignment = parentOf(holder);
      if (indexValue.kind !== "const") continue;
      if (
        assignment?.type === "assignment_expression" &&
        assignment.childForFieldName("left")?.id === holder.id &&
        assignment.childForFieldName("operator")?.text === "="
      ) {
        const value = assignment.childForFieldName("right");
        if (value) found.push({ index: indexValue.value, value, site: assignment });
      }
    }
    this.elementAssignmentsByName.set(name, found);
    return found;
  }

  /** The pipe()/pipe2() call whose array argument has this name (identifier or struct member), anywhere in the file. */
  /**
   * The pipe()/pipe2() (or socketpair()) call that fills this very array: identity is the array's declaration for a
   * variable, and (struct type, field) for a member; arrays of the same name declared elsewhere are other arrays.
   */
  private pipeCreation(
    arrayName: string,
    array: Node,
    scope: FunctionScope | null,
  ): { kind: "pipe" | "socketpair" | "mixed"; call: { node: Node; args: Node[] }; nonblock: boolean | null } | null {
    const key = this.arrayKey(array, scope);
    const matches: { callee: string; site: { node: Node; args: Node[] }; nonblock?: boolean | null }[] = [];
    for (const callee of ["pipe", "pipe2", "socketpair"]) {
      for (const site of this.index.callSitesOf(callee)) {
        const argument = unwrap(site.args[callee === "socketpair" ? 3 : 0] ?? null);
        if (!argument) continue;
        const name = argument.type === "field_expression" ? argument.childForFieldName("field")?.text : argument.text;
        if (name !== arrayName) continue;
        const other = this.arrayKey(argument, this.index.scopeOf(site.node));
        if (key !== null && other !== null && key !== other) continue;
        matches.push({ callee, site });
      }
    }
    matches.push(...this.helperCreations(arrayName, key));
    if (matches.length === 0) return null;
    const sockets = matches.filter((match) => match.callee === "socketpair");
    if (sockets.length === matches.length) return { kind: "socketpair", call: sockets[0].site, nonblock: null };
    if (sockets.length > 0) return { kind: "mixed", call: matches[0].site, nonblock: null };
    const { callee, site, nonblock: helperNonblock } = matches[0];
    let nonblock: boolean | null = helperNonblock ?? false;
    if (callee === "pipe2") {
      const flags = this.evaluator.value(site.args[1] ?? null, { scope: this.index.scopeOf(site.node) });
      nonblock = flags.kind === "const" ? (flags.value & 0o4000) !== 0 : null;
    }
    if (this.fcntlSetsNonblock(arrayName)) nonblock = true;
    return { kind: "pipe", call: site, nonblock };
  }

  /**
   * Calls of pipe fillers (pipe-fillers.ts: `SAFE_PIPE(fds)`, `make_pipe(fds)`) with this array, found from the
   * array's own occurrences; the array's identity must match as for a direct pipe() call.
   */
  private helperCreations(
    arrayName: string,
    key: string | null,
  ): { callee: string; site: { node: Node; args: Node[] }; nonblock: boolean | null }[] {
    // Every call on the same array asks the same question: answered once per array (linear in the calls).
    const cacheKey = `${arrayName}\0${key ?? ""}`;
    const cached = this.helperCreationCache.get(cacheKey);
    if (cached) return cached;
    const found: { callee: string; site: { node: Node; args: Node[] }; nonblock: boolean | null }[] = [];
    this.helperCreationCache.set(cacheKey, found);
    for (const identifier of this.index.identifierNodes(arrayName)) {
      let argument: Node = identifier;
      let holder = parentOf(identifier);
      if (holder?.type === "field_expression" && holder.childForFieldName("field")?.id === identifier.id) {
        argument = holder;
        holder = parentOf(holder);
      }
      while (holder && (holder.type === "parenthesized_expression" || holder.type === "cast_expression")) {
        argument = holder;
        holder = parentOf(holder);
      }
      const call = holder?.type === "argument_list" ? parentOf(holder) : null;
      const callee = call?.type === "call_expression" ? callName(call) : null;
      if (!call || !callee) continue;
      const args = callArguments(call);
      const position = args.findIndex((item) => item.id === argument.id);
      const hop = position >= 0 ? this.fillers.filler(callee, position) : null;
      if (!hop) continue;
      const other = this.arrayKey(argument, this.index.scopeOf(call));
      if (key !== null && other !== null && key !== other) continue;
      found.push({ callee: hop.creates, site: { node: call, args }, nonblock: hop.nonblock });
    }
    return found;
  }

  /** The identity of an array expression: its declaration, or (struct type, field); null when it cannot be resolved. */
  private arrayKey(array: Node, scope: FunctionScope | null): string | null {
    const node = unwrap(array);
    if (node?.type === "identifier") {
      const declaration = declarationOfName(node.text, node, scope, this.index);
      return declaration ? `declaration@${declaration.startIndex}` : null;
    }
    if (node?.type === "field_expression") {
      const type = structTypeOf(node, scope, this.index);
      return type ? `${type}.${node.childForFieldName("field")?.text ?? ""}` : null;
    }
    return null;
  }

  /** fcntl(x, F_SETFL, ... O_NONBLOCK ...) on a descriptor whose expression mentions `name`. */
  private fcntlSetsNonblock(name: string): boolean {
    for (const site of this.index.callSitesOf("fcntl")) {
      if (!mentions(site.args[0] ?? null, name)) continue;
      if (!this.isConstant(site.args[1] ?? null, site.node, "F_SETFL")) continue;
      const flags = this.evaluator.value(site.args[2] ?? null, { scope: this.index.scopeOf(site.node) });
      if (flags.kind === "const" && (flags.value & 0o4000) !== 0) return true;
      if (site.args[2] && mentions(site.args[2], "O_NONBLOCK")) return true;
    }
    return false;
  }

  private pipeSize(name: string): SymValue | null {
    for (const site of this.index.callSitesOf("fcntl")) {
      if (!mentions(site.args[0] ?? null, name) || !this.isConstant(site.args[1] ?? null, site.node, "F_SETPIPE_SZ"))
        continue;
      return this.evaluator.value(site.args[2] ?? null, { scope: this.index.scopeOf(site.node) });
    }
    return null;
  }

  private withDescriptorState(fact: FdFact, _expression: Node, name: string): FdFact {
    let result = fact;
    if (result.nonblock !== true && this.fcntlSetsNonblock(name)) result = { ...result, nonblock: true };
    if (result.pipeSizeBytes === null) result = { ...result, pipeSizeBytes: this.pipeSize(name) };
    return result;
  }

  // ---------------------------------------------------------------- iovec

  private segmentsFact(
    iovArgument: ArgumentRef | null,
    nrArgument: ArgumentRef | null,
    call: Node,
    fallback: SourceRange,
  ): SegmentsFact {
    const nrSegs = nrArgument
      ? this.evaluator.value(nrArgument.node, { scope: nrArgument.scope })
      : unknown("no nr_segs argument");
    const result: SegmentsFact = {
      segments: null,
      nrSegs,
      nrSegsRange: nrArgument ? toRange(nrArgument.node) : fallback,
      iovRange: iovArgument ? toRange(iovArgument.node) : fallback,
      declarationRange: null,
      missing: null,
    };
    if (!iovArgument) return { ...result, missing: "the call has no iovec argument" };
    const entries = this.iovEntries(iovArgument.node, iovArgument.scope, call, 0);
    if ("missing" in entries) return { ...result, missing: entries.missing };
    result.declarationRange = entries.declaration ? toRange(entries.declaration) : null;
    result.segments = entries.segments;
    return result;
  }

  /** The iovec entries an iov argument points at, in order (templates for loop-filled arrays). */
  private iovEntries(
    node: Node,
    scope: FunctionScope | null,
    call: Node,
    depth: number,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    if (depth > 6) return { missing: `iovec ${clip(node.text)} is too indirect` };
    const expression = unwrap(node);
    if (!expression) return { missing: "no iovec expression" };
    if (expression.type === "pointer_expression" && expression.child(0)?.type === "&") {
      const target = unwrap(expression.childForFieldName("argument"));
      if (!target) return { missing: "no iovec expression" };
      if (target.type === "identifier") return this.iovVariable(target, scope, call, false);
      if (target.type === "compound_literal_expression")
        return this.iovInitializer(target.childForFieldName("value"), scope, call, target);
      if (target.type === "subscript_expression") {
        const array = unwrap(target.childForFieldName("argument"));
        const start = this.evaluator.value(subscriptIndex(target), { scope });
        if (array?.type === "identifier") {
          const entries = this.iovVariable(array, scope, call, true);
          if ("missing" in entries) return entries;
          if (start.kind === "const") return { ...entries, segments: dropEntries(entries.segments, start.value) };
          // `&iov[done]` when resubmitting the rest of a loop-filled array: every remaining entry has the template's shape.
          if (entries.segments.length > 0 && entries.segments.every((segment) => segment.repeat)) {
            return {
              ...entries,
              segments: entries.segments.map((segment) => ({
                ...segment,
                repeat: {
                  count: unknown(`entries left after ${clip(target.text)}`),
                  start: segment.repeat?.start ?? { kind: "const", value: 0 },
                },
              })),
            };
          }
          return {
            missing: `iovec ${clip(target.text)}: the analyzer cannot tell which entries start at ${clip(subscriptIndex(target)?.text ?? "")}`,
          };
        }
      }
      return { missing: `iovec ${clip(target.text)} is not a variable the analyzer can follow` };
    }
    if (expression.type === "compound_literal_expression")
      return this.iovInitializer(expression.childForFieldName("value"), scope, call, expression);
    if (expression.type === "identifier") {
      const name = expression.text;
      if (scope) {
        const array = (scope.definitions.get(name) ?? []).find(
          (definition) => definition.kind === "array" && definition.site.startIndex < call.startIndex,
        );
        if (array) return this.iovVariable(expression, scope, call, true);
        const definitions = reachingDefinitions(scope, name, expression).filter(
          (definition) => definition.kind === "init" || definition.kind === "assign",
        );
        if (definitions.length === 1 && definitions[0].value) {
          const value = unwrap(definitions[0].value);
          if (value?.type === "call_expression" && ["malloc", "calloc", "alloca"].includes(callName(value) ?? ""))
            return this.iovVariable(expression, scope, call, true);
          return this.iovEntries(definitions[0].value, scope, call, depth + 1);
        }
        if (definitions.length > 1) return { missing: `iovec pointer ${name} has different values on different paths` };
        const position = scope.parameters.indexOf(name);
        if (position >= 0 && scope.name) {
          const sites = this.index.callersOf(scope.name);
          if (sites.length === 1 && sites[0].args[position])
            return this.iovEntries(
              sites[0].args[position],
              this.index.scopeOf(sites[0].node),
              sites[0].node,
              depth + 1,
            );
          return {
            missing: `iovec ${name} is a parameter of ${scope.name}() with ${sites.length === 0 ? "no callers" : "several callers"} in this file`,
          };
        }
      }
      const globals = this.index.globalDefinitions(name);
      if (globals.some((definition) => definition.kind === "array" || definition.kind === "init"))
        return this.iovVariable(expression, scope, call, true);
      return { missing: `iovec ${name} is not declared in this file` };
    }
    if (expression.type === "binary_expression" && expression.childForFieldName("operator")?.text === "+") {
      const start = this.evaluator.value(expression.childForFieldName("right"), { scope });
      const inner = this.iovEntries(expression.childForFieldName("left") ?? expression, scope, call, depth + 1);
      if ("missing" in inner) return inner;
      if (start.kind !== "const") return { missing: `iovec offset ${clip(expression.text)} cannot be folded` };
      return { ...inner, segments: dropEntries(inner.segments, start.value) };
    }
    return { missing: `iovec ${clip(expression.text)} is not an expression the analyzer can follow` };
  }

  /** Entries of a struct iovec variable or array: its initializer plus member assignments before the call. */
  private iovVariable(
    identifier: Node,
    scope: FunctionScope | null,
    call: Node,
    isArray: boolean,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    const name = identifier.text;
    const local = scope
      ? (scope.definitions.get(name) ?? []).filter((definition) => definition.site.startIndex < call.startIndex)
      : [];
    const declaration =
      [...local].reverse().find((definition) => definition.declaration)?.declaration ??
      this.index.globalDefinitions(name).find((definition) => definition.declaration)?.declaration ??
      null;
    // 1. The value on entry: the declaration's initializer, or a whole-struct assignment `v = (struct iovec){...}`
    //    that reaches the call on every path.
    let initial: RawEntry[] | null = null;
    const initializer = declaration ? initializerOf(declaration, name) : null;
    if (initializer) {
      const parsed = this.rawInitializer(initializer, scope);
      if (!("missing" in parsed)) initial = parsed.entries;
    }
    if (scope && !isArray) {
      const whole = pathDefinitions(scope, name, call);
      const assigned = whole.definitions.filter((definition) => definition.kind === "assign");
      const literals = assigned.map((definition) => unwrap(definition.value ?? null));
      if (assigned.length > 0) {
        const reachesOthers =
          whole.entry ||
          whole.definitions.some((definition) => definition.kind !== "assign" && definition.kind !== "init");
        if (literals.some((value) => value?.type !== "compound_literal_expression"))
          return { missing: `iovec ${name} is copied from another struct (${clip(assigned[0].site.text)})` };
        if (assigned.length > 1 || (reachesOthers && !initializer))
          return { missing: `iovec ${name} is assigned different structs on different paths` };
        const parsed = this.rawInitializer(literals[0]?.childForFieldName("value") ?? null, scope);
        const viaInitializer = whole.definitions.some((definition) => definition.kind === "init");
        if ("missing" in parsed) return parsed;
        if (viaInitializer) return { missing: `iovec ${name} is assigned different structs on different paths` };
        initial = parsed.entries;
      }
    }
    // 2. Member stores `v.iov_base = ...`, `v[k].iov_len = ...`, and loop templates `v[i].iov_base = ...`, each member
    //    resolved over the paths to the call.
    const groups = scope ? this.memberStores(name, scope, call) : { positions: new Map(), loops: new Map() };
    if (!initial && groups.positions.size === 0 && groups.loops.size === 0) {
      return { missing: `the analyzer cannot see how iovec ${name} is filled` };
    }
    const segments: SegmentFact[] = [];
    for (const template of groups.loops.values()) {
      const base = this.memberCandidates(template.base, scope, call, null, template.variable);
      const length = this.memberCandidates(template.length, scope, call, null, template.variable);
      segments.push(this.segmentOf(base, length, call, template.variable, template.repeat));
    }
    if (groups.loops.size === 0) {
      const last = Math.max((initial?.length ?? 0) - 1, ...groups.positions.keys());
      for (let position = 0; position <= last; position++) {
        const stores = groups.positions.get(position);
        const entry = initial?.[position];
        if (!stores && !entry) return { missing: `iovec ${name}[${position}] is not filled before the call` };
        const fallback = (member: "base" | "length"): Candidate =>
          entry ? (entry[member] ?? "zero") : initial ? "zero" : "unset";
        const base = this.memberCandidates(stores?.base ?? [], scope, call, fallback("base"), null);
        const length = this.memberCandidates(stores?.length ?? [], scope, call, fallback("length"), null);
        segments.push(this.segmentOf(base, length, call, null, null));
      }
    }
    return { segments, declaration };
  }

  /** The stores to `name`'s iovec members before the call, grouped by entry position or by filling loop. */
  private memberStores(
    name: string,
    scope: FunctionScope,
    call: Node,
  ): {
    positions: Map<number, { base: Definition[]; length: Definition[] }>;
    loops: Map<
      number,
      { base: Definition[]; length: Definition[]; variable: string; repeat: NonNullable<SegmentFact["repeat"]> }
    >;
  } {
    const positions = new Map<number, { base: Definition[]; length: Definition[] }>();
    const loops = new Map<
      number,
      { base: Definition[]; length: Definition[]; variable: string; repeat: NonNullable<SegmentFact["repeat"]> }
    >();
    for (const [key, definitions] of scope.definitions) {
      if (!key.endsWith(".iov_base") && !key.endsWith(".iov_len")) continue;
      for (const definition of definitions) {
        if (definition.site.startIndex >= call.startIndex || !definition.value) continue;
        const left = unwrap(definition.site.childForFieldName("left"));
        if (left?.type !== "field_expression") continue;
        const member = left.childForFieldName("field")?.text === "iov_base" ? "base" : "length";
        const object = unwrap(left.childForFieldName("argument"));
        let position: number | null = null;
        let loop: { node: Node; variable: string; repeat: NonNullable<SegmentFact["repeat"]> } | null = null;
        if (object?.type === "identifier" && object.text === name) position = 0;
        else if (
          object?.type === "subscript_expression" &&
          unwrap(object.childForFieldName("argument"))?.text === name
        ) {
          const indexNode = subscriptIndex(object);
          const value = this.evaluator.value(indexNode, { scope });
          if (value.kind === "const") position = value.value;
          else {
            loop = this.loopOver(indexNode, definition.site, scope);
            if (!loop) continue;
          }
        } else if (object?.type === "pointer_expression" && unwrap(object.childForFieldName("argument"))?.text === name)
          position = 0;
        else continue;
        if (loop) {
          const template = loops.get(loop.node.id) ?? {
            base: [],
            length: [],
            variable: loop.variable,
            repeat: loop.repeat,
          };
          template[member].push(definition);
          loops.set(loop.node.id, template);
        } else if (position !== null) {
          const entry = positions.get(position) ?? { base: [], length: [] };
          entry[member].push(definition);
          positions.set(position, entry);
        }
      }
    }
    return { positions, loops };
  }

  /**
   * What one iovec member may hold at the call: the stores that reach it over the paths, plus the entry value (from the
   * initializer, zero when the initializer leaves it out, or "unset") when some path passes no store.
   */
  private memberCandidates(
    stores: Definition[],
    scope: FunctionScope | null,
    call: Node,
    entry: Candidate | null,
    loopVariable: string | null,
  ): Candidate[] {
    if (stores.length === 0 || !scope) return entry ? [entry] : ["unset"];
    // Inside a filling loop the store of the current iteration is the one that counts: the last one in the body.
    if (loopVariable) return [{ node: stores[stores.length - 1].value as Node, scope }];
    const reach = pathDefinitionsOf(scope, stores, call);
    const candidates: Candidate[] = reach.definitions
      .filter((definition) => definition.value)
      .map((definition) => ({ node: definition.value as Node, scope }));
    if (reach.entry || candidates.length === 0) candidates.push(entry ?? "unset");
    return candidates;
  }

  /** A segment from the candidate values of its base and length; candidates that disagree make that part unknown. */
  private segmentOf(
    bases: Candidate[],
    lengths: Candidate[],
    call: Node,
    indexVariable: string | null,
    repeat: SegmentFact["repeat"],
  ): SegmentFact {
    const reference = (candidate: Candidate | undefined): ArgumentRef | null =>
      candidate && typeof candidate === "object" ? candidate : null;
    const segment = this.segment(reference(bases[0]), reference(lengths[0]), call, indexVariable, repeat);
    if (lengths[0] === "zero") segment.length = { kind: "const", value: 0 };
    if (lengths.length > 1) {
      const values = lengths.map((candidate) =>
        candidate === "zero"
          ? ({ kind: "const", value: 0 } as SymValue)
          : candidate === "unset"
            ? unknown("iov_len is not set on some path")
            : this.evaluator.value(candidate.node, { scope: candidate.scope, indexVariable }),
      );
      if (!values.every((value) => sameValue(value, values[0])))
        segment.length = unknown(
          `iov_len differs between paths (${values.map((value) => (value.kind === "unknown" ? value.reason : describeValue(value))).join(" or ")})`,
        );
    }
    if (bases.length > 1) {
      const pointers = bases.map((candidate) =>
        typeof candidate === "object"
          ? this.buffers.pointer(candidate.node, { scope: candidate.scope, indexVariable })
          : null,
      );
      const first = pointers[0];
      const agree = pointers.every(
        (pointer) =>
          pointer !== null &&
          first !== null &&
          pointer.buffer !== null &&
          first.buffer !== null &&
          pointer.buffer.originNode?.startIndex === first.buffer.originNode?.startIndex &&
          pointer.buffer.memory === first.buffer.memory &&
          sameValue(pointer.offset, first.offset),
      );
      if (!agree) {
        segment.buffer = null;
        segment.offset = unknown(
          `iov_base points to different buffers on different paths (${bases.length} stores reach the call)`,
        );
      }
    }
    return segment;
  }

  /** A `for (i = a; i < n; i++)` loop around `site` whose induction variable is the index expression. */
  private loopOver(
    indexNode: Node | null,
    site: Node,
    scope: FunctionScope,
  ): { node: Node; variable: string; repeat: NonNullable<SegmentFact["repeat"]> } | null {
    const index = unwrap(indexNode);
    if (index?.type !== "identifier") return null;
    let current: Node | null = parentOf(site);
    while (current && current.id !== scope.node.id) {
      if (current.type === "for_statement") {
        const loop = parseForLoop(current, index.text);
        if (loop) {
          const start = this.evaluator.value(loop.start, { scope });
          const end = this.evaluator.value(loop.end, { scope });
          const count: SymValue = {
            kind: "binary",
            operator: "-",
            left: loop.inclusive
              ? { kind: "binary", operator: "+", left: end, right: { kind: "const", value: 1 } }
              : end,
            right: start,
          };
          return { node: current, variable: index.text, repeat: { count, start } };
        }
      }
      current = parentOf(current);
    }
    return null;
  }

  /** Entries of an initializer list `{ {b, l}, {.iov_base = b, .iov_len = l} }` or a single `{b, l}`. */
  private iovInitializer(
    list: Node | null,
    scope: FunctionScope | null,
    call: Node,
    declaration: Node | null,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    const parsed = this.rawInitializer(list, scope);
    if ("missing" in parsed) return parsed;
    const segments = parsed.entries.map((entry) => {
      const segment = this.segment(entry.base, entry.length, call, null, null);
      // A member the brace list leaves out is zero-initialised.
      if (!entry.length) segment.length = { kind: "const", value: 0 };
      return segment;
    });
    return { segments, declaration };
  }

  /** The base and length expressions of each entry of an initializer list `{ {b, l}, {.iov_base = b} }` or `{b, l}`. */
  private rawInitializer(
    list: Node | null,
    scope: FunctionScope | null,
  ): { entries: RawEntry[] } | { missing: string } {
    if (!list || list.type !== "initializer_list") return { missing: "the iovec initializer is not a brace list" };
    const items = namedChildren(list);
    const isSingle =
      items.length === 0 ||
      items.every(
        (item) =>
          item.type !== "initializer_list" &&
          !(
            item.type === "initializer_pair" &&
            unwrap(item.childForFieldName("value"))?.type === "initializer_list" &&
            item.child(0)?.type === "subscript_designator"
          ),
      );
    const entries: RawEntry[] = [];
    const entryOf = (entry: Node): RawEntry | null => {
      if (entry.type !== "initializer_list") return null;
      let base: Node | null = null;
      let length: Node | null = null;
      let position = 0;
      for (const item of namedChildren(entry)) {
        if (item.type === "initializer_pair") {
          const designator = namedChildren(item)[0];
          const field = designator?.type === "field_designator" ? namedChildren(designator)[0]?.text : null;
          if (field === "iov_base") base = item.childForFieldName("value");
          if (field === "iov_len") length = item.childForFieldName("value");
        } else {
          if (position === 0) base = item;
          if (position === 1) length = item;
          position++;
        }
      }
      return { base: base ? { node: base, scope } : null, length: length ? { node: length, scope } : null };
    };
    if (isSingle) {
      const single = entryOf(list);
      return single ? { entries: [single] } : { missing: "unreadable iovec initializer" };
    }
    let position = 0;
    for (const item of items) {
      let entryNode: Node | null = item;
      if (item.type === "initializer_pair") {
        const designator = namedChildren(item)[0];
        if (designator?.type === "subscript_designator") {
          const value = this.evaluator.value(namedChildren(designator)[0] ?? null, { scope });
          if (value.kind !== "const") return { missing: `iovec designator ${clip(designator.text)} cannot be folded` };
          position = value.value;
        }
        entryNode = item.childForFieldName("value");
      }
      const entry = entryNode ? entryOf(entryNode) : null;
      if (!entry) return { missing: `iovec entry ${clip(item.text)} is not a brace list` };
      if (entries.length < position) return { missing: "iovec initializer leaves holes" };
      entries[position] = entry;
      position++;
    }
    return { entries };
  }

  /** One segment: base pointer provenance, offset and length, with the buffer's lifecycle around the call. */
  private segment(
    base: ArgumentRef | null,
    length: ArgumentRef | null,
    call: Node,
    indexVariable: string | null,
    repeat: SegmentFact["repeat"],
  ): SegmentFact {
    const context = (reference: ArgumentRef): EvalContext => ({ scope: reference.scope, indexVariable });
    const lengthValue = length ? this.evaluator.value(length.node, context(length)) : unknown("iov_len is not set");
    let buffer: BufferFact | null = null;
    let offset: SymValue = unknown("iov_base is not set");
    if (base) {
      const pointer = this.buffers.pointer(base.node, context(base));
      offset = pointer.offset;
      const callScope = this.index.scopeOf(call);
      if (pointer.buffer) {
        const baseName = baseIdentifier(base.node);
        const lifecycle = this.buffers.lifecycleAcross(pointer.buffer, baseName, call, callScope);
        buffer = {
          name: baseName ?? clip(base.node.text, 30),
          origin: pointer.buffer.origin,
          memory: pointer.buffer.memory,
          alignment: pointer.buffer.alignment,
          size: pointer.buffer.size,
          writable: pointer.buffer.writable,
          originRange: pointer.buffer.originNode ? toRange(pointer.buffer.originNode) : null,
          explanation: pointer.buffer.explanation,
          ...lifecycle,
        };
      } else {
        offset = unknown(pointer.missing ?? `where ${clip(base.node.text)} points is unknown`);
        // Provenance unknown, but what the function does to the buffer around the call is still visible (aliasing rules).
        const baseName = baseIdentifier(base.node);
        if (baseName) {
          const explanation = pointer.missing ?? `where ${clip(base.node.text)} points is unknown`;
          const placeholder = {
            origin: "unknown" as const,
            memory: "unknown" as const,
            alignment: null,
            size: null,
            writable: null,
            populated: false,
            originNode: null,
            explanation,
            names: new Set<string>(),
          };
          const lifecycle = this.buffers.lifecycle(placeholder, baseName, call, callScope);
          buffer = {
            name: baseName,
            origin: "unknown",
            memory: "unknown",
            alignment: null,
            size: null,
            writable: null,
            originRange: null,
            explanation,
            ...lifecycle,
          };
        }
      }
    }
    return {
      baseText: base ? clip(base.node.text, 80) : "?",
      lengthText: length ? clip(length.node.text, 80) : "?",
      buffer,
      offset,
      length: lengthValue,
      baseRange: base && sameFileRange(base.node) ? toRange(base.node) : null,
      lengthRange: length && sameFileRange(length.node) ? toRange(length.node) : null,
      repeat,
    };
  }

  /**
   * A loop that rewrites the buffer before each vmsplice only aliases the pipe when the pages are still queued: when the
   * same loop drains that pipe after the call (read, splice or vmsplice from it), the next write is safe.
   */
  private dropConsumedReuse(iov: SegmentsFact, fd: FdFact, call: Node, scope: FunctionScope | null): void {
    if (!scope || !iov.segments) return;
    const pipeName = fd.pipeName;
    for (const segment of iov.segments) {
      const written = segment.buffer?.writtenAfter;
      if (!segment.buffer || !written?.loopCarried) continue;
      const drained = scope.calls.some(
        (site) =>
          site.start > call.endIndex &&
          ["read", "splice", "vmsplice", "tee", "recv"].includes(site.name) &&
          enclosingLoopOf(call, scope.node, site.node) &&
          (pipeName ? mentions(site.args[0] ?? null, pipeName) : false),
      );
      if (drained) segment.buffer.writtenAfter = null;
    }
  }

  // ---------------------------------------------------------------- surroundings

  private returnChecked(call: Node, scope: FunctionScope | null): boolean {
    let parent = parentOf(call);
    while (parent?.type === "parenthesized_expression") parent = parentOf(parent);
    if (!parent || parent.type === "expression_statement") return false;
    if (parent.type === "cast_expression" && parent.childForFieldName("type")?.text === "void") return false;
    const assignment =
      parent.type === "assignment_expression" ? parent : parent.type === "init_declarator" ? parent : null;
    if (assignment && scope) {
      const target =
        assignment.type === "assignment_expression"
          ? unwrap(assignment.childForFieldName("left"))
          : assignment.childForFieldName("declarator");
      if (target?.type === "identifier") {
        const callEnd = call.endIndex;
        const later = (scope.uses.get(target.text) ?? []).filter((use) => use.start >= callEnd);
        return later.length > 0;
      }
    }
    return true;
  }

  private teeOnPipe(fd: FdFact, argument: ArgumentRef | null): { range: SourceRange } | null {
    if (!argument || fd.direction !== "from-pipe" || !fd.pipeName) return null;
    for (const site of this.index.callSitesOf("tee")) {
      if (mentions(site.args[0] ?? null, fd.pipeName)) return { range: toRange(site.node) };
    }
    return null;
  }

  private readBefore(
    argument: ArgumentRef | null,
    call: Node,
    scope: FunctionScope | null,
  ): { range: SourceRange; length: SymValue } | null {
    if (!argument || !scope) return null;
    const target = this.descriptorKey(argument.node, argument.scope);
    const callStart = call.startIndex;
    for (const site of scope.calls) {
      if (site.start >= callStart) break;
      const reads = site.name === "read" || site.name === "recv";
      if (!reads && site.name !== "vmsplice") continue;
      const descriptor = site.args[0];
      if (!descriptor || target === null || this.descriptorKey(descriptor, scope) !== target) continue;
      if (reads) return { range: toRange(site.node), length: this.evaluator.value(site.args[2] ?? null, { scope }) };
      // An earlier vmsplice read from the same descriptor consumes its iovec's length (a single struct iovec is followed).
      // Worked out once per earlier call: thousands of calls on one pipe all find the same first one.
      if (!contains(site.node, call)) {
        let length = this.consumedLengths.get(site.node.id);
        if (!length) {
          const entries = site.args[1] ? this.iovEntries(site.args[1], scope, site.node, 0) : { missing: "no iovec" };
          length =
            "missing" in entries || entries.segments.length !== 1 || entries.segments[0].repeat
              ? unknown("length consumed by an earlier vmsplice")
              : entries.segments[0].length;
          this.consumedLengths.set(site.node.id, length);
        }
        return { range: toRange(site.node), length };
      }
    }
    return null;
  }

  /** Whether an argument folds to the named system constant (through macros and enums, never by its spelling). */
  private isConstant(argument: Node | null, site: Node, name: keyof typeof SYSTEM_CONSTANTS): boolean {
    const value = this.evaluator.value(argument, { scope: this.index.scopeOf(site) });
    return value.kind === "const" && value.value === SYSTEM_CONSTANTS[name];
  }

  private readonly descriptorKeys = new Map<number, string | null>();
  /** The length an earlier vmsplice call consumes, per call node (see `readBefore`). */
  private readonly consumedLengths = new Map<number, SymValue>();

  /**
   * Which descriptor an expression denotes, by resolution: the pipe()/open() call that made it plus the pipe index,
   * else the declaration of the variable holding it. Spelling (`fds[ 0 ]`, comments) never matters. Null: unresolved.
   */
  private descriptorKey(node: Node, scope: FunctionScope | null): string | null {
    const cached = this.descriptorKeys.get(node.id);
    if (cached !== undefined) return cached;
    const fact = this.fdOrigin(node, scope, 0);
    let key: string | null = null;
    if (fact.originRange) key = `origin@${fact.originRange.startIndex}:${fact.pipeIndex ?? "?"}`;
    else {
      const expression = unwrap(node);
      if (expression?.type === "identifier") {
        const declaration = declarationOfName(expression.text, expression, scope, this.index);
        key = declaration ? `variable@${declaration.startIndex}:${expression.text}` : null;
      } else if (expression?.type === "subscript_expression") {
        const array = unwrap(expression.childForFieldName("argument"));
        const index = this.evaluator.value(subscriptIndex(expression), { scope });
        const arrayKey = array ? this.arrayKey(array, scope) : null;
        key = arrayKey && index.kind === "const" ? `${arrayKey}[${index.value}]` : null;
      }
    }
    this.descriptorKeys.set(node.id, key);
    return key;
  }

  /** splice(..., SPLICE_F_MOVE or SPLICE_F_GIFT) into a pipe: the RFC zaps memory at an undefined address. */
  private splices(): SpliceCall[] {
    const found: SpliceCall[] = [];
    for (const site of this.index.callSitesOf("splice").slice(0, MAX_CALLS)) {
      const flagsNode = site.args[5];
      if (!flagsNode) continue;
      const scope = this.index.scopeOf(site.node);
      // Only a splice whose output is a pipe, from something that is not a pipe, runs the RFC's zap in splice_to_pipe.
      const output = site.args[2] ? this.fdOrigin(site.args[2], scope, 0) : null;
      const input = site.args[0] ? this.fdOrigin(site.args[0], scope, 0) : null;
      if (output?.kind !== "pipe" || input?.kind === "pipe") continue;
      found.push({
        range: toRange(site.node),
        flags: this.flagsFact({ node: flagsNode, scope }, toRange(site.node)),
        functionName: scope?.name ?? null,
      });
    }
    return found;
  }
}

/** Whether a loop inside `boundary` encloses both the call and `other`. */
function enclosingLoopOf(call: Node, boundary: Node, other: Node): boolean {
  for (let current = parentOf(call); current && current.id !== boundary.id; current = parentOf(current)) {
    if (
      (current.type === "for_statement" || current.type === "while_statement" || current.type === "do_statement") &&
      contains(current, other)
    )
      return true;
  }
  return false;
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

function agreeFd(facts: FdFact[], name: string, fallback: FdFact): FdFact {
  if (facts.length === 0) return fallback;
  const first = facts[0];
  for (const other of facts.slice(1)) {
    if (other.direction !== first.direction || other.kind !== first.kind)
      return { ...fallback, explanation: `${name} holds different descriptors on different paths` };
  }
  return first;
}

function dedupeRanges(ranges: SourceRange[]): SourceRange[] {
  const seen = new Set<string>();
  return ranges.filter((range) => {
    const key = `${range.startIndex}:${range.endIndex}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The entries after the first `count` (`&iov[count]`, `iov + count`); a loop template loses `count` iterations. */
function dropEntries(segments: SegmentFact[], count: number): SegmentFact[] {
  if (segments.length === 1 && segments[0].repeat) {
    const { repeat } = segments[0];
    const shifted: SymValue = { kind: "const", value: count };
    return [
      {
        ...segments[0],
        repeat: {
          count: { kind: "binary", operator: "-", left: repeat.count, right: shifted },
          start: { kind: "binary", operator: "+", left: repeat.start, right: shifted },
        },
      },
    ];
  }
  if (segments.some((segment) => segment.repeat)) return segments;
  return segments.slice(count);
}

function initializerOf(declaration: Node, name: string): Node | null {
  for (const child of namedChildren(declaration)) {
    if (child.type !== "init_declarator") continue;
    let declarator = child.childForFieldName("declarator");
    while (declarator && declarator.type !== "identifier") declarator = declarator.childForFieldName("declarator");
    if (declarator?.text === name) {
      const value = unwrap(child.childForFieldName("value"));
      return value?.type === "compound_literal_expression" ? value.childForFieldName("value") : value;
    }
  }
  return null;
}

/** Nodes parsed from macro bodies live in a private tree; their ranges would point into the wrong text. */
function sameFileRange(node: Node): boolean {
  return !enclosingFunction(node) || enclosingFunction(node)?.text.startsWith("void __vmsplice_lens_macro") !== true;
}
