/** VMS-RFC-HUGETLB-OOPS: Gifting hugetlb memory crashes the kernel. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-HUGETLB-OOPS",
  severity: "error",
  models: ["rfc-v2"],
  title: "Gifting hugetlb memory crashes the kernel",
  condition: "Writer zap on a hugetlb VMA is not huge-aligned",
  effect: "Kernel `BUG`, task killed, kernel tainted; also with MOVE alone",
  patterns: "`mmap(…, MAP_HUGETLB, …)`, hugetlbfs files, `shmget(SHM_HUGETLB)` as vmsplice source with GIFT or MOVE",
  fix: "Never gift hugetlb memory on this kernel",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  unsafe: "crashes-kernel",
  message: ({ name, explanation }: { name: string; explanation: string }) =>
    `Gifting ${quoted(name)} crashes the kernel: the RFC's one-page zap hits a kernel BUG on hugetlb memory (${explanation})`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
