/** VMS-DST-SHARED: Destination is a shared mapping: an anonymous page is planted in it. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { provenance, quoted } from "./words";

export default defineRule({
  id: "VMS-DST-SHARED",
  severity: "error",
  models: ["rfc-v2"],
  title: "Destination is a shared mapping: an anonymous page is planted in it",
  condition: "Destination VMA is shmem or a shared file",
  effect: "Anonymous page planted in a shared mapping; other sharers and the file do not see the data",
  patterns: "`mmap(MAP_SHARED)` destination",
  fix: "Private anonymous destination",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  observed:
    "confirmed (O05): the gifted frame is installed in the reader only; another process sharing the mapping keeps the old bytes",
  unsafe: "moves-into-wrong-place",
  message: ({ name, explanation }: { name: string; explanation: string | null }) =>
    `The moved page is private to this process, so whoever shares ${quoted(name)} never sees it: the destination is a shared mapping${provenance(name, explanation)}`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
