/** VMS-NOT-PIPE: vmsplice requires a pipe. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-NOT-PIPE",
  severity: "error",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "vmsplice requires a pipe",
  condition: "fd is not a pipe",
  effect: "`EBADF` (6.x: 0 if the total length is 0)",
  patterns: "`vmsplice(sock, …)`, regular file",
  fix: "vmsplice only pipes",
  tag: "[CODE] **[VERIFIED 6.18: regular file, socket]**",
  notDecidedFromSource: null,
  message: ({ explanation }: { explanation: string }) => `vmsplice fails with EBADF: ${explanation}`,
  decidedIn: ["analysis/call-findings.ts CallFindings.reportCallChecks"],
});
