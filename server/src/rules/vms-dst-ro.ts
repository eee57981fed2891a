/** VMS-DST-RO: Destination is read-only: the page is installed instead of failing with `EFAULT`. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-DST-RO",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination is read-only: the page is installed instead of failing with `EFAULT`",
  condition: "Destination VMA not writable",
  effect: "Page installed; success (mainline: `EFAULT`)",
  patterns: "`mmap(PROT_READ)`, `mprotect` read-only, string literals, `const` globals in `.rodata`",
  fix: "Writable destination",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed: "confirmed (G18): the page is installed in a read-only destination and 4096 returned (mainline: `EFAULT`)",
  unsafe: "moves-into-wrong-place",
  message: ({ name }: { name: string }) =>
    `The RFC installs the page in read-only memory instead of failing with EFAULT as mainline does: ${quoted(name)} is mapped without PROT_WRITE`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
