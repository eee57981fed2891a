/** VMS-MAINLINE-COPY: vmsplice to user memory always copies on this kernel; `SPLICE_F_MOVE` is ignored. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-MAINLINE-COPY",
  severity: "info",
  models: ["mainline-3.12", "mainline-6.x"],
  title: "vmsplice to user memory always copies on this kernel; `SPLICE_F_MOVE` is ignored",
  condition: "Any from-pipe vmsplice",
  effect: "Always copy; `SPLICE_F_MOVE` ignored",
  patterns: "Any `vmsplice(read_end, …, SPLICE_F_MOVE)` expecting zero-copy",
  fix: "Accept one copy; for real zero-copy share memory (memfd + `mmap(MAP_SHARED)` in both processes)",
  tag: "[CODE]",
  notDecidedFromSource: null,
  message: () =>
    "The pages are copied into the buffer: this kernel ignores SPLICE_F_MOVE when vmsplice reads from a pipe",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportModelChecks"],
});
