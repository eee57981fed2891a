/** VMS-DST-HUGETLB: Destination is hugetlb memory: kernel crash. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

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
  message: ({ name }: { name: string }) =>
    `The kernel crashes: ${quoted(name)} is hugetlb memory, and the RFC's one-page zap of the destination hits a kernel BUG`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
