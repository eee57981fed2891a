/** VMS-ALIGN-SRC: Source address is not page-aligned; these chunks are copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { alignmentFixes } from "../analysis/fixes";
import type { BufferFact } from "../analysis/facts";
import { defineRule } from "./define";
import { isAre, pagesOf, provenance, quoted } from "./words";

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
  message: ({
    base,
    buffer,
    pageOffset,
    copied,
    total,
  }: {
    base: string;
    buffer: BufferFact | null;
    pageOffset: number | null;
    copied: number;
    total: number;
  }) => {
    const cause = pageOffset !== null ? `starts ${pageOffset} bytes into a page` : "does not start on a page boundary";
    return `${quoted(base)} ${cause}, so ${pagesOf(copied, total)} ${isAre(copied)} copied${provenance(buffer?.name ?? base, buffer?.explanation, base)}`;
  },
  decidedIn: [
    "analysis/page-judge.ts PageJudge.writerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
  quickFixes: (context) => alignmentFixes(context, "VMS-ALIGN-SRC"),
});
