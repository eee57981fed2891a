/** VMS-RFC-GIFT-ONLY-ZAP: `SPLICE_F_GIFT` alone now unmaps the writer's pages. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-GIFT-ONLY-ZAP",
  severity: "error",
  models: ["rfc-v2"],
  title: "`SPLICE_F_GIFT` alone now unmaps the writer's pages",
  condition: "Writer passes `SPLICE_F_GIFT` alone (the long-documented API)",
  effect: "Writer's pages are zapped: an ABI change for existing gift users; a MOVE reader then moves them",
  patterns: "`vmsplice(w, iov, n, SPLICE_F_GIFT)` followed by reuse of the buffer",
  fix: "Do not touch gifted buffers (the man page already forbids modifying them, but reading them back used to work)",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed: "confirmed (G03, O03): `SPLICE_F_GIFT` alone zaps the writer's pages and a MOVE reader then moves them",
  message: ({ name }: { name: string }) =>
    `${quoted(name)} reads back as zeros after the call: SPLICE_F_GIFT alone makes the RFC unmap it, and it is used afterwards`,
  decidedIn: ["analysis/call-findings.ts CallFindings.writerLifecycle"],
});
