/**
 * Page verdicts (`PageJudge`): one chunk of a segment under the kernel model, the decision table's page tests. Not
 * delivered past the pipe's room, copied on mainline, else rfc-v2's writer test (gifted, aligned, a full page at
 * iov_base, then the memory kind and the buffer's history) or reader test (SPLICE_F_MOVE, a consumed offset, whether the
 * pipe's writers gift, then the destination). It records the rules a page carries and its provisional verdict; findings
 * are reported from those rules by call-findings.ts, and verdict.ts settles them.
 * Pure; no I/O, no editor or protocol imports.
 */
import {
  evaluate,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  type AnalysisOptions,
  type BufferFact,
  type CallAnalysis,
  type PageOutcome,
  type VmspliceCall,
} from "./facts";
import { unsafeKind, type RuleId } from "../rules";
import { isAnonymousKind } from "./call-findings";
import { pipePeers } from "./pipe-peers";
import { UNSTEALABLE_CAUSES } from "../rules/vms-no-movable-page";

/** A writer of the reader's pipe that puts no page the reader can take, and the writer-side rules that say why. */
export interface UnstealableWriter {
  line: number;
  causes: string[];
}

type PipeFeed =
  | { kind: "none" }
  | { kind: "gifts" }
  | { kind: "no-gift" }
  | { kind: "no-movable"; writers: UnstealableWriter[] }
  | { kind: "unknown"; reason: string };

export class PageJudge {
  private readonly pageSize: number;
  private readonly rfc: boolean;

  /** `writerJudgement`: a writer of the same pipe judged as a call (verdict.ts), once per call and options. */
  constructor(
    private readonly call: VmspliceCall,
    options: AnalysisOptions,
    private readonly peers: VmspliceCall[],
    private readonly writerJudgement: (writer: VmspliceCall) => CallAnalysis,
  ) {
    this.pageSize = options.pageSize;
    this.rfc = options.kernel === "rfc-v2";
  }

  /** One chunk of a segment: not delivered past the pipe's room, copied on mainline, else the writer's or reader's test. */
  page(
    chunk: number,
    direction: string,
    remainingSlots: number,
    geometry: {
      length: number;
      inPage: number | null;
      aligned: boolean;
      firstOffset: number | null;
      /** The segment's byte offset from its buffer's start (null: unknown; "whole": a loop's template, not placed). */
      offset: number | null | "whole";
      buffer: BufferFact | null;
      flags: number | null;
      gift: boolean;
      zapFlags: boolean;
      missing: string[];
    },
  ): PageOutcome {
    const P = this.pageSize;
    const { length, inPage, aligned, firstOffset, offset, buffer, flags, gift, zapFlags, missing } = geometry;
    const page: PageOutcome = { index: chunk, verdict: "copy", rules: [] };
    if (direction === "to-pipe" && chunk >= remainingSlots) {
      page.verdict = "not-delivered";
      if (this.rfc && zapFlags) page.rules.push("VMS-NO-ZAP");
      return page;
    }
    if (!this.rfc) return page;
    if (direction === "unknown") {
      page.verdict = "unknown";
      return page;
    }
    const chunkStart = chunk === 0 ? (firstOffset ?? (inPage === -1 ? 1 : null)) : 0;
    const chunkEnd = aligned
      ? Math.min(P, length - chunk * P)
      : firstOffset !== null
        ? Math.min(P, firstOffset + length - chunk * P)
        : null;
    const fullPage = chunkStart === 0 && chunkEnd === P;
    if (direction === "to-pipe")
      this.writerPage(page, chunk, {
        length,
        offset,
        aligned,
        inPage,
        fullPage,
        chunkEnd,
        buffer,
        flags,
        gift,
        zapFlags,
        missing,
      });
    else this.readerPage(page, chunk, { aligned, inPage, fullPage, chunkEnd, buffer, flags, missing });
    return page;
  }

  /** rfc-v2 writer side: is this chunk gifted, unmapped and therefore movable by a reader passing SPLICE_F_MOVE? */
  private writerPage(
    page: PageOutcome,
    chunk: number,
    context: {
      length: number;
      offset: number | null | "whole";
      aligned: boolean;
      inPage: number | null;
      fullPage: boolean;
      chunkEnd: number | null;
      buffer: BufferFact | null;
      flags: number | null;
      gift: boolean;
      zapFlags: boolean;
      missing: string[];
    },
  ): void {
    const { aligned, inPage, fullPage, buffer, flags, gift, zapFlags } = context;
    if (flags === null) {
      page.verdict = "unknown";
      return;
    }
    // Every full-page chunk makes the RFC zap the page at iov_base, with SPLICE_F_GIFT or SPLICE_F_MOVE alone; in a
    // hugetlb mapping that one-page zap hits a kernel BUG (spec G16).
    if (zapFlags && fullPage && buffer?.memory === "hugetlb") {
      page.rules.push("VMS-RFC-HUGETLB-OOPS");
      page.verdict = "unsafe";
      return;
    }
    if (!gift) {
      page.rules.push("VMS-NO-GIFT");
      if (zapFlags && aligned && chunk === 0 && fullPage) page.rules.push("VMS-RFC-MOVE-ONLY-ZAP");
      return;
    }
    if (inPage === null) {
      page.verdict = "unknown";
      return;
    }
    if (chunk === 0 && !aligned) {
      page.rules.push("VMS-ALIGN-SRC");
      if (context.chunkEnd !== null ? context.chunkEnd - (inPage ?? 0) < this.pageSize : context.length < this.pageSize)
        page.rules.push("VMS-LEN-PAGE");
      return;
    }
    if (!fullPage) {
      page.rules.push("VMS-LEN-PAGE");
      return;
    }
    if (chunk > 0) {
      // The RFC records iov_base for every chunk of the iovec, so only the page at iov_base is ever unmapped.
      page.rules.push("VMS-RFC-IOV-BASE");
      return;
    }
    this.memoryVerdict(page, buffer, context.missing, context.offset);
  }

  /** The memory-kind part of the RFC's move test for the writer's page at iov_base. */
  private memoryVerdict(
    page: PageOutcome,
    buffer: BufferFact | null,
    missing: string[],
    offset: number | null | "whole",
  ): void {
    if (!buffer) {
      page.verdict = "unknown";
      return;
    }
    switch (buffer.memory) {
      case "hugetlb":
        page.rules.push("VMS-RFC-HUGETLB-OOPS");
        page.verdict = "unsafe";
        return;
      case "shmem":
        page.rules.push("VMS-SHMEM");
        return;
      case "shared-file":
        page.rules.push("VMS-FILE");
        return;
      case "private-file":
        if (buffer.writtenBefore !== "yes") {
          page.rules.push("VMS-FILE");
          return;
        }
        break;
      case "unknown":
        page.verdict = "unknown";
        missing.push(`memory kind of ${buffer.name} (${buffer.explanation})`);
        return;
    }
    // The source must still be mapped and readable when the call pins it (else EFAULT: nothing is queued).
    if (buffer.unmappedBefore) {
      page.verdict = "unknown";
      missing.push(
        `whether ${buffer.name} is still mapped: ${buffer.unmappedBefore.via ? `${buffer.unmappedBefore.via}(), which calls munmap(),` : "munmap()"} on line ${buffer.unmappedBefore.range.start.line + 1} may unmap it before the call (EFAULT)`,
      );
      return;
    }
    if (buffer.protectedBefore && buffer.protectedBefore.readable !== true) {
      page.verdict = "unknown";
      missing.push(
        `whether ${buffer.name} is still readable after mprotect() on line ${buffer.protectedBefore.range.start.line + 1} (EFAULT when it is not)`,
      );
      return;
    }
    if (buffer.droppedBefore && isAnonymousKind(buffer.memory)) {
      page.verdict = "unknown";
      missing.push(
        `whether ${buffer.name} still holds its pages: madvise(${buffer.droppedBefore.advice}) on line ${buffer.droppedBefore.range.start.line + 1} drops them after the fill (the call then sends the zero page)`,
      );
      return;
    }
    if (buffer.writtenBefore === "no" && isAnonymousKind(buffer.memory)) {
      page.rules.push("VMS-ZERO-PAGE");
      return;
    }
    if (buffer.forkBefore?.conditional) {
      page.verdict = "unknown";
      missing.push(
        `whether ${forkName(buffer.forkBefore)} on line ${buffer.forkBefore.range.start.line + 1} runs before the call (copy when it does, move otherwise)`,
      );
      return;
    }
    if (buffer.forkBefore) {
      page.rules.push("VMS-FORK");
      return;
    }
    if (buffer.madvise.some((advice) => advice.advice === "MADV_MERGEABLE")) {
      page.rules.push("VMS-KSM");
      return;
    }
    if (buffer.madvise.some((advice) => advice.advice === "unknown")) {
      // Advice chosen at run time may be MADV_MERGEABLE (KSM: copied).
      page.verdict = "unknown";
      missing.push(`the advice of madvise() on ${buffer.name} (it may be MADV_MERGEABLE)`);
      return;
    }
    const unsettled = this.unsettledFill(buffer, offset);
    if (unsettled.length > 0) {
      page.verdict = "unknown";
      missing.push(...unsettled);
      return;
    }
    if (buffer.madvise.some((advice) => advice.advice === "MADV_HUGEPAGE")) page.rules.push("VMS-THP-SPLIT");
    if (buffer.mlocked) page.rules.push("VMS-RFC-MLOCK");
    page.verdict = "move";
  }

  /**
   * What is not known about the page's fill: calls the analyzer cannot see, whether the buffer is written at all, and
   * whether a write reaches this page. Empty when the page is known to be written.
   */
  private unsettledFill(buffer: BufferFact, offset: number | null | "whole"): string[] {
    if (buffer.unseenCalls?.length) return unseenCallFacts(buffer);
    if (buffer.writtenBefore === "unknown")
      return [`whether ${buffer.name} is written before the call (an untouched buffer sends the zero page)`];
    const untouched = this.unplacedFill(buffer, offset);
    return untouched ? [untouched] : [];
  }

  /**
   * Why the page at `offset` of a written buffer may still be untouched, or null when a write before the call reaches
   * it on every path (`fillRanges`), or the analyzer does not place the writes. Any byte written makes the page present.
   */
  private unplacedFill(buffer: BufferFact, offset: number | null | "whole"): string | null {
    const ranges = buffer.fillRanges;
    if (!ranges || offset === null) return null;
    const P = this.pageSize;
    const bounds = ranges.map((range) => ({ from: evaluate(range.start, P), to: evaluate(range.end, P) }));
    if (offset === "whole") {
      const size = buffer.size ? evaluate(buffer.size, P) : null;
      const whole =
        size !== null && bounds.some(({ from, to }) => from !== null && to !== null && from <= 0 && to >= size);
      return whole
        ? null
        : `whether every page of ${buffer.name} the loop's iovecs reach is written before the call: no write before it is known to reach the whole buffer (an untouched page is the zero page)`;
    }
    const start = Math.floor(offset / P) * P;
    const reached = bounds.some(({ from, to }) => from !== null && to !== null && from < start + P && to > start);
    if (reached) return null;
    return `whether the page at byte ${start} of ${buffer.name} is written before the call: no write before it is known to reach that page (an untouched page is the zero page)`;
  }

  /** rfc-v2 reader side: can a gifted page move into this destination, and does the move corrupt anything? */
  private readerPage(
    page: PageOutcome,
    chunk: number,
    context: {
      aligned: boolean;
      inPage: number | null;
      fullPage: boolean;
      chunkEnd: number | null;
      buffer: BufferFact | null;
      flags: number | null;
      missing: string[];
    },
  ): void {
    const { aligned, inPage, buffer, flags } = context;
    if (flags === null) {
      page.verdict = "unknown";
      return;
    }
    const copyRule = this.copiedBeforeDestination(chunk, flags);
    if (copyRule) {
      page.rules.push(copyRule);
      return;
    }
    if (!buffer || inPage === null) {
      // The segment names the missing buffer, offset or alignment.
      page.verdict = "unknown";
      return;
    }
    // The RFC never checks the destination: these pages still move (or crash the kernel), so they are unsafe.
    if (buffer.memory === "hugetlb") {
      page.rules.push("VMS-DST-HUGETLB");
      page.verdict = "unsafe";
      return;
    }
    if (buffer.unmappedBefore) page.rules.push("VMS-DST-HOLE");
    // An mprotect() before the call decides the protection the RFC meets (it installs the frame regardless). One that
    // removes PROT_WRITE counts even if it runs on some paths only; one that grants it counts only if the mapping
    // was writable anyway (it may not run on every path).
    const protect = buffer.protectedBefore;
    const writable = !protect
      ? buffer.writable
      : protect.writable === true
        ? buffer.writable === true
          ? true
          : null
        : protect.writable;
    if (writable === false) page.rules.push("VMS-DST-RO");
    if (buffer.memory === "shmem" || buffer.memory === "shared-file") page.rules.push("VMS-DST-SHARED");
    // A split destination huge page is not unsafe: the move itself is correct (spec, "Verdict unsafe").
    if (buffer.madvise.some((advice) => advice.advice === "MADV_HUGEPAGE")) page.rules.push("VMS-DST-THP");
    if (!aligned) page.rules.push("VMS-ALIGN-DST");
    else if (context.chunkEnd !== null && context.chunkEnd < this.pageSize) page.rules.push("VMS-DST-SHORT");
    if (page.rules.some((id) => unsafeKind(id) !== null)) {
      page.verdict = "unsafe";
      return;
    }
    // A clean move needs a destination known to be private, writable memory (shared or hugetlb would be unsafe).
    if (buffer.memory === "unknown") {
      page.verdict = "unknown";
      context.missing.push(`memory kind of the destination ${buffer.name} (${buffer.explanation})`);
      return;
    }
    if (writable === null) {
      page.verdict = "unknown";
      context.missing.push(
        buffer.protectedBefore
          ? `whether the destination ${buffer.name} is still writable after mprotect() (line ${buffer.protectedBefore.range.start.line + 1})`
          : `whether the destination ${buffer.name} is mapped writable (${buffer.explanation})`,
      );
      return;
    }
    const feed = this.pipeFeed();
    if (feed.kind === "unknown") {
      page.verdict = "unknown";
      context.missing.push(feed.reason);
      return;
    }
    if (buffer.unseenCalls?.some((call) => call.buffer)) {
      // A function the analyzer cannot see was handed the destination: it may unmap or protect it.
      page.verdict = "unknown";
      context.missing.push(...unseenCallFacts({ ...buffer, unseenCalls: buffer.unseenCalls.filter((c) => c.buffer) }));
      return;
    }
    page.verdict = "move";
  }

  /**
   * The reader's copies that the RFC decides before it looks at the destination (its move test, steps 1 to 6): no
   * SPLICE_F_MOVE, a partly consumed buffer, a pipe whose writers do not gift, or whose chunks none can be taken.
   */
  private copiedBeforeDestination(chunk: number, flags: number): RuleId | null {
    if (!(flags & SPLICE_F_MOVE)) return "VMS-NO-MOVE-FLAG";
    if (this.call.readBefore && chunk === 0) {
      const read = evaluate(this.call.readBefore.length, this.pageSize);
      if (read === null || read % this.pageSize !== 0) return "VMS-OFFSET-CONSUMED";
    }
    // A page moves only if its writer gifted it (the buffer's GIFT flag, step 1 of the RFC's move attempt).
    const feed = this.pipeFeed();
    if (feed.kind === "no-gift") return "VMS-NO-GIFT";
    // Every chunk in the pipe fails the RFC's move test before the destination is looked at (buffer flags, offset and
    // length, frame kind): the reader copies, and its destination cannot be moved into, however wrong it is.
    if (feed.kind === "no-movable") return "VMS-NO-MOVABLE-PAGE";
    return null;
  }

  private feed: PipeFeed | null = null;

  /** The writers behind this reader's VMS-NO-MOVABLE-PAGE (empty unless its pipe holds no page it can take). */
  unstealableWriters(): UnstealableWriter[] {
    const feed = this.pipeFeed();
    return feed.kind === "no-movable" ? feed.writers : [];
  }

  /**
   * What this reader's pipe holds, from the writers of this file that may feed it (the same pipe() call, or a pipe
   * either side cannot name). None: the writer is elsewhere and the reader is judged for gifted pages, as it says. All
   * of them known not to gift, on the very same pipe: every page copies. All of them on the very same pipe and known
   * to put only chunks no reader can take (see `unstealable`): every page copies too. Any other writer whose pages do
   * not all move (or whose flags are unknown): the reader's moves are unknown, naming it.
   */
  private pipeFeed(): PipeFeed {
    if (this.feed) return this.feed;
    const writers = pipePeers(this.peers, this.call).writers.filter((peer) => peer !== this.call);
    const origin = this.call.fd.originRange;
    const sameCall = (peer: VmspliceCall) =>
      origin !== null && peer.fd.originRange !== null && peer.fd.originRange.startIndex === origin.startIndex;
    const noGift = (peer: VmspliceCall) => peer.flags.value !== null && (peer.flags.value & SPLICE_F_GIFT) === 0;
    const verdictOf = (peer: VmspliceCall) => this.writerJudgement(peer).verdict;
    if (writers.length === 0) this.feed = { kind: "none" };
    else if (writers.every((peer) => sameCall(peer) && noGift(peer))) this.feed = { kind: "no-gift" };
    else if (writers.every((peer) => sameCall(peer) && unstealable(this.writerJudgement(peer))))
      this.feed = {
        kind: "no-movable",
        writers: writers.map((peer) => ({
          line: peer.range.start.line + 1,
          causes: [...new Set(causesOf(this.writerJudgement(peer)))].sort(),
        })),
      };
    else {
      const failing = writers.find((peer) => verdictOf(peer) !== "move");
      this.feed = failing
        ? {
            kind: "unknown",
            reason: `whether the pages in the pipe were gifted and movable: the writer on line ${failing.range.start.line + 1} ${
              noGift(failing) ? `does not gift them (flags ${failing.flags.text})` : `gives ${verdictOf(failing)}`
            }`,
          }
        : { kind: "gifts" };
    }
    return this.feed;
  }
}

/**
 * Whether a writer call puts no chunk that a reader could ever take: its verdict is a known copy and every page it
 * delivers copies for a reason fixed when the chunk enters the pipe (no GIFT flag, `offset != 0` or `len != P`, a frame
 * that is not anonymous). A copy that rests on the page still being mapped when the reader consumes it (VMS-FORK,
 * VMS-RFC-IOV-BASE, VMS-KSM) does not count: the writer may unmap it first, and then the reader takes it.
 */
function unstealable(writer: CallAnalysis): boolean {
  if (writer.verdict !== "copy") return false;
  return writer.segments.every((segment) =>
    segment.pages === null
      ? segment.verdict === "copy" && segment.rules.includes("VMS-NO-GIFT")
      : segment.pageOutcomes.every(
          (page) =>
            page.verdict === "not-delivered" ||
            (page.verdict === "copy" && page.rules.some((id) => UNSTEALABLE_CAUSES.has(id))),
        ),
  );
}

/** The writer-side rules that make a writer's delivered pages unstealable (for the reader's message). */
function causesOf(writer: CallAnalysis): string[] {
  return writer.segments.flatMap((segment) =>
    segment.pages === null
      ? segment.rules.filter((id) => UNSTEALABLE_CAUSES.has(id))
      : segment.pageOutcomes.flatMap((page) =>
          page.verdict === "copy" ? page.rules.filter((id) => UNSTEALABLE_CAUSES.has(id)) : [],
        ),
  );
}

/** What forks at a fork site, as a user reads it: "fork()", or "daemonize() (which forks)". */
export function forkName(fork: { via?: string }): string {
  return fork.via ? `${fork.via}() (which forks)` : "fork()";
}

/**
 * The missing facts of calls whose effect on the buffer the analyzer cannot see (`BufferFact.unseenCalls`), naming
 * the function and the file that would settle it.
 */
export function unseenCallFacts(buffer: Pick<BufferFact, "name" | "unseenCalls">): string[] {
  const facts = (buffer.unseenCalls ?? []).map((call) => {
    const line = call.range.start.line + 1;
    const unseen = call.via ?? call.name;
    const where = call.unfollowed
      ? `${unseen}() is not followed (helpers nest deeper than the analyzer follows, or it reassigns its buffer parameter)`
      : call.file
        ? `${unseen}() is defined in ${call.file}, not read with this file`
        : `the analyzer reads no definition of ${unseen}()`;
    return call.buffer
      ? `what ${call.name}() on line ${line} does with ${buffer.name} (fills, unmaps or drops it): ${where}`
      : `whether ${call.name}() on line ${line} forks${call.via ? ` (it calls ${call.via}())` : ""}: ${where}`;
  });
  return [...new Set(facts)];
}
