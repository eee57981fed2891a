/** VMS-ZERO-LEN-IOV: A zero-length iovec ends the transfer early on this kernel. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { dropEmptySegmentsFix } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-ZERO-LEN-IOV",
  severity: "warning",
  models: ["mainline-3.12", "rfc-v2"],
  title: "A zero-length iovec ends the transfer early on this kernel",
  condition: "A zero-length iovec",
  effect: "Processing stops there (6.x skips it **[VERIFIED 6.18]**)",
  patterns: "`iov[i].iov_len = 0` placeholders",
  fix: "Remove empty entries",
  tag: "[CODE]",
  notDecidedFromSource: null,
  message: () =>
    "The iovec entries after this zero-length one are not transferred: this kernel stops at the first zero-length iovec",
  decidedIn: ["analysis/segment-judge.ts SegmentJudge.judgeSegment"],
  quickFixes: (context) => [() => dropEmptySegmentsFix(context, "VMS-ZERO-LEN-IOV")],
});
