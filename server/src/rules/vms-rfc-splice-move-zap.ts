/** VMS-RFC-SPLICE-MOVE-ZAP: `splice(…→pipe, SPLICE_F_MOVE)` unmaps memory at an undefined address. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-SPLICE-MOVE-ZAP",
  severity: "error",
  models: ["rfc-v2"],
  title: "`splice(…→pipe, SPLICE_F_MOVE)` unmaps memory at an undefined address",
  condition: "`splice(file|socket → pipe, …, SPLICE_F_MOVE or SPLICE_F_GIFT)`",
  effect: "Zap at an address taken from an uninitialised field: random loss of the caller's memory",
  patterns: "`splice(fd, NULL, p[1], NULL, 65536, SPLICE_F_MOVE | SPLICE_F_MORE)`",
  fix: "Do not pass `SPLICE_F_MOVE` when splicing into a pipe",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  message: ({ flagsText }: { flagsText: string }) =>
    `splice() unmaps a page at an undefined address when its output is a pipe: the flags ${quoted(flagsText)} include SPLICE_F_MOVE or SPLICE_F_GIFT, and the RFC's splice_to_pipe takes the address from an uninitialised field`,
  decidedIn: ["analysis/call-findings.ts judgeSplices"],
});
