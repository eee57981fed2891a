/** VMS-KSM: KSM-merged page: usually copied; if moved, KSM bookkeeping is wrong. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { madviseFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-KSM",
  severity: "warning",
  models: ["rfc-v2"],
  title: "KSM-merged page: usually copied; if moved, KSM bookkeeping is wrong",
  condition:
    "Frame is KSM-merged: usually still mapped elsewhere (copy); if not, the move maps a KSM frame without updating KSM's reverse map",
  effect: "Copy, or a move that reclaim/migration cannot fully track",
  patterns: "`madvise(MADV_MERGEABLE)` on the source; KSM running",
  fix: "Do not mark gift buffers mergeable",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  message: ({ name, madviseLine }: { name: string; madviseLine: number | null }) =>
    `${quoted(name)} is usually copied, and a move would leave KSM's bookkeeping wrong: madvise(MADV_MERGEABLE)${madviseLine === null ? "" : ` on line ${madviseLine}`} lets KSM merge its pages`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => [
    () =>
      madviseFix(
        context,
        "MADV_MERGEABLE",
        "MADV_UNMERGEABLE",
        "Do not mark the gift buffer mergeable: MADV_UNMERGEABLE instead of MADV_MERGEABLE",
        "VMS-KSM",
      ),
  ],
});
