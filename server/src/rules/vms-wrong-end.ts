/** VMS-WRONG-END: vmsplice on the read end reads into the buffer instead of sending it. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { readEndFix } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-WRONG-END",
  severity: "error",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "vmsplice on the read end reads into the buffer instead of sending it",
  condition: "Writer-intended call on the read end",
  effect: "It reads: overwrites the buffer with pipe data, blocks when empty, `EAGAIN` with NONBLOCK, 0 at EOF",
  patterns: "`vmsplice(fds[0], …)` after `pipe(fds)`",
  fix: "Write end is `fds[1]`",
  tag: "[CODE] **[VERIFIED 6.18]**",
  notDecidedFromSource: null,
  observed: "confirmed (G24), as on mainline",
  message: ({ explanation }: { explanation: string }) =>
    `This call reads from the pipe into the buffer although SPLICE_F_GIFT says it meant to send: ${explanation}`,
  decidedIn: ["analysis/verdict.ts CallJudge.judge"],
  quickFixes: (context) => [() => readEndFix(context, "VMS-WRONG-END")],
});
