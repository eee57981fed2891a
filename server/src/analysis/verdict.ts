/**
 * Verdicts: judges one call's facts under a kernel model and page size and composes the call's verdict. `CallJudge`
 * runs the checks in the specification's order (section 4) and wires the units that do the work: segment-judge.ts (the
 * iovec as the kernel sees it, segment by segment), page-judge.ts (each page's test), call-findings.ts (every finding,
 * with stable rule ids) and pipe-peers.ts (the calls of the file on the same pipe).
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
  SPLICE_F_ALL,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  type AnalysisOptions,
  type CallAnalysis,
  type CallVerdict,
  type PageOutcome,
  type SegmentVerdict,
  type VmspliceCall,
} from "./facts";
import { unsafeKind } from "../rules";
import { CallFindings } from "./call-findings";
import { PageJudge } from "./page-judge";
import { combinePages, SegmentJudge } from "./segment-judge";

export { judgeSplices } from "./call-findings";

/** Pipe capacity in slots: 16 by default, or F_SETPIPE_SZ rounded up to a power of two number of pages. */
function pipeSlots(call: VmspliceCall, pageSize: number): number {
  if (!call.fd.pipeSizeBytes) return 16;
  const bytes = evaluate(call.fd.pipeSizeBytes, pageSize);
  if (bytes === null || bytes <= 0) return 16;
  let slots = 1;
  while (slots * pageSize < bytes) slots *= 2;
  return slots;
}

class CallJudge {
  readonly missing: string[] = [];
  private readonly model: AnalysisOptions["kernel"];
  private readonly pageSize: number;
  private readonly rfc: boolean;
  private readonly reporter: CallFindings;
  private readonly segments: SegmentJudge;

  constructor(
    readonly call: VmspliceCall,
    readonly options: AnalysisOptions,
    readonly peers: VmspliceCall[],
  ) {
    this.model = options.kernel;
    this.pageSize = options.pageSize;
    this.rfc = options.kernel === "rfc-v2";
    const pages = new PageJudge(call, options, peers, (writer) => writerJudgement(writer, options, peers));
    this.reporter = new CallFindings(call, options, peers, () => pages.unstealableWriters());
    this.segments = new SegmentJudge(call, options, this.missing, this.reporter, pages);
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
    this.reporter.reportCallChecks(flags, nrSegs, flagsRelated, pipeRelated);
    const direction = call.fd.direction;
    if (direction === "unknown") this.missing.push(`direction: ${call.fd.explanation}`);
    if (direction === "from-pipe" && flags !== null && flags & SPLICE_F_GIFT) {
      this.reporter.report("VMS-WRONG-END", call.fd.range, { explanation: call.fd.explanation }, pipeRelated);
    }

    const failsEarly =
      (nrSegs !== null && nrSegs > 1024) ||
      call.fd.kind === "not-pipe" ||
      (this.model === "mainline-6.x" && flags !== null && (flags & ~SPLICE_F_ALL) !== 0);
    const instances = this.segments.instantiate(nrSegs);
    const slots = pipeSlots(call, this.pageSize);
    let chunksQueued = 0;
    let stopped = false;
    const segments: SegmentVerdict[] = [];
    // Instances with the same input share one verdict object; what follows reads each distinct verdict once, so the
    // work after this loop does not grow with the number of iovec entries (up to 1024 per call).
    const distinct: SegmentVerdict[] = [];
    const seen = new Set<SegmentVerdict>();
    for (const instance of instances ?? []) {
      const verdict = this.segments.segment(instance, direction, flags, slots, chunksQueued, stopped || failsEarly);
      if (verdict.pages !== null) chunksQueued += verdict.pages;
      if (verdict.stops) stopped = true;
      segments.push(verdict.result);
      if (distinct[distinct.length - 1] !== verdict.result && !seen.has(verdict.result)) {
        seen.add(verdict.result);
        distinct.push(verdict.result);
      }
    }
    if (instances === null) this.missing.push(`iovec: ${call.iov.missing ?? "cannot reconstruct the iovec array"}`);

    this.reporter.reportModelChecks(direction, flags, flagsRelated);

    // Facts the call rests on without their being established come after the call's own missing facts.
    for (const assumption of call.assumptions ?? []) this.missing.push(assumption);
    const verdict = this.settle(distinct, direction, failsEarly);
    // Every RFC move carries the two accounting hazards a real kernel showed, including a move into the wrong place;
    // they are listed, not reported as findings.
    const moves = this.rfc && distinct.some((segment) => segment.pageOutcomes.some(installsFrame));
    const hazards = moves ? ["VMS-RFC-RSS", "VMS-RFC-ANON-VMA"] : [];
    const rules = [
      ...new Set([
        ...this.reporter.findings.map((finding) => finding.rule),
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
      findings: this.reporter.findings,
      missing: [...new Set(this.missing)],
    };
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
}

/** Writers judged once per call and options while readers of the same pipe ask for them. */
const writerJudgements = new WeakMap<VmspliceCall, Map<string, CallAnalysis>>();

function writerJudgement(writer: VmspliceCall, options: AnalysisOptions, peers: VmspliceCall[]): CallAnalysis {
  const key = `${options.kernel}/${options.pageSize}`;
  let byOptions = writerJudgements.get(writer);
  if (!byOptions) {
    byOptions = new Map();
    writerJudgements.set(writer, byOptions);
  }
  let judged = byOptions.get(key);
  if (judged === undefined) {
    judged = judgeCall(writer, options, peers);
    byOptions.set(key, judged);
  }
  return judged;
}

/** Whether the RFC maps the page's frame into the reader: a clean move, or an unsafe move into the wrong place. */
function installsFrame(page: PageOutcome): boolean {
  if (page.verdict === "move") return true;
  if (page.verdict !== "unsafe") return false;
  const kinds = page.rules.map(unsafeKind);
  return kinds.includes("moves-into-wrong-place") && !kinds.includes("crashes-kernel");
}

export function judgeCall(call: VmspliceCall, options: AnalysisOptions, peers: VmspliceCall[] = []): CallAnalysis {
  return new CallJudge(call, options, peers).judge();
}
