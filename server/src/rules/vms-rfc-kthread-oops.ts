/** VMS-RFC-KTHREAD-OOPS: Kernel-thread splices crash (documentation only; not visible in user code). One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-KTHREAD-OOPS",
  severity: "info",
  models: ["rfc-v2"],
  title: "Kernel-thread splices crash (documentation only; not visible in user code)",
  condition: "Any kernel-thread splice into a pipe",
  effect: "Null dereference (nfsd splice reads, 3.x loop driver)",
  patterns: "Not visible in user C code; document only",
  fix: "—",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: "Kernel threads (nfsd, the loop driver) are not visible in user C code; documented only.",
  decidedIn: [],
});
