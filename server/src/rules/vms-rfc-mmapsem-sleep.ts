/** VMS-RFC-MMAPSEM-SLEEP: A writer blocked on a full pipe holds its address-space lock. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-MMAPSEM-SLEEP",
  severity: "warning",
  models: ["rfc-v2"],
  title: "A writer blocked on a full pipe holds its address-space lock",
  condition: "Writer sleeps for pipe space while holding its address-space lock",
  effect:
    "`mmap`/`munmap`/`mprotect`/`brk` in that process stall; a sibling thread that must fault to drain the pipe can deadlock behind a queued `mmap`",
  patterns: "Multithreaded producer/consumer over one pipe in one process",
  fix: "Use `SPLICE_F_NONBLOCK` + `poll`",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  message: () =>
    "mmap() and munmap() in other threads stall while this gifting writer blocks on a full pipe: it holds its address-space lock, and the program starts threads",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportModelChecks"],
});
