/** VMS-ALIGN-SRC: Source address is not page-aligned; these chunks are copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { alignmentFixes } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-ALIGN-SRC",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Source address is not page-aligned; these chunks are copied",
  condition: "Chunk `offset != 0` because `iov_base mod P ≠ 0`",
  effect: "That chunk copies",
  patterns:
    "`malloc`, `calloc`, `new[]`, `realloc` (glibc returns 16-byte alignment; even mmap-backed large chunks start 16 bytes into a page); stack arrays; `buf + header_len`; `iov_base = p + 100`; struct members",
  fix: "`posix_memalign(&p, sysconf(_SC_PAGESIZE), n)`, `aligned_alloc`, `mmap`",
  tag: "[CODE]",
  notDecidedFromSource: null,
  observed: "confirmed (G06, G07): chunks with a non-zero offset are not zapped and are copied",
  decidedIn: ["analysis/verdict.ts CallJudge.writerPage", "analysis/verdict.ts CallJudge.reportSegmentRules"],
  quickFixes: (context) => alignmentFixes(context, "VMS-ALIGN-SRC"),
});
