/**
 * Findings of one call (`CallFindings`): `report`, the one way a finding is recorded (one per rule and range, worded by
 * the rule's module), and every check that reports: the call as a whole (flags, nr_segs, the descriptor, the return
 * value), the kernel model and the pipe's peers (threads, tee(), the writer's flags), the writer buffer's aliasing and
 * zap hazards around the call, overflow of the pipe, page-size literals, and one finding per rule that the page outcomes
 * of a segment carry. Also the file-level findings (`judgeSplices`). It decides no verdict.
 * Pure; no I/O, no editor or protocol imports.
 */
import {
  literalPageSizes,
  SPLICE_F_ALL,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  type AnalysisOptions,
  type BufferFact,
  type Finding,
  type PageOutcome,
  type SegmentFact,
  type SourceRange,
  type SpliceCall,
  type VmspliceCall,
} from "./facts";
import { rule, ruleMessage, type MessageInput, type RuleId } from "../rules";
import { lineOf } from "../rules/words";
import { pipePeers } from "./pipe-peers";
import type { UnstealableWriter } from "./page-judge";
import { forkName } from "./page-judge";

/** What the segment rules' findings are placed on and worded from. */
export interface SegmentRuleContext {
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

export class CallFindings {
  readonly findings: Finding[] = [];
  private readonly model: AnalysisOptions["kernel"];
  private readonly pageSize: number;
  private readonly rfc: boolean;

  constructor(
    readonly call: VmspliceCall,
    readonly options: AnalysisOptions,
    readonly peers: VmspliceCall[],
    /** A reader's writers that put no page it can take, with the reasons (PageJudge.unstealableWriters). */
    private readonly unstealableWriters: () => UnstealableWriter[] = () => [],
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

  /** Findings about the call as a whole: flags, nr_segs, the descriptor, the return value. */
  reportCallChecks(
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
  reportModelChecks(
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

  /** A writer's segment with more chunks than the pipe has room for: the rest is neither queued nor unmapped. */
  reportOverflow(
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

  reportPageSizeLiterals(segment: SegmentFact): void {
    for (const literal of [
      ...literalPageSizes(segment.length),
      ...literalPageSizes(segment.offset),
      ...(segment.buffer?.alignment ? literalPageSizes(segment.buffer.alignment) : []),
    ]) {
      this.report("VMS-PAGE-SIZE-LITERAL", literal, { pageSize: this.pageSize });
    }
  }

  /** Aliasing and zap hazards of the writer's buffer around the call (all models). */
  writerLifecycle(
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
          [callRelated, { range: buffer.forkBefore.range, message: `${forkName(buffer.forkBefore)} here` }],
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
  reportSegmentRules(outcomes: PageOutcome[], context: SegmentRuleContext): void {
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
        case "VMS-NO-MOVABLE-PAGE":
          this.reportFeedRule(id, count, total, flagsRelated);
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
              forkVia: buffer?.forkBefore?.via ?? null,
              copied: count,
              total,
            },
            [
              ...(buffer?.forkBefore
                ? [{ range: buffer.forkBefore.range, message: `${forkName(buffer.forkBefore)} here` }]
                : []),
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
  /** A copy decided by what the writers put in the pipe (VMS-NO-GIFT, VMS-NO-MOVABLE-PAGE), on the flags argument. */
  private reportFeedRule(
    id: "VMS-NO-GIFT" | "VMS-NO-MOVABLE-PAGE",
    count: number,
    total: number,
    flagsRelated: { range: SourceRange; message: string }[],
  ): void {
    const range = this.call.flags.range;
    if (this.call.fd.direction !== "from-pipe") {
      if (id === "VMS-NO-GIFT" && this.wantsMove())
        this.report(id, range, { kind: "writer", flagsText: this.call.flags.text, copied: count, total }, flagsRelated);
      return;
    }
    // The reader's pages come from writers of this file that do not gift them, or gift none it can take.
    const writers = pipePeers(this.peers, this.call).writers.filter((peer) => peer !== this.call);
    if (id === "VMS-NO-GIFT")
      this.report(
        id,
        range,
        { kind: "reader", writerLines: writers.map((peer) => lineOf(peer.range)), copied: count, total },
        writers.map((peer) => ({ range: peer.flags.range, message: "the writer's flags" })),
      );
    else
      this.report(
        id,
        range,
        { writers: this.unstealableWriters(), copied: count, total },
        writers.map((peer) => ({ range: peer.range, message: "a writer of this pipe" })),
      );
  }

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
  wantsMove(): boolean {
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

/** Anonymous memory, where an untouched page is the shared zero page. */
export function isAnonymousKind(memory: string): boolean {
  return memory === "private-anon" || memory === "heap" || memory === "stack" || memory === "static";
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
