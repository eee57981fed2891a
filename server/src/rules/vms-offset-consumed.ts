/** VMS-OFFSET-CONSUMED: The pipe buffer was partially read earlier; its remainder is copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-OFFSET-CONSUMED",
  severity: "warning",
  models: ["rfc-v2"],
  title: "The pipe buffer was partially read earlier; its remainder is copied",
  condition: "Buffer was partially consumed before (`offset > 0`)",
  effect: "Copy of the remainder",
  patterns:
    "A previous reader call with a short iovec (VMS-DST-SHORT), `read()` of fewer than `P` bytes, partial `splice`",
  fix: "Read in whole pages",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G09): the remaining 3996 bytes of the partly consumed buffer are copied by the next call",
  message: ({ readLine }: { readLine: number | null }) =>
    `The rest of the pipe's first buffer is copied: an earlier read() or vmsplice()${readLine === null ? "" : ` (line ${readLine})`} of less than whole pages left it partly consumed`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
