/** VMS-LEN-PAGE: Chunk is shorter than a page; it is copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { lengthFixes } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-LEN-PAGE",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Chunk is shorter than a page; it is copied",
  condition: "Chunk `len != P`",
  effect: "That chunk copies",
  patterns:
    "`iov_len = 4000`; lengths not a multiple of `P` (the tail chunk copies); literal `4096` on a 16/64 KiB-page system",
  fix: "Pad lengths to multiples of `sysconf(_SC_PAGESIZE)`",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G08): a 4000-byte chunk is not zapped and is copied",
  message: (
    input: { kind: "straddles"; lengthText: string } | { kind: "short"; lengthText: string; pageSize: number },
  ) => {
    const length = input.lengthText ? `length ${quoted(input.lengthText)}` : "the length";
    return input.kind === "straddles"
      ? `The last chunk is short and copied: from an unaligned base, ${length} straddles page boundaries`
      : `The short chunk is copied: ${length} is not a whole number of ${input.pageSize}-byte pages`;
  },
  decidedIn: [
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => lengthFixes(context, "VMS-LEN-PAGE"),
});
