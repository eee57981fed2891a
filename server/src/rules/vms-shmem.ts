/** VMS-SHMEM: Shared (shmem) memory is not anonymous; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-SHMEM",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Shared (shmem) memory is not anonymous; copied",
  condition: "Source frame is shmem",
  effect: "Copy; the writer's PTE is zapped but data survives",
  patterns: "`MAP_SHARED|MAP_ANONYMOUS`, `memfd_create`, `shm_open`, `shmat`, `/dev/shm` files",
  fix: "Use private anonymous memory for gifts",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G12): the shmem PTE is zapped, the data refaults, the reader copies",
  message: ({ name, explanation }: { name: string; explanation: string }) =>
    `${quoted(name)} is copied, not moved: the RFC moves only private anonymous pages, and ${explanation}`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
