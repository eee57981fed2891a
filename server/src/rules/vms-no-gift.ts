/** VMS-NO-GIFT: The writer did not gift this buffer, so the reader's move falls back to a copy. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_GIFT, SPLICE_F_MOVE } from "../analysis/facts";
import { flagsChange, onlyBlockedBy } from "../analysis/fixes";
import { defineRule } from "./define";
import { pagesOf, quoted } from "./words";

export default defineRule({
  id: "VMS-NO-GIFT",
  severity: "warning",
  models: ["rfc-v2"],
  title: "The writer did not gift this buffer, so the reader's move falls back to a copy",
  condition:
    "Buffer lacks `GIFT`: writer omitted `SPLICE_F_GIFT`, or the buffer came through `tee` or a partial pipe-to-pipe splice",
  effect: "Copy",
  patterns: "`vmsplice(w, iov, n, SPLICE_F_MOVE)`; `vmsplice(w, iov, n, 0)`; `tee()` in between",
  fix: "Writer passes `SPLICE_F_GIFT` (plus `SPLICE_F_MOVE` as the cover letter asks)",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G04): a buffer without `GIFT` is copied",
  message: (
    input:
      | { kind: "reader"; writerLines: number[]; copied: number; total: number }
      | { kind: "writer"; flagsText: string; copied: number | null; total: number | null },
  ) =>
    input.kind === "reader"
      ? `This SPLICE_F_MOVE copies ${pagesOf(input.copied, input.total)}: the writer${input.writerLines.length === 1 ? "" : "s"} of this pipe (line ${input.writerLines.join(", ")}) pass${input.writerLines.length === 1 ? "es" : ""} no SPLICE_F_GIFT`
      : `A reader's SPLICE_F_MOVE copies ${pagesOf(input.copied, input.total)}: the flags ${quoted(input.flagsText)} lack SPLICE_F_GIFT`,
  decidedIn: [
    "analysis/segment-judge.ts SegmentJudge.unknownLength",
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) =>
    context.writer && !context.usedAfter && onlyBlockedBy(context, "VMS-NO-GIFT")
      ? [
          () =>
            flagsChange(
              context,
              (flags) => flags | SPLICE_F_GIFT | SPLICE_F_MOVE,
              "Gift the pages: pass SPLICE_F_GIFT | SPLICE_F_MOVE (the buffer must not be used after the call)",
              ["VMS-NO-GIFT"],
              false,
            ),
        ]
      : [],
});
