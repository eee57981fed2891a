/** VMS-FORK: A forked process still maps the page copy-on-write; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { isAre, pagesOf, quoted } from "./words";

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
  message: ({
    name,
    forkLine,
    forkVia,
    copied,
    total,
  }: {
    name: string;
    forkLine: number | null;
    /** The function called there that forks, when it is not fork() itself. */
    forkVia?: string | null;
    copied: number;
    total: number;
  }) =>
    `${pagesOf(copied, total)} of ${quoted(name)} ${isAre(copied)} copied: the buffer was filled before ${forkVia ? `${quoted(forkVia + "()")}, which forks,` : "fork() (or clone() without CLONE_VM)"}${forkLine === null ? "" : ` on line ${forkLine}`}, so the child still maps it copy-on-write`.replace(
      /^./,
      (first) => first.toUpperCase(),
    ),
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
