/** VMS-ALIAS-COW: Writes after vmsplice through a copy-on-write mapping may or may not reach the reader. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { copyWithWritevFix } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";
import { ALIAS_RULES } from "./groups";

export default defineRule({
  id: "VMS-ALIAS-COW",
  severity: "warning",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "Writes after vmsplice through a copy-on-write mapping may or may not reach the reader",
  condition: "Writer's PTE is write-protected (post-fork COW, KSM) when it writes after vmsplice",
  effect:
    "6.x: the writer gets a new frame, pipe keeps the old bytes (snapshot) **[VERIFIED 6.18: fork child alive, fork child already exited, KSM-merged page]**. 3.12/RFC: same if `mapcount > 1`, but if the other mapper is gone (`mapcount == 1`) the frame is reused in place (alias)",
  patterns: "`fork()` + vmsplice + modify",
  fix: "Same as ALIAS-WRITE",
  tag: "[DERIVED]",
  notDecidedFromSource: null,
  message: ({ name, forkLine, forkAfterCall }: { name: string; forkLine: number; forkAfterCall: boolean }) =>
    forkAfterCall
      ? `This write may or may not reach the reader, depending on the kernel: ${quoted(name)} is written through a copy-on-write mapping after the fork() on line ${forkLine}, which follows the vmsplice call`
      : `Whether this write reaches the reader depends on the kernel: ${quoted(name)} is shared copy-on-write with the child forked on line ${forkLine}`,
  decidedIn: ["analysis/call-findings.ts CallFindings.writerLifecycle"],
  quickFixes: (context) => [() => copyWithWritevFix(context, ALIAS_RULES)],
});
