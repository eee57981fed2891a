/** VMS-NO-MOVE-FLAG: The reader did not pass `SPLICE_F_MOVE`, so gifted pages are copied (and the writer lost them anyway). One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_MOVE } from "../analysis/facts";
import { flagsChange, onlyBlockedBy } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-NO-MOVE-FLAG",
  severity: "warning",
  models: ["rfc-v2"],
  title: "The reader did not pass `SPLICE_F_MOVE`, so gifted pages are copied (and the writer lost them anyway)",
  condition: "Reader flags lack `SPLICE_F_MOVE`",
  effect: "Copy (writer's pages were still zapped if it gifted)",
  patterns: "`vmsplice(r, iov, n, 0)` or `SPLICE_F_NONBLOCK` only",
  fix: "Reader passes `SPLICE_F_MOVE`",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G05): a reader without `SPLICE_F_MOVE` copies, and the writer's pages are already zapped",
  message: ({ flagsText }: { flagsText: string }) =>
    `Every page is copied: this reader's flags ${quoted(flagsText)} lack SPLICE_F_MOVE, while the writer in this file gifts its pages (and loses them)`,
  decidedIn: [
    "analysis/call-findings.ts CallFindings.reportModelChecks",
    "analysis/segment-judge.ts SegmentJudge.unknownLength",
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) =>
    context.reader && onlyBlockedBy(context, "VMS-NO-MOVE-FLAG")
      ? [
          () =>
            flagsChange(
              context,
              (flags) => flags | SPLICE_F_MOVE,
              "Pass SPLICE_F_MOVE so gifted pages are moved, not copied",
              ["VMS-NO-MOVE-FLAG"],
              false,
            ),
        ]
      : [],
});
