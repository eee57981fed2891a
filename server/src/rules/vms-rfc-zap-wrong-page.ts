/** VMS-RFC-ZAP-WRONG-PAGE: Unaligned gift unmaps the first page, including bytes outside the gift. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { alignmentFixes } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-ZAP-WRONG-PAGE",
  severity: "error",
  models: ["rfc-v2"],
  title: "Unaligned gift unmaps the first page, including bytes outside the gift",
  condition: "Unaligned multi-page iovec with GIFT or MOVE",
  effect: "The first page is zapped although its chunk was not eligible, losing bytes before `iov_base`",
  patterns: "`vmsplice(w, &(struct iovec){p + 100, 3 * P}, 1, SPLICE_F_GIFT)`",
  fix: "Page-aligned bases",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G07): an unaligned 3-page gift zaps the first page, bytes before `iov_base` included, and everything is copied",
  message: ({ name }: { name: string }) =>
    `The RFC unmaps the whole first page of ${quoted(name)}, including bytes before iov_base that were never gifted: this unaligned iovec has full-page chunks`,
  decidedIn: ["analysis/call-findings.ts CallFindings.reportSegmentRules"],
  quickFixes: (context) => alignmentFixes(context, "VMS-RFC-ZAP-WRONG-PAGE"),
});
