/** VMS-ALIGN-DST: Destination not page-aligned: a move lands shifted and clobbers neighbouring bytes. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { alignmentFixes } from "../analysis/fixes";
import type { BufferFact } from "../analysis/facts";
import { defineRule } from "./define";
import { provenance, quoted } from "./words";

export default defineRule({
  id: "VMS-ALIGN-DST",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination not page-aligned: a move lands shifted and clobbers neighbouring bytes",
  condition: "`dst mod P ≠ 0`",
  effect: "Move happens at `floor(dst)`: data shifted, neighbouring bytes overwritten, success reported",
  patterns: "`malloc`'d or stack destination; `q + 100`",
  fix: "Page-aligned destination",
  tag: "[DOC says required][CODE][BUG?]",
  notDecidedFromSource: null,
  observed: "confirmed (G10): with destination `q+100` the frames land on `q` and `q+P` and the data is shifted",
  unsafe: "moves-into-wrong-place",
  message: ({ base, buffer, pageOffset }: { base: string; buffer: BufferFact | null; pageOffset: number | null }) => {
    const cause = pageOffset !== null ? `starts ${pageOffset} bytes into a page` : "does not start on a page boundary";
    return `A moved page lands shifted on the page below and clobbers neighbouring bytes: the destination ${quoted(base)} ${cause}${provenance(buffer?.name ?? base, buffer?.explanation, base)}`;
  },
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => alignmentFixes(context, "VMS-ALIGN-DST"),
});
