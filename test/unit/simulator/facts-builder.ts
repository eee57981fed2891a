// Hand-built analyzer facts for the call-site replay tests: one helper per fact record, defaults describing the ideal
// case (page-aligned, written, private anonymous memory), overridden per test.
import type { BufferFact, SegmentFact, SourceRange, SymValue, VmspliceCall } from "../../../server/src/analysis/facts";

export function range(line: number): SourceRange {
  return { start: { line, column: 2 }, end: { line, column: 40 }, startIndex: line * 100, endIndex: line * 100 + 38 };
}

export const page: SymValue = { kind: "page" };
export const unknown: SymValue = { kind: "unknown", reason: "not folded" };
export function constant(value: number): SymValue {
  return { kind: "const", value };
}
export function pages(count: number): SymValue {
  return { kind: "binary", operator: "*", left: constant(count), right: page };
}

export function buffer(overrides: Partial<BufferFact> = {}): BufferFact {
  return {
    name: "buf",
    origin: "mmap",
    memory: "private-anon",
    alignment: page,
    size: null,
    writable: true,
    writtenBefore: "yes",
    writtenAfter: null,
    usedAfter: null,
    forkBefore: null,
    madvise: [],
    mlocked: null,
    unmappedBefore: null,
    originRange: range(1),
    explanation: "mmap'd private anonymous memory",
    ...overrides,
  };
}

export function segment(base: BufferFact | null, offset: SymValue, length: SymValue): SegmentFact {
  return {
    baseText: base?.name ?? "?",
    lengthText: "len",
    buffer: base,
    offset,
    length,
    baseRange: null,
    lengthRange: null,
    repeat: null,
  };
}

export function call(
  line: number,
  direction: "to-pipe" | "from-pipe" | "unknown",
  flags: number | null,
  segments: SegmentFact[] | null,
  overrides: Partial<VmspliceCall> = {},
): VmspliceCall {
  return {
    range: range(line),
    calleeRange: range(line),
    callee: "vmsplice",
    wrapperName: null,
    functionName: "main",
    fd: {
      direction,
      kind: "pipe",
      pipeIndex: direction === "to-pipe" ? 1 : direction === "from-pipe" ? 0 : null,
      pipeName: "fds",
      nonblock: false,
      pipeSizeBytes: null,
      range: range(line),
      originRange: range(0),
      explanation: "pipe(fds)",
    },
    flags: {
      value: flags,
      text: flags === null ? "flags" : String(flags),
      range: range(line),
      definitionRanges: [],
      missing: flags === null ? "flags is a parameter" : null,
    },
    iov: {
      segments,
      nrSegs: constant(segments?.length ?? 1),
      nrSegsRange: range(line),
      iovRange: range(line),
      declarationRange: null,
      missing: segments === null ? "iovec built in a helper" : null,
    },
    returnChecked: true,
    multithreaded: null,
    teeOnPipe: null,
    readBefore: null,
    inErrorRegion: false,
    ...overrides,
  };
}
