/** VMS-DST-THP: Destination transparent huge page gets split. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { madviseFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { NO_HUGE_PAGE_TITLE } from "./groups";

export default defineRule({
  id: "VMS-DST-THP",
  severity: "info",
  models: ["rfc-v2"],
  title: "Destination transparent huge page gets split",
  condition: "Destination inside a THP",
  effect: "Huge page split, move happens",
  patterns: "THP-backed destination",
  fix: "`MADV_NOHUGEPAGE` on destination if that matters",
  tag: "[DERIVED]",
  notDecidedFromSource: null,
  message: ({ name }: { name: string }) =>
    `The move splits the destination's transparent huge page: ${quoted(name)} is advised MADV_HUGEPAGE`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => [
    () => madviseFix(context, "MADV_HUGEPAGE", "MADV_NOHUGEPAGE", NO_HUGE_PAGE_TITLE, "VMS-DST-THP"),
  ],
});
