/** VMS-ALIAS-WRITE: The buffer is modified after vmsplice; the reader sees the new bytes. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { copyWithWritevFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { ALIAS_RULES } from "./groups";

export default defineRule({
  id: "VMS-ALIAS-WRITE",
  severity: "error",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "The buffer is modified after vmsplice; the reader sees the new bytes",
  condition: "Writer modifies the buffer after vmsplice returns, before the reader consumes it, through a writable PTE",
  effect: "Reader sees the modified bytes",
  patterns: "`vmsplice(w, …); memset(buf, …)`; reusing a ring buffer immediately",
  fix: "Wait until the reader has consumed (protocol ack), use `SPLICE_F_GIFT` and never touch, or use `write()`",
  tag: "[CODE][DERIVED] **[VERIFIED 6.18]**",
  notDecidedFromSource: null,
  observed: "confirmed (G14), as on mainline",
  message: ({ name, loopCarried }: { name: string; loopCarried: boolean }) =>
    loopCarried
      ? `The reader can see the new bytes: ${quoted(name)} is rewritten here on the next loop iteration while the pipe may still reference the pages queued by the previous vmsplice`
      : `The reader sees the new bytes: ${quoted(name)} is written here after vmsplice queued its pages by reference`,
  decidedIn: ["analysis/call-findings.ts CallFindings.writerLifecycle"],
  quickFixes: (context) => [() => copyWithWritevFix(context, ALIAS_RULES)],
});
