/** VMS-FILE: File-backed memory is not anonymous; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { provenance, quoted } from "./words";

export default defineRule({
  id: "VMS-FILE",
  severity: "warning",
  models: ["rfc-v2"],
  title: "File-backed memory is not anonymous; copied",
  condition: "Source frame is page cache (file mapping not yet written, or `MAP_SHARED` file)",
  effect: "Copy; writer's PTE zapped, data refaults",
  patterns: "`mmap(fd, …)` of a file",
  fix: "Copy file data into private anonymous memory first, or use `splice(file → pipe)`",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G36): a written copy-on-write page of a private file mapping moves, and the writer then reads the file's bytes",
  message: ({ name, explanation }: { name: string; explanation: string }) =>
    `${quoted(name)} is copied, not moved: it is file-backed, and the RFC moves only private anonymous pages${provenance(name, explanation)}`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
