/**
 * The system calls whose behaviour differs per kernel model (spec section 3): vmsplice in both directions for
 * `mainline-3.12`, `mainline-6.x` and `rfc-v2` (the seed patch as written, quirks included), plus the pipe calls the
 * scenarios need around it (read, write, splice, tee, fcntl, close).
 *
 * This module owns the algorithms and the check order of each model; machine.ts owns the state and the shared mm
 * primitives. Every copy and every hazard event it emits carries the spec section 8 rule id that caused it.
 * A call that would sleep returns a `blocked` outcome (never waits); a kernel BUG returns a `kernelBug` outcome.
 * Pure and deterministic: no clock, randomness, I/O or console; must not import Node's I/O, the editor or the protocol
 * library.
 */
import { SPLICE_F_ALL, SPLICE_F_GIFT, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "../analysis/facts";
import type { CallOutcome, ChunkRecord } from "./types";
import { findVma, type Process } from "./address-space";
import type { Frame } from "./frames";
import { hex, type Machine, USER_ADDRESS_LIMIT } from "./machine";
import { PageRanges } from "./page-ranges";
import {
  type FdEntry,
  headBuffer,
  type Pipe,
  PIPE_BUF_FLAG_CAN_MERGE,
  PIPE_BUF_FLAG_GIFT,
  PIPE_BUF_FLAG_PACKET,
  PIPE_MAX_SIZE,
  type PipeBuffer,
  pipeFull,
  resizePipe,
} from "./pipe-ring";

/** An iovec with its address resolved; a NULL base is address 0. */
export interface UserIovec {
  base: number;
  len: number;
}

const UIO_MAXIOV = 1024;
/** Shared empty rule list: most chunks carry no rule, and a 1 GiB replay should not allocate an array for each. */
const NO_RULES: string[] = Object.freeze([]) as unknown as string[];
/** `MAX_RW_COUNT`: INT_MAX rounded down to a page (6.x caps the total silently). */
const MAX_RW_COUNT = 0x7ffff000;

const returned = (value: number): CallOutcome => ({ returned: value });
const errno = (name: string): CallOutcome => ({ errno: name });
const blocked = (progressBytes: number): CallOutcome => ({ blocked: true, progressBytes });

function isAnonymous(frame: Frame): boolean {
  return frame.kind === "anon" || frame.kind === "ksm" || frame.kind === "hugetlb";
}

/** The outcome of a blocked call, with the rules that explain the block. */
function block(machine: Machine, fd: FdEntry, progress: number, reason: string, holdsMmapLock: boolean): CallOutcome {
  machine.emit({ kind: "block", reason, ...(fd.nonblock ? { rule: "VMS-NONBLOCK-FD" } : {}) });
  if (holdsMmapLock)
    machine.emit({
      kind: "hazard",
      rule: "VMS-RFC-MMAPSEM-SLEEP",
      detail: "the writer sleeps for pipe space while holding its mmap_sem",
    });
  return blocked(progress);
}

function sigpipe(machine: Machine, process: Process): void {
  machine.emit({ kind: "signal", pid: process.name, signal: "SIGPIPE" });
}

// ---------------------------------------------------------------------------------------------------------------
// vmsplice entry (spec 3.0)
// ---------------------------------------------------------------------------------------------------------------

export function vmsplice(
  machine: Machine,
  process: Process,
  fd: FdEntry | null,
  iov: UserIovec[] | null,
  nrSegs: number,
  flags: number,
): CallOutcome {
  if (machine.model === "mainline-6.x") {
    if (flags & ~SPLICE_F_ALL) return withRule(machine, errno("EINVAL"), "VMS-FLAGS-UNKNOWN");
    if (!fd || !fd.open || (!fd.read && !fd.write)) return errno("EBADF");
    if (nrSegs > UIO_MAXIOV) return withRule(machine, errno("EINVAL"), "VMS-IOV-MAX");
    if (nrSegs > 0 && (!iov || iov.length < nrSegs)) return errno("EFAULT");
    // Importing the iovec array (lib/iov_iter.c). One segment: a length negative as ssize_t is EINVAL, then the length
    // is capped at MAX_RW_COUNT before the range check, so an overlong length runs until GUP or the copy meets an
    // unmapped page (kernel 6.18, test/conformance overlong-iovec). Several segments: each is range-checked with its
    // full length first (EFAULT), then the running total is capped.
    const segments = (iov ?? []).slice(0, nrSegs).map((segment) => ({ ...segment }));
    let total = 0;
    if (segments.length === 1) {
      const [segment] = segments;
      if (segment.len >= 2 ** 63) return errno("EINVAL");
      segment.len = Math.min(segment.len, MAX_RW_COUNT);
      if (segment.len > 0 && segment.base + segment.len > USER_ADDRESS_LIMIT) return errno("EFAULT");
      total = segment.len;
    } else {
      // The whole array is copied in first and any length negative as ssize_t is EINVAL before any range check
      // (kernel 6.18, test/conformance overlong-iovec: [{p,P},{p,(size_t)-1}] and [{p,1<<47},{p,(size_t)-1}] give EINVAL).
      if (segments.some((segment) => segment.len >= 2 ** 63)) return errno("EINVAL");
      for (const segment of segments) {
        if (segment.len > 0 && segment.base + segment.len > USER_ADDRESS_LIMIT) return errno("EFAULT");
        segment.len = Math.min(segment.len, MAX_RW_COUNT - total);
        total += segment.len;
      }
    }
    if (total === 0) return returned(0);
    if (fd.kind !== "pipe" || !fd.pipe) return withRule(machine, errno("EBADF"), "VMS-NOT-PIPE");
    return fd.write
      ? toPipe6(machine, process, fd, fd.pipe, segments, flags)
      : fromPipe(machine, process, fd, fd.pipe, segments, nrSegs, flags);
  }
  if (nrSegs > UIO_MAXIOV) return withRule(machine, errno("EINVAL"), "VMS-IOV-MAX");
  if (nrSegs === 0) return returned(0);
  if (!fd || !fd.open || (!fd.read && !fd.write)) return errno("EBADF");
  if (fd.kind !== "pipe" || !fd.pipe) return withRule(machine, errno("EBADF"), "VMS-NOT-PIPE");
  return fd.write
    ? toPipe312(machine, process, fd, fd.pipe, iov, nrSegs, flags)
    : fromPipe(machine, process, fd, fd.pipe, iov ?? [], nrSegs, flags, iov === null);
}

function withRule(machine: Machine, outcome: CallOutcome, rule: string): CallOutcome {
  machine.emit({ kind: "hazard", rule, detail: "errno" in outcome ? `fails with ${outcome.errno}` : "" });
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// To-pipe, mainline-3.12 and rfc-v2 (spec 3.1 and 3.5)
// ---------------------------------------------------------------------------------------------------------------

interface GatheredChunk {
  frame: Frame;
  offset: number;
  len: number;
  /** The user address of the chunk's first byte. */
  address: number;
  /** The iovec base the RFC records for every chunk of that iovec (never advanced: VMS-RFC-IOV-BASE). */
  iovBase: number;
}

/** `get_iovec_page_array`: pins at most `capacity` pages in iovec order; stops at a zero-length iovec. */
function gather312(
  machine: Machine,
  process: Process,
  iov: UserIovec[] | null,
  nrSegs: number,
  capacity: number,
): { chunks: GatheredChunk[]; error: string | null } {
  const pageSize = machine.pageSize;
  const chunks: GatheredChunk[] = [];
  let error: string | null = null;
  for (let index = 0; index < nrSegs; index++) {
    if (!iov || index >= iov.length) {
      error = "EFAULT";
      break;
    }
    const { base } = iov[index];
    let { len } = iov[index];
    if (len === 0) {
      if (iov.slice(index + 1, nrSegs).some((segment) => segment.len > 0)) {
        machine.emit({
          kind: "hazard",
          rule: "VMS-ZERO-LEN-IOV",
          detail: `iovec ${index} has length 0: the gather stops there and iovecs ${index + 1}.. are ignored`,
        });
      }
      error = null;
      break;
    }
    if (base + len > USER_ADDRESS_LIMIT) {
      error = "EFAULT";
      break;
    }
    let offset = base % pageSize;
    const wanted = Math.ceil((offset + len) / pageSize);
    const pages = Math.min(wanted, capacity - chunks.length);
    const pageBase = base - offset;
    let pinned = 0;
    for (; pinned < pages; pinned++) {
      const vaddr = pageBase + pinned * pageSize;
      const frame = machine.fault(process, vaddr, "read");
      if (!frame) break;
      frame.refcount++;
      if (machine.full)
        machine.emit({ kind: "pin", pid: process.name, vaddr, pfn: frame.pfn, reason: "get_user_pages (read)" });
      const chunkLength = Math.min(pageSize - offset, len);
      chunks.push({ frame, offset, len: chunkLength, address: vaddr + offset, iovBase: base });
      offset = 0;
      len -= chunkLength;
    }
    if (pinned === 0) {
      error = "EFAULT";
      break;
    }
    if (len > 0) break;
    if (pinned < pages || chunks.length === capacity) break;
  }
  return { chunks, error };
}

/** The rule a zap of the writer's page carries: SPLICE_F_MOVE without SPLICE_F_GIFT, or SPLICE_F_GIFT alone. */
function zapRuleOf(flags: number): string | undefined {
  return !(flags & SPLICE_F_GIFT)
    ? "VMS-RFC-MOVE-ONLY-ZAP"
    : !(flags & SPLICE_F_MOVE)
      ? "VMS-RFC-GIFT-ONLY-ZAP"
      : undefined;
}

function toPipe312(
  machine: Machine,
  process: Process,
  fd: FdEntry,
  pipe: Pipe,
  iov: UserIovec[] | null,
  nrSegs: number,
  flags: number,
): CallOutcome {
  const pageSize = machine.pageSize;
  const rfc = machine.model === "rfc-v2";
  const { chunks, error } = gather312(machine, process, iov, nrSegs, pipe.size);
  if (chunks.length === 0) return error ? errno(error) : returned(0);

  const zapFlags = rfc && (flags & (SPLICE_F_GIFT | SPLICE_F_MOVE)) !== 0;
  const zapRule = zapRuleOf(flags);
  const zapped = new PageRanges(pageSize);
  let zapVma: ReturnType<typeof findVma> = null;
  let userStart = 0;
  let userEnd = 0;
  let kernelBug: CallOutcome | null = null;
  const zap = (): void => {
    if (!zapVma || kernelBug) return;
    if (zapVma.kind === "hugetlb") {
      machine.emit({
        kind: "kernelBug",
        reason: `zap_page_range of ${(userEnd - userStart) / pageSize} small page(s) at ${hex(userStart)} in a hugetlb VMA is not huge-page aligned: BUG in __unmap_hugepage_range`,
        rule: "VMS-RFC-HUGETLB-OOPS",
      });
      kernelBug = { kernelBug: "VMS-RFC-HUGETLB-OOPS: the writer's zap hits a hugetlb VMA" };
      return;
    }
    machine.zapRange(process, zapVma, userStart, userEnd - userStart, zapRule, false, zapped);
  };

  let inserted = 0;
  let total = 0;
  let outcome: CallOutcome | null = null;
  const queuedSlots: number[] = [];
  const queuedBuffers: PipeBuffer[] = [];
  for (;;) {
    if (pipe.readers === 0) {
      sigpipe(machine, process);
      if (total === 0) outcome = errno("EPIPE");
      break;
    }
    if (!pipeFull(pipe)) {
      const chunk = chunks[inserted];
      const { slot, buffer } = queueChunk312(machine, process, pipe, chunk, flags, rfc);
      queuedSlots.push(slot);
      queuedBuffers.push(buffer);
      if (zapFlags && chunk.offset === 0 && chunk.len === pageSize) {
        const address = chunk.iovBase;
        if (chunk.address !== address - (address % pageSize))
          buffer.writerRules = [...buffer.writerRules, "VMS-RFC-IOV-BASE"];
        if (zapVma && address === userEnd && address + pageSize <= zapVma.end) {
          userEnd += pageSize;
        } else {
          zap();
          zapVma = findVma(process, address);
          userStart = address;
          userEnd = address + pageSize;
        }
      }
      inserted++;
      total += chunk.len;
      if (inserted === chunks.length) break;
      if (!pipeFull(pipe)) continue;
      break;
    }
    if (flags & SPLICE_F_NONBLOCK) {
      if (total === 0) outcome = errno("EAGAIN");
      break;
    }
    // Full with nothing inserted yet: the writer sleeps (the RFC holding its mmap_sem).
    outcome = block(machine, fd, 0, `pipe ${pipe.name} is full (${pipe.size} slots)`, rfc);
    break;
  }
  zap();
  if (kernelBug) return kernelBug;
  if (rfc && zapFlags) zapWrongPageHazard(machine, chunks, inserted);
  // Record per-chunk outcomes, then drop the pins of chunks that were not inserted.
  recordWriterChunks312(machine, chunks, { inserted, queuedSlots, queuedBuffers, zapped, zapFlags, zapRule });
  if (outcome) return outcome;
  return partial(machine, total, requestedBytes(iov, nrSegs));
}

/** Queues one gathered chunk into the pipe's next slot (3.12/rfc-v2): its buffer carries the stale and zero-page rules. */
function queueChunk312(
  machine: Machine,
  process: Process,
  pipe: Pipe,
  chunk: GatheredChunk,
  flags: number,
  rfc: boolean,
): { slot: number; buffer: PipeBuffer } {
  const slot = (pipe.tail + pipe.count) % pipe.size;
  const stale = pipe.slotFlags[slot];
  const bufferFlags = stale | (flags & SPLICE_F_GIFT ? PIPE_BUF_FLAG_GIFT : 0);
  let writerRules = NO_RULES;
  if (rfc && stale & PIPE_BUF_FLAG_GIFT && !(flags & SPLICE_F_GIFT)) writerRules = ["VMS-RFC-STALE-GIFT"];
  if (chunk.frame.pfn === machine.zeroPfn) writerRules = [...writerRules, "VMS-ZERO-PAGE"];
  const buffer: PipeBuffer = {
    id: 0,
    pfn: chunk.frame.pfn,
    offset: chunk.offset,
    len: chunk.len,
    flags: bufferFlags,
    ops: "user-page",
    initialOffset: chunk.offset,
    initialLen: chunk.len,
    sourceAddress: rfc ? chunk.iovBase : null,
    origin: { process: process.name, vaddr: chunk.address - chunk.offset },
    writerRules,
  };
  machine.pushBuffer(pipe, buffer);
  if (machine.full || writerRules.length)
    machine.emit({
      kind: "bufferQueued",
      pipe: pipe.name,
      slot,
      pfn: buffer.pfn,
      offset: buffer.offset,
      len: buffer.len,
      flags: bufferFlags,
      staleFlags: stale & ~(flags & SPLICE_F_GIFT ? PIPE_BUF_FLAG_GIFT : 0),
      ...(writerRules.includes("VMS-RFC-STALE-GIFT") ? { rule: "VMS-RFC-STALE-GIFT" } : {}),
    });
  return { slot, buffer };
}

/** VMS-RFC-ZAP-WRONG-PAGE: an unaligned iovec whose inserted full-page chunks make the RFC zap the page at its base. */
function zapWrongPageHazard(machine: Machine, chunks: GatheredChunk[], inserted: number): void {
  const pageSize = machine.pageSize;
  if (
    chunks.some((chunk) => chunk.offset !== 0 && chunk.iovBase % pageSize !== 0) &&
    chunks.some(
      (chunk, index) =>
        index < inserted && chunk.offset === 0 && chunk.len === pageSize && chunk.iovBase % pageSize !== 0,
    )
  ) {
    machine.emit({
      kind: "hazard",
      rule: "VMS-RFC-ZAP-WRONG-PAGE",
      detail: `the full-page chunks of an iovec based at an unaligned address zap the page at its base, ${hex(chunks.find((chunk) => chunk.iovBase % pageSize !== 0)!.iovBase - (chunks.find((chunk) => chunk.iovBase % pageSize !== 0)!.iovBase % pageSize))}`,
    });
  }
}

/** Records every gathered chunk's outcome for the trace, and drops the pins of the chunks that were not inserted. */
function recordWriterChunks312(
  machine: Machine,
  chunks: GatheredChunk[],
  state: {
    inserted: number;
    queuedSlots: number[];
    queuedBuffers: PipeBuffer[];
    zapped: PageRanges;
    zapFlags: boolean;
    zapRule: string | undefined;
  },
): void {
  const { inserted, queuedSlots, queuedBuffers, zapped, zapFlags, zapRule } = state;
  chunks.forEach((chunk, index) => {
    const pageAddress = chunk.address - chunk.offset;
    const queued = index < inserted;
    let rules = queued ? queuedBuffers[index].writerRules : NO_RULES;
    if (!queued && zapFlags) rules = ["VMS-NO-ZAP"];
    if (queued && zapRule && zapped.has(pageAddress)) rules = [...rules, zapRule];
    const record: ChunkRecord = {
      side: "writer",
      pfn: chunk.frame.pfn,
      offset: chunk.offset,
      len: chunk.len,
      slot: queued ? queuedSlots[index] : null,
      sourceAddress: chunk.address,
      writerPage: !queued ? "not-queued" : zapped.has(pageAddress) ? "zapped" : "intact",
      destinationAddress: null,
      readerPage: null,
      origin: null,
      rules: rules.length > 1 ? [...new Set(rules)] : rules,
      bufferId: queued ? (queuedBuffers[index]?.id ?? null) : null,
      destinationPfn: null,
    };
    machine.chunks.push(record);
    if (!queued) {
      machine.frames.put(chunk.frame);
    }
  });
}

function requestedBytes(iov: UserIovec[] | null, nrSegs: number): number {
  return (iov ?? []).slice(0, nrSegs).reduce((sum, segment) => sum + segment.len, 0);
}

/** A short return carries VMS-PARTIAL so the trace says why the count is smaller than asked. */
function partial(machine: Machine, total: number, requested: number): CallOutcome {
  if (total < requested)
    machine.emit({ kind: "hazard", rule: "VMS-PARTIAL", detail: `transferred ${total} of ${requested} bytes` });
  return returned(total);
}

// ---------------------------------------------------------------------------------------------------------------
// To-pipe, mainline-6.x (spec 3.2)
// ---------------------------------------------------------------------------------------------------------------

function toPipe6(
  machine: Machine,
  process: Process,
  fd: FdEntry,
  pipe: Pipe,
  segments: UserIovec[],
  flags: number,
): CallOutcome {
  const pageSize = machine.pageSize;
  if (pipe.readers === 0) {
    sigpipe(machine, process);
    return errno("EPIPE");
  }
  if (pipeFull(pipe)) {
    if (flags & SPLICE_F_NONBLOCK) return errno("EAGAIN");
    return block(machine, fd, 0, `pipe ${pipe.name} is full (${pipe.size} slots)`, false);
  }
  const bufferFlags = flags & SPLICE_F_GIFT ? PIPE_BUF_FLAG_GIFT : 0;
  let total = 0;
  let failed = false;
  let segmentIndex = 0;
  let position = 0;
  let outcome: CallOutcome | null = null;
  while (!failed && !pipeFull(pipe)) {
    while (segmentIndex < segments.length && position >= segments[segmentIndex].len) {
      segmentIndex++;
      position = 0;
    }
    if (segmentIndex >= segments.length) break;
    const segment = segments[segmentIndex];
    const start = segment.base + position;
    const offset = start % pageSize;
    const remaining = segment.len - position;
    const pages = Math.min(16, Math.ceil((offset + remaining) / pageSize));
    const pinned = pinPages6(machine, process, start - offset, pages);
    if (pinned.length === 0) {
      if (total === 0) outcome = errno("EFAULT");
      break;
    }
    let chunkOffset = offset;
    let left = Math.min(remaining, pinned.length * pageSize - offset);
    for (const frame of pinned) {
      const size = Math.min(left, pageSize - chunkOffset);
      const vaddr = start - offset + pinned.indexOf(frame) * pageSize;
      let queued = false;
      let slot: number | null = null;
      let bufferId: number | null = null;
      if (!failed) {
        if (pipe.readers === 0) {
          sigpipe(machine, process);
          failed = true;
          if (total === 0) outcome = errno("EPIPE");
        } else if (pipeFull(pipe)) {
          failed = true;
        } else {
          ({ slot, bufferId } = queueFrame6(machine, process, pipe, frame, {
            offset: chunkOffset,
            len: size,
            flags: bufferFlags,
            vaddr,
          }));
          total += size;
          position += size;
          queued = true;
        }
      }
      recordWriterChunk6(machine, frame, { offset: chunkOffset, len: size, slot, vaddr, queued, bufferId });
      if (!queued) machine.frames.put(frame);
      left -= size;
      chunkOffset = 0;
    }
    if (pinned.length < pages && !failed) {
      // GUP stopped at an unmappable page: the next round pins nothing and ends the call.
      continue;
    }
  }
  if (outcome) return outcome;
  return partial(
    machine,
    total,
    segments.reduce((sum, segment) => sum + segment.len, 0),
  );
}

/** Records one 6.x writer chunk for the trace: queued (the page stays mapped) or not. */
function recordWriterChunk6(
  machine: Machine,
  frame: Frame,
  chunk: { offset: number; len: number; slot: number | null; vaddr: number; queued: boolean; bufferId: number | null },
): void {
  machine.chunks.push({
    side: "writer",
    pfn: frame.pfn,
    offset: chunk.offset,
    len: chunk.len,
    slot: chunk.slot,
    sourceAddress: chunk.vaddr + chunk.offset,
    writerPage: chunk.queued ? "intact" : "not-queued",
    destinationAddress: null,
    readerPage: null,
    origin: null,
    rules: frame.pfn === machine.zeroPfn ? ["VMS-ZERO-PAGE"] : NO_RULES,
    bufferId: chunk.bufferId,
    destinationPfn: null,
  });
}

/** `iov_iter_get_pages` (6.x): faults in and pins up to `pages` pages from `first`; stops at an unmappable page. */
function pinPages6(machine: Machine, process: Process, first: number, pages: number): Frame[] {
  const pageSize = machine.pageSize;
  const pinned: Frame[] = [];
  for (let page = 0; page < pages; page++) {
    const vaddr = first + page * pageSize;
    const frame = machine.fault(process, vaddr, "read");
    if (!frame) break;
    frame.refcount++;
    if (machine.full)
      machine.emit({ kind: "pin", pid: process.name, vaddr, pfn: frame.pfn, reason: "iov_iter_get_pages (read)" });
    pinned.push(frame);
  }
  return pinned;
}

/** Queues one pinned frame (6.x): a plain user-page buffer, with VMS-ZERO-PAGE when the frame is the zero page. */
function queueFrame6(
  machine: Machine,
  process: Process,
  pipe: Pipe,
  frame: Frame,
  chunk: { offset: number; len: number; flags: number; vaddr: number },
): { slot: number; bufferId: number } {
  const writerRules = frame.pfn === machine.zeroPfn ? ["VMS-ZERO-PAGE"] : NO_RULES;
  const buffer: PipeBuffer = {
    id: 0,
    pfn: frame.pfn,
    offset: chunk.offset,
    len: chunk.len,
    flags: chunk.flags,
    ops: "user-page",
    initialOffset: chunk.offset,
    initialLen: chunk.len,
    sourceAddress: null,
    origin: { process: process.name, vaddr: chunk.vaddr },
    writerRules,
  };
  const slot = machine.pushBuffer(pipe, buffer);
  if (machine.full)
    machine.emit({
      kind: "bufferQueued",
      pipe: pipe.name,
      slot,
      pfn: frame.pfn,
      offset: chunk.offset,
      len: chunk.len,
      flags: chunk.flags,
      staleFlags: 0,
    });
  return { slot, bufferId: buffer.id };
}

// ---------------------------------------------------------------------------------------------------------------
// From-pipe (spec 3.3, 3.4, 3.6)
// ---------------------------------------------------------------------------------------------------------------

/** Where the bytes of a reader call go: a list of user ranges consumed front to back. */
class Destination {
  private index = 0;
  private position = 0;
  constructor(private readonly segments: UserIovec[]) {}

  /** The current destination address (skipping exhausted and zero-length segments). */
  current(): number {
    this.skip();
    const segment = this.segments[this.index];
    return segment ? segment.base + this.position : 0;
  }

  /** Bytes left in the current segment (the RFC's move is limited to it). */
  leftInSegment(): number {
    this.skip();
    const segment = this.segments[this.index];
    return segment ? segment.len - this.position : 0;
  }

  remaining(): number {
    this.skip();
    let total = 0;
    for (let index = this.index; index < this.segments.length; index++)
      total += this.segments[index].len - (index === this.index ? this.position : 0);
    return total;
  }

  advance(bytes: number): void {
    while (bytes > 0) {
      this.skip();
      const segment = this.segments[this.index];
      if (!segment) return;
      const step = Math.min(bytes, segment.len - this.position);
      this.position += step;
      bytes -= step;
    }
  }

  /** The pieces (address, length) that the next `bytes` bytes land in. */
  pieces(bytes: number): UserIovec[] {
    const result: UserIovec[] = [];
    let index = this.index;
    let position = this.position;
    while (bytes > 0 && index < this.segments.length) {
      const segment = this.segments[index];
      const step = Math.min(bytes, segment.len - position);
      if (step > 0) result.push({ base: segment.base + position, len: step });
      bytes -= step;
      position += step;
      if (position >= segment.len) {
        index++;
        position = 0;
      }
    }
    return result;
  }

  private skip(): void {
    while (this.index < this.segments.length && this.position >= this.segments[this.index].len) {
      this.index++;
      this.position = 0;
    }
  }
}

type RoundResult =
  | { done: number; stop: null }
  | { done: number; stop: "error"; errno: string }
  | { done: number; stop: "blocked" }
  | { done: number; stop: "bug" };

/**
 * vmsplice towards user memory. 3.12 and the RFC run one splice-from-pipe round per iovec (and stop at a zero-length
 * iovec); 6.x runs one round over all segments (zero-length ones skipped).
 */
function fromPipe(
  machine: Machine,
  process: Process,
  fd: FdEntry,
  pipe: Pipe,
  iov: UserIovec[],
  nrSegs: number,
  flags: number,
  iovIsNull = false,
): CallOutcome {
  if (machine.model === "mainline-6.x") {
    const destination = new Destination(iov.slice(0, nrSegs));
    const result = spliceRound(machine, process, fd, pipe, destination, destination.remaining(), flags);
    return roundOutcome(machine, fd, result, 0);
  }
  let total = 0;
  let error: string | null = null;
  for (let index = 0; index < nrSegs; index++) {
    if (iovIsNull || index >= iov.length) {
      error = "EFAULT";
      break;
    }
    const { base, len } = iov[index];
    if (len === 0) {
      if (iov.slice(index + 1, nrSegs).some((segment) => segment.len > 0)) {
        machine.emit({
          kind: "hazard",
          rule: "VMS-ZERO-LEN-IOV",
          detail: `iovec ${index} has length 0: the read stops there`,
        });
      }
      break;
    }
    if (base === 0 || base + len > USER_ADDRESS_LIMIT) {
      error = "EFAULT";
      break;
    }
    const destination = new Destination([{ base, len }]);
    const result = spliceRound(machine, process, fd, pipe, destination, len, flags);
    if (result.stop === "blocked" || result.stop === "bug") return roundOutcome(machine, fd, result, total);
    if (result.stop === "error" && result.done === 0) {
      if (total === 0) return errno(result.errno);
      break;
    }
    total += result.done;
    if (result.done < len) break;
  }
  if (total === 0 && error) return errno(error);
  return returned(total);
}

function roundOutcome(machine: Machine, fd: FdEntry, result: RoundResult, before: number): CallOutcome {
  if (result.stop === "bug") return { kernelBug: "VMS-DST-HUGETLB: the reader's destination zap hits a hugetlb VMA" };
  if (result.stop === "blocked")
    return block(machine, fd, before + result.done, "pipe is empty and a writer is still open", false);
  if (result.stop === "error" && result.done === 0 && before === 0) return errno(result.errno);
  return returned(before + result.done);
}

/** `__splice_from_pipe` with the `pipe_to_user` actor (and, for the RFC, its move attempt). */
function spliceRound(
  machine: Machine,
  process: Process,
  _fd: FdEntry,
  pipe: Pipe,
  destination: Destination,
  want: number,
  flags: number,
): RoundResult {
  let done = 0;
  let moved = 0;
  for (;;) {
    // Wait phase (splice_from_pipe_next).
    if (pipe.count === 0) {
      if (pipe.writers === 0) break;
      if (done > 0) break; // 3.12: no writer is ever left sleeping in a scenario, so waiting_writers is 0.
      if (flags & SPLICE_F_NONBLOCK) return { done, stop: "error", errno: "EAGAIN" };
      return { done, stop: "blocked" };
    }
    // Feed phase (splice_from_pipe_feed).
    let finished = false;
    while (pipe.count > 0) {
      // The head buffer (headBuffer without its pair object: one per page of a large replay).
      const slot = pipe.tail % pipe.size;
      const buffer = pipe.slots[slot]!;
      if (buffer.len === 0) {
        machine.releaseHead(pipe);
        continue;
      }
      const n = Math.min(buffer.len, want - done);
      const actor = pipeToUser(machine, process, pipe, slot, buffer, destination, n, flags);
      if (actor.kind === "bug") return { done, stop: "bug" };
      if (actor.kind === "fault") {
        if (done > 0) return { done, stop: null };
        return { done, stop: "error", errno: "EFAULT" };
      }
      if (actor.kind === "move") moved++;
      buffer.offset += n;
      buffer.len -= n;
      done += n;
      destination.advance(n);
      if (buffer.len === 0) machine.releaseHead(pipe);
      if (done === want) {
        finished = true;
        break;
      }
    }
    if (finished) break;
  }
  if (moved > 0) {
    machine.emit({
      kind: "hazard",
      rule: "VMS-RFC-RSS",
      detail: `${moved} moved page(s) are not counted in ${process.name}'s RSS`,
    });
    machine.emit({
      kind: "hazard",
      rule: "VMS-RFC-ANON-VMA",
      detail: `${moved} moved page(s) keep the writer's anon_vma`,
    });
  }
  return { done, stop: null };
}

type ActorResult = { kind: "copy" } | { kind: "move" } | { kind: "fault" } | { kind: "bug" };
/** The actor's results, one object each (a 1 GiB replay's reader makes 262,144 of them). */
const COPIED: ActorResult = Object.freeze({ kind: "copy" });
const MOVED: ActorResult = Object.freeze({ kind: "move" });
const FAULTED: ActorResult = Object.freeze({ kind: "fault" });
const BUG: ActorResult = Object.freeze({ kind: "bug" });

/** Rules that block a move, in the RFC's check order (spec 3.6 steps 1-6); null when the move may proceed. */
function moveBlocker(machine: Machine, buffer: PipeBuffer, frame: Frame, flags: number): string[] | null {
  const pageSize = machine.pageSize;
  if (!(buffer.flags & PIPE_BUF_FLAG_GIFT)) return ["VMS-NO-GIFT"];
  if (!(flags & SPLICE_F_MOVE)) return ["VMS-NO-MOVE-FLAG"];
  if (buffer.offset !== 0 || buffer.len !== pageSize) {
    if (buffer.offset !== buffer.initialOffset) return ["VMS-OFFSET-CONSUMED"];
    return [buffer.offset !== 0 ? "VMS-ALIGN-SRC" : "VMS-LEN-PAGE"];
  }
  if (!isAnonymous(frame)) {
    if (frame.kind === "zero" || frame.kind === "hugeZero") return ["VMS-ZERO-PAGE"];
    if (frame.kind === "shmem") return ["VMS-SHMEM"];
    return ["VMS-FILE"];
  }
  if (frame.mapcount > 0) {
    // The specific cause comes first (spec 4.2: VMS-STILL-MAPPED is reported through its causes), the generic rule last.
    const rules: string[] = [];
    if (buffer.writerRules.includes("VMS-RFC-IOV-BASE")) rules.push("VMS-RFC-IOV-BASE");
    if (frame.kind === "ksm") rules.push("VMS-KSM");
    for (const other of machine.processes.values()) {
      if (!other.alive || other.name === buffer.origin?.process) continue;
      for (const pte of other.ptes.values()) {
        if (pte.pfn === frame.pfn) {
          if (!rules.includes("VMS-FORK")) rules.push("VMS-FORK");
          break;
        }
      }
    }
    rules.push("VMS-STILL-MAPPED");
    return rules;
  }
  if (frame.compound) return [frame.compound.thp ? "VMS-THP" : "VMS-COMPOUND"];
  return null;
}

function pipeToUser(
  machine: Machine,
  process: Process,
  pipe: Pipe,
  slot: number,
  buffer: PipeBuffer,
  destination: Destination,
  n: number,
  flags: number,
): ActorResult {
  const frame = machine.frames.get(buffer.pfn);
  const dst = destination.current();
  let copyRules: string[] = machine.model === "rfc-v2" ? [] : ["VMS-MAINLINE-COPY"];
  if (machine.model === "rfc-v2") {
    const blocker = moveBlocker(machine, buffer, frame, flags);
    if (blocker) copyRules = blocker;
    else {
      const vma = findVma(process, dst);
      if (!vma) copyRules = [];
      else return moveIntoDestination(machine, process, vma, { slot, buffer, frame, dst, n });
    }
  }
  return copyToUser(machine, process, destination, copyRules, { slot, buffer, frame, dst, n });
}

/** One pipe buffer about to reach the reader: its slot, buffer and frame, the destination address and the length. */
interface ReaderChunk {
  slot: number;
  buffer: PipeBuffer;
  frame: Frame;
  dst: number;
  n: number;
}

/** Destination-side hazards (spec 4.3): the RFC checks none of these, so each one that applies is reported. */
function destinationHazards(
  machine: Machine,
  buffer: PipeBuffer,
  frame: Frame,
  vma: NonNullable<ReturnType<typeof findVma>>,
  dst: number,
  n: number,
): string[] {
  const pageSize = machine.pageSize;
  const shared = vma.kind === "shared-anon" || vma.kind === "shared-file";
  const staleGift = buffer.writerRules.includes("VMS-RFC-STALE-GIFT");
  const aliased = frame.refcount - frame.pipeRefs > 0 || frame.pipeRefs > 1;
  let hazards: string[] = NO_RULES;
  if (
    staleGift ||
    vma.start > dst ||
    !vma.prot.write ||
    shared ||
    dst % pageSize !== 0 ||
    n < pageSize ||
    frame.kind === "ksm" ||
    aliased
  ) {
    hazards = [];
    if (staleGift) hazards.push("VMS-RFC-STALE-GIFT");
    if (vma.start > dst) hazards.push("VMS-DST-HOLE");
    if (!vma.prot.write) hazards.push("VMS-DST-RO");
    if (shared) hazards.push("VMS-DST-SHARED");
    if (dst % pageSize !== 0) hazards.push("VMS-ALIGN-DST");
    if (n < pageSize) hazards.push("VMS-DST-SHORT");
    if (frame.kind === "ksm") hazards.push("VMS-KSM");
    if (aliased) hazards.push("VMS-RFC-TEE-ALIAS");
  }
  return hazards;
}

/** The RFC's move (spec 3.6): zaps the destination page and installs the gifted frame there. */
function moveIntoDestination(
  machine: Machine,
  process: Process,
  vma: NonNullable<ReturnType<typeof findVma>>,
  chunk: ReaderChunk,
): ActorResult {
  const pageSize = machine.pageSize;
  const { slot, buffer, frame, dst, n } = chunk;
  const origin = buffer.origin;
  const shared = vma.kind === "shared-anon" || vma.kind === "shared-file";
  let hazards = destinationHazards(machine, buffer, frame, vma, dst, n);
  if (vma.kind === "hugetlb") {
    machine.emit({
      kind: "kernelBug",
      reason: `zap_page_range of one small page at ${hex(dst)} in the reader's hugetlb VMA: BUG in __unmap_hugepage_range`,
      rule: "VMS-DST-HUGETLB",
    });
    return BUG;
  }
  const pageAddress = dst - (dst % pageSize);
  const old = process.ptes.pfnOf(machine.vpn(pageAddress));
  if (old !== null && machine.frames.compounds.size > 0 && machine.frames.get(old).compound?.thp)
    hazards = [...hazards, "VMS-DST-THP"];
  // In summary traces the destination zap is implied by the move event that follows it.
  machine.zapRange(process, vma, dst, pageSize, undefined, true);
  // Most replays have no requested race; skip building the key (one string per moved page) when there is none.
  if (machine.racingFaults.size > 0 && machine.racingFaults.has(`${process.name}:${pageAddress}`))
    return phantomSuccess(machine, process, { slot, buffer, frame, dst, n });
  machine.installPte(process, pageAddress, frame, shared && vma.prot.write);
  machine.emit({
    kind: "move",
    pid: process.name,
    dstVaddr: pageAddress,
    pfn: frame.pfn,
    len: n,
    rules: hazards,
  });
  for (const rule of hazards) {
    if (rule !== "VMS-RFC-STALE-GIFT")
      machine.emit({
        kind: "hazard",
        rule,
        detail: `move of PFN ${frame.pfn} to ${hex(dst)} in ${process.name}`,
      });
  }
  machine.chunks.push({
    side: "reader",
    pfn: frame.pfn,
    offset: buffer.offset,
    len: n,
    slot,
    sourceAddress: null,
    writerPage: null,
    destinationAddress: dst,
    readerPage: "moved",
    origin,
    rules: hazards,
    bufferId: buffer.id,
    destinationPfn: frame.pfn,
  });
  return MOVED;
}

/**
 * A requested racing fault: another thread faults the page in between the zap and get_locked_pte; the seed then finds
 * the PTE present and jumps to its exit with ret = 0, which the caller turns into "sd->len bytes moved" (spec 3.6 step 13).
 */
function phantomSuccess(machine: Machine, process: Process, chunk: ReaderChunk): ActorResult {
  const pageSize = machine.pageSize;
  const { slot, buffer, frame, dst, n } = chunk;
  const origin = buffer.origin;
  const pageAddress = dst - (dst % pageSize);
  machine.racingFaults.delete(`${process.name}:${pageAddress}`);
  machine.fault(process, pageAddress, "read", true);
  machine.emit({
    kind: "hazard",
    rule: "VMS-RFC-PHANTOM-SUCCESS",
    detail: `a racing fault repopulated ${hex(pageAddress)} in ${process.name} after the zap: ${n} bytes reported, none delivered`,
  });
  machine.chunks.push({
    side: "reader",
    pfn: frame.pfn,
    offset: buffer.offset,
    len: n,
    slot,
    sourceAddress: null,
    writerPage: null,
    destinationAddress: dst,
    readerPage: null,
    origin,
    rules: ["VMS-RFC-PHANTOM-SUCCESS"],
    bufferId: buffer.id,
    destinationPfn: machine.pteAt(process, pageAddress)?.pfn ?? null,
  });
  return COPIED;
}

/** Copy (copy_to_user / copy_page_to_iter): faults in each destination page for writing; a fault is EFAULT. */
function copyToUser(
  machine: Machine,
  process: Process,
  destination: Destination,
  copyRules: string[],
  chunk: ReaderChunk,
): ActorResult {
  const pageSize = machine.pageSize;
  const { slot, buffer, frame, dst, n } = chunk;
  const origin = buffer.origin;
  let copied = 0;
  let destinationPfn: number | null = null;
  for (const piece of destination.pieces(n)) {
    let done = 0;
    while (done < piece.len) {
      const address = piece.base + done;
      const within = address % pageSize;
      const length = Math.min(piece.len - done, pageSize - within);
      const target = machine.fault(process, address, "write");
      if (!target) {
        machine.emit({
          kind: "note",
          text: `copy to ${hex(address)} in ${process.name} faults (no writable mapping): EFAULT`,
        });
        return FAULTED;
      }
      destinationPfn ??= target.pfn;
      if (target.pipeRefs > 0)
        machine.emit({
          kind: "hazard",
          rule: "VMS-ALIAS-WRITE",
          detail: `the copy writes into PFN ${target.pfn}, which a pipe buffer still references`,
        });
      machine.frames.copy(frame, buffer.offset + copied, target, within, length);
      done += length;
      copied += length;
    }
  }
  const rule = copyRules[0] ?? null;
  const rules =
    frame.pfn === machine.zeroPfn && !copyRules.includes("VMS-ZERO-PAGE") ? [...copyRules, "VMS-ZERO-PAGE"] : copyRules;
  machine.emit({ kind: "copy", pid: process.name, dstVaddr: dst, pfn: frame.pfn, offset: buffer.offset, len: n, rule });
  machine.chunks.push({
    side: "reader",
    pfn: frame.pfn,
    offset: buffer.offset,
    len: n,
    slot,
    sourceAddress: null,
    writerPage: null,
    destinationAddress: dst,
    readerPage: "copied",
    origin,
    rules,
    bufferId: buffer.id,
    destinationPfn,
  });
  return COPIED;
}

// ---------------------------------------------------------------------------------------------------------------
// read(2), write(2), splice(2), tee(2), fcntl(2), close(2)
// ---------------------------------------------------------------------------------------------------------------

export function readCall(
  machine: Machine,
  process: Process,
  fd: FdEntry | null,
  address: number,
  length: number,
): CallOutcome {
  if (!fd || !fd.open || !fd.read) return errno("EBADF");
  if (fd.kind === "regular") {
    const file = fd.file!;
    const available = Math.max(0, Math.min(length, file.sizeBytes - fd.position));
    for (let done = 0; done < available;) {
      const filePosition = fd.position + done;
      const page = machine.objectFrame(file, Math.floor(filePosition / machine.pageSize));
      const within = filePosition % machine.pageSize;
      const step = Math.min(available - done, machine.pageSize - within);
      if (!machine.writeUser(process, address + done, step, machine.frames.bytes(page, within, step)))
        return errno("EFAULT");
      done += step;
    }
    fd.position += available;
    return returned(available);
  }
  const pipe = fd.pipe!;
  if (length === 0) return returned(0);
  let total = 0;
  for (;;) {
    if (pipe.count > 0) {
      const { buffer, slot } = headBuffer(pipe)!;
      const chars = Math.min(buffer.len, length - total);
      const frame = machine.frames.get(buffer.pfn);
      if (!machine.writeUser(process, address + total, chars, machine.frames.bytes(frame, buffer.offset, chars))) {
        return total > 0 ? returned(total) : errno("EFAULT");
      }
      machine.emit({
        kind: "copy",
        pid: process.name,
        dstVaddr: address + total,
        pfn: buffer.pfn,
        offset: buffer.offset,
        len: chars,
        rule: null,
      });
      machine.chunks.push({
        side: "reader",
        pfn: buffer.pfn,
        offset: buffer.offset,
        len: chars,
        slot,
        sourceAddress: null,
        writerPage: null,
        destinationAddress: address + total,
        readerPage: "copied",
        origin: buffer.origin,
        rules: [],
        bufferId: buffer.id,
        destinationPfn: machine.pteAt(process, address + total)?.pfn ?? null,
      });
      buffer.offset += chars;
      buffer.len -= chars;
      total += chars;
      if (buffer.len === 0 || buffer.flags & PIPE_BUF_FLAG_PACKET) machine.releaseHead(pipe);
      if (total === length) break;
      continue;
    }
    if (total > 0) break;
    if (pipe.writers === 0) break;
    if (fd.nonblock) return errno("EAGAIN");
    machine.emit({ kind: "block", reason: "read(2) on an empty pipe" });
    return blocked(0);
  }
  return returned(total);
}

export function writeCall(
  machine: Machine,
  process: Process,
  fd: FdEntry | null,
  source: number | null,
  length: number,
  value: number | null,
): CallOutcome {
  if (!fd || !fd.open || !fd.write) return errno("EBADF");
  const pageSize = machine.pageSize;
  const bytesAt = (offset: number, count: number): Uint8Array =>
    source === null ? new Uint8Array(count).fill(value ?? 0) : machine.peekUser(process, source + offset, count);
  if (fd.kind === "regular") {
    const file = fd.file!;
    for (let done = 0; done < length;) {
      const position = fd.position + done;
      const page = machine.objectFrame(file, Math.floor(position / pageSize));
      const within = position % pageSize;
      const step = Math.min(length - done, pageSize - within);
      machine.frames.write(page, within, step, bytesAt(done, step));
      done += step;
    }
    fd.position += length;
    file.sizeBytes = Math.max(file.sizeBytes, fd.position);
    return returned(length);
  }
  const pipe = fd.pipe!;
  if (pipe.readers === 0) {
    sigpipe(machine, process);
    return errno("EPIPE");
  }
  if (length === 0) return returned(0);
  let total = 0;
  // Merge into the last buffer when it is an ordinary pipe page with room (both models merge; packets never do).
  if (pipe.count > 0 && !pipe.packet) {
    const last = pipe.slots[(pipe.tail + pipe.count - 1) % pipe.size]!;
    const mergeable =
      last.ops === "anon-pipe" &&
      (machine.model === "mainline-6.x" ? (last.flags & PIPE_BUF_FLAG_CAN_MERGE) !== 0 : true);
    const room = pageSize - (last.offset + last.len);
    if (mergeable && room > 0 && length <= room) {
      machine.frames.write(machine.frames.get(last.pfn), last.offset + last.len, length, bytesAt(0, length));
      last.len += length;
      return returned(length);
    }
  }
  while (total < length) {
    if (pipe.readers === 0) {
      sigpipe(machine, process);
      return total > 0 ? returned(total) : errno("EPIPE");
    }
    if (!pipeFull(pipe)) {
      const chars = Math.min(pageSize, length - total);
      const frame = machine.frames.allocate("anon", 0);
      machine.frames.write(frame, 0, chars, bytesAt(total, chars));
      frame.refcount++;
      const flags = pipe.packet ? PIPE_BUF_FLAG_PACKET : machine.model === "mainline-6.x" ? PIPE_BUF_FLAG_CAN_MERGE : 0;
      const buffer: PipeBuffer = {
        id: 0,
        pfn: frame.pfn,
        offset: 0,
        len: chars,
        flags,
        ops: "anon-pipe",
        initialOffset: 0,
        initialLen: chars,
        sourceAddress: null,
        origin: null,
        writerRules: [],
      };
      const slot = machine.pushBuffer(pipe, buffer);
      machine.emit({
        kind: "bufferQueued",
        pipe: pipe.name,
        slot,
        pfn: frame.pfn,
        offset: 0,
        len: chars,
        flags,
        staleFlags: 0,
      });
      total += chars;
      continue;
    }
    if (fd.nonblock) return total > 0 ? returned(total) : errno("EAGAIN");
    machine.emit({ kind: "block", reason: "write(2) to a full pipe" });
    return blocked(total);
  }
  return returned(total);
}

export function spliceCall(
  machine: Machine,
  process: Process,
  input: FdEntry | null,
  output: FdEntry | null,
  length: number,
  flags: number,
): CallOutcome {
  if (!input || !input.open || !input.read || !output || !output.open || !output.write) return errno("EBADF");
  if (input.kind === "pipe" && output.kind === "pipe")
    return pipeToPipe(machine, process, input.pipe!, output.pipe!, length, flags, false);
  if (output.kind === "pipe") return fileToPipe(machine, process, input, output, length, flags);
  if (input.kind === "pipe") {
    // Pipe to file: a copy into the page cache in every model.
    const pipe = input.pipe!;
    let total = 0;
    while (total < length && pipe.count > 0) {
      const { buffer } = headBuffer(pipe)!;
      const chars = Math.min(buffer.len, length - total);
      const file = output.file!;
      const bytes = machine.frames.bytes(machine.frames.get(buffer.pfn), buffer.offset, chars);
      for (let done = 0; done < chars;) {
        const position = output.position + done;
        const page = machine.objectFrame(file, Math.floor(position / machine.pageSize));
        const within = position % machine.pageSize;
        const step = Math.min(chars - done, machine.pageSize - within);
        machine.frames.write(page, within, step, bytes, done);
        done += step;
      }
      output.position += chars;
      file.sizeBytes = Math.max(file.sizeBytes, output.position);
      buffer.offset += chars;
      buffer.len -= chars;
      total += chars;
      if (buffer.len === 0) machine.releaseHead(pipe);
    }
    if (total === 0 && pipe.writers > 0) {
      if (flags & SPLICE_F_NONBLOCK) return errno("EAGAIN");
      machine.emit({ kind: "block", reason: "splice from an empty pipe" });
      return blocked(0);
    }
    return returned(total);
  }
  return errno("EINVAL");
}

function fileToPipe(
  machine: Machine,
  process: Process,
  input: FdEntry,
  output: FdEntry,
  length: number,
  flags: number,
): CallOutcome {
  const pipe = output.pipe!;
  const file = input.file!;
  const pageSize = machine.pageSize;
  if (pipe.readers === 0) {
    sigpipe(machine, process);
    return errno("EPIPE");
  }
  if (pipeFull(pipe)) {
    if (flags & SPLICE_F_NONBLOCK) return errno("EAGAIN");
    return block(machine, output, 0, `pipe ${pipe.name} is full`, machine.model === "rfc-v2");
  }
  const available = Math.max(0, Math.min(length, file.sizeBytes - input.position));
  let total = 0;
  let zapCandidates = 0;
  while (total < available && !pipeFull(pipe)) {
    const position = input.position + total;
    const page = machine.objectFrame(file, Math.floor(position / pageSize));
    const within = position % pageSize;
    const chars = Math.min(available - total, pageSize - within);
    page.refcount++;
    const stale = machine.model === "mainline-6.x" ? 0 : pipe.slotFlags[(pipe.tail + pipe.count) % pipe.size];
    const bufferFlags = stale | (machine.model !== "mainline-6.x" && flags & SPLICE_F_GIFT ? PIPE_BUF_FLAG_GIFT : 0);
    const buffer: PipeBuffer = {
      id: 0,
      pfn: page.pfn,
      offset: within,
      len: chars,
      flags: bufferFlags,
      ops: "page-cache",
      initialOffset: within,
      initialLen: chars,
      sourceAddress: null,
      origin: null,
      writerRules: [],
    };
    const slot = machine.pushBuffer(pipe, buffer);
    machine.emit({
      kind: "bufferQueued",
      pipe: pipe.name,
      slot,
      pfn: page.pfn,
      offset: within,
      len: chars,
      flags: bufferFlags,
      staleFlags: stale,
    });
    if (within === 0 && chars === pageSize) zapCandidates++;
    total += chars;
  }
  input.position += total;
  if (machine.model === "rfc-v2" && flags & (SPLICE_F_GIFT | SPLICE_F_MOVE) && zapCandidates > 0) {
    machine.emit({
      kind: "hazard",
      rule: "VMS-RFC-SPLICE-MOVE-ZAP",
      detail: `${zapCandidates} full-page chunk(s) become zap candidates whose address is the uninitialised private field of the file's splice descriptor: ${process.name} loses memory at an undefined address`,
    });
  }
  if (total === 0 && available === 0) return returned(0);
  return returned(total);
}

export function teeCall(
  machine: Machine,
  process: Process,
  input: FdEntry | null,
  output: FdEntry | null,
  length: number,
  flags: number,
): CallOutcome {
  if (!input || !input.open || !input.read || !output || !output.open || !output.write) return errno("EBADF");
  if (input.kind !== "pipe" || output.kind !== "pipe") return errno("EINVAL");
  return pipeToPipe(machine, process, input.pipe!, output.pipe!, length, flags, true);
}

/** splice(pipe → pipe) and tee: whole buffers move with their flags (splice) or are shared without GIFT (tee, partial). */
function pipeToPipe(
  machine: Machine,
  process: Process,
  input: Pipe,
  output: Pipe,
  length: number,
  flags: number,
  tee: boolean,
): CallOutcome {
  if (input === output) return errno("EINVAL");
  if (input.count === 0) {
    if (input.writers === 0) return returned(0);
    if (flags & SPLICE_F_NONBLOCK) return errno("EAGAIN");
    machine.emit({ kind: "block", reason: `pipe ${input.name} is empty` });
    return blocked(0);
  }
  if (output.readers === 0) {
    sigpipe(machine, process);
    return errno("EPIPE");
  }
  if (pipeFull(output)) {
    if (flags & SPLICE_F_NONBLOCK) return errno("EAGAIN");
    machine.emit({ kind: "block", reason: `pipe ${output.name} is full` });
    return blocked(0);
  }
  let total = 0;
  let index = 0;
  while (length > 0 && !pipeFull(output)) {
    const position = tee ? index : 0;
    if (position >= input.count) break;
    const buffer = input.slots[(input.tail + position) % input.size]!;
    const frame = machine.frames.get(buffer.pfn);
    if (!tee && length >= buffer.len) {
      // Whole buffer: the buffer itself (flags included) changes pipes; the frame reference travels with it.
      const moved = { ...buffer };
      const slot = machine.pushBuffer(output, moved);
      frame.pipeRefs--;
      const inputSlot = input.tail % input.size;
      input.slotFlags[inputSlot] = buffer.flags;
      input.slots[inputSlot] = null;
      input.tail = (input.tail + 1) % input.size;
      input.count--;
      machine.emit({
        kind: "bufferQueued",
        pipe: output.name,
        slot,
        pfn: moved.pfn,
        offset: moved.offset,
        len: moved.len,
        flags: moved.flags,
        staleFlags: 0,
      });
      length -= moved.len;
      total += moved.len;
      continue;
    }
    const chars = Math.min(buffer.len, length);
    const copy: PipeBuffer = {
      ...buffer,
      id: 0,
      len: chars,
      flags: buffer.flags & ~PIPE_BUF_FLAG_GIFT,
      writerRules: [...buffer.writerRules],
    };
    frame.refcount++;
    const slot = machine.pushBuffer(output, copy);
    machine.emit({
      kind: "bufferQueued",
      pipe: output.name,
      slot,
      pfn: copy.pfn,
      offset: copy.offset,
      len: copy.len,
      flags: copy.flags,
      staleFlags: 0,
    });
    if (!tee) {
      buffer.offset += chars;
      buffer.len -= chars;
    }
    length -= chars;
    total += chars;
    index++;
  }
  return returned(total);
}

/** fcntl(F_SETPIPE_SZ | F_GETPIPE_SZ | F_SETFL). */
export function fcntlCall(
  machine: Machine,
  process: Process,
  fd: FdEntry | null,
  command: "F_SETPIPE_SZ" | "F_GETPIPE_SZ" | "F_SETFL",
  size: number | null,
  statusFlags: string[],
): CallOutcome {
  if (!fd || !fd.open) return errno("EBADF");
  const pageSize = machine.pageSize;
  if (command === "F_SETFL") {
    fd.nonblock = statusFlags.includes("O_NONBLOCK");
    return returned(0);
  }
  if (fd.kind !== "pipe" || !fd.pipe) return errno("EBADF");
  const pipe = fd.pipe;
  if (command === "F_GETPIPE_SZ") return returned(pipe.size * pageSize);
  const requested = size ?? 0;
  if (requested > 2 ** 31) return errno("EINVAL");
  let slots = Math.max(1, Math.ceil(requested / pageSize));
  slots = 2 ** Math.ceil(Math.log2(slots));
  const bytes = slots * pageSize;
  if (bytes > PIPE_MAX_SIZE && !process.privileged) return errno("EPERM");
  if (slots < pipe.count) return errno("EBUSY");
  resizePipe(pipe, slots);
  return returned(bytes);
}

export function closeCall(fd: FdEntry | null): CallOutcome {
  if (!fd || !fd.open) return errno("EBADF");
  fd.open = false;
  if (fd.pipe) {
    if (fd.read) fd.pipe.readers--;
    if (fd.write) fd.pipe.writers--;
  }
  return returned(0);
}
