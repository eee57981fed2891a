/** VMS-DST-HOLE: Destination is unmapped: the page is installed outside any mapping instead of failing with `EFAULT`. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-DST-HOLE",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination is unmapped: the page is installed outside any mapping instead of failing with `EFAULT`",
  condition: "No VMA contains `dst` but one exists above",
  effect: "PTE installed outside any VMA; success",
  patterns: "Destination pointer to unmapped memory (after `munmap`, below the stack)",
  fix: "Fix the pointer; mainline gives `EFAULT`",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed:
    "confirmed (hazard probe dst-hole): 4096 is returned and the gifted bytes are readable where /proc/self/maps shows nothing; the control kernel gives `EFAULT`",
  unsafe: "moves-into-wrong-place",
  message: ({ name, unmapLine }: { name: string; unmapLine: number | null }) =>
    `The RFC installs the page outside any mapping instead of failing with EFAULT: ${quoted(name)} was unmapped before the call${unmapLine === null ? "" : ` (line ${unmapLine})`}`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
