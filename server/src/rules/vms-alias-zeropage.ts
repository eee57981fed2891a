/** VMS-ALIAS-ZEROPAGE: The buffer is filled after vmsplice; the reader sees zeros. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { fillBeforeFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { ZERO_PAGE_RULES } from "./groups";

export default defineRule({
  id: "VMS-ALIAS-ZEROPAGE",
  severity: "error",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "The buffer is filled after vmsplice; the reader sees zeros",
  condition: "Buffer untouched at vmsplice time",
  effect: "Pipe holds the zero page; later fills are invisible; reader gets zeros",
  patterns: "`p = mmap(…); vmsplice(w, {p, n}); fill(p)`",
  fix: "Fill before vmsplice",
  tag: "[DERIVED] **[VERIFIED 6.18]**",
  notDecidedFromSource: null,
  observed: "confirmed (G15), as on mainline",
  message: ({ name }: { name: string }) =>
    `The reader gets zeros: ${quoted(name)} is filled only after the vmsplice call, so the pipe holds the zero page`,
  decidedIn: ["analysis/call-findings.ts CallFindings.writerLifecycle"],
  quickFixes: (context) => [() => fillBeforeFix(context, ZERO_PAGE_RULES, "VMS-ALIAS-ZEROPAGE")],
});
