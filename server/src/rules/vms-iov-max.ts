/** VMS-IOV-MAX: More than 1024 iovecs: `EINVAL`. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-IOV-MAX",
  severity: "error",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "More than 1024 iovecs: `EINVAL`",
  condition: "`nr_segs > 1024`",
  effect: "`EINVAL`",
  patterns: "Large scatter lists",
  fix: "Batch by `IOV_MAX`",
  tag: "[CODE] **[VERIFIED 6.18]**",
  notDecidedFromSource: null,
  message: ({ nrSegs }: { nrSegs: number }) =>
    `The call fails with EINVAL: nr_segs is ${nrSegs}, more than the 1024 iovecs (IOV_MAX) the kernel accepts`,
  decidedIn: ["analysis/call-findings.ts CallFindings.reportCallChecks"],
});
