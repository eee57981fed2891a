/** VMS-RFC-MOVE-ONLY-ZAP: `SPLICE_F_MOVE` on the writing side unmaps the writer's pages without any move. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_GIFT, SPLICE_F_MOVE } from "../analysis/facts";
import { flagsChange } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-MOVE-ONLY-ZAP",
  severity: "error",
  models: ["rfc-v2"],
  title: "`SPLICE_F_MOVE` on the writing side unmaps the writer's pages without any move",
  condition: "Writer passes `SPLICE_F_MOVE` without `SPLICE_F_GIFT`",
  effect: "Writer's pages zapped (private-anon data lost) although they can never be moved",
  patterns: "`vmsplice(w, iov, n, SPLICE_F_MOVE)` — common because many programs pass `SPLICE_F_MOVE` habitually",
  fix: "Drop `SPLICE_F_MOVE` on the write side or add `SPLICE_F_GIFT`",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G04, O02): `SPLICE_F_MOVE` alone zaps the writer's page, the reader copies, the writer reads zeros",
  message: ({ name }: { name: string }) =>
    `The page of ${quoted(name)} at iov_base is unmapped and its private data lost, yet it can never move: the RFC zaps it for SPLICE_F_MOVE without SPLICE_F_GIFT`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => {
    if (!context.writer) return [];
    const drop = () =>
      flagsChange(
        context,
        (flags) => flags & ~SPLICE_F_MOVE,
        "Drop SPLICE_F_MOVE on the writing side (it only unmaps the writer's pages)",
        ["VMS-RFC-MOVE-ONLY-ZAP"],
        true,
      );
    const gift = () =>
      flagsChange(
        context,
        (flags) => flags | SPLICE_F_GIFT,
        "Add SPLICE_F_GIFT so the unmapped pages can be moved",
        ["VMS-RFC-MOVE-ONLY-ZAP"],
        false,
      );
    return context.usedAfter ? [drop] : [drop, gift];
  },
});
