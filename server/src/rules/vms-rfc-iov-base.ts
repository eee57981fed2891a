/** VMS-RFC-IOV-BASE: Multi-page iovec: only the page at `iov_base` is unmapped, the rest are copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { onePagePerIovecFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { isAre, pagesOf } from "./words";

export default defineRule({
  id: "VMS-RFC-IOV-BASE",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Multi-page iovec: only the page at `iov_base` is unmapped, the rest are copied",
  condition: "Multi-page iovec: only the page containing `iov_base` is zapped",
  effect: "First page moves, the others copy",
  patterns: "`struct iovec v = { buf, 16 * P }`",
  fix: "One iovec per page (the pipe takes at most `N` per call anyway)",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed: "confirmed (G02, O02, O03): a multi-page iovec zaps only the page at `iov_base`; only that page moves",
  message: ({ stay, total }: { stay: number; total: number }) =>
    `${pagesOf(stay, total)} of this iovec stay mapped in the writer and ${isAre(stay)} copied: the RFC unmaps only the page at iov_base (use one iovec per page)`.replace(
      /^./,
      (first) => first.toUpperCase(),
    ),
  decidedIn: [
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => [() => onePagePerIovecFix(context, "VMS-RFC-IOV-BASE")],
});
