/** VMS-THP-SPLIT: The gift splits the writer's transparent huge page. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { madviseFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { NO_HUGE_PAGE_TITLE } from "./groups";

export default defineRule({
  id: "VMS-THP-SPLIT",
  severity: "info",
  models: ["rfc-v2"],
  title: "The gift splits the writer's transparent huge page",
  condition: "Partial zap of a THP splits it first, so the page is no longer compound",
  effect: "Move happens (surprising: the compound check is bypassed); the writer's huge page is broken up",
  patterns: "`madvise(MADV_HUGEPAGE)` or THP=always with 2 MiB-aligned buffers",
  fix: "`MADV_NOHUGEPAGE` if huge pages matter more than the move",
  tag: "[DERIVED]",
  notDecidedFromSource: null,
  observed:
    "partly: the gift splits the writer's huge-page mapping (AnonHugePages drops), but on 6.1 the page stays compound and the reader copies; the 3.12 move is unverified (G17)",
  message: ({ name, madviseLine }: { name: string; madviseLine: number | null }) =>
    `The gift splits the transparent huge page behind ${quoted(name)}: it is advised MADV_HUGEPAGE${madviseLine === null ? "" : ` on line ${madviseLine}`}`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => [
    () => madviseFix(context, "MADV_HUGEPAGE", "MADV_NOHUGEPAGE", NO_HUGE_PAGE_TITLE, "VMS-THP-SPLIT"),
  ],
});
