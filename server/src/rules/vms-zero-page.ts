/** VMS-ZERO-PAGE: Source pages were never written: the pipe carries the zero page. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { fillBeforeFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { ZERO_PAGE_RULES } from "./groups";

export default defineRule({
  id: "VMS-ZERO-PAGE",
  severity: "warning",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "Source pages were never written: the pipe carries the zero page",
  condition: "Source page never written: GUP pinned the zero page (or huge zero page)",
  effect: "RFC: copy of zeros. Mainline: reader gets zeros even if the writer fills the buffer after vmsplice",
  patterns: "`mmap` or large `malloc` then `vmsplice` before filling; `calloc` of a fresh mapping",
  fix: "Write (touch) every page before vmsplice",
  tag: "[DERIVED]",
  notDecidedFromSource: null,
  observed: "confirmed (G13): an untouched source queues the zero page, which is zapped harmlessly and copied as zeros",
  message: ({ name }: { name: string }) =>
    `The pipe carries the shared zero page: ${quoted(name)} is never written before the call`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.writerLifecycle",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => [() => fillBeforeFix(context, ZERO_PAGE_RULES, "VMS-ALIAS-ZEROPAGE")],
});
