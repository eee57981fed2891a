/** VMS-DST-HUGETLB: Destination is hugetlb memory: kernel crash. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-DST-HUGETLB",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination is hugetlb memory: kernel crash",
  condition: "Destination VMA is hugetlb",
  effect: "Kernel `BUG` on the destination zap",
  patterns: "`MAP_HUGETLB` destination with `SPLICE_F_MOVE`",
  fix: "Non-hugetlb destination",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  unsafe: "crashes-kernel",
  decidedIn: ["analysis/verdict.ts CallJudge.readerPage", "analysis/verdict.ts CallJudge.reportSegmentRules"],
});
