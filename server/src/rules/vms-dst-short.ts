/** VMS-DST-SHORT: Destination shorter than a page: the whole page is replaced, only part is reported. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { lengthFixes } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-DST-SHORT",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination shorter than a page: the whole page is replaced, only part is reported",
  condition: "Remaining iovec length `< P` when a full gifted page arrives",
  effect: "Whole page replaced, only `n` reported, rest of the page overwritten, buffer left with `offset = n`",
  patterns: "`vmsplice(r, &(struct iovec){hdr, sizeof hdr}, 1, SPLICE_F_MOVE)`; lengths not a multiple of `P`",
  fix: "Destination lengths multiple of `P`",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed: "confirmed (G09): a 100-byte destination gets the whole page moved while 100 is reported",
  unsafe: "moves-into-wrong-place",
  message: ({ lengthText }: { lengthText: string }) =>
    `The whole destination page is replaced but only part of it is reported: the length${lengthText ? ` ${quoted(lengthText)}` : ""} is not a whole number of pages`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => lengthFixes(context, "VMS-DST-SHORT"),
});
