/**
 * Verdicts: evaluates one call's facts under a kernel model and page size, page by page, and turns every condition of
 * the specification's decision table (section 4) that C source can show into findings with stable rule ids.
 *
 * The one rule above all others: a page is "move" only when every fact that decides it is established. A missing fact
 * gives "unknown" and names what is missing. Mainline kernels never move, whatever the facts. A page the RFC moves into
 * the wrong place, or whose gift crashes the kernel, is "unsafe" (the rule table says which rules make it so), and a
 * segment or call with an unsafe page is unsafe. `CallJudge.settle` is the single place where page, segment and call
 * verdicts become final and where both rules are enforced.
 * Pure; no I/O, no editor or protocol imports.
 */
import {
  evaluate,
  literalPageSizes,
  SPLICE_F_ALL,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  type AnalysisOptions,
  type BufferFact,
  type CallAnalysis,
  type CallVerdict,
  type Finding,
  type PageOutcome,
  type PageVerdict,
  type SegmentFact,
  type SegmentVerdict,
  type SourceRange,
  type SpliceCall,
  type SymValue,
  type VmspliceCall,
} from "./facts";
import { rule, ruleMessage, unsafeKind, type MessageInput, type RuleId } from "../rules";
import { lineOf } from "../rules/words";

const MAX_SEGMENTS = 1025;
const MAX_PAGES_PER_SEGMENT = 4096;

interface Instance {
  segment: SegmentFact;
  /** Loop index for template segments. */
  index: number | null;
}

/** Pipe capacity in slots: 16 by default, or F_SETPIPE_SZ rounded up to a power of two number of pages. */
function pipeSlots(call: VmspliceCall, pageSize: number): number {
  if (!call.fd.pipeSizeBytes) return 16;
  const bytes = evaluate(call.fd.pipeSizeBytes, pageSize);
  if (bytes === null || bytes <= 0) return 16;
  let slots = 1;
  while (slots * pageSize < bytes) slots *= 2;
  return slots;
}

/** What the segment rules' findings are placed on and worded from. */
interface SegmentRuleContext {
  baseRange: SourceRange;
  lengthRange: SourceRange;
  buffer: BufferFact | null;
  bufferRelated: { range: SourceRange; message: string }[];
  length: number;
  inPage: number | null;
  /** The base's offset into its page when the buffer is page-aligned (so the offset is exact), else null. */
  pageOffset: number | null;
  flags: number | null;
}

class CallJudge {
  readonly findings: Finding[] = [];
  readonly missing: string[] = [];
  private readonly model: AnalysisOptions["kernel"];
  private readonly pageSize: number;
  private readonly rfc: boolean;
  /** Length of the segment being judged (for page rules that need it). */
  private segmentLength = 0;
  /** The input and verdict of the last segment instance judged (see `segment`). */
  private lastInput: {
    segment: SegmentFact;
    length: number | null;
    offsetKey: number | string;
    room: number;
    stopped: boolean;
    judged: { result: SegmentVerdict; pages: number | null; stops: boolean };
  } | null = null;
  /** Verdicts of the segment instances judged so far, per template and input (see `segment`). */
  private readonly segmentMemo = new Map<
    SegmentFact,
    Map<string, { result: SegmentVerdict; pages: number | null; stops: boolean }>
  >();

  constructor(
    readonly call: VmspliceCall,
    readonly options: AnalysisOptions,
    readonly peers: VmspliceCall[],
  ) {
    this.model = options.kernel;
    this.pageSize = options.pageSize;
    this.rfc = options.kernel === "rfc-v2";
  }

  /** Reports a finding; its message is composed by the rule's module from `input` (rules/<rule-id>.ts). */
  report<Id extends RuleId>(
    ruleId: Id,
    range: SourceRange,
    input: MessageInput<Id>,
    related: { range: SourceRange | null; message: string }[] = [],
  ): void {
    const record = rule(ruleId);
    if (!record.models.includes(this.model)) return;
    if (
      this.findings.some(
        (finding) =>
          finding.rule === ruleId &&
          finding.range.startIndex === range.startIndex &&
          finding.range.endIndex === range.endIndex,
      )
    )
      return;
    this.findings.push({
      rule: ruleId,
      severity: record.severity,
      message: ruleMessage(ruleId, input),
      range,
      related: related.filter((item): item is { range: SourceRange; message: string } => item.range !== null),
    });
  }

  judge(): CallAnalysis {
    const call = this.call;
    const flags = call.flags.value;
    if (flags === null) this.missing.push(call.flags.missing ?? `value of the flags ${call.flags.text}`);
    const flagsRelated = call.flags.definitionRanges.map((range) => ({ range, message: "flags defined here" }));
    const pipeRelated = [
      { range: call.fd.originRange, message: call.fd.kind === "pipe" ? "pipe created here" : "descriptor opened here" },
    ];

    // Checks that fail the whole call before any page is looked at.
    const nrSegs = evaluate(call.iov.nrSegs, this.pageSize);
    this.reportCallChecks(flags, nrSegs, flagsRelated, pipeRelated);
    const direction = call.fd.direction;
    if (direction === "unknown") this.missing.push(`direction: ${call.fd.explanation}`);
    if (direction === "from-pipe" && flags !== null && flags & SPLICE_F_GIFT) {
      this.report("VMS-WRONG-END", call.fd.range, { explanation: call.fd.explanation }, pipeRelated);
    }

    const failsEarly =
      (nrSegs !== null && nrSegs > 1024) ||
      call.fd.kind === "not-pipe" ||
      (this.model === "mainline-6.x" && flags !== null && (flags & ~SPLICE_F_ALL) !== 0);
    const instances = this.instantiate(nrSegs);
    const slots = pipeSlots(call, this.pageSize);
    let chunksQueued = 0;
    let stopped = false;
    const segments: SegmentVerdict[] = [];
    // Instances with the same input share one verdict object; what follows reads each distinct verdict once, so the
    // work after this loop does not grow with the number of iovec entries (up to 1024 per call).
    const distinct: SegmentVerdict[] = [];
    const seen = new Set<SegmentVerdict>();
    for (const instance of instances ?? []) {
      const verdict = this.segment(instance, direction, flags, slots, chunksQueued, stopped || failsEarly);
      if (verdict.pages !== null) chunksQueued += verdict.pages;
      if (verdict.stops) stopped = true;
      segments.push(verdict.result);
      if (distinct[distinct.length - 1] !== verdict.result && !seen.has(verdict.result)) {
        seen.add(verdict.result);
        distinct.push(verdict.result);
      }
    }
    if (instances === null) this.missing.push(`iovec: ${call.iov.missing ?? "cannot reconstruct the iovec array"}`);

    this.reportModelChecks(direction, flags, flagsRelated);

    // Facts the call rests on without their being established come after the call's own missing facts.
    for (const assumption of call.assumptions ?? []) this.missing.push(assumption);
    const verdict = this.settle(distinct, direction, failsEarly);
    // Every RFC move carries the two accounting hazards a real kernel showed, including a move into the wrong place;
    // they are listed, not reported as findings.
    const moves = this.rfc && distinct.some((segment) => segment.pageOutcomes.some(installsFrame));
    const hazards = moves ? ["VMS-RFC-RSS", "VMS-RFC-ANON-VMA"] : [];
    const rules = [
      ...new Set([
        ...this.findings.map((finding) => finding.rule),
        ...distinct.flatMap((segment) => segment.rules),
        ...hazards,
      ]),
    ].sort();
    return {
      call,
      kernel: this.model,
      pageSize: this.options.pageSize,
      verdict,
      segments,
      rules,
      findings: this.findings,
      missing: [...new Set(this.missing)],
    };
  }

  /** Findings about the call as a whole: flags, nr_segs, the descriptor, the return value. */
  private reportCallChecks(
    flags: number | null,
    nrSegs: number | null,
    flagsRelated: { range: SourceRange; message: string }[],
    pipeRelated: { range: SourceRange | null; message: string }[],
  ): void {
    const call = this.call;
    if (flags !== null && flags & ~SPLICE_F_ALL)
      this.report("VMS-FLAGS-UNKNOWN", call.flags.range, { flagsText: call.flags.text, value: flags }, flagsRelated);
    if (nrSegs !== null && nrSegs > 1024) this.report("VMS-IOV-MAX", call.iov.nrSegsRange, { nrSegs });
    if (call.fd.kind === "not-pipe")
      this.report("VMS-NOT-PIPE", call.fd.range, { explanation: call.fd.explanation }, pipeRelated);
    if (!call.returnChecked) this.report("VMS-PARTIAL", call.calleeRange, { kind: "unchecked" });
    if (call.fd.nonblock === true && flags !== null && !(flags & SPLICE_F_NONBLOCK)) {
      this.report("VMS-NONBLOCK-FD", call.flags.range, undefined, pipeRelated);
    }
  }

  /** Findings that depend on the kernel model and the direction: threads, tee(), the peer's flags, mainline's no-ops. */
  private reportModelChecks(
    direction: string,
    flags: number | null,
    flagsRelated: { range: SourceRange; message: string }[],
  ): void {
    const call = this.call;
    if (
      this.rfc &&
      direction === "to-pipe" &&
      flags !== null &&
      flags & (SPLICE_F_GIFT | SPLICE_F_MOVE) &&
      call.multithreaded &&
      !(flags & SPLICE_F_NONBLOCK)
    ) {
      this.report("VMS-RFC-MMAPSEM-SLEEP", call.flags.range, undefined, [
        { range: call.multithreaded.range, message: "thread started here" },
      ]);
    }
    if (this.rfc && direction === "from-pipe" && flags !== null && flags & SPLICE_F_MOVE) {
      if (call.teeOnPipe)
        this.report("VMS-RFC-TEE-ALIAS", call.fd.range, undefined, [
          { range: call.teeOnPipe.range, message: "tee() here" },
        ]);
      if (call.multithreaded)
        this.report("VMS-RFC-PHANTOM-SUCCESS", call.calleeRange, undefined, [
          { range: call.multithreaded.range, message: "thread started here" },
        ]);
    }
    if (this.rfc && direction === "from-pipe" && flags !== null && !(flags & SPLICE_F_MOVE)) {
      const giftingPeer = pipePeers(this.peers, call).writers.find(
        (peer) =>
          peer !== call && peer.flags.value !== null && (peer.flags.value & (SPLICE_F_GIFT | SPLICE_F_MOVE)) !== 0,
      );
      if (giftingPeer)
        this.report("VMS-NO-MOVE-FLAG", call.flags.range, { flagsText: call.flags.text }, [
          { range: giftingPeer.flags.range, message: "writer gifts here" },
          ...flagsRelated,
        ]);
    }
    if (!this.rfc && direction === "from-pipe" && flags !== null && flags & SPLICE_F_MOVE) {
      this.report("VMS-MAINLINE-COPY", call.flags.range, undefined, flagsRelated);
    }
    if (!this.rfc && direction === "to-pipe" && flags !== null && flags & SPLICE_F_GIFT) {
      this.report("VMS-GIFT-NOOP", call.flags.range, undefined, flagsRelated);
    }
  }

  /**
   * The choke point of the analysis invariant: every page, segment and call verdict becomes final here, and nowhere else.
   *   1. A page carrying a rule the rule table marks `unsafe` is unsafe (rfc-v2 only; mainline never moves).
   *   2. While any fact of the call is missing, no page is "move": would-be moves become "unknown" and the segment names
   *      the missing facts. A copy decided by a fact that is known stays a copy.
   *   3. Segment and call verdicts are recomputed from the settled pages: unsafe before unknown before move/copy/partial.
   * The simplest sound reading of "every deciding fact": any missing fact counts, since each one (nr_segs, a loop count,
   * another segment's length, the flags) can decide whether and where a page is delivered.
   */
  private settle(segments: readonly SegmentVerdict[], direction: string, failsEarly: boolean): CallVerdict {
    const missing = [...new Set(this.missing)];
    // Instances with the same input share one verdict object (see `segment`): each is settled once.
    const settled = new Set<SegmentVerdict>();
    for (const segment of segments) {
      if (segment.pageOutcomes.length === 0 || settled.has(segment)) continue;
      settled.add(segment);
      let downgraded = false;
      for (const page of segment.pageOutcomes) {
        if (this.rfc && page.verdict !== "not-delivered" && page.rules.some((id) => unsafeKind(id) !== null))
          page.verdict = "unsafe";
        if (page.verdict === "move" && missing.length > 0) {
          page.verdict = "unknown";
          downgraded = true;
        }
      }
      if (downgraded) for (const fact of missing) if (!segment.missing.includes(fact)) segment.missing.push(fact);
      segment.verdict = this.rfc ? combinePages(segment.pageOutcomes) : "copy";
    }
    const verdict = this.callVerdict(segments, direction, failsEarly);
    // Unreachable after the page pass above; kept so that no later change to callVerdict can break the invariant.
    return missing.length > 0 && (verdict === "move" || verdict === "partial") ? "unknown" : verdict;
  }

  /**
   * The call's verdict from its distinct segment verdicts: every test below asks whether some page or segment has a
   * verdict, or whether all or none of the delivered pages move, so how often an instance repeats does not matter.
   */
  private callVerdict(segments: readonly SegmentVerdict[], direction: string, failsEarly: boolean): CallVerdict {
    if (!this.rfc || failsEarly) return "copy";
    if (segments.some((segment) => segment.verdict === "unsafe")) return "unsafe";
    const flags = this.call.flags.value;
    // Without SPLICE_F_GIFT and SPLICE_F_MOVE nothing moves, whichever end the descriptor is.
    if (direction === "unknown")
      return flags !== null && !(flags & (SPLICE_F_GIFT | SPLICE_F_MOVE)) ? "copy" : "unknown";
    const pages = segments
      .flatMap((segment) => segment.pageOutcomes)
      .filter((page) => page.verdict !== "not-delivered");
    if (segments.some((segment) => segment.pages === null && segment.verdict === "unknown")) return "unknown";
    if (pages.length === 0 && segments.some((segment) => segment.pages === null && segment.verdict === "copy"))
      return "copy";
    if (this.call.iov.segments === null) {
      // The flags alone decide a copy: a writer that does not gift, a reader that does not ask to move.
      const flags = this.call.flags.value;
      if (flags !== null && direction === "to-pipe" && !(flags & SPLICE_F_GIFT)) return "copy";
      if (flags !== null && direction === "from-pipe" && !(flags & SPLICE_F_MOVE)) return "copy";
      return "unknown";
    }
    if (pages.some((page) => page.verdict === "unknown")) return "unknown";
    const moved = pages.filter((page) => page.verdict === "move").length;
    if (moved === 0) return "copy";
    return moved === pages.length ? "move" : "partial";
  }

  /** Segments as the kernel sees them: templates expanded with their loop index, cut to nr_segs. */
  private instantiate(nrSegs: number | null): Instance[] | null {
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
  private segment(
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
    const offsetKey =
      offset === null
        ? "none"
        : alignment !== null && alignment > 0
          ? ((offset % alignment) + alignment) % alignment
          : "any";
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

    this.reportPageSizeLiterals(segment);

    const done = (verdict: SegmentVerdict["verdict"], pages: number | null, stops = false) => {
      const allRules = [...new Set([...rules, ...outcomes.flatMap((page) => page.rules)])].sort();
      return { result: { segment, pages, verdict, pageOutcomes: outcomes, rules: allRules, missing }, pages, stops };
    };

    if (stopped) {
      return done("copy", 0);
    }
    if (length === null && direction === "to-pipe" && !(flags !== null && flags & (SPLICE_F_GIFT | SPLICE_F_MOVE))) {
      // Without a gift nothing is unmapped, so later writes alias whatever the length is.
      this.writerLifecycle(buffer, baseRange, bufferRelated, false);
    }
    if (length === null) return done(this.unknownLength(segment, direction, flags, rules, missing), null);
    if (length === 0) {
      if (this.model !== "mainline-6.x") {
        this.report("VMS-ZERO-LEN-IOV", lengthRange, undefined);
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
    this.segmentLength = length;

    if (direction === "to-pipe") {
      this.writerLifecycle(buffer, baseRange, bufferRelated, zapFlags && aligned);
    }

    const geometry = { length, inPage, aligned, firstOffset, buffer, flags, gift, zapFlags, missing };
    for (let chunk = 0; chunk < pages; chunk++) outcomes.push(this.page(chunk, direction, remainingSlots, geometry));

    if (direction === "to-pipe" && pages > remainingSlots)
      this.reportOverflow(lengthRange, { pages, remainingSlots, slots, zapFlags });
    this.reportSegmentRules(outcomes, {
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

  /** A writer's segment with more chunks than the pipe has room for: the rest is neither queued nor unmapped. */
  private reportOverflow(
    lengthRange: SourceRange,
    room: { pages: number; remainingSlots: number; slots: number; zapFlags: boolean },
  ): void {
    const { pages, remainingSlots, slots, zapFlags } = room;
    if (this.rfc && zapFlags)
      this.report("VMS-NO-ZAP", lengthRange, { left: pages - remainingSlots, chunks: pages, slots });
    if (!this.call.returnChecked)
      this.report("VMS-PARTIAL", this.call.calleeRange, {
        kind: "overflow",
        fitting: remainingSlots,
        chunks: pages,
        slots,
      });
  }

  private reportPageSizeLiterals(segment: SegmentFact): void {
    for (const literal of [
      ...literalPageSizes(segment.length),
      ...literalPageSizes(segment.offset),
      ...(segment.buffer?.alignment ? literalPageSizes(segment.buffer.alignment) : []),
    ]) {
      this.report("VMS-PAGE-SIZE-LITERAL", literal, { pageSize: this.pageSize });
    }
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
      if (noGift && this.wantsMove())
        this.report("VMS-NO-GIFT", this.call.flags.range, {
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

  /** One chunk of a segment: not delivered past the pipe's room, copied on mainline, else the writer's or reader's test. */
  private page(
    chunk: number,
    direction: string,
    remainingSlots: number,
    geometry: {
      length: number;
      inPage: number | null;
      aligned: boolean;
      firstOffset: number | null;
      buffer: BufferFact | null;
      flags: number | null;
      gift: boolean;
      zapFlags: boolean;
      missing: string[];
    },
  ): PageOutcome {
    const P = this.pageSize;
    const { length, inPage, aligned, firstOffset, buffer, flags, gift, zapFlags, missing } = geometry;
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
      this.writerPage(page, chunk, { aligned, inPage, fullPage, chunkEnd, buffer, flags, gift, zapFlags, missing });
    else this.readerPage(page, chunk, { aligned, inPage, fullPage, chunkEnd, buffer, flags, missing });
    return page;
  }

  /** rfc-v2 writer side: is this chunk gifted, unmapped and therefore movable by a reader passing SPLICE_F_MOVE? */
  private writerPage(
    page: PageOutcome,
    chunk: number,
    context: {
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
      if (
        context.chunkEnd !== null
          ? context.chunkEnd - (inPage ?? 0) < this.pageSize
          : this.segmentLength < this.pageSize
      )
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
    this.memoryVerdict(page, buffer, context.missing);
  }

  /** The memory-kind part of the RFC's move test for the writer's page at iov_base. */
  private memoryVerdict(page: PageOutcome, buffer: BufferFact | null, missing: string[]): void {
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
    if (buffer.writtenBefore === "no" && isAnonymousKind(buffer.memory)) {
      page.rules.push("VMS-ZERO-PAGE");
      return;
    }
    if (buffer.forkBefore?.conditional) {
      page.verdict = "unknown";
      missing.push(
        `whether fork() on line ${buffer.forkBefore.range.start.line + 1} runs before the call (copy when it does, move otherwise)`,
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
    if (buffer.writtenBefore === "unknown") {
      page.verdict = "unknown";
      missing.push(`whether ${buffer.name} is written before the call (an untouched buffer sends the zero page)`);
      return;
    }
    if (buffer.madvise.some((advice) => advice.advice === "MADV_HUGEPAGE")) page.rules.push("VMS-THP-SPLIT");
    if (buffer.mlocked) page.rules.push("VMS-RFC-MLOCK");
    page.verdict = "move";
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
    if (!(flags & SPLICE_F_MOVE)) {
      page.rules.push("VMS-NO-MOVE-FLAG");
      return;
    }
    if (this.call.readBefore && chunk === 0) {
      const read = evaluate(this.call.readBefore.length, this.pageSize);
      if (read === null || read % this.pageSize !== 0) {
        page.rules.push("VMS-OFFSET-CONSUMED");
        return;
      }
    }
    // A page moves only if its writer gifted it (the buffer's GIFT flag, step 1 of the RFC's move attempt).
    const feed = this.pipeFeed();
    if (feed.kind === "no-gift") {
      page.rules.push("VMS-NO-GIFT");
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
    if (feed.kind === "unknown") {
      page.verdict = "unknown";
      context.missing.push(feed.reason);
      return;
    }
    page.verdict = "move";
  }

  private feed: PipeFeed | null = null;

  /**
   * What this reader's pipe holds, from the writers of this file that may feed it (the same pipe() call, or a pipe
   * either side cannot name). None: the writer is elsewhere and the reader is judged for gifted pages, as it says. All
   * of them known not to gift, on the very same pipe: every page copies. Any writer whose pages do not all move (or
   * whose flags are unknown): the reader's moves are unknown, naming it.
   */
  private pipeFeed(): PipeFeed {
    if (this.feed) return this.feed;
    const writers = pipePeers(this.peers, this.call).writers.filter((peer) => peer !== this.call);
    const origin = this.call.fd.originRange;
    const sameCall = (peer: VmspliceCall) =>
      origin !== null && peer.fd.originRange !== null && peer.fd.originRange.startIndex === origin.startIndex;
    const noGift = (peer: VmspliceCall) => peer.flags.value !== null && (peer.flags.value & SPLICE_F_GIFT) === 0;
    if (writers.length === 0) this.feed = { kind: "none" };
    else if (writers.every((peer) => sameCall(peer) && noGift(peer))) this.feed = { kind: "no-gift" };
    else {
      const failing = writers.find((peer) => writerVerdict(peer, this.options, this.peers) !== "move");
      this.feed = failing
        ? {
            kind: "unknown",
            reason: `whether the pages in the pipe were gifted and movable: the writer on line ${failing.range.start.line + 1} ${
              noGift(failing)
                ? `does not gift them (flags ${failing.flags.text})`
                : `gives ${writerVerdict(failing, this.options, this.peers)}`
            }`,
          }
        : { kind: "gifts" };
    }
    return this.feed;
  }

  /** Aliasing and zap hazards of the writer's buffer around the call (all models). */
  private writerLifecycle(
    buffer: BufferFact | null,
    baseRange: SourceRange,
    bufferRelated: { range: SourceRange; message: string }[],
    zappedAtBase: boolean,
  ): void {
    if (!buffer) return;
    const flags = this.call.flags.value;
    const callRelated = { range: this.call.range, message: "vmsplice call" };
    if (buffer.writtenAfter) {
      if (buffer.writtenBefore === "no" && isAnonymousKind(buffer.memory)) {
        this.report("VMS-ALIAS-ZEROPAGE", buffer.writtenAfter.range, { name: buffer.name }, [
          callRelated,
          ...bufferRelated,
        ]);
      } else if (buffer.forkAfter) {
        this.report(
          "VMS-ALIAS-COW",
          buffer.writtenAfter.range,
          { name: buffer.name, forkLine: lineOf(buffer.forkAfter.range), forkAfterCall: true },
          [callRelated, { range: buffer.forkAfter.range, message: "fork() here" }],
        );
      } else if (buffer.forkBefore) {
        this.report(
          "VMS-ALIAS-COW",
          buffer.writtenAfter.range,
          { name: buffer.name, forkLine: lineOf(buffer.forkBefore.range), forkAfterCall: false },
          [callRelated, { range: buffer.forkBefore.range, message: "fork() here" }],
        );
      } else if (!(this.rfc && zappedAtBase)) {
        this.report(
          "VMS-ALIAS-WRITE",
          buffer.writtenAfter.range,
          { name: buffer.name, loopCarried: buffer.writtenAfter.loopCarried === true },
          [callRelated, ...bufferRelated],
        );
      }
    }
    if (buffer.writtenBefore === "no" && isAnonymousKind(buffer.memory)) {
      this.report("VMS-ZERO-PAGE", baseRange, { name: buffer.name }, bufferRelated);
    }
    if (
      this.rfc &&
      flags !== null &&
      flags & SPLICE_F_GIFT &&
      !(flags & SPLICE_F_MOVE) &&
      buffer.usedAfter &&
      zappedAtBase
    ) {
      this.report("VMS-RFC-GIFT-ONLY-ZAP", this.call.flags.range, { name: buffer.name }, [
        { range: buffer.usedAfter.range, message: "used here" },
      ]);
    }
    if (this.rfc && buffer.mlocked && flags !== null && flags & (SPLICE_F_GIFT | SPLICE_F_MOVE)) {
      this.report("VMS-RFC-MLOCK", baseRange, { name: buffer.name }, [
        { range: buffer.mlocked.range, message: "mlock() here" },
      ]);
    }
  }

  /** Findings for the rules the page outcomes carry, one per rule per segment, on the argument that matters. */
  private reportSegmentRules(outcomes: PageOutcome[], context: SegmentRuleContext): void {
    const counts = new Map<RuleId, number>();
    for (const page of outcomes)
      for (const id of page.rules) counts.set(id as RuleId, (counts.get(id as RuleId) ?? 0) + 1);
    const total = outcomes.length;
    const { baseRange, lengthRange, buffer, bufferRelated } = context;
    const name = buffer?.name ?? "the buffer";
    const explanation = buffer?.explanation ?? "";
    const lengthText = this.lengthText(lengthRange);
    const flagsRelated = this.call.flags.definitionRanges.map((range) => ({ range, message: "flags defined here" }));
    for (const [id, count] of counts) {
      switch (id) {
        case "VMS-NO-GIFT":
          if (this.call.fd.direction === "from-pipe") {
            // The reader's pages come from a writer of this file that does not gift them.
            const writers = pipePeers(this.peers, this.call).writers.filter((peer) => peer !== this.call);
            this.report(
              id,
              this.call.flags.range,
              { kind: "reader", writerLines: writers.map((peer) => lineOf(peer.range)), copied: count, total },
              writers.map((peer) => ({ range: peer.flags.range, message: "the writer's flags" })),
            );
          } else if (this.wantsMove())
            this.report(
              id,
              this.call.flags.range,
              { kind: "writer", flagsText: this.call.flags.text, copied: count, total },
              flagsRelated,
            );
          break;
        case "VMS-RFC-MOVE-ONLY-ZAP":
          this.report(id, this.call.flags.range, { name }, flagsRelated);
          break;
        case "VMS-ALIGN-SRC":
          this.reportAlignSrc(context, count, total);
          break;
        case "VMS-LEN-PAGE":
          this.report(
            id,
            lengthRange,
            context.length % this.pageSize === 0 && context.inPage !== 0
              ? { kind: "straddles", lengthText }
              : { kind: "short", lengthText, pageSize: this.pageSize },
          );
          break;
        case "VMS-RFC-IOV-BASE":
          this.report(id, lengthRange, { stay: count, total });
          break;
        case "VMS-SHMEM":
        case "VMS-FILE":
        case "VMS-RFC-HUGETLB-OOPS":
          this.report(id, baseRange, { name, explanation }, bufferRelated);
          break;
        case "VMS-ZERO-PAGE":
          this.report(id, baseRange, { name }, bufferRelated);
          break;
        case "VMS-KSM":
        case "VMS-THP-SPLIT": {
          const advice = id === "VMS-KSM" ? "MADV_MERGEABLE" : "MADV_HUGEPAGE";
          const call = buffer?.madvise.find((item) => item.advice === advice);
          this.report(id, baseRange, { name, madviseLine: call ? lineOf(call.range) : null }, bufferRelated);
          break;
        }
        case "VMS-FORK":
          this.report(
            id,
            baseRange,
            {
              name,
              forkLine: buffer?.forkBefore && !buffer.forkBefore.observed ? lineOf(buffer.forkBefore.range) : null,
              copied: count,
              total,
            },
            [
              ...(buffer?.forkBefore ? [{ range: buffer.forkBefore.range, message: "fork() here" }] : []),
              ...bufferRelated,
            ],
          );
          break;
        // The reader's destination rules; the others are reported where they are decided (writerLifecycle, judge,
        // judgeSegment), or listed only.
        default:
          this.reportDestinationRule(id, context);
          break;
      }
    }
  }

  /** VMS-ALIGN-SRC on the base, and VMS-RFC-ZAP-WRONG-PAGE when full-page chunks follow the unaligned first one. */
  private reportAlignSrc(context: SegmentRuleContext, count: number, total: number): void {
    const { baseRange, buffer, bufferRelated } = context;
    const name = buffer?.name ?? "the buffer";
    const base = this.baseText(baseRange) || name;
    const id = "VMS-ALIGN-SRC";
    this.report(id, baseRange, { base, buffer, pageOffset: context.pageOffset, copied: count, total }, bufferRelated);
    // A full-page chunk follows the unaligned first one when length >= 2P - d (d unknown: when length >= 2P).
    if (
      context.flags !== null &&
      context.flags & (SPLICE_F_GIFT | SPLICE_F_MOVE) &&
      context.length >= 2 * this.pageSize - (context.inPage !== null && context.inPage > 0 ? context.inPage : 0)
    ) {
      this.report("VMS-RFC-ZAP-WRONG-PAGE", baseRange, { name }, bufferRelated);
    }
  }

  /** The finding of one destination-side rule (reader calls) the page outcomes carry. */
  private reportDestinationRule(id: RuleId, context: SegmentRuleContext): void {
    const { baseRange, lengthRange, buffer, bufferRelated } = context;
    const name = buffer?.name ?? "the buffer";
    const base = this.baseText(baseRange) || name;
    switch (id) {
      case "VMS-OFFSET-CONSUMED":
        this.report(
          id,
          this.call.fd.range,
          { readLine: this.call.readBefore ? lineOf(this.call.readBefore.range) : null },
          this.call.readBefore ? [{ range: this.call.readBefore.range, message: "earlier read here" }] : [],
        );
        break;
      case "VMS-ALIGN-DST":
        this.report(id, baseRange, { base, buffer, pageOffset: context.pageOffset }, bufferRelated);
        break;
      case "VMS-DST-SHORT":
        this.report(id, lengthRange, { lengthText: this.lengthText(lengthRange) });
        break;
      case "VMS-DST-HOLE":
        this.report(
          id,
          baseRange,
          { name, unmapLine: buffer?.unmappedBefore ? lineOf(buffer.unmappedBefore.range) : null },
          bufferRelated,
        );
        break;
      case "VMS-DST-RO":
      case "VMS-DST-HUGETLB":
      case "VMS-DST-THP":
        this.report(id, baseRange, { name }, bufferRelated);
        break;
      case "VMS-DST-SHARED":
        this.report(id, baseRange, { name, explanation: buffer?.explanation ?? null }, bufferRelated);
        break;
    }
  }

  /**
   * Whether this writer shows an intent to move pages: it passes SPLICE_F_MOVE itself, or a reader of the same pipe in
   * this file passes SPLICE_F_MOVE. A plain `vmsplice(fd, iov, n, 0)` writer is not told that it does not gift.
   */
  private wantsMove(): boolean {
    const flags = this.call.flags.value;
    if (flags !== null && flags & SPLICE_F_MOVE) return true;
    return pipePeers(this.peers, this.call).movingReader;
  }

  private baseText(range: SourceRange): string {
    const segment = this.call.iov.segments?.find((item) => item.baseRange?.startIndex === range.startIndex);
    return segment?.baseText ?? "";
  }

  private lengthText(range: SourceRange): string {
    const segment = this.call.iov.segments?.find((item) => item.lengthRange?.startIndex === range.startIndex);
    return segment?.lengthText ?? "";
  }
}

type PipeFeed = { kind: "none" } | { kind: "gifts" } | { kind: "no-gift" } | { kind: "unknown"; reason: string };

/** Writer verdicts, judged once per call and options while readers of the same pipe ask for them. */
const writerVerdicts = new WeakMap<VmspliceCall, Map<string, CallVerdict>>();

function writerVerdict(writer: VmspliceCall, options: AnalysisOptions, peers: VmspliceCall[]): CallVerdict {
  const key = `${options.kernel}/${options.pageSize}`;
  let byOptions = writerVerdicts.get(writer);
  if (!byOptions) {
    byOptions = new Map();
    writerVerdicts.set(writer, byOptions);
  }
  let verdict = byOptions.get(key);
  if (verdict === undefined) {
    verdict = judgeCall(writer, options, peers).verdict;
    byOptions.set(key, verdict);
  }
  return verdict;
}

/**
 * A segment's verdict from its pages: any unsafe page makes it unsafe (it must never read as success), otherwise any
 * unknown page makes it unknown, otherwise move (every delivered page moves), copy (none does) or partial.
 */
function combinePages(outcomes: PageOutcome[]): CallVerdict {
  const delivered = outcomes.filter((page) => page.verdict !== "not-delivered");
  const has = (verdict: PageVerdict) => delivered.some((page) => page.verdict === verdict);
  if (has("unsafe")) return "unsafe";
  if (has("unknown")) return "unknown";
  const moved = delivered.filter((page) => page.verdict === "move").length;
  return moved === 0 ? "copy" : moved === delivered.length ? "move" : "partial";
}

/** Whether the RFC maps the page's frame into the reader: a clean move, or an unsafe move into the wrong place. */
function installsFrame(page: PageOutcome): boolean {
  if (page.verdict === "move") return true;
  if (page.verdict !== "unsafe") return false;
  const kinds = page.rules.map(unsafeKind);
  return kinds.includes("moves-into-wrong-place") && !kinds.includes("crashes-kernel");
}

/** Anonymous memory, where an untouched page is the shared zero page. */
function isAnonymousKind(memory: string): boolean {
  return memory === "private-anon" || memory === "heap" || memory === "stack" || memory === "static";
}

/** The writers of a pipe and whether a reader of it passes SPLICE_F_MOVE, among the calls of one file. */
interface PipePeers {
  writers: VmspliceCall[];
  movingReader: boolean;
}

/** Per list of peers (one file's calls), per pipe key (see `pipeKey`): found once, not once per call or page. */
const peersByPipe = new WeakMap<readonly VmspliceCall[], Map<string, PipePeers>>();

/** What `samePipe(peer, call)` reads of `call`: two calls with the same key have the same peers on their pipe. */
function pipeKey(call: VmspliceCall): string {
  return `${call.fd.originRange?.startIndex ?? "-"}|${call.fd.pipeName === null ? "*" : `=${call.fd.pipeName}`}`;
}

function pipePeers(peers: readonly VmspliceCall[], call: VmspliceCall): PipePeers {
  let byKey = peersByPipe.get(peers);
  if (!byKey) peersByPipe.set(peers, (byKey = new Map()));
  const key = pipeKey(call);
  let found = byKey.get(key);
  if (!found) {
    const onPipe = peers.filter((peer) => samePipe(peer, call));
    found = {
      writers: onPipe.filter((peer) => peer.fd.direction === "to-pipe"),
      movingReader: onPipe.some(
        (peer) =>
          peer.fd.direction === "from-pipe" && peer.flags.value !== null && (peer.flags.value & SPLICE_F_MOVE) !== 0,
      ),
    };
    byKey.set(key, found);
  }
  return found;
}

/**
 * Whether two calls use the same pipe: the same pipe() call created both descriptors when both are known; otherwise the
 * same array name, or either unknown (a file with one writer and one reader usually talks to itself).
 */
function samePipe(left: VmspliceCall, right: VmspliceCall): boolean {
  if (left.fd.originRange && right.fd.originRange)
    return left.fd.originRange.startIndex === right.fd.originRange.startIndex;
  return left.fd.pipeName === null || right.fd.pipeName === null || left.fd.pipeName === right.fd.pipeName;
}

function reason(value: SymValue): string {
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

export function judgeCall(call: VmspliceCall, options: AnalysisOptions, peers: VmspliceCall[] = []): CallAnalysis {
  return new CallJudge(call, options, peers).judge();
}

/** File-level findings: splice() into a pipe with SPLICE_F_MOVE or SPLICE_F_GIFT on the RFC kernel. */
export function judgeSplices(splices: SpliceCall[], options: AnalysisOptions): Finding[] {
  if (options.kernel !== "rfc-v2") return [];
  const record = rule("VMS-RFC-SPLICE-MOVE-ZAP");
  return splices
    .filter((splice) => splice.flags.value !== null && (splice.flags.value & (SPLICE_F_GIFT | SPLICE_F_MOVE)) !== 0)
    .map((splice) => ({
      rule: record.id,
      severity: record.severity,
      message: ruleMessage("VMS-RFC-SPLICE-MOVE-ZAP", { flagsText: splice.flags.text }),
      range: splice.flags.range,
      related: splice.flags.definitionRanges.map((range) => ({ range, message: "flags defined here" })),
    }));
}
