/** VMS-NO-MOVABLE-PAGE: Every writer of this pipe puts only pages the reader cannot take, so the reader copies. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { pagesOf } from "./words";

/** Why a writer's chunk can never be taken by the reader, in the words of the writer-side rule that says so. */
const CAUSE_WORDS: Readonly<Record<string, string>> = {
  "VMS-NO-GIFT": "not gifted",
  "VMS-ALIGN-SRC": "not page-aligned",
  "VMS-LEN-PAGE": "less than a whole page",
  "VMS-SHMEM": "shared memory",
  "VMS-FILE": "file pages",
  "VMS-ZERO-PAGE": "the zero page",
};

/** The writer-side rules whose copy is fixed when the chunk enters the pipe (the reader's move test fails whenever it runs). */
export const UNSTEALABLE_CAUSES: ReadonlySet<string> = new Set(Object.keys(CAUSE_WORDS));

export default defineRule({
  id: "VMS-NO-MOVABLE-PAGE",
  severity: "warning",
  models: ["rfc-v2"],
  title: "No writer of this pipe puts a page the reader can take, so the reader's move falls back to a copy",
  condition:
    "Every writer into the same pipe puts only chunks that fail the reader's move test whenever it runs: not gifted, `offset != 0` or `len != P` (unaligned or partial gifted chunks), or a frame that is not anonymous (shmem, file, zero page)",
  effect:
    "Copy. The destination is never touched by a move, so an unaligned, short, read-only or shared destination is harmless",
  patterns:
    "`vmsplice(w, &(struct iovec){ buf + 100, P }, 1, SPLICE_F_GIFT | SPLICE_F_MOVE)` feeding `vmsplice(r, iov, 1, SPLICE_F_MOVE)`; a 100-byte gifted header",
  fix: "Gift whole, page-aligned, written private anonymous pages (or drop SPLICE_F_MOVE on the reader: it cannot move)",
  tag: "[CODE]",
  notDecidedFromSource: null,
  message: (input: { writers: { line: number; causes: string[] }[]; copied: number; total: number }) =>
    `This SPLICE_F_MOVE copies ${pagesOf(input.copied, input.total)}: no writer of this pipe puts a page it can take (${input.writers
      .map(
        (writer) =>
          `line ${writer.line}: ${writer.causes.map((cause) => CAUSE_WORDS[cause] ?? cause).join(", ") || "nothing delivered"}`,
      )
      .join("; ")})`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.readerPage",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
