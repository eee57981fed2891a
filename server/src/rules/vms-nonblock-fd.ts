/** VMS-NONBLOCK-FD: `O_NONBLOCK` on the pipe does not make vmsplice non-blocking. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_NONBLOCK } from "../analysis/facts";
import { flagsChange } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-NONBLOCK-FD",
  severity: "warning",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "`O_NONBLOCK` on the pipe does not make vmsplice non-blocking",
  condition: "`O_NONBLOCK` on the pipe but no `SPLICE_F_NONBLOCK`",
  effect: "vmsplice still blocks",
  patterns: "`pipe2(fds, O_NONBLOCK)` then `vmsplice(…, 0)`",
  fix: "Pass `SPLICE_F_NONBLOCK`",
  tag: "[CODE] **[VERIFIED 6.18, both ends]**",
  notDecidedFromSource: null,
  observed: "confirmed (G25), as on mainline",
  message: () =>
    "This call can block although the pipe is O_NONBLOCK: vmsplice ignores the descriptor's O_NONBLOCK; pass SPLICE_F_NONBLOCK to get EAGAIN instead",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportCallChecks"],
  quickFixes: (context) => [
    () =>
      flagsChange(
        context,
        (flags) => flags | SPLICE_F_NONBLOCK,
        "Pass SPLICE_F_NONBLOCK (O_NONBLOCK on the pipe does not make vmsplice non-blocking; the call then fails with EAGAIN)",
        ["VMS-NONBLOCK-FD"],
        false,
      ),
  ],
});
