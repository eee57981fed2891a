/** VMS-NO-ZAP: Chunks that did not fit in the pipe were neither queued nor unmapped. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-NO-ZAP",
  severity: "info",
  models: ["rfc-v2"],
  title: "Chunks that did not fit in the pipe were neither queued nor unmapped",
  condition: "The pipe filled before all gathered chunks were queued",
  effect:
    "The remaining chunks are neither queued nor zapped; the writer keeps them and only the returned byte count was gifted",
  patterns: "Large vmsplice into a nearly full pipe; ignoring the return value",
  fix: "Check the return value and resubmit the rest",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G26): with 14 of 16 slots used, 8192 is returned, pages 0-1 are zapped and pages 2-3 stay intact",
  message: ({ left, chunks, slots }: { left: number; chunks: number; slots: number }) =>
    `${left === 1 && chunks === 1 ? "This iovec's chunk is" : left === chunks ? `All ${chunks} chunks of this iovec are` : `${left} of this iovec's ${chunks} chunks ${left === 1 ? "is" : "are"}`} neither queued nor unmapped: the pipe holds only ${slots} buffers`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.page",
    "analysis/call-findings.ts CallFindings.reportOverflow",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
