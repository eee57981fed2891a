/**
 * From observations to verdicts: one recorded call becomes a `VmspliceCall` whose facts are the values the kernel showed
 * at the moment of the call (flags, descriptor, every iovec's address and length, the memory behind each), and is judged
 * by `judgeCall`, the static analyzer's own decision table. Nothing here decides a page's fate by itself; it only says
 * what was observed, in the vocabulary of the facts (facts.ts).
 *
 * Mapping of observations to facts:
 *   - fd: fstat S_ISFIFO (pipe or named FIFO, else not-pipe), the access mode from fdinfo (a descriptor open for writing
 *     is the writer, as the kernel decides), O_NONBLOCK, F_GETPIPE_SZ.
 *   - each iovec: a buffer starting at the page boundary below iov_base (alignment: one page), at offset iov_base mod
 *     page size; its memory kind, write permission and mlock from smaps; for a writer, "written before" from the page at
 *     iov_base (present, not the zero page; for a private file mapping, an anonymous copy-on-write page), "fork before"
 *     from that page being present but not exclusively mapped (and not KSM), KSM and THP from /proc/kpageflags (as
 *     MADV_MERGEABLE and MADV_HUGEPAGE advice, the facts the table reads); for a reader, every destination page.
 *   - peers: the recorded writers into the same pipe (inode) before a reader, and the readers after a writer.
 * What a run cannot show (whether the return value is checked, writes after the call) is not guessed: the return value
 * counts as checked and no later writes are assumed; the report says so.
 * Pure; no I/O.
 */
import {
  SPLICE_F_MOVE,
  type AnalysisOptions,
  type BufferFact,
  type CallAnalysis,
  type FdFact,
  type KernelModel,
  type MemoryKind,
  type SegmentFact,
  type SourceRange,
  type SymValue,
  type VmspliceCall,
} from "../analysis/facts";
import { judgeCall } from "../analysis/verdict";
import {
  describePage,
  MAPPING_WORDS,
  observePages,
  type MappingKind,
  type PageObservation,
  type TraceCall,
} from "./trace";

const O_ACCMODE = 3;
const O_NONBLOCK = 0o4000;

/** Where a recorded call is in the source; null line when the binary has no debug info for it. */
export interface CallSite {
  file: string;
  /** One-based source line, or null. */
  line: number | null;
  function: string | null;
  /** The call's address in its object file (hex, as addr2line and objdump show it), when known. */
  address?: string | null;
  /** The source lines of the frames above the call (the caller of the function that made it first), when resolved. */
  callers?: { file: string; line: number; function: string | null }[];
}

const constant = (value: number): SymValue => ({ kind: "const", value });

/** A range for a recorded call at a one-based line (column 1); synthetic ranges have negative indexes. */
export function lineRange(line: number | null, salt = 0): SourceRange {
  const zeroBased = line === null ? 0 : Math.max(0, line - 1);
  const index = zeroBased * 1024 + salt;
  return {
    start: { line: zeroBased, column: 0 },
    end: { line: zeroBased, column: 0 },
    startIndex: index,
    endIndex: index,
  };
}

/** A range no source text has, to give facts an identity (a pipe's inode); filtered out of related locations. */
function syntheticRange(id: number): SourceRange {
  return { start: { line: 0, column: 0 }, end: { line: 0, column: 0 }, startIndex: -1 - id, endIndex: -1 - id };
}

export function isSyntheticRange(range: SourceRange): boolean {
  return range.startIndex < 0;
}

function memoryOf(kind: MappingKind | "unmapped"): MemoryKind {
  switch (kind) {
    case "private-anon":
      return "private-anon";
    case "heap":
      return "heap";
    case "stack":
      return "stack";
    case "shared-anon":
      return "shmem";
    case "private-file":
      return "private-file";
    case "shared-file":
      return "shared-file";
    case "hugetlb":
      return "hugetlb";
    case "unmapped":
      return "unknown";
  }
}

function originOf(kind: MappingKind | "unmapped"): BufferFact["origin"] {
  return kind === "heap" ? "malloc" : kind === "stack" ? "stack-array" : kind === "unmapped" ? "unknown" : "mmap";
}

function directionOf(call: TraceCall): FdFact["direction"] {
  const flags = call.fdinfo.flags;
  if (flags === undefined) return "unknown";
  const mode = flags & O_ACCMODE;
  // fs/splice.c vmsplice_type(): FMODE_WRITE first, so a descriptor open O_RDWR is written to.
  return mode === 1 || mode === 2 ? "to-pipe" : "from-pipe";
}

export function fdFact(call: TraceCall, range: SourceRange): FdFact {
  const info = call.fdinfo;
  const direction = directionOf(call);
  const isPipe = info.stat === "fifo";
  const anonymousPipe = isPipe && (info.target ?? "").startsWith("pipe:");
  const end = direction === "to-pipe" ? "write end" : direction === "from-pipe" ? "read end" : "end unknown";
  const explanation =
    info.stat === "ebadf"
      ? `descriptor ${call.fd} was not open at the call (fstat failed)`
      : isPipe
        ? `descriptor ${call.fd} is the ${end} of ${anonymousPipe ? (info.target ?? "a pipe") : `the FIFO ${info.target ?? ""}`.trim()} (observed: fstat S_IFIFO, fdinfo flags 0${(info.flags ?? 0).toString(8)})`
        : `descriptor ${call.fd} is ${info.target ?? "not a pipe"} (observed: fstat says ${info.stat}, not a pipe)`;
  return {
    direction,
    kind: isPipe ? (anonymousPipe ? "pipe" : "fifo") : info.stat === "unknown" ? "unknown" : "not-pipe",
    pipeIndex: isPipe && direction !== "unknown" ? (direction === "to-pipe" ? 1 : 0) : null,
    pipeName: info.target ?? `fd ${call.fd}`,
    nonblock: info.flags === undefined ? null : (info.flags & O_NONBLOCK) !== 0,
    pipeSizeBytes: info.pipeSize ? constant(info.pipeSize) : null,
    range,
    // The pipe's identity for samePipe(): one synthetic origin per inode.
    originRange: isPipe && info.ino !== undefined ? syntheticRange(info.ino) : null,
    explanation,
  };
}

interface Judged {
  writtenBefore: BufferFact["writtenBefore"];
  forkShared: boolean;
}

/** What the page at iov_base says about the writer's buffer: written before the call, shared after a fork. */
function writerPageFacts(page: PageObservation | undefined): Judged {
  if (!page || page.present === null) return { writtenBefore: "unknown", forkShared: false };
  if (page.kind === "private-file") {
    // A private file page becomes anonymous when written (copy on write); until then it is the page-cache page.
    if (!page.present) return { writtenBefore: page.swapped ? "yes" : "no", forkShared: false };
    return { writtenBefore: page.fileOrShared ? "no" : "yes", forkShared: page.exclusive === false };
  }
  if (!page.present) return { writtenBefore: page.swapped ? "yes" : "no", forkShared: false };
  if (page.zero === null) return { writtenBefore: "unknown", forkShared: false };
  if (page.zero) return { writtenBefore: "no", forkShared: false };
  return { writtenBefore: "yes", forkShared: page.exclusive === false && page.ksm !== true };
}

function segmentFact(
  call: TraceCall,
  index: number,
  pages: PageObservation[],
  direction: FdFact["direction"],
  pageSize: number,
  range: SourceRange,
): SegmentFact {
  const segment = call.iov[index];
  const base = Number(BigInt(segment.base));
  const name = `iov[${index}]`;
  const first = pages[0];
  const kinds = [...new Set(pages.map((page) => page.kind))];
  const reader = direction === "from-pipe";
  // A writer's fate is decided by the page at iov_base (the RFC only ever unmaps that one); a reader's by every page.
  const deciding = reader ? pages : first ? [first] : [];
  const kind: MappingKind | "unmapped" | null =
    deciding.length === 0 ? null : new Set(deciding.map((page) => page.kind)).size === 1 ? deciding[0].kind : null;
  const memory: MemoryKind = kind === null ? "unknown" : memoryOf(kind);
  const facts = writerPageFacts(first);
  const advice: BufferFact["madvise"] = [];
  if (deciding.some((page) => page.ksm)) advice.push({ advice: "MADV_MERGEABLE", range });
  else if (!reader && deciding.some((page) => page.present && !page.zero && page.ksm === null))
    advice.push({ advice: "unknown", range });
  if (deciding.some((page) => page.thp || (reader && page.mapping?.vmflags.split(/\s+/).includes("hg"))))
    advice.push({ advice: "MADV_HUGEPAGE", range });
  const mapped = deciding.filter((page) => page.mapping !== null);
  const unmapped = deciding.some((page) => page.mapping === null);
  const writable = mapped.length === 0 ? null : mapped.every((page) => page.mapping?.perms[1] === "w");
  const spans =
    kinds.length > 1
      ? `; it spans ${kinds.map((item) => (item === "unmapped" ? "unmapped" : MAPPING_WORDS[item])).join(", ")} memory`
      : "";
  const described = first ? describePage(first) : "no page observed";
  const explanation =
    segment.len === 0
      ? "zero-length iovec"
      : `observed at 0x${base.toString(16)}: ${described}${pages.length > 1 ? ` (page 0 of ${pages.length})` : ""}${spans}`;
  const buffer: BufferFact = {
    name,
    origin: kind === null ? "unknown" : originOf(kind),
    memory,
    alignment: constant(pageSize),
    size: null,
    writable,
    writtenBefore: reader ? "yes" : facts.writtenBefore,
    writtenAfter: null,
    usedAfter: null,
    forkBefore: !reader && facts.forkShared ? { range, observed: true } : null,
    forkAfter: null,
    madvise: advice,
    mlocked: deciding.some((page) => page.mlocked) ? { range } : null,
    unmappedBefore: unmapped ? { range } : null,
    protectedBefore: null,
    originRange: null,
    explanation,
  };
  return {
    baseText: `0x${base.toString(16)}`,
    lengthText: String(segment.len),
    buffer: segment.len === 0 && !first ? null : buffer,
    offset: constant(((base % pageSize) + pageSize) % pageSize),
    length: constant(segment.len),
    baseRange: range,
    lengthRange: range,
    repeat: null,
  };
}

/** The facts of one recorded call, under a page size (the run's own, or another one asked for). */
export function callFacts(call: TraceCall, site: CallSite, pageSize: number, pages = observePages(call)): VmspliceCall {
  const range = lineRange(site.line);
  const fd = fdFact(call, range);
  const segments = call.iov.map((_, index) =>
    segmentFact(call, index, pages[index] ?? [], fd.direction, pageSize, range),
  );
  const unreadIov = call.iovNotRead ?? 0;
  return {
    range,
    calleeRange: range,
    callee: call.via === "syscall" ? "syscall" : "vmsplice",
    wrapperName: null,
    functionName: site.function,
    fd,
    flags: {
      value: call.flags >>> 0,
      text: `0x${(call.flags >>> 0).toString(16)}`,
      range,
      definitionRanges: [],
      missing: null,
    },
    iov: {
      segments: call.iovUnreadable !== undefined ? null : segments,
      nrSegs: constant(call.nrSegs),
      nrSegsRange: range,
      iovRange: range,
      declarationRange: null,
      missing:
        call.iovUnreadable !== undefined
          ? `the iovec array at the call could not be read (errno ${call.iovUnreadable}; the kernel answers EFAULT)`
          : unreadIov > 0
            ? `${unreadIov} iovec entries past the first 1025 were not recorded`
            : null,
    },
    // Not observable at run time; counting it as checked keeps VMS-PARTIAL to what the source shows (check reports it).
    returnChecked: true,
    multithreaded: call.threads > 1 ? { range } : null,
    teeOnPipe: null,
    readBefore: null,
    inErrorRegion: false,
  };
}

/** A recorded call with its site, ready to judge. */
export interface ObservedCall {
  trace: TraceCall;
  site: CallSite;
  /** Index of the call in the trace (its order across processes, by the shim's observation time). */
  sequence: number;
}

/** How many recorded calls on the same pipe are taken as peers (a pipe holds 16 buffers by default). */
const PEER_WINDOW = 16;
/** How many recorded calls on the same pipe are looked at to find them. */
const PEER_SCAN = 256;

/**
 * Judges every recorded call under a kernel model and page size. Readers are judged with the writers recorded into the
 * same pipe before them; a reader with SPLICE_F_MOVE whose pipe had no recorded writer rests on an assumption (what
 * filled the pipe), so it cannot be a clean move.
 */
export function judgeObserved(calls: ObservedCall[], options: AnalysisOptions): CallAnalysis[] {
  const facts = calls.map((call) => callFacts(call.trace, call.site, options.pageSize));
  const byPipe = new Map<string, number[]>();
  calls.forEach((call, index) => {
    const key = call.trace.fdinfo.stat === "fifo" ? `${call.trace.fdinfo.dev}:${call.trace.fdinfo.ino}` : null;
    if (key === null) return;
    const list = byPipe.get(key) ?? [];
    list.push(index);
    byPipe.set(key, list);
  });
  const position = new Map<number, number>();
  for (const list of byPipe.values()) list.forEach((index, at) => position.set(index, at));
  const pipeOf = (index: number) => {
    const info = calls[index].trace.fdinfo;
    return info.stat === "fifo" ? (byPipe.get(`${info.dev}:${info.ino}`) ?? []) : [];
  };
  // `calls` are in time order, so each pipe's list is too: a binary search finds where a time falls, and the scans
  // around it are bounded (PEER_SCAN), so a long run on one pipe costs O(n log n), not O(n²).
  const firstAfter = (list: number[], time: number) => {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (calls[list[middle]].trace.time <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return facts.map((fact, index) => {
    const same = pipeOf(index);
    let peers: VmspliceCall[] = [fact];
    if (fact.fd.direction === "from-pipe") {
      // Writers that started before this reader returned: a reader may block in the call until another process writes.
      const returned = calls[index].trace.end ?? calls[index].trace.time;
      const writers: number[] = [];
      for (let at = firstAfter(same, returned) - 1, scanned = 0; at >= 0 && scanned < PEER_SCAN; at--, scanned++) {
        const other = same[at];
        if (other !== index && facts[other].fd.direction === "to-pipe") writers.unshift(other);
        if (writers.length === PEER_WINDOW) break;
      }
      peers = [...writers.map((other) => facts[other]), fact];
      if (writers.length === 0 && fact.flags.value !== null && fact.flags.value & SPLICE_F_MOVE)
        fact.assumptions = [
          "whether the pages in the pipe were gifted: no vmsplice() into this pipe was recorded before the call (write(), splice() or an unrecorded process filled it)",
        ];
    } else if (fact.fd.direction === "to-pipe") {
      const readers: number[] = [];
      const start = position.get(index) ?? same.length;
      for (let at = start + 1, scanned = 0; at < same.length && scanned < PEER_SCAN; at++, scanned++) {
        if (facts[same[at]].fd.direction === "from-pipe") readers.push(same[at]);
        if (readers.length === PEER_WINDOW) break;
      }
      peers = [fact, ...readers.map((other) => facts[other])];
    }
    return judgeCall(fact, options, peers);
  });
}

/** Per page of the call: the observation, for reports. */
export function pageReport(call: TraceCall): {
  address: string;
  kind: string;
  present: boolean | null;
  exclusive: boolean | null;
  pfn: string | null;
  zero: boolean | null;
  thp: boolean | null;
  ksm: boolean | null;
  mlocked: boolean;
  after: { present: boolean; pfn: string | null } | null;
}[][] {
  return observePages(call).map((pages) =>
    pages.map((page) => ({
      address: `0x${page.address.toString(16)}`,
      kind: page.kind,
      present: page.present,
      exclusive: page.exclusive,
      pfn: page.pfn === null ? null : `0x${page.pfn.toString(16)}`,
      zero: page.zero,
      thp: page.thp,
      ksm: page.ksm,
      mlocked: page.mlocked,
      after: page.after
        ? { present: page.after.present, pfn: page.after.pfn === null ? null : `0x${page.after.pfn.toString(16)}` }
        : null,
    })),
  );
}

/** The kernel models a report gives the verdict under, besides the one asked for. */
export type VerdictsByKernel = Partial<Record<KernelModel, Record<string, number>>>;
