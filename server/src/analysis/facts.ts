/**
 * The facts the analyzer extracts for one vmsplice call site, and the findings and verdicts it derives from them.
 *
 * This module owns the plain data shapes shared by the analysis, the rules, the simulator's call-site replay,
 * the CLI and the language server. It holds types and tiny helpers only, and imports nothing from the editor,
 * the protocol library or Node's I/O.
 *
 * Every fact carries the source range it came from, so diagnostics can point at it and quick fixes can edit it.
 * A fact the analyzer could not establish is `null` or has kind "unknown" together with a sentence naming what is missing;
 * it is never replaced by an optimistic guess.
 */

/** Zero-based position; `column` counts UTF-16 code units (the LSP convention, and what web-tree-sitter reports for JS strings). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A source range: zero-based positions plus UTF-16 offsets into the parsed text (`text.slice(startIndex, endIndex)`). */
export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
  startIndex: number;
  endIndex: number;
}

export { KERNEL_MODELS, MAINLINE_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../models";
import type { KernelModel, PageSize } from "../models";

export type Severity = "error" | "warning" | "info";

export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
export const SPLICE_F_MORE = 4;
export const SPLICE_F_GIFT = 8;
export const SPLICE_F_ALL = 0xf;

/**
 * The splice flags, in bit order: value, C name, and the short name of the scenario language (`G|M`). The one table
 * every decoder and encoder of flags reads (hover, CLI, fixes, scenario parser and replay, the constant evaluator).
 */
export const SPLICE_FLAGS: readonly { bit: number; name: string; short: string }[] = [
  { bit: SPLICE_F_MOVE, name: "SPLICE_F_MOVE", short: "M" },
  { bit: SPLICE_F_NONBLOCK, name: "SPLICE_F_NONBLOCK", short: "N" },
  { bit: SPLICE_F_MORE, name: "SPLICE_F_MORE", short: "MORE" },
  { bit: SPLICE_F_GIFT, name: "SPLICE_F_GIFT", short: "G" },
];

/** The C names of the flag bits set in `value`, in bit order, and the bits outside `SPLICE_F_*`. */
export function spliceFlagNames(value: number): { names: string[]; unknownBits: number } {
  return {
    names: SPLICE_FLAGS.filter((flag) => (value & flag.bit) !== 0).map((flag) => flag.name),
    // C's `unsigned int`: `~0xfu` has the high bits 0xfffffff0, never a negative number.
    unknownBits: (value & ~SPLICE_F_ALL) >>> 0,
  };
}

/** The flags as `SPLICE_F_*` names, unknown bits as one hex number; null when the value is unknown. */
export function flagNames(value: number | null): string[] | null {
  if (value === null) return null;
  const { names, unknownBits } = spliceFlagNames(value);
  return unknownBits ? [...names, `0x${unknownBits.toString(16)}`] : names;
}

/**
 * A value of the program as a small symbolic expression, so that one set of facts can be evaluated
 * under every page size: `page` stands for the runtime page size (`sysconf(_SC_PAGESIZE)`, `getpagesize()`, `PAGE_SIZE`),
 * while a literal 4096 stays the number 4096 and is flagged as a hard-coded page size.
 */
export type SymValue =
  | { kind: "const"; value: number; literalPageSize?: SourceRange }
  | { kind: "page" }
  /** The induction variable of a `for` loop that fills an iovec array (instantiated per segment). */
  | { kind: "index" }
  | { kind: "unknown"; reason: string }
  | {
      kind: "binary";
      operator: "+" | "-" | "*" | "/" | "%" | "<<" | ">>" | "&" | "|" | "^";
      left: SymValue;
      right: SymValue;
    }
  | { kind: "unary"; operator: "-" | "~"; operand: SymValue };

export type Direction = "to-pipe" | "from-pipe" | "unknown";

/** Where a file descriptor came from. */
export interface FdFact {
  direction: Direction;
  /** A fact the descriptor's identity rests on without its being established (a struct field filled in another file). */
  assumption?: string;
  /** What the descriptor is, as far as the analyzer can tell. */
  kind: "pipe" | "fifo" | "not-pipe" | "unknown";
  /** `pipe()`/`pipe2()` array index (0 read end, 1 write end) when known. */
  pipeIndex: 0 | 1 | null;
  /** Name of the pipe array or descriptor variable, for messages ("fds"). */
  pipeName: string | null;
  /** O_NONBLOCK set on the descriptor by pipe2 or fcntl(F_SETFL). */
  nonblock: boolean | null;
  /** `F_SETPIPE_SZ` value in bytes when set with a constant. */
  pipeSizeBytes: SymValue | null;
  /** Range of the fd argument at the call. */
  range: SourceRange;
  /** Range of the pipe(), pipe2(), open() or socket() call that created the descriptor. */
  originRange: SourceRange | null;
  /** Human-readable sentence: how the direction was decided, or what is missing. */
  explanation: string;
}

/** A descriptor nothing is known about yet, with the sentence saying why (the start of every descriptor search). */
export function unknownFd(range: SourceRange, explanation: string, pipeName: string | null = null): FdFact {
  return {
    direction: "unknown",
    kind: "unknown",
    pipeIndex: null,
    pipeName,
    nonblock: null,
    pipeSizeBytes: null,
    range,
    originRange: null,
    explanation,
  };
}

export interface FlagsFact {
  /** Folded numeric value, or null when the analyzer could not fold the argument. */
  value: number | null;
  /** Source text of the flags argument. */
  text: string;
  range: SourceRange;
  /** Ranges of `#define`, enum or variable definitions the value was folded through. */
  definitionRanges: SourceRange[];
  /** Why the value is unknown, when it is. */
  missing: string | null;
}

/** The kind of memory behind a buffer. */
export type MemoryKind =
  "private-anon" | "shmem" | "private-file" | "shared-file" | "hugetlb" | "heap" | "stack" | "static" | "unknown";

export type Origin =
  | "mmap"
  | "malloc"
  | "calloc"
  | "realloc"
  | "posix_memalign"
  | "aligned_alloc"
  | "memalign"
  | "valloc"
  | "pvalloc"
  | "stack-array"
  | "static-array"
  | "string-literal"
  | "parameter"
  | "unknown";

export type TriState = "yes" | "no" | "unknown";

/** Where a buffer came from and what happened to it before and after the call. */
export interface BufferFact {
  /** Variable name (or expression text) of the buffer start. */
  name: string;
  origin: Origin;
  memory: MemoryKind;
  /** Alignment of the buffer start in bytes as a symbolic value (page means page-aligned), or null when unknown. */
  alignment: SymValue | null;
  /** Size of the allocation when known. */
  size: SymValue | null;
  /** PROT_WRITE on the mapping (for destinations); null when unknown. */
  writable: boolean | null;
  /** The buffer was written (memset, memcpy, read, stores, passed to a filling function) before the call. */
  writtenBefore: TriState;
  /**
   * The buffer is written after the call, in the same function; `loopCarried` when the write comes earlier in a loop body
   * around the call (it runs again on the next iteration, while the pipe may still reference the pages).
   */
  writtenAfter: { range: SourceRange; loopCarried?: boolean } | null;
  /** The buffer is read or written after the call in the same function (for RFC zap hazards). */
  usedAfter: { range: SourceRange } | null;
  /** fork() between the fill and the call, with the child possibly still alive. */
  /** `conditional`: the fork() runs on some paths to the call only (copy there, move elsewhere). */
  /** `observed`: seen at run time (the page was not exclusively mapped), so no fork() line is known. */
  /** `via`: the function called there that forks (`daemonize`, `daemon`), when it is not fork() itself. */
  forkBefore: { range: SourceRange; conditional?: boolean; observed?: boolean; via?: string } | null;
  /** fork() after the call in the same function (a later write may or may not reach the reader: VMS-ALIAS-COW). */
  forkAfter?: { range: SourceRange } | null;
  madvise: { advice: string; range: SourceRange }[];
  mlocked: { range: SourceRange } | null;
  /** munmap() of the buffer before the call (destination hole). */
  unmappedBefore: { range: SourceRange; via?: string } | null;
  /**
   * mprotect() of the buffer before the call: whether it leaves the memory writable (null: the protection cannot be
   * folded). It overrides the mapping's own protection for the destination checks.
   */
  protectedBefore?: { writable: boolean | null; readable?: boolean | null; range: SourceRange } | null;
  /**
   * madvise(MADV_DONTNEED / MADV_FREE / MADV_REMOVE) of the buffer after its last fill and before the call: its pages
   * may be gone, so the call may pin the zero page.
   */
  droppedBefore?: { advice: string; range: SourceRange } | null;
  /**
   * Calls between the buffer's origin and the call whose effect on the page the analyzer cannot see: a function not
   * read with this file that is handed the buffer (it may leave it unwritten, unmap or drop it), or one defined in a
   * project file not read with this one that may fork (`via`: the unseen function reached through a helper of this
   * unit; `file`: where the project defines it, null when nowhere the analyzer reads). Absent: none.
   */
  unseenCalls?: {
    name: string;
    via?: string;
    file: string | null;
    /** A helper the unit defines but the analyzer did not follow (nested too deep, or its parameter reassigned). */
    unfollowed?: boolean;
    buffer: boolean;
    range: SourceRange;
  }[];
  /**
   * Byte ranges of the buffer (from its start) that writes before the call, on every path, are known to reach: a page
   * that meets none of them may be untouched. Absent when the analyzer does not place the writes (the buffer comes
   * from a parameter, a file-scope object, a pre-faulted allocation): then only `writtenBefore` speaks.
   */
  fillRanges?: { start: SymValue; end: SymValue }[];
  /** The allocation or declaration the buffer came from. */
  originRange: SourceRange | null;
  /** Sentence describing the provenance, or what is missing. */
  explanation: string;
}

/** One iovec entry as the kernel sees it. */
export interface SegmentFact {
  /** Source text of the base and the length, as written (after wrapper/loop substitution). */
  baseText: string;
  lengthText: string;
  /** The buffer the base points into, or null when unknown. */
  buffer: BufferFact | null;
  /** Byte offset of the base from the buffer start. */
  offset: SymValue;
  length: SymValue;
  /** Range of the base and length expressions (the iov_base / iov_len initializer or assignment). */
  baseRange: SourceRange | null;
  lengthRange: SourceRange | null;
  /**
   * For iovec arrays filled in a `for` loop: how many consecutive entries this template stands for.
   * `offset` and `length` may then mention the loop index; entry k is the template evaluated at index = start + k.
   */
  repeat: { count: SymValue; start: SymValue } | null;
}

export interface SegmentsFact {
  /** null when the iovec array could not be reconstructed. */
  segments: SegmentFact[] | null;
  nrSegs: SymValue;
  nrSegsRange: SourceRange;
  iovRange: SourceRange;
  /** Declaration of the iovec array or struct, when found. */
  declarationRange: SourceRange | null;
  missing: string | null;
}

export type CalleeKind = "vmsplice" | "syscall" | "wrapper";

/** One vmsplice call site with every fact the analyzer could establish. */
export interface VmspliceCall {
  /** Range of the whole call expression (for wrappers: the call of the wrapper). */
  range: SourceRange;
  /** Range of the callee name. */
  calleeRange: SourceRange;
  callee: CalleeKind;
  /** Name of the wrapper that forwards to vmsplice, when the call goes through one. */
  wrapperName: string | null;
  /** Enclosing function name, or null at file scope. */
  functionName: string | null;
  fd: FdFact;
  flags: FlagsFact;
  iov: SegmentsFact;
  /** The return value is used (assigned, compared, returned); VMS-PARTIAL fires when it is not. */
  returnChecked: boolean;
  /** The file starts threads (pthread_create, clone with CLONE_VM, std::thread). */
  multithreaded: { range: SourceRange } | null;
  /** A tee() call on the same pipe (for VMS-RFC-TEE-ALIAS). */
  teeOnPipe: { range: SourceRange } | null;
  /** A read() from the same pipe end before this call, with its length (VMS-OFFSET-CONSUMED when not whole pages). */
  readBefore: { range: SourceRange; length: SymValue } | null;
  /** The call sits inside a tree-sitter ERROR region (facts may be incomplete). */
  inErrorRegion: boolean;
  /**
   * Facts the call rests on that are not established, named as missing facts (a header found only by searching the
   * project's include/ directories). Set by the engine; absent means none.
   */
  assumptions?: string[];
  /**
   * Facts from files outside the unit that make this a vmsplice call (a syscall-table row), in their own file: shown as
   * related information on the call's findings. Absent means none.
   */
  evidence?: { file: string; range: SourceRange; message: string }[];
  /**
   * Calls in another file of the project whose arguments decide the parameters of this call's function (its one
   * caller elsewhere, read into the unit: project/caller-join.ts), in their own file. Set by the engine; shown as
   * related information and in the hover. Absent means none.
   */
  joined?: { file: string; range: SourceRange; message: string; kind?: "caller" | "definition"; name?: string }[];
}

/** A non-vmsplice call the rules inspect (splice into a pipe with SPLICE_F_MOVE). */
export interface SpliceCall {
  range: SourceRange;
  flags: FlagsFact;
  functionName: string | null;
}

/**
 * What happens to one page (chunk) under a kernel model. `unsafe`: the RFC as written moves the page onto the wrong place
 * or into the wrong kind of mapping (VMS-ALIGN-DST, VMS-DST-SHORT, VMS-DST-HOLE, VMS-DST-RO, VMS-DST-SHARED), or the
 * call crashes the kernel (VMS-DST-HUGETLB, VMS-RFC-HUGETLB-OOPS); such a page is never a `move`.
 */
export type PageVerdict = "move" | "copy" | "unsafe" | "unknown" | "not-delivered";
/**
 * A segment's or a call's verdict. Precedence: any `unsafe` page makes it `unsafe` (it must never read as success);
 * otherwise any `unknown` page makes it `unknown`; otherwise `move` (every delivered page moves), `copy` (none does) or
 * `partial`. `move` and `partial` only when nothing is missing (the analysis invariant, enforced in verdict.ts).
 */
export type CallVerdict = "move" | "copy" | "partial" | "unsafe" | "unknown";
/** Every call verdict, in the order reports list them. */
export const CALL_VERDICTS: readonly CallVerdict[] = ["move", "copy", "partial", "unsafe", "unknown"];

export interface PageOutcome {
  /** Index of the page within the segment. */
  index: number;
  verdict: PageVerdict;
  /** Rule ids that decided this page's fate (empty for a clean move). */
  rules: string[];
}

export interface SegmentVerdict {
  segment: SegmentFact;
  /** Number of pages (chunks) of this segment under the page size, or null when the length is unknown. */
  pages: number | null;
  verdict: CallVerdict;
  pageOutcomes: PageOutcome[];
  rules: string[];
  /** What the analyzer could not establish, when the verdict is unknown. */
  missing: string[];
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  range: SourceRange;
  /** Facts behind the finding (allocation, fork, flags definition, pipe creation). */
  related: { range: SourceRange; message: string }[];
}

export interface CallAnalysis {
  call: VmspliceCall;
  kernel: KernelModel;
  pageSize: PageSize;
  verdict: CallVerdict;
  segments: SegmentVerdict[];
  rules: string[];
  findings: Finding[];
  missing: string[];
}

export interface AnalysisOptions {
  kernel: KernelModel;
  pageSize: PageSize;
}

/**
 * The work a caller allows one analysis (the language server's time budget; a unit test's count of work units). The
 * analyzer asks before each unit of work: one call's facts ("extract", after the file is parsed and its calls found)
 * and one call's verdicts ("judge"). When refused it stops and returns what it finished: a call is reported whole or
 * not at all, never from half its facts. Pure: the clock, if any, is the caller's.
 */
export interface AnalysisBudget {
  allows(phase: "extract" | "judge"): boolean;
}

/**
 * Where an analysis stopped when its budget ran out: the calls left out (not reported), in source order, or null when
 * the budget ran out before the file's calls were found (then none is reported).
 */
export interface BudgetStop {
  leftOut: SourceRange[] | null;
}

export const DEFAULT_OPTIONS: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };

/** Evaluates a symbolic value under a page size; null when it depends on something unknown or is not an integer. */
export function evaluate(value: SymValue, pageSize: number, index: number | null = null): number | null {
  switch (value.kind) {
    case "const":
      return value.value;
    case "page":
      return pageSize;
    case "index":
      return index;
    case "unknown":
      return null;
    case "unary": {
      const operand = evaluate(value.operand, pageSize, index);
      if (operand === null) return null;
      return value.operator === "-" ? -operand : toSafe(~operand);
    }
    case "binary": {
      const left = evaluate(value.left, pageSize, index);
      const right = evaluate(value.right, pageSize, index);
      if (left === null || right === null) return null;
      return applyBinary(value.operator, left, right);
    }
  }
}

function toSafe(result: number): number | null {
  return Number.isSafeInteger(result) ? result : null;
}

function applyBinary(operator: string, left: number, right: number): number | null {
  switch (operator) {
    case "+":
      return toSafe(left + right);
    case "-":
      return toSafe(left - right);
    case "*":
      return toSafe(left * right);
    case "/":
      return right === 0 ? null : toSafe(Math.trunc(left / right));
    case "%":
      return right === 0 ? null : toSafe(left % right);
    case "<<":
      return right < 0 || right > 52 ? null : toSafe(left * 2 ** right);
    case ">>":
      return right < 0 || right > 52 ? null : toSafe(Math.floor(left / 2 ** right));
    case "&":
      return bitwise(left, right, (a, b) => a & b);
    case "|":
      return bitwise(left, right, (a, b) => a | b);
    case "^":
      return bitwise(left, right, (a, b) => a ^ b);
    default:
      return null;
  }
}

/** Bitwise operators on values that may exceed 32 bits (C's size_t): done on BigInt, kept when the result is a safe integer. */
function bitwise(left: number, right: number, operate: (a: bigint, b: bigint) => bigint): number | null {
  if (!Number.isSafeInteger(left) || !Number.isSafeInteger(right)) return null;
  const result = operate(BigInt.asUintN(64, BigInt(left)), BigInt.asUintN(64, BigInt(right)));
  const signed = BigInt.asIntN(64, result);
  return toSafe(Number(signed));
}

/** Whether the value mentions a hard-coded 4096 used as a page size. */
export function literalPageSizes(value: SymValue): SourceRange[] {
  switch (value.kind) {
    case "const":
      return value.literalPageSize ? [value.literalPageSize] : [];
    case "unary":
      return literalPageSizes(value.operand);
    case "binary":
      return [...literalPageSizes(value.left), ...literalPageSizes(value.right)];
    default:
      return [];
  }
}
