/**
 * Buffer lifecycle (`BufferLifecycle`): what happens to a buffer around one call, looked up in the call's function by
 * the names that hold it: written before or after the call (and whether a loop around the call writes it again), used
 * after it, fork() or clone() before or after it and whether a wait() reaps the child, madvise, mlock, munmap and
 * mprotect; beyond the function when that cannot tell whether it was written (a parameter's callers, other functions
 * of the file for a file-scope buffer). Where the buffer comes from is buffers.ts's (`Provenance` in, lifecycle out).
 * Pure; no I/O, no editor or protocol imports; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import { evaluate, PAGE_SIZES, type BufferFact, type SourceRange, type SymValue, type TriState } from "./facts";
import {
  dominates,
  endsEveryPath,
  isBranchOf,
  reachingDefinitions,
  type CallSite,
  type FileIndex,
  type FunctionScope,
} from "./scope";
import {
  callArguments,
  callName,
  contains,
  declaratorName,
  enclosingFunction as enclosingFunctionOf,
  enclosingLoops as enclosingLoopsOf,
  namedChildren,
  returnStatements,
  toRange,
  unwrap,
} from "./syntax";
import { parentOf } from "./ancestry";
import { type Evaluator, SYSTEM_CONSTANTS } from "./values";
import { baseIdentifier, isNullPointer, type Provenance } from "./buffers";
import { sameValue } from "./sym-values";

const WRITER_FUNCTIONS: Readonly<Record<string, number>> = {
  memset: 0,
  memcpy: 0,
  memmove: 0,
  mempcpy: 0,
  memccpy: 0,
  bzero: 0,
  explicit_bzero: 0,
  strcpy: 0,
  strncpy: 0,
  stpcpy: 0,
  strcat: 0,
  strncat: 0,
  sprintf: 0,
  snprintf: 0,
  vsprintf: 0,
  vsnprintf: 0,
  read: 1,
  pread: 1,
  pread64: 1,
  recv: 1,
  recvfrom: 1,
  fread: 0,
  fgets: 0,
  getrandom: 0,
  getentropy: 0,
  readlink: 1,
};

/** Calls that take the buffer without writing its bytes. */
const NON_WRITERS = new Set([
  "free",
  "munmap",
  "madvise",
  "posix_madvise",
  "mlock",
  "munlock",
  "mprotect",
  "msync",
  "vmsplice",
  "syscall",
  "write",
  "pwrite",
  "send",
  "sendto",
  "printf",
  "fprintf",
  "dprintf",
  "puts",
  "fputs",
  "fwrite",
  "strlen",
  "strnlen",
  "strcmp",
  "strncmp",
  "memcmp",
  "assert",
  "perror",
  "sizeof",
]);

/** Where a writer's length argument is, for those that write exactly that many bytes from the destination. */
const WRITE_LENGTH: Readonly<Record<string, number>> = {
  memset: 2,
  memcpy: 2,
  memmove: 2,
  mempcpy: 2,
  bzero: 1,
  explicit_bzero: 1,
  strncpy: 2,
};

/** Element types whose pointer arithmetic counts bytes (`buf + 4096` is byte 4096). */
const BYTE_TYPES = new Set(["char", "signed char", "unsigned char", "uint8_t", "int8_t", "void"]);

type FillRange = { start: SymValue; end: SymValue };

/** The function a call may run that the analyzer cannot see (`file`: where the project defines it). */
type Reached = { name: string; file: string | null; unfollowed?: boolean };

/** Allocations whose result is the buffer (posix_memalign's is an error code: its buffer is an out-parameter). */
const RETURNED_ALLOCATIONS = new Set([
  "mmap",
  "malloc",
  "calloc",
  "realloc",
  "aligned_alloc",
  "memalign",
  "valloc",
  "pvalloc",
]);

/** The variable a buffer starts at, and whether its pointer arithmetic counts bytes. */
interface Origin {
  name: string;
  bytes: boolean;
}

/** Whether a declaration's pointer points to bytes (`char *`, `unsigned char *`, `uint8_t *`, `void *`). */
function byteElements(declaration: Node | null): boolean {
  // `unsigned char` is one sized_type_specifier node; `const` is a sibling qualifier, not part of it.
  const type = declaration?.childForFieldName("type") ?? null;
  return type !== null && BYTE_TYPES.has(type.text.split(/\s+/).join(" "));
}

/** The parameter declaration of `name` in a function definition. */
function parameterDeclaration(definition: Node, name: string): Node | null {
  const declarator = definition.descendantsOfType("function_declarator")[0] ?? null;
  for (const parameter of declarator?.childForFieldName("parameters")?.namedChildren ?? [])
    if (
      parameter?.type === "parameter_declaration" &&
      declaratorName(parameter.childForFieldName("declarator"))?.text === name
    )
      return parameter;
  return null;
}

/** The expression inside any parentheses (casts kept: they change what arithmetic counts). */
function withoutParentheses(node: Node | null): Node | null {
  let current = node;
  for (let depth = 0; current?.type === "parenthesized_expression" && depth < 16; depth++)
    current = current.namedChild(0);
  return current;
}

/** `a[i]` as its array and index. */
function subscriptParts(node: Node | null): { base: Node | null; index: Node | null } | null {
  const current = unwrap(node);
  if (current?.type !== "subscript_expression") return null;
  const indices = current.childForFieldName("indices") ?? current.childForFieldName("index");
  const index = indices?.type === "subscript_argument_list" ? (indices.namedChild(0) ?? null) : indices;
  return { base: current.childForFieldName("argument"), index };
}

/** The value a `for` loop's initializer gives `name` (`for (int i = 0; …)`, `for (i = A; …)`), or null. */
function loopStart(loop: Node, name: string): Node | null {
  const initializer = loop.childForFieldName("initializer");
  if (initializer?.type === "assignment_expression")
    return unwrap(initializer.childForFieldName("left"))?.text === name ? initializer.childForFieldName("right") : null;
  if (initializer?.type !== "declaration") return null;
  for (const declarator of initializer.namedChildren)
    if (declarator?.type === "init_declarator" && declaratorName(declarator)?.text === name)
      return declarator.childForFieldName("value");
  return null;
}

/**
 * The `for (i = A; i < B; i++)` loop of `name` around `at` (inside its function), with A and B, when its body has no
 * break or goto (every round runs); null otherwise.
 */
function countingLoop(name: string, at: Node): { from: Node; to: Node } | null {
  for (let loop = parentOf(at); loop && loop.type !== "function_definition"; loop = parentOf(loop)) {
    if (loop.type !== "for_statement") continue;
    const from = loopStart(loop, name);
    if (!from) return null;
    const condition = unwrap(loop.childForFieldName("condition"));
    const update = unwrap(loop.childForFieldName("update"));
    const body = loop.childForFieldName("body");
    const stepsByOne =
      update?.type === "update_expression" &&
      update.child(0)?.type !== "--" &&
      update.child(1)?.type !== "--" &&
      unwrap(update.childForFieldName("argument"))?.text === name;
    if (
      condition?.type !== "binary_expression" ||
      condition.childForFieldName("operator")?.text !== "<" ||
      unwrap(condition.childForFieldName("left"))?.text !== name ||
      !stepsByOne ||
      !body ||
      body.descendantsOfType(["break_statement", "goto_statement"]).length > 0
    )
      return null;
    const to = condition.childForFieldName("right");
    return to ? { from, to } : null;
  }
  return null;
}

/**
 * Whether `index` is the variable of a `for` loop around `store` that starts at 0 (`for (i = 0; …)`): a store that runs
 * on every path runs at least its first round, which writes element 0.
 */
function startsAtZero(index: Node | null, store: Node): boolean {
  const name = unwrap(index);
  if (name?.type !== "identifier") return false;
  for (let loop = parentOf(store); loop; loop = parentOf(loop)) {
    if (loop.type === "function_definition") return false;
    const start = loop.type === "for_statement" ? unwrap(loopStart(loop, name.text)) : null;
    if (start) return start.type === "number_literal" && Number(start.text) === 0;
  }
  return false;
}

function plus(left: SymValue, right: SymValue): SymValue {
  return { kind: "binary", operator: "+", left, right };
}

/**
 * The first use of one of the names after the call (or earlier in a loop body around it, which runs again on the next
 * iteration) that is not its free() or munmap(); null when there is none.
 */
function usedAfterCall(
  names: ReadonlySet<string>,
  scope: FunctionScope,
  callStart: number,
  callEnd: number,
  inReusingLoop: (start: number) => boolean,
): { range: SourceRange } | null {
  for (const name of names) {
    for (const use of scope.uses.get(name) ?? []) {
      const nextIteration = use.start < callStart && inReusingLoop(use.start);
      if (use.start >= callEnd || nextIteration) {
        const useNode = use.node();
        const parentCall = parentOf(parentOf(useNode));
        const freeing =
          parentCall?.type === "call_expression" && ["free", "munmap"].includes(callName(parentCall) ?? "");
        if (!freeing) return { range: toRange(useNode) };
      }
    }
  }
  return null;
}

/**
 * Whether the buffer holds data at the call: written in the function before it, filled by its origin, or known fresh
 * (zero pages until written) when it is allocated in this function by an allocator that returns untouched memory.
 */
function writtenBeforeOf(
  provenance: Provenance,
  writtenInFunction: "every" | "some" | "none",
  scope: FunctionScope,
): TriState {
  if (writtenInFunction === "every" || provenance.populated) return "yes";
  if (writtenInFunction === "some") return "unknown";
  if (
    provenance.origin === "mmap" ||
    provenance.origin === "posix_memalign" ||
    provenance.origin === "aligned_alloc" ||
    provenance.origin === "memalign" ||
    provenance.origin === "valloc" ||
    provenance.origin === "static-array" ||
    provenance.origin === "calloc"
  )
    return provenance.originNode && contains(scope.node, provenance.originNode) ? "no" : "unknown";
  return "unknown";
}

export class BufferLifecycle {
  constructor(
    readonly index: FileIndex,
    readonly evaluator: Evaluator,
    /** ProjectFacts.definedElsewhere: where the project defines a function this unit does not. */
    private readonly definedElsewhere: (name: string) => string | null = () => null,
  ) {}

  /** Where the unit's vmsplice calls start (set by the extractor): they are not unseen calls. */
  vmspliceCalls: ReadonlySet<number> = new Set();

  /** Helpers being followed into (`helperEffect`), to bound the recursion. */
  private helperDepth = 0;

  /**
   * Call-relative lifecycle of a buffer: written before or after `call`, used after it, fork in between, madvise,
   * mlock and munmap, looked up in the call's function by the names that hold the buffer.
   */
  /**
   * The lifecycle, looking beyond the call's function when it cannot tell whether the buffer was written: a buffer passed
   * in as a parameter is followed to every call site of the function (all must agree), and a file-scope buffer counts the
   * writes and madvise calls of every other function in the file (their order against the call cannot be seen).
   */
  lifecycleAcross(
    provenance: Provenance,
    baseName: string | null,
    call: Node,
    scope: FunctionScope | null,
    depth = 0,
  ): Lifecycle {
    const local = this.lifecycle(provenance, baseName, call, scope);
    if (local.writtenBefore !== "unknown" || !scope || depth > 2) return local;
    const allocator = this.allocatorLifecycle(provenance, scope);
    if (allocator) return withAllocator(local, allocator);
    const rootName = baseName?.split(".")[0] ?? null;
    if (rootName && scope.parameters.includes(rootName) && scope.name && !scope.definitions.get(rootName)?.length) {
      const position = scope.parameters.indexOf(rootName);
      const sites = this.index.callersOf(scope.name).slice(0, 16);
      const outer = sites.map((site) => {
        const argument = site.args[position];
        const siteScope = this.index.scopeOf(site.node);
        const argumentBase = argument ? baseIdentifier(argument) : null;
        return argumentBase
          ? this.lifecycleAcross({ ...provenance, names: new Set() }, argumentBase, site.node, siteScope, depth + 1)
          : null;
      });
      if (outer.length > 0 && outer.every((item) => item !== null)) {
        const known = outer as Lifecycle[];
        const writtenBefore: TriState = known.every((item) => item.writtenBefore === "yes")
          ? "yes"
          : known.every((item) => item.writtenBefore === "no")
            ? "no"
            : "unknown";
        return {
          ...local,
          writtenBefore,
          forkBefore: local.forkBefore ?? known.find((item) => item.forkBefore)?.forkBefore ?? null,
          madvise: [...local.madvise, ...known.flatMap((item) => item.madvise)],
          mlocked: local.mlocked ?? known.find((item) => item.mlocked)?.mlocked ?? null,
          ...unseenOf([local, ...known]),
        };
      }
      return local;
    }
    const fileScope = provenance.originNode !== null && enclosingFunctionOf(provenance.originNode) === null;
    if (fileScope && baseName) {
      const elsewhere = this.usesElsewhere(baseName, scope);
      const madvise = [
        ...local.madvise,
        ...elsewhere.madvise.map((item) => ({ advice: item.advice, range: copyRange(item.range) })),
      ];
      // Written in other functions: before the call only if one of them is called before it on every path.
      const writtenBefore: TriState =
        elsewhere.writers.size === 0
          ? local.writtenBefore
          : this.callsWriterBefore(scope, call, elsewhere.writers)
            ? "yes"
            : "unknown";
      // A drop in another function: its order against the fill and the call is not followed, so it may come between.
      const drop = elsewhere.madvise.find((advice) => DROPPING_ADVICE.has(advice.advice));
      const droppedBefore =
        local.droppedBefore ?? (drop ? { advice: drop.advice, range: copyRange(drop.range) } : null);
      return { ...local, writtenBefore, madvise, droppedBefore };
    }
    return local;
  }

  /**
   * A buffer made inside another function of the unit that returns it (`char *alloc_page(void) { p = mmap(…);
   * memset(p, …); return p; }`): that function's lifecycle of it up to each return, when every return that hands out a
   * buffer returns the variable the allocation was stored in and writes it before on every path; null otherwise. Its
   * fork, madvise, munmap and mprotect between the fill and the return count as well.
   */
  private allocatorLifecycle(provenance: Provenance, scope: FunctionScope): Lifecycle | null {
    const origin = provenance.originNode;
    const definition = origin ? enclosingFunctionOf(origin) : null;
    if (!origin || !definition || contains(definition, scope.node) || contains(scope.node, definition)) return null;
    const callee = this.index.scopeOf(definition);
    const body = definition.childForFieldName("body");
    if (!callee || !body) return null;
    const handedOut = returnStatements(body)
      .map((statement) => ({ statement, value: unwrap(namedChildren(statement)[0] ?? null) }))
      .filter(({ value }) => value !== null && !isNullPointer(value));
    if (handedOut.length === 0 || handedOut.length > 8) return null;
    const lifecycles: Lifecycle[] = [];
    for (const { statement, value } of handedOut) {
      if (value?.type !== "identifier") return null;
      const stored = reachingDefinitions(callee, value.text, statement);
      if (stored.length !== 1 || !stored[0].value || !contains(stored[0].value, origin)) return null;
      const inner = this.lifecycle({ ...provenance, names: new Set() }, value.text, statement, callee);
      if (inner.writtenBefore !== "yes") return null;
      lifecycles.push(inner);
    }
    return lifecycles.reduce((joined, item) => withAllocator(joined, item));
  }

  /** Per (function, buffer name): what the other functions do to a file-scope buffer, found once, not once per call. */
  private readonly usesElsewhereByScope = new Map<string, { writers: Set<string>; madvise: Lifecycle["madvise"] }>();

  /**
   * Whether the call's function calls, before the call and on every path to it, one of `writers` (functions that write
   * a file-scope buffer), directly or through helpers of the unit (at most 4 deep).
   */
  private callsWriterBefore(scope: FunctionScope, call: Node, writers: ReadonlySet<string>): boolean {
    const reaches = (name: string, depth: number, seen: Set<string>): boolean => {
      if (writers.has(name)) return true;
      if (depth >= 4 || seen.has(name)) return false;
      seen.add(name);
      const definition = this.index.functionDefinition(name);
      const calls = definition ? (this.index.scopeOf(definition)?.calls ?? []) : [];
      return calls.some((site) => reaches(site.name, depth + 1, seen));
    };
    return scope.calls.some(
      (site) =>
        site.end <= call.startIndex && reaches(site.name, 0, new Set()) && this.runsBefore(site.node, call, scope),
    );
  }

  /** Whether functions other than `scope`'s write a file-scope buffer, and the madvise calls they make on it. */
  private usesElsewhere(
    baseName: string,
    scope: FunctionScope,
  ): { writers: Set<string>; madvise: Lifecycle["madvise"] } {
    const key = `${scope.node.id}:${baseName}`;
    const cached = this.usesElsewhereByScope.get(key);
    if (cached) return cached;
    // The functions that write the buffer ("" for a write outside any function); a call handing it to a function that
    // is not known not to write it counts as a write there.
    const writers = new Set<string>();
    const written = (node: Node) => writers.add(this.index.scopeOf(node)?.name ?? "");
    const madvise: Lifecycle["madvise"] = [];
    for (const identifier of this.index.identifierNodes(baseName, 2000)) {
      if (contains(scope.node, identifier)) continue;
      const callNode = enclosingCallOf(identifier);
      if (callNode) {
        const name = callName(callNode) ?? "";
        if (name === "madvise" || name === "posix_madvise") {
          madvise.push({
            advice: this.adviceName(name, callArguments(callNode)[2] ?? null, this.index.scopeOf(callNode)),
            range: toRange(callNode),
          });
          continue;
        }
        if (!NON_WRITERS.has(name) && !isAllocator(name)) written(identifier);
      }
      const holder = parentOf(identifier);
      const assignment = parentOf(holder);
      if (
        holder?.type === "subscript_expression" &&
        assignment?.type === "assignment_expression" &&
        assignment.childForFieldName("left")?.id === holder.id
      )
        written(identifier);
    }
    const result = { writers, madvise };
    this.usesElsewhereByScope.set(key, result);
    return result;
  }

  /**
   * The advice of a madvise() call as its constant's name, folded by the one evaluator (macros, enums, variables):
   * "MADV_MERGEABLE", or "unknown" when it cannot be folded. posix_madvise() has no KSM or huge-page advice.
   */
  /** Whether clone() flags include CLONE_VM (the child shares the address space, no copy-on-write); unknown: no. */
  private sharesMemory(flags: Node | null, scope: FunctionScope): boolean {
    const value = this.evaluator.value(flags, { scope });
    return value.kind === "const" && (value.value & SYSTEM_CONSTANTS.CLONE_VM) !== 0;
  }

  adviceName(callee: string, argument: Node | null, scope: FunctionScope | null): string {
    if (callee === "posix_madvise") return "posix_madvise";
    const value = this.evaluator.value(argument, { scope });
    if (value.kind !== "const") return "unknown";
    return madviseNames.get(value.value) ?? `MADV_${value.value}`;
  }

  /**
   * fork() and clone() without CLONE_VM around the call (spec 4.6: the child gets a copy-on-write address space): the
   * last one between the origin and the call, whether a wait() reaps it before the call, and the first one after.
   */
  private forksAround(
    index: ReturnType<typeof callIndex>,
    scope: FunctionScope,
    originStart: number,
    callStart: number,
    callEnd: number,
  ): {
    fork: { node: Node; start: number; via: string | null } | null;
    reapedAfterFork: boolean;
    forkAfter: { node: Node; start: number } | null;
  } {
    let fork: { node: Node; start: number; via: string | null } | null = null;
    let reapedAfterFork = false;
    let forkAfter: { node: Node; start: number } | null = null;
    for (const site of index.processCalls) {
      const position = site.start;
      const forks =
        site.name === "fork" ||
        site.name === "daemon" ||
        (site.name === "clone" && !this.sharesMemory(site.args[2] ?? null, scope)) ||
        this.forkingFunctions().has(site.name);
      if (forks && position >= callEnd && !forkAfter) forkAfter = { node: site.node, start: position };
      if (forks && position < callStart && position > originStart)
        fork = {
          node: site.node,
          start: position,
          via: site.name === "fork" || site.name === "clone" ? null : site.name,
        };
      if (
        (site.name === "wait" || site.name === "waitpid" || site.name === "wait4") &&
        fork &&
        position > fork.start &&
        position < callStart
      )
        reapedAfterFork = true;
    }
    return { fork, reapedAfterFork, forkAfter };
  }

  private forking: Set<string> | null = null;

  /** The variable the buffer's allocation is stored in, in `scope` (`char *buf = mmap(…)`, `buf = malloc(…)`). */
  private originVariable(provenance: Provenance, scope: FunctionScope): Origin | null {
    const allocation = provenance.originNode;
    if (!allocation || !contains(scope.node, allocation) || allocation.type !== "call_expression") return null;
    if (!RETURNED_ALLOCATIONS.has(provenance.origin)) return null;
    let holder = parentOf(allocation);
    while (holder && (holder.type === "parenthesized_expression" || holder.type === "cast_expression"))
      holder = parentOf(holder);
    const left = holder?.type === "assignment_expression" ? unwrap(holder.childForFieldName("left")) : null;
    const name =
      holder?.type === "init_declarator"
        ? (declaratorName(holder.childForFieldName("declarator"))?.text ?? null)
        : left?.type === "identifier"
          ? left.text
          : null;
    if (!name) return null;
    const declaration = (scope.definitions.get(name) ?? []).find((item) => item.declaration)?.declaration ?? null;
    return { name, bytes: byteElements(declaration) };
  }

  /**
   * The byte offset of a pointer from the buffer's start, when it is plain: the origin variable or an alias of it
   * (`char *q = buf;`), `buf + K` and `&buf[K]` when the variable points to bytes; null otherwise.
   */
  private offsetFrom(origin: Origin, node: Node | null, scope: FunctionScope, depth = 0): SymValue | null {
    // A cast of the pointer does not move it (C casts, C++ named casts).
    const current = unwrap(node);
    if (!current || depth > 4) return null;
    const zero: SymValue = { kind: "const", value: 0 };
    const isZero = (value: SymValue) => value.kind === "const" && value.value === 0;
    if (current.type === "identifier") {
      if (current.text === origin.name) return zero;
      const definitions = scope.definitions.get(current.text) ?? [];
      const only = definitions.length === 1 ? definitions[0] : null;
      return only?.value && (only.kind === "init" || only.kind === "assign")
        ? this.offsetFrom(origin, only.value, scope, depth + 1)
        : null;
    }
    const indexed =
      current.type === "binary_expression" && current.childForFieldName("operator")?.text === "+"
        ? { base: current.childForFieldName("left"), index: current.childForFieldName("right") }
        : current.type === "pointer_expression" && current.child(0)?.type === "&"
          ? subscriptParts(current.childForFieldName("argument"))
          : null;
    if (!indexed) return null;
    const index = this.evaluator.value(indexed.index, { scope });
    if (isZero(index)) return this.offsetFrom(origin, indexed.base, scope, depth + 1);
    // Arithmetic counts bytes only on the origin variable itself (not through a cast), when it points to bytes.
    const known = PAGE_SIZES.every((size) => evaluate(index, size) !== null);
    return origin.bytes && known && withoutParentheses(indexed.base)?.text === origin.name ? index : null;
  }

  /** The bytes a store reaches for sure: `buf[0] = …`, `*p = …`, the first round of `for (i = 0; …) buf[i] = …`. */
  private storeRange(origin: Origin, store: Node, scope: FunctionScope): FillRange | null {
    const left = unwrap(store.childForFieldName(store.type === "update_expression" ? "argument" : "left"));
    let start: SymValue | null = null;
    if (left?.type === "pointer_expression" && left.child(0)?.type === "*")
      start = this.offsetFrom(origin, left.childForFieldName("argument"), scope);
    else if (left?.type === "subscript_expression") {
      const parts = subscriptParts(left);
      const index = this.evaluator.value(parts?.index ?? null, { scope });
      const fromZero = (index.kind === "const" && index.value === 0) || startsAtZero(parts?.index ?? null, store);
      if (parts && fromZero) start = this.offsetFrom(origin, parts.base, scope);
    }
    return start ? { start, end: plus(start, { kind: "const", value: 1 }) } : null;
  }

  /**
   * The bytes a writer call reaches from its destination: its length argument's worth (at least one byte when the
   * length cannot be folded: the fill the analyzer has always assumed), or, for a loop that fills stride after stride
   * (`for (i = 0; i < N; i++) memset(buf + i * S, c, S)`), the whole run.
   */
  private writerRange(origin: Origin, site: CallSite, writerIndex: number, scope: FunctionScope): FillRange | null {
    const lengthAt = WRITE_LENGTH[site.name];
    const one: SymValue = { kind: "const", value: 1 };
    const folded = lengthAt === undefined ? one : this.evaluator.value(site.args[lengthAt] ?? null, { scope });
    const length = folded.kind === "unknown" ? one : folded;
    const start = this.offsetFrom(origin, site.args[writerIndex] ?? null, scope);
    if (start) return { start, end: plus(start, length) };
    return this.strideRange(origin, site.args[writerIndex] ?? null, length, site.node, scope);
  }

  /**
   * `origin + i * S` (or `S * i`) in a `for (i = A; i < B; i++)` loop around `at` that has no break, writing `length`
   * bytes each round with `length` the same value as S: bytes [A·S, B·S). Null for anything else.
   */
  private strideRange(
    origin: Origin,
    destination: Node | null,
    length: SymValue,
    at: Node,
    scope: FunctionScope,
  ): FillRange | null {
    const sum = unwrap(destination);
    if (!origin.bytes || sum?.type !== "binary_expression" || sum.childForFieldName("operator")?.text !== "+")
      return null;
    if (withoutParentheses(sum.childForFieldName("left"))?.text !== origin.name) return null;
    const product = unwrap(sum.childForFieldName("right"));
    if (product?.type !== "binary_expression" || product.childForFieldName("operator")?.text !== "*") return null;
    const left = unwrap(product.childForFieldName("left"));
    const right = unwrap(product.childForFieldName("right"));
    for (const [variable, stride] of [
      [left, right],
      [right, left],
    ] as const) {
      const loop = variable?.type === "identifier" ? countingLoop(variable.text, at) : null;
      if (!loop || !stride) continue;
      const step = this.evaluator.value(stride, { scope });
      const from = this.evaluator.value(loop.from, { scope });
      const to = this.evaluator.value(loop.to, { scope });
      if (!sameValue(step, length) || [step, from, to].some((value) => value.kind === "unknown")) return null;
      const times = (count: SymValue): SymValue => ({ kind: "binary", operator: "*", left: count, right: step });
      return { start: times(from), end: times(to) };
    }
    return null;
  }

  /** The bytes a helper that fills its parameter on every path reaches, from where the caller's argument points. */
  private helperRange(
    origin: Origin | null,
    site: CallSite,
    names: ReadonlySet<string>,
    helper: { fills: string; exits: Lifecycle[] },
  ): FillRange | null {
    const position = (site.bases ?? []).findIndex((base) => base !== null && names.has(base));
    const scope = this.index.scopeOf(site.node);
    const inner = helper.exits.length === 1 ? helper.exits[0].fillRanges : undefined;
    if (!origin || !scope || position < 0 || helper.fills !== "every" || !inner || inner.length === 0) return null;
    const start = this.offsetFrom(origin, site.args[position] ?? null, scope);
    // The first range the helper reaches, moved to where the argument points (one is enough to place a fill).
    return start ? { start: plus(start, inner[0].start), end: plus(start, inner[0].end) } : null;
  }

  /**
   * What a helper of this unit does to the buffer handed to it (`fill(buf, n)`): its lifecycle of the parameter up to
   * each way out of its body (every return, and the end), and whether it writes the buffer before every one of them.
   * Null when the analyzer cannot see it: no definition in the unit, the buffer not bound to a named parameter, the
   * parameter assigned in the body, or helpers nested too deep.
   */
  private helperEffect(
    site: CallSite,
    names: ReadonlySet<string>,
  ): { fills: "every" | "some" | "none"; exits: Lifecycle[] } | null {
    const position = (site.bases ?? []).findIndex((base) => base !== null && names.has(base));
    // What a helper does with its parameter does not depend on its caller: found once per helper and parameter, so
    // helpers calling helpers cost their number, not the product of their calls.
    const key = `${site.name}:${position}`;
    if (this.helperEffects.has(key)) return this.helperEffects.get(key) ?? null;
    const effect = this.computeHelperEffect(site, position);
    if (this.helperDepth === 0 || effect !== null) this.helperEffects.set(key, effect);
    return effect;
  }

  private readonly helperEffects = new Map<string, { fills: "every" | "some" | "none"; exits: Lifecycle[] } | null>();

  private computeHelperEffect(
    site: CallSite,
    position: number,
  ): { fills: "every" | "some" | "none"; exits: Lifecycle[] } | null {
    const definition = this.index.functionDefinition(site.name);
    if (!definition || this.helperDepth >= 3) return null;
    const scope = this.index.scopeOf(definition);
    const body = definition.childForFieldName("body");
    const parameter = position >= 0 ? scope?.parameters[position] : undefined;
    const end = body?.lastChild ?? null;
    if (!scope || !body || !parameter || !end || (scope.definitions.get(parameter)?.length ?? 0) > 0) return null;
    // The parameter is taken as made where the body starts, so an exit no write reaches reads as "no", not "unknown".
    const provenance: Provenance = {
      origin: "mmap",
      memory: "unknown",
      alignment: null,
      size: null,
      writable: null,
      populated: false,
      originNode: body,
      explanation: "",
      names: new Set(),
    };
    this.helperDepth++;
    try {
      const origin = { name: parameter, bytes: byteElements(parameterDeclaration(definition, parameter)) };
      const exits = [...returnStatements(body), end].map((exit) =>
        this.lifecycle(provenance, parameter, exit, scope, origin),
      );
      const fills = exits.every((exit) => exit.writtenBefore === "yes")
        ? "every"
        : exits.every((exit) => exit.writtenBefore === "no")
          ? "none"
          : "some";
      return { fills, exits };
    } finally {
      this.helperDepth--;
    }
  }

  /**
   * Calls between the buffer's origin and the call that do not take the buffer but may fork where the analyzer cannot
   * see: a function the project defines in a file not read with this one, or a helper of this unit that calls one.
   */
  private noteUnseenCalls(
    result: Lifecycle,
    scope: FunctionScope,
    touching: ReadonlySet<CallSite>,
    originStart: number,
    callStart: number,
  ): void {
    // Only the calls between the origin and the call are asked about (what is read is recorded for reuse).
    const calls = scope.calls;
    let low = 0;
    for (let high = calls.length; low < high;) {
      const middle = (low + high) >> 1;
      if (calls[middle].start <= originStart) low = middle + 1;
      else high = middle;
    }
    for (let at = low; at < calls.length && calls[at].start < callStart; at++) {
      const site = calls[at];
      if (touching.has(site) || this.vmspliceCalls.has(site.node.startIndex)) continue;
      const unseen = this.reachesUnseen(site.name, 0);
      if (!unseen) continue;
      const entry = {
        name: site.name,
        file: unseen.file,
        ...(unseen.unfollowed ? { unfollowed: true } : {}),
        buffer: false,
        range: toRange(site.node),
      };
      (result.unseenCalls ??= []).push(unseen.name === site.name ? entry : { ...entry, via: unseen.name });
    }
  }

  private readonly unseenReached = new Map<string, Reached | null>();

  /**
   * The function defined in a project file not read with this one that calling `name` may run: `name` itself, or one a
   * helper of this unit calls (through at most 6 helpers); null when none.
   */
  private reachesUnseen(name: string, depth: number): Reached | null {
    if (this.unseenReached.has(name)) return this.unseenReached.get(name) ?? null;
    this.unseenReached.set(name, null);
    let found: Reached | null = null;
    const definition = this.index.functionDefinition(name);
    if (!definition) {
      // Defined in another file of the project, or declared by the program and defined in no file read.
      const file = this.definedElsewhere(name);
      found = file || this.index.declaresFunction(name) ? { name, file } : null;
    } else if (depth >= 6) {
      // Helpers nested deeper than followed: what they call is not known.
      found = { name, file: null, unfollowed: true };
    } else {
      const calls = this.index.scopeOf(definition)?.calls ?? [];
      for (const call of calls) if ((found = this.reachesUnseen(call.name, depth + 1))) break;
    }
    this.unseenReached.set(name, found);
    return found;
  }

  /**
   * Functions of this file that fork on some path and return to their caller without reaping the child
   * (`static void daemonize(void) { if (fork() > 0) _exit(0); }`), and the functions that call them: a call of one
   * between the fill and the vmsplice call leaves the page shared copy-on-write as a fork() there would. Found from
   * the fork(), daemon() and clone() calls of the file up through their callers, so the cost follows those calls.
   */
  forkingFunctions(): ReadonlySet<string> {
    if (this.forking) return this.forking;
    const forking = new Set<string>();
    this.forking = forking;
    const queue: string[] = [];
    const note = (site: CallSite) => {
      const scope = this.index.scopeOf(site.node);
      if (!scope?.name || forking.has(scope.name)) return;
      const reaped = scope.calls.some(
        (other) => ["wait", "waitpid", "wait4"].includes(other.name) && other.start > site.start,
      );
      if (reaped) return;
      forking.add(scope.name);
      queue.push(scope.name);
    };
    for (const site of this.index.callSitesOf("fork")) note(site);
    for (const site of this.index.callSitesOf("daemon")) note(site);
    for (const site of this.index.callSitesOf("clone")) {
      const scope = this.index.scopeOf(site.node);
      if (scope && !this.sharesMemory(site.args[2] ?? null, scope)) note(site);
    }
    // fork() or a forking helper taken as a value: `pid_t (*spawn)(void) = fork; spawn();`, `run(fork)`,
    // `run(detach)`. Calls through the variable, or of the function it is handed to, may fork.
    const aliases = (name: string) => {
      for (const node of this.index.identifierNodes(name)) {
        const alias = forkAlias(node);
        if (alias && !forking.has(alias)) {
          forking.add(alias);
          queue.push(alias);
        }
      }
    };
    aliases("fork");
    aliases("daemon");
    for (let hops = 0; queue.length > 0 && forking.size < 64 && hops < 256; hops++) {
      const name = queue.shift() as string;
      for (const site of this.index.callSitesOf(name)) note(site);
      aliases(name);
    }
    return forking;
  }

  /** madvise, mlock, munmap and mprotect of the buffer: recorded in `result`; true when the site was one of them. */
  private noteMemoryCall(
    site: CallSite,
    result: Lifecycle,
    scope: FunctionScope,
    originStart: number,
    callStart: number,
  ): boolean {
    const position = site.start;
    if (site.name === "madvise" || site.name === "posix_madvise") {
      if (position < callStart)
        result.madvise.push({
          advice: this.adviceName(site.name, site.args[2] ?? null, scope),
          range: toRange(site.node),
        });
      return true;
    }
    if (site.name === "mlock" || site.name === "mlock2") {
      if (position < callStart) result.mlocked = { range: toRange(site.node) };
      return true;
    }
    if (site.name === "munmap" && position < callStart && position > originStart) {
      result.unmappedBefore = { range: toRange(site.node) };
      return true;
    }
    if (site.name === "mprotect" && position < callStart && position > originStart) {
      const prot = this.evaluator.value(site.args[2] ?? null, { scope });
      // Several mprotect() calls, or one on some paths only: the last one's protection is not certain either way.
      const known = prot.kind === "const" && !result.protectedBefore;
      const writable = known ? (prot.value & 2) !== 0 : null;
      const readable = known ? (prot.value & 1) !== 0 : null;
      result.protectedBefore = { writable, readable, range: toRange(site.node) };
      return true;
    }
    return false;
  }

  /**
   * Whether `site` runs on every path to `call`: it is not under a branch the call is outside of, except a loop body
   * the loop enters at least once (`for (i = 0; i < page; i++)`, `do … while`) and the right side of `A || B` in the
   * condition of an `if` whose body ends every path (`if (fd < 0 || read(fd, buf, n) != n) return 1;`).
   */
  private runsBefore(site: Node, call: Node, scope: FunctionScope): boolean {
    return this.branchesAbove(site, scope).every(
      (branch) => branch.start <= call.startIndex && call.endIndex <= branch.end,
    );
  }

  /**
   * The branches above `site` in its function that are not always entered, as the ranges of their branch: `site` runs
   * on every path to a call inside all of them. One step of `dominates` per level (`isBranchOf`), found once per site: a write under thousands of nested operators is
   * asked about by every vmsplice call of the function.
   */
  private branchesAbove(site: Node, scope: FunctionScope): { start: number; end: number }[] {
    const key = `${site.id}:${scope.node.id}`;
    let branches = this.branchesBySite.get(key);
    if (branches) return branches;
    branches = [];
    let current: Node = site;
    for (let parent = parentOf(current); parent && current.id !== scope.node.id; parent = parentOf(parent)) {
      if (isBranchOf(parent, current) && !this.alwaysEntered(parent, current, scope))
        branches.push({ start: current.startIndex, end: current.endIndex });
      current = parent;
    }
    this.branchesBySite.set(key, branches);
    return branches;
  }

  private readonly branchesBySite = new Map<string, { start: number; end: number }[]>();

  /** Whether control that reaches `parent` always runs `child` (its body or operand) before leaving it. */
  private alwaysEntered(parent: Node, child: Node, scope: FunctionScope): boolean {
    if (parent.type === "do_statement") return true;
    if (parent.type === "for_statement" && parent.childForFieldName("body")?.id === child.id)
      return this.entersOnce(parent, scope);
    if (parent.type === "binary_expression" && parent.childForFieldName("right")?.id === child.id) {
      if (parent.childForFieldName("operator")?.text !== "||") return false;
      let condition: Node = parent;
      let holder = parentOf(condition);
      while (holder?.type === "parenthesized_expression") {
        condition = holder;
        holder = parentOf(holder);
      }
      const body = holder?.type === "if_statement" ? holder.childForFieldName("consequence") : null;
      return (
        holder?.childForFieldName("condition")?.id === condition.id &&
        holder.childForFieldName("alternative") === null &&
        body !== null &&
        endsEveryPath(body, scope)
      );
    }
    return false;
  }

  /** `for (i = A; i < B; …)` with A and B folded and A < B at every page size: the body runs at least once. */
  private entersOnce(loop: Node, scope: FunctionScope): boolean {
    const condition = unwrap(loop.childForFieldName("condition"));
    const operator = condition?.type === "binary_expression" ? condition.childForFieldName("operator")?.text : null;
    const variable = unwrap(condition?.childForFieldName("left") ?? null);
    if (!condition || (operator !== "<" && operator !== "<=" && operator !== "!=") || variable?.type !== "identifier")
      return false;
    const start = loopStart(loop, variable.text);
    if (!start) return false;
    const from = this.evaluator.value(start, { scope });
    const to = this.evaluator.value(condition.childForFieldName("right"), { scope });
    return PAGE_SIZES.every((pageSize) => {
      const low = evaluate(from, pageSize);
      const high = evaluate(to, pageSize);
      return low !== null && high !== null && (operator === "<=" ? low <= high : low < high);
    });
  }

  /**
   * A function handed the buffer before the call: a helper fills the buffer only if its body does on every path, and
   * its munmap, mprotect, mlock and madvise count here; one the analyzer cannot see is not taken as a fill (it may
   * leave the page untouched, unmap or drop it) and is an unseen call.
   */
  private handedBefore(
    site: CallSite,
    names: ReadonlySet<string>,
    result: Lifecycle,
    context: {
      originStart: number;
      noteWrite: (node: Node, start: number, partial?: boolean, range?: FillRange | null) => void;
      inReusingLoop: (start: number) => boolean;
      drops: { advice: string; range: SourceRange; start: number }[];
      origin: Origin | null;
    },
  ): void {
    const position = site.start;
    const helper = this.helperEffect(site, names);
    if (helper && helper.fills !== "none")
      context.noteWrite(
        site.node,
        position,
        helper.fills === "some",
        this.helperRange(context.origin, site, names, helper),
      );
    else if (context.inReusingLoop(position) && !result.writtenAfter)
      result.writtenAfter = { range: toRange(site.node), loopCarried: true };
    if (position <= context.originStart) return;
    // A helper the unit defines that was not followed: nested deeper than followed, or its parameter reassigned.
    const unfollowed = !helper && this.index.functionDefinition(site.name) !== null;
    mergeHelper(result, site, helper, unfollowed ? "unfollowed" : this.definedElsewhere(site.name));
    const dropped = helper?.exits.find((exit) => exit.droppedBefore)?.droppedBefore;
    if (dropped) context.drops.push({ advice: dropped.advice, range: toRange(site.node), start: position });
  }

  /**
   * The facts of the time between the last fill and the call, once every site is noted: pages an unseen function may
   * have written, dropped by a madvise (the caller's or a helper's) after the fill, shared with a child forked after it.
   */
  private settleBefore(
    result: Lifecycle,
    call: Node,
    scope: FunctionScope,
    context: {
      writeBefore: { node: Node; start: number } | null;
      originStart: number;
      drops: { advice: string; range: SourceRange; start: number }[];
      fork: { node: Node; start: number; via: string | null } | null;
      reapedAfterFork: boolean;
    },
  ): void {
    const { writeBefore, originStart, fork, reapedAfterFork } = context;
    const helperDrops = context.drops;
    // A function the analyzer cannot see was handed the buffer: it may have written it.
    if (result.writtenBefore === "no" && result.unseenCalls?.some((unseen) => unseen.buffer))
      result.writtenBefore = "unknown";
    result.droppedBefore = droppedAfter(result.madvise, Math.max(writeBefore?.start ?? -1, originStart));
    const helperDrop = helperDrops.find((drop) => drop.start >= (writeBefore?.start ?? -1));
    if (!result.droppedBefore && helperDrop)
      result.droppedBefore = { advice: helperDrop.advice, range: helperDrop.range };
    const dontFork = result.madvise.some(
      (advice) => advice.advice === "MADV_DONTFORK" || advice.advice === "MADV_WIPEONFORK",
    );
    // Only a fork between the last fill and the call leaves the page shared copy-on-write with the child; a fork() on a
    // branch the call is not in (`if (argc > 1) fork();`) shares the page on that path only.
    if (fork && !reapedAfterFork && !dontFork && (writeBefore === null || writeBefore.start < fork.start))
      result.forkBefore = {
        range: toRange(fork.node),
        ...(dominates(fork.node, call, scope.node) ? {} : { conditional: true }),
        ...(fork.via ? { via: fork.via } : {}),
      };
  }

  /**
   * `originOverride`: the variable the buffer starts at when the provenance does not say (a helper's parameter), for
   * placing the writes (`fillRanges`).
   */
  lifecycle(
    provenance: Provenance,
    baseName: string | null,
    call: Node,
    scope: FunctionScope | null,
    originOverride: Origin | null = null,
  ): Lifecycle {
    const names = new Set(provenance.names);
    if (baseName) names.add(baseName);
    const result = emptyLifecycle();
    if (!scope) return result;
    addAliases(names, scope);
    const originStart =
      provenance.originNode && contains(scope.node, provenance.originNode) ? provenance.originNode.startIndex : -1;
    // Loops around the call that do not also allocate the buffer: a write earlier in such a loop body runs again after the
    // call on the next iteration, while the pipe may still reference the pages (the ring-buffer reuse pattern).
    const reusingLoops = enclosingLoopsOf(call, scope.node)
      .filter((loop) => !(provenance.originNode && contains(loop, provenance.originNode)))
      .map((loop) => ({ start: loop.startIndex, end: loop.endIndex }));
    const inReusingLoop = (start: number) => reusingLoops.some((loop) => loop.start <= start && start < loop.end);
    const callStart = call.startIndex;
    const callEnd = call.endIndex;
    let lastWriteBefore: { node: Node; start: number } | null = null;
    // A write on some paths only (`if (x) memset(…)`, a loop that may run no times) may leave the page untouched.
    let writtenOnEveryPath = false;
    const origin = originOverride ?? this.originVariable(provenance, scope);
    // Byte ranges from the buffer's start that writes on every path before the call reach (`fillRanges`).
    const ranges: FillRange[] = [];
    // `partial`: a helper that writes the buffer on some of its paths only; `range`: the bytes the write reaches.
    const noteWrite = (node: Node, start: number, partial = false, range: FillRange | null = null) => {
      if (start < callStart) {
        if (start >= originStart && (!lastWriteBefore || start > lastWriteBefore.start))
          lastWriteBefore = { node, start };
        if (start >= originStart && !partial && (range || !writtenOnEveryPath) && this.runsBefore(node, call, scope)) {
          writtenOnEveryPath = true;
          if (range) ranges.push(range);
        }
        if (!result.writtenAfter && inReusingLoop(start))
          result.writtenAfter = { range: toRange(node), loopCarried: true };
      } else if (start >= callEnd && !result.writtenAfter) {
        result.writtenAfter = { range: toRange(node) };
      }
    };
    for (const store of scope.stores)
      if (names.has(store.target))
        noteWrite(store.node, store.start, false, origin ? this.storeRange(origin, store.node, scope) : null);
    const index = callIndex(scope, this.forkingFunctions());
    const { fork, reapedAfterFork, forkAfter } = this.forksAround(index, scope, originStart, callStart, callEnd);
    // Helpers that drop the buffer's pages after their own fill (madvise(MADV_DONTNEED) in `fill_and_drop()`).
    const helperDrops: { advice: string; range: SourceRange; start: number }[] = [];
    const touching = new Set<CallSite>();
    for (const name of names) for (const site of index.byBase.get(name) ?? []) touching.add(site);
    for (const site of [...touching].sort((left, right) => left.start - right.start)) {
      const position = site.start;
      const argumentBases = site.bases ?? [];
      if (this.noteMemoryCall(site, result, scope, originStart, callStart)) continue;
      if (position <= callStart && callEnd <= site.end) continue;
      if (position >= callEnd && !result.usedAfter && site.name !== "free" && site.name !== "munmap")
        result.usedAfter = { range: toRange(site.node) };
      // Another vmsplice call of the unit (through a wrapper or entry point too) neither writes nor hides anything.
      if (this.vmspliceCalls.has(site.node.startIndex)) continue;
      const writerIndex = WRITER_FUNCTIONS[site.name];
      if (writerIndex !== undefined) {
        if (argumentBases[writerIndex] !== null && names.has(argumentBases[writerIndex] ?? ""))
          noteWrite(site.node, position, false, origin ? this.writerRange(origin, site, writerIndex, scope) : null);
      } else if (!NON_WRITERS.has(site.name) && !isAllocator(site.name)) {
        if (position >= callEnd) {
          // After the call any function handed the buffer may write it (a hazard for the pages in the pipe).
          noteWrite(site.node, position);
          continue;
        }
        this.handedBefore(site, names, result, { originStart, noteWrite, inReusingLoop, drops: helperDrops, origin });
      }
    }
    this.noteUnseenCalls(result, scope, touching, originStart, callStart);
    result.usedAfter ??= usedAfterCall(names, scope, callStart, callEnd, inReusingLoop);
    // A fork() after the call and before the write: the write goes through a copy-on-write mapping.
    if (forkAfter && result.writtenAfter && !result.writtenAfter.loopCarried)
      if (result.writtenAfter.range.startIndex > forkAfter.start) result.forkAfter = { range: toRange(forkAfter.node) };
    const writeBefore = lastWriteBefore as { node: Node; start: number } | null;
    result.writtenBefore = writtenBeforeOf(
      provenance,
      writeBefore === null ? "none" : writtenOnEveryPath ? "every" : "some",
      scope,
    );
    this.settleBefore(result, call, scope, { writeBefore, originStart, drops: helperDrops, fork, reapedAfterFork });
    // Where the writes fall is known only from the variable the allocation is stored in (not pre-faulted pages).
    if (origin && result.writtenBefore === "yes" && !provenance.populated) result.fillRanges = ranges;
    return result;
  }
}

/**
 * What a call handed the buffer before the call does to it, in the caller's terms (at the call's position): the
 * munmap, mprotect, mlock and madvise of a helper the analyzer follows, and its own unseen calls; or, for a function it
 * cannot see, the call itself as unseen. `file`: where the project defines that function, if it does.
 */
function mergeHelper(
  result: Lifecycle,
  site: CallSite,
  helper: { exits: Lifecycle[] } | null,
  file: string | null | "unfollowed",
): void {
  const range = toRange(site.node);
  if (!helper) {
    const entry = file === "unfollowed" ? { file: null, unfollowed: true } : { file };
    (result.unseenCalls ??= []).push({ name: site.name, ...entry, buffer: true, range });
    return;
  }
  for (const exit of helper.exits) {
    if (exit.unmappedBefore) result.unmappedBefore ??= { range, via: site.name };
    if (exit.mlocked) result.mlocked ??= { range };
    if (exit.protectedBefore) result.protectedBefore = { ...exit.protectedBefore, range };
    for (const advice of exit.madvise) result.madvise.push({ advice: advice.advice, range: copyRange(range) });
    for (const unseen of exit.unseenCalls ?? [])
      (result.unseenCalls ??= []).push({ ...unseen, name: site.name, via: unseen.via ?? unseen.name, range });
  }
}

/** A lifecycle that knows nothing yet. */
function emptyLifecycle(): Lifecycle {
  return {
    writtenBefore: "unknown",
    writtenAfter: null,
    usedAfter: null,
    forkBefore: null,
    forkAfter: null,
    madvise: [],
    mlocked: null,
    unmappedBefore: null,
    protectedBefore: null,
  };
}

/** Advice that drops a private mapping's pages (read again, they are the zero page). */
const DROPPING_ADVICE = new Set(["MADV_DONTNEED", "MADV_FREE", "MADV_REMOVE"]);

/** The madvise() after `after` (the last fill) that drops the pages: the next read fault maps the zero page. */
function droppedAfter(madvise: Lifecycle["madvise"], after: number): Lifecycle["droppedBefore"] {
  const dropped = madvise.find((advice) => DROPPING_ADVICE.has(advice.advice) && advice.range.startIndex > after);
  return dropped ? { advice: dropped.advice, range: dropped.range } : null;
}

/** Adds the locals assigned from one of the names (`char *q = buf;`, `p = buf + off;`): aliases of the buffer. */
function addAliases(names: Set<string>, scope: FunctionScope): void {
  for (const [name, definitions] of scope.definitions) {
    for (const definition of definitions) {
      const base = baseIdentifier(definition.value);
      if (base && names.has(base) && (definition.kind === "init" || definition.kind === "assign")) names.add(name);
    }
  }
}

/** madvise advice values by number, from the one constant table. */
const madviseNames = new Map<number, string>(
  Object.entries(SYSTEM_CONSTANTS)
    .filter(([name]) => name.startsWith("MADV_"))
    .map(([name, value]) => [value, name]),
);

/** Calls of a function indexed by the base identifiers of their arguments, built once per scope. */
interface CallIndex {
  byBase: Map<string, CallSite[]>;
  /** fork() and wait() family calls, in order. */
  processCalls: CallSite[];
}

const callIndexes = new WeakMap<FunctionScope, CallIndex>();

function callIndex(scope: FunctionScope, forking: ReadonlySet<string>): CallIndex {
  const cached = callIndexes.get(scope);
  if (cached) return cached;
  const index: CallIndex = { byBase: new Map(), processCalls: [] };
  for (const site of scope.calls) {
    if (
      site.name === "fork" ||
      site.name === "clone" ||
      site.name === "daemon" ||
      forking.has(site.name) ||
      site.name === "wait" ||
      site.name === "waitpid" ||
      site.name === "wait4"
    )
      index.processCalls.push(site);
    site.bases ??= site.args.map((argument) => baseIdentifier(argument));
    for (const base of new Set(site.bases)) {
      if (base === null) continue;
      const list = index.byBase.get(base);
      if (list) list.push(site);
      else index.byBase.set(base, [site]);
    }
  }
  callIndexes.set(scope, index);
  return index;
}

/** What happens to a buffer after the call: not the allocator's to say (its code after a return never runs). */
const AFTER_CALL = new Set(["writtenBefore", "writtenAfter", "usedAfter", "forkAfter", "madvise"]);

/**
 * The caller's lifecycle of a buffer an allocator filled (`allocatorLifecycle`): written before, with the allocator's
 * madvise calls, and every other fact before the call (fork, munmap, mprotect, a dropping madvise, mlock…) from the
 * caller when it has one, else from the allocator.
 */
function withAllocator(local: Lifecycle, allocator: Lifecycle): Lifecycle {
  const joined: Record<string, unknown> = {
    ...local,
    writtenBefore: "yes",
    madvise: [...allocator.madvise, ...local.madvise],
  };
  const mine = local as unknown as Record<string, unknown>;
  const theirs = allocator as unknown as Record<string, unknown>;
  for (const key of Object.keys(theirs)) if (!AFTER_CALL.has(key)) joined[key] = mine[key] ?? theirs[key] ?? null;
  delete joined.unseenCalls;
  return { ...(joined as unknown as Lifecycle), ...unseenOf([allocator, local]) };
}

/** The unseen calls of several lifecycles together, as a spread (`{}` when none). */
function unseenOf(lifecycles: readonly Lifecycle[]): Pick<Lifecycle, "unseenCalls"> {
  const all = lifecycles.flatMap((item) => item.unseenCalls ?? []);
  return all.length > 0 ? { unseenCalls: all } : {};
}

export type Lifecycle = Omit<
  BufferFact,
  "name" | "origin" | "memory" | "alignment" | "size" | "writable" | "originRange" | "explanation"
>;

/** A range that shares nothing with `range` (facts are per call, and later passes may adjust them in place). */
function copyRange(range: SourceRange): SourceRange {
  return { ...range, start: { ...range.start }, end: { ...range.end } };
}

/** The call whose argument list directly contains this expression (through casts, & and arithmetic). */
function enclosingCallOf(node: Node): Node | null {
  let current: Node | null = parentOf(node);
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.type === "argument_list") {
      const call = parentOf(current);
      return call?.type === "call_expression" ? call : null;
    }
    if (
      ![
        "cast_expression",
        "pointer_expression",
        "binary_expression",
        "parenthesized_expression",
        "subscript_expression",
      ].includes(current.type)
    )
      return null;
    current = parentOf(current);
  }
  return null;
}

function isAllocator(name: string): boolean {
  return [
    "malloc",
    "calloc",
    "realloc",
    "posix_memalign",
    "aligned_alloc",
    "memalign",
    "valloc",
    "mmap",
    "mmap64",
  ].includes(name);
}

/**
 * The name a forking function taken as a value is called by: the variable or member it is stored in, or the function it
 * is handed to. Null for a plain call of it, and for uses this does not follow.
 */
function forkAlias(name: Node): string | null {
  let value: Node = name;
  let parent = parentOf(value);
  while (
    parent &&
    (parent.type === "parenthesized_expression" ||
      parent.type === "cast_expression" ||
      (parent.type === "pointer_expression" && parent.child(0)?.type === "&"))
  ) {
    value = parent;
    parent = parentOf(value);
  }
  if (!parent) return null;
  if (parent.type === "call_expression") return null;
  if (parent.type === "argument_list") {
    const call = parentOf(parent);
    return call?.type === "call_expression" ? callName(call) : null;
  }
  let target: Node | null = null;
  if (parent.type === "init_declarator" && parent.childForFieldName("value")?.id === value.id) {
    target = parent.childForFieldName("declarator");
    // `(*spawn)(void)`: function, parenthesized and pointer declarators around the name.
    for (let depth = 0; target && target.type !== "identifier" && depth < 8; depth++)
      target = target.childForFieldName("declarator") ?? target.namedChild(0);
  } else if (parent.type === "assignment_expression" && parent.childForFieldName("right")?.id === value.id) {
    target = unwrap(parent.childForFieldName("left"));
    if (target?.type === "field_expression") target = target.childForFieldName("field");
    // `pid_t (*spawn)(void) = fork;` with pid_t unknown to the parser reads as a call `pid_t(*spawn)(void)` assigned to:
    // the name is the one under its `*`.
    else if (target?.type === "call_expression")
      target = unwrap(target.descendantsOfType("pointer_expression")[0]?.childForFieldName("argument") ?? null);
  }
  return target?.type === "identifier" || target?.type === "field_identifier" ? target.text : null;
}
