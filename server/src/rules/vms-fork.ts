/** VMS-FORK: A forked process still maps the page copy-on-write; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-FORK",
  severity: "warning",
  models: ["rfc-v2"],
  title: "A forked process still maps the page copy-on-write; copied",
  condition: "A forked child (or parent) still maps the copy-on-write-shared page",
  effect: "Copy; the child keeps the data",
  patterns: "`fork()` after filling and before vmsplice, child still alive",
  fix: "Fill after fork, `madvise(MADV_DONTFORK)` on the buffer, or make sure the other process has exited or touched its copy",
  tag: "[DOC][CODE]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G11): with a forked child still mapping the page, the writer is zapped, the reader copies, the child keeps the data",
  decidedIn: ["analysis/verdict.ts CallJudge.memoryVerdict", "analysis/verdict.ts CallJudge.reportSegmentRules"],
});
