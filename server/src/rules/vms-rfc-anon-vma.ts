/** VMS-RFC-ANON-VMA: Moved pages keep the writer's reverse map: not migratable, and a debug kernel crashes after the writer exits. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-ANON-VMA",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Moved pages keep the writer's reverse map: not migratable, and a debug kernel crashes after the writer exits",
  condition: "Every successful move",
  effect:
    "The moved page keeps the writer's reverse-map owner (anon_vma, index): compaction and migration cannot move it; once the writer's anon_vma is freed (writer exited, e.g. a forked child that gifted), a `DEBUG_VM` kernel hits `BUG` in migration",
  patterns: "Any moved page, especially from a short-lived writer process",
  fix: "— (kernel bug; avoid relying on moves in long-running readers)",
  tag: "[OBSERVED on a 6.1 port under QEMU][BUG?]",
  notDecidedFromSource:
    "Fires on every successful move; shown in the hover and explain text of moving readers rather than as a diagnostic.",
  observed:
    "reproduced in 9 of 9 boots (hazard probe anon-vma): the moved frame keeps the writer's anon_vma; after the writer exits, compaction hits `kernel BUG at mm/migrate.c:1163` (DEBUG_VM) or a page fault in `folio_lock_anon_vma_read` (a use-after-free, so non-debug kernels are exposed too)",
  decidedIn: [],
});
