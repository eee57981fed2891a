/** VMS-GIFT-NOOP: `SPLICE_F_GIFT` neither checks alignment nor unmaps anything on this kernel. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_GIFT } from "../analysis/facts";
import { flagsChange } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-GIFT-NOOP",
  severity: "info",
  models: ["mainline-3.12", "mainline-6.x"],
  title: "`SPLICE_F_GIFT` neither checks alignment nor unmaps anything on this kernel",
  condition: "`SPLICE_F_GIFT` on to-pipe",
  effect: "Only sets `GIFT`; no alignment check, no unmapping; only FUSE stealing can use it",
  patterns: "`vmsplice(w, iov, n, SPLICE_F_GIFT)` then reusing the buffer",
  fix: "Harmless; drop the flag unless feeding FUSE",
  tag: "[CODE]",
  notDecidedFromSource: null,
  message: () =>
    "SPLICE_F_GIFT has no effect on this kernel: the pages are queued by reference and stay mapped in the writer",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportModelChecks"],
  quickFixes: (context) =>
    context.writer
      ? [
          () =>
            flagsChange(
              context,
              (flags) => flags & ~SPLICE_F_GIFT,
              "Drop SPLICE_F_GIFT (it has no effect on this kernel)",
              ["VMS-GIFT-NOOP"],
              false,
            ),
        ]
      : [],
});
