/** VMS-THP: Page is part of an unsplit transparent huge page; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-THP",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Page is part of an unsplit transparent huge page; copied",
  condition: "Frame is part of a THP that the writer-side zap did not split",
  effect: "Copy",
  patterns:
    "Writer zap covers the whole PMD (needs ≥512 contiguous one-page iovecs in one call, i.e. a pipe of at least 2 MiB, which only a privileged process can set)",
  fix: "`madvise(MADV_NOHUGEPAGE)` on gift buffers",
  tag: "[CODE]",
  notDecidedFromSource:
    "Needs one call to zap a whole PMD (512 one-page iovecs into a pipe of at least 2 MiB); the analyzer reports VMS-THP-SPLIT for huge-page buffers instead.",
  decidedIn: [],
});
