/** VMS-PAGE-SIZE-LITERAL: A hard-coded 4096 is used as the page size; on 16 KiB and 64 KiB page kernels these lengths and offsets are not whole pages. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { pageSizeLiteralFix } from "../analysis/fixes";
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-PAGE-SIZE-LITERAL",
  severity: "info",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title:
    "A hard-coded 4096 is used as the page size; on 16 KiB and 64 KiB page kernels these lengths and offsets are not whole pages",
  condition: "An iovec base offset or length is computed from the literal 4096 instead of the runtime page size",
  effect:
    "Correct on 4 KiB-page kernels; on arm64 16 KiB/64 KiB or ppc64 64 KiB kernels the chunks are shorter than a page and copy (VMS-LEN-PAGE, VMS-ALIGN-SRC)",
  patterns: "`iov_len = 4096`; `buf + i * 4096`; `#define PAGE 4096`",
  fix: "Use `sysconf(_SC_PAGESIZE)` (or `getpagesize()`) once at start-up and derive lengths from it",
  tag: "[CODE] (vmsplice Lens addition, not in the specification's rule index)",
  notDecidedFromSource: null,
  message: ({ pageSize }: { pageSize: number }) =>
    pageSize === 4096
      ? "This hard-coded 4096 is a whole page only on 4 KiB-page kernels: on 16 KiB or 64 KiB pages it makes partial pages, which are copied"
      : `This hard-coded 4096 is not a whole page on this kernel's ${pageSize}-byte pages, so the chunks built from it are partial pages`,
  decidedIn: ["analysis/call-findings.ts CallFindings.reportPageSizeLiterals"],
  quickFixes: (context) => [() => pageSizeLiteralFix(context, "VMS-PAGE-SIZE-LITERAL")],
});
