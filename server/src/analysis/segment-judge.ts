/**
 * Segment verdicts (`SegmentJudge`): the iovec as the kernel sees it (templates expanded with their loop index, cut to
 * nr_segs), and each segment instance judged once per distinct input: its length, where its base lies in its page, the
 * chunks the gather step cuts, the pipe's room, each chunk judged by page-judge.ts, and the segment's findings reported
 * through call-findings.ts. Missing facts go to the call's list; `combinePages` is the segment's provisional verdict.
 * Pure; no I/O, no editor or protocol imports.
 */
import {
  evaluate,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  type AnalysisOptions,
  type CallVerdict,
  type PageOutcome,
  type PageVerdict,
  type SegmentFact,
  type SegmentVerdict,
  type SymValue,
  type VmspliceCall,
} from "./facts";
import type { CallFindings } from "./call-findings";
import type { PageJudge } from "./page-judge";

const MAX_SEGMENTS = 1025;
const MAX_PAGES_PER_SEGMENT = 4096;

export interface Instance {
  segment: SegmentFact;
  /** Loop index for template segments. */
  index: number | null;
}

export class SegmentJudge {
  private readonly model: AnalysisOptions["kernel"];
  private readonly pageSize: number;
  private readonly rfc: boolean;
  /** The input and verdict of the last segment instance judged (see `segment`). */
  private lastInput: {
    segment: SegmentFact;
    length: number | null;
    offsetKey: string;
    room: number;
    stopped: boolean;
    judged: { result: SegmentVerdict; pages: number | null; stops: boolean };
  } | null = null;
  /** Verdicts of the segment instances judged so far, per template and input (see `segment`). */
  private readonly segmentMemo = new Map<
    SegmentFact,
    Map<string, { result: SegmentVerdict; pages: number | null; stops: boolean }>
  >();

  /** `missing`: the call's list of missing facts, which the segments add to. */
  constructor(
    private readonly call: VmspliceCall,
    options: AnalysisOptions,
    private readonly missing: string[],
    private readonly reporter: CallFindings,
    private readonly pages: PageJudge,
  ) {
    this.model = options.kernel;
    this.pageSize = options.pageSize;
    this.rfc = options.kernel === "rfc-v2";
  }

  /** Segments as the kernel sees them: templates expanded with their loop index, cut to nr_segs. */
  instantiate(nrSegs: number | null): Instance[] | null {
    const segments = this.call.iov.segments;
    if (!segments) return null;
    const instances: Instance[] = [];
    for (const segment of segments) {
      if (!segment.repeat) {
        instances.push({ segment, index: this.loopInvariantIndex(segment) });
        continue;
      }
      const count = evaluate(segment.repeat.count, this.pageSize);
      const start = evaluate(segment.repeat.start, this.pageSize) ?? 0;
      const wanted = count ?? nrSegs;
      if (wanted === null) {
        this.missing.push(`number of iovecs filled by the loop (${reason(segment.repeat.count)})`);
        // One representative entry stands for all of them only when every entry has the same page-relative shape.
        instances.push({ segment, index: this.loopInvariantIndex(segment) === null ? null : start });
        continue;
      }
      for (let offset = 0; offset < Math.min(wanted, MAX_SEGMENTS); offset++)
        instances.push({ segment, index: start + offset });
    }
    if (nrSegs !== null) {
      if (
        nrSegs > instances.length &&
        segments.every((segment) => !segment.repeat || evaluate(segment.repeat.count, this.pageSize) !== null)
      ) {
        this.missing.push(`nr_segs is ${nrSegs} but only ${instances.length} iovec entries are filled before the call`);
      }
      return instances.slice(0, Math.max(0, nrSegs));
    }
    this.missing.push(`nr_segs (${reason(this.call.iov.nrSegs)})`);
    return instances;
  }

  /**
   * A segment built inside a loop (`buf + i * pg`) is judged once for every iteration: when the page-relative offset and
   * the length come out the same for the first iterations, index 0 stands for all of them; otherwise the segment stays unknown.
   */
  private loopInvariantIndex(segment: SegmentFact): number | null {
    const P = this.pageSize;
    const shapes = [0, 1, 2, 3].map((index) => {
      const offset = evaluate(segment.offset, P, index);
      const length = evaluate(segment.length, P, index);
      return offset === null || length === null ? null : `${((offset % P) + P) % P}:${length}`;
    });
    if (shapes[0] === null || shapes.some((shape) => shape !== shapes[0])) return null;
    return 0;
  }

  /**
   * One segment instance, judged once per distinct input: the instances of a loop-filled iovec (up to 1024 per call)
   * mostly share their template, length, page offset and the room left in the pipe, and then their verdicts are the same.
   * A repeat is given the first instance's verdict object itself and adds the same missing facts; its findings were
   * already reported by the first one (`report` keeps one finding per rule and range, and the inputs are the same).
   * Sharing is safe because `settle` is idempotent on a verdict it has already settled, and a `CallAnalysis` is read-only
   * once `judge` returns.
   */
  segment(
    instance: Instance,
    direction: string,
    flags: number | null,
    slots: number,
    queuedBefore: number,
    stopped: boolean,
  ): { result: SegmentVerdict; pages: number | null; stops: boolean } {
    const { segment, index } = instance;
    const P = this.pageSize;
    const length = evaluate(segment.length, P, index);
    const offset = evaluate(segment.offset, P, index);
    // The offset matters only through where it lies within the buffer's alignment (the page offset); everything else the
    // judgement reads is the same for the whole call (direction, flags, slots, the call's facts).
    const alignment = segment.buffer?.alignment ? evaluate(segment.buffer.alignment, P) : null;
    // Which page of the buffer it is matters too when the writes before the call are placed (`fillRanges`).
    const placed = segment.buffer?.fillRanges && offset !== null && !segment.repeat ? `@${Math.floor(offset / P)}` : "";
    const offsetKey =
      offset === null
        ? "none"
        : alignment !== null && alignment > 0
          ? `${((offset % alignment) + alignment) % alignment}${placed}`
          : `any${placed}`;
    const room = Math.max(0, slots - queuedBefore);
    // A run of instances with the same input as the one before (a loop-filled iovec once the pipe is full): the same
    // verdict, found without building a key. Its missing facts are already in the call's list, so the list is unchanged.
    const last = this.lastInput;
    if (
      last &&
      last.segment === segment &&
      last.length === length &&
      last.offsetKey === offsetKey &&
      last.room === room &&
      last.stopped === stopped
    )
      return last.judged;
    const key = `${length}:${offsetKey}:${room}:${stopped}`;
    let byInput = this.segmentMemo.get(segment);
    if (!byInput) this.segmentMemo.set(segment, (byInput = new Map()));
    let judged = byInput.get(key);
    if (judged) this.missing.push(...judged.result.missing);
    else {
      judged = this.judgeSegment(segment, length, offset, direction, flags, slots, queuedBefore, stopped);
      byInput.set(key, judged);
    }
    this.lastInput = { segment, length, offsetKey, room, stopped, judged };
    return judged;
  }

  private judgeSegment(
    segment: SegmentFact,
    length: number | null,
    offset: number | null,
    direction: string,
    flags: number | null,
    slots: number,
    queuedBefore: number,
    stopped: boolean,
  ): { result: SegmentVerdict; pages: number | null; stops: boolean } {
    const P = this.pageSize;
    const rules = new Set<string>();
    const missing: string[] = [];
    const outcomes: PageOutcome[] = [];
    const baseRange = segment.baseRange ?? this.call.iov.iovRange;
    const lengthRange = segment.lengthRange ?? this.call.iov.iovRange;
    const buffer = segment.buffer;
    const bufferRelated = buffer?.originRange
      ? [{ range: buffer.originRange, message: `buffer ${buffer.name}: ${buffer.explanation}` }]
      : [];

    this.reporter.reportPageSizeLiterals(segment);

    const done = (verdict: SegmentVerdict["verdict"], pages: number | null, stops = false) => {
      const allRules = [...new Set([...rules, ...outcomes.flatMap((page) => page.rules)])].sort();
      return { result: { segment, pages, verdict, pageOutcomes: outcomes, rules: allRules, missing }, pages, stops };
    };

    if (stopped) {
      return done("copy", 0);
    }
    if (length === null && direction === "to-pipe" && !(flags !== null && flags & (SPLICE_F_GIFT | SPLICE_F_MOVE))) {
      // Without a gift nothing is unmapped, so later writes alias whatever the length is.
      this.reporter.writerLifecycle(buffer, baseRange, bufferRelated, false);
    }
    if (length === null) return done(this.unknownLength(segment, direction, flags, rules, missing), null);
    if (length === 0) {
      if (this.model !== "mainline-6.x") {
        this.reporter.report("VMS-ZERO-LEN-IOV", lengthRange, undefined);
        return done("copy", 0, true);
      }
      return done("copy", 0);
    }

    const { inPage, pageOffset } = this.pagePosition(segment, offset, missing);

    // Chunks as the gather step cuts them: the first one starts at the in-page offset.
    const aligned = inPage === 0;
    const firstOffset = inPage === null || inPage === -1 ? null : inPage;
    const chunkCount = aligned
      ? Math.ceil(length / P)
      : firstOffset !== null
        ? Math.ceil((firstOffset + length) / P)
        : Math.ceil(length / P) + (length % P === 0 ? 1 : 0);
    const pages = Math.min(chunkCount, MAX_PAGES_PER_SEGMENT);
    const remainingSlots = Math.max(0, slots - queuedBefore);
    // Pages past the cap are not judged; a writer cannot deliver them anyway when the pipe is smaller than the cap.
    if (chunkCount > pages && (direction !== "to-pipe" || remainingSlots > pages))
      missing.push(`the pages after the first ${pages} of the ${chunkCount} in ${segment.lengthText} (not examined)`);

    const zapFlags = flags !== null && (flags & (SPLICE_F_GIFT | SPLICE_F_MOVE)) !== 0;
    const gift = flags !== null && (flags & SPLICE_F_GIFT) !== 0;

    if (direction === "to-pipe") {
      this.reporter.writerLifecycle(buffer, baseRange, bufferRelated, zapFlags && aligned);
    }

    // A loop's template (offsets approximated) needs the writes to reach the whole buffer; see PageJudge.unplacedFill.
    const placed: number | null | "whole" = segment.repeat ? "whole" : offset;
    const geometry = { length, inPage, aligned, firstOffset, offset: placed, buffer, flags, gift, zapFlags, missing };
    for (let chunk = 0; chunk < pages; chunk++)
      outcomes.push(this.pages.page(chunk, direction, remainingSlots, geometry));

    if (direction === "to-pipe" && pages > remainingSlots)
      this.reporter.reportOverflow(lengthRange, { pages, remainingSlots, slots, zapFlags });
    this.reporter.reportSegmentRules(outcomes, {
      baseRange,
      lengthRange,
      buffer,
      bufferRelated,
      length,
      inPage,
      pageOffset,
      flags,
    });
    this.missing.push(...missing);
    for (const page of outcomes) page.rules = [...new Set(page.rules)].sort();
    // Provisional: settle() makes every verdict final once the whole call has been judged.
    return done(this.rfc ? combinePages(outcomes) : "copy", pages);
  }

  /**
   * A segment of unknown length. Some outcomes do not depend on the length: a writer that does not gift, a reader that
   * does not ask to move (both copy); otherwise the length is a missing fact.
   */
  private unknownLength(
    segment: SegmentFact,
    direction: string,
    flags: number | null,
    rules: Set<string>,
    missing: string[],
  ): SegmentVerdict["verdict"] {
    const noGift = direction === "to-pipe" && flags !== null && !(flags & SPLICE_F_GIFT);
    const noMove = direction === "from-pipe" && flags !== null && !(flags & SPLICE_F_MOVE);
    if (this.rfc && (noGift || noMove)) {
      rules.add(noGift ? "VMS-NO-GIFT" : "VMS-NO-MOVE-FLAG");
      if (noGift && this.reporter.wantsMove())
        this.reporter.report("VMS-NO-GIFT", this.call.flags.range, {
          kind: "writer",
          flagsText: this.call.flags.text,
          copied: null,
          total: null,
        });
      return "copy";
    }
    missing.push(`length of ${segment.lengthText} (${reason(segment.length)})`);
    this.missing.push(...missing);
    return this.rfc ? "unknown" : "copy";
  }

  /**
   * Where the base lies inside its page: known when the buffer is page-aligned (or at a known offset from such a
   * buffer). `inPage` is -1 when the base is known not to be page-aligned but its offset into the page is not known;
   * `pageOffset` is the exact offset into the page, or null. Names the missing fact when neither is known.
   */
  private pagePosition(
    segment: SegmentFact,
    offset: number | null,
    missing: string[],
  ): { inPage: number | null; pageOffset: number | null } {
    const P = this.pageSize;
    const buffer = segment.buffer;
    let inPage: number | null = null;
    let pageOffset: number | null = null;
    let alignmentKnown = false;
    if (buffer && offset !== null) {
      const alignment = buffer.alignment ? evaluate(buffer.alignment, P) : null;
      if (alignment !== null && alignment >= P && alignment % P === 0) {
        inPage = ((offset % P) + P) % P;
        pageOffset = inPage;
        alignmentKnown = true;
      } else if (alignment !== null && alignment > 0) {
        // Not guaranteed page-aligned: 16-byte malloc memory, unattributed arrays. Known to be mis-aligned only relative to a page.
        const residue = ((offset % alignment) + alignment) % alignment;
        inPage = residue !== 0 ? residue : -1;
        alignmentKnown = true;
      }
    }
    if (!buffer) missing.push(`buffer behind ${segment.baseText} (${reason(segment.offset)})`);
    else if (offset === null) missing.push(`offset of ${segment.baseText} in its buffer (${reason(segment.offset)})`);
    else if (!alignmentKnown) missing.push(`alignment of ${buffer.name} (${buffer.explanation})`);
    return { inPage, pageOffset };
  }
}

/**
 * A segment's verdict from its pages: any unsafe page makes it unsafe (it must never read as success), otherwise any
 * unknown page makes it unknown, otherwise move (every delivered page moves), copy (none does) or partial.
 */
export function combinePages(outcomes: PageOutcome[]): CallVerdict {
  const delivered = outcomes.filter((page) => page.verdict !== "not-delivered");
  const has = (verdict: PageVerdict) => delivered.some((page) => page.verdict === verdict);
  if (has("unsafe")) return "unsafe";
  if (has("unknown")) return "unknown";
  const moved = delivered.filter((page) => page.verdict === "move").length;
  return moved === 0 ? "copy" : moved === delivered.length ? "move" : "partial";
}

export function reason(value: SymValue): string {
  switch (value.kind) {
    case "unknown":
      return value.reason;
    case "binary":
      return value.left.kind === "unknown" ? value.left.reason : reason(value.right);
    case "unary":
      return reason(value.operand);
    default:
      return "not a constant";
  }
}
