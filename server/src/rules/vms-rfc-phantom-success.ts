/** VMS-RFC-PHANTOM-SUCCESS: A racing fault on the destination can make the move report success without data. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-PHANTOM-SUCCESS",
  severity: "warning",
  models: ["rfc-v2"],
  title: "A racing fault on the destination can make the move report success without data",
  condition: "After the destination zap, page-table allocation fails or a racing fault repopulates the PTE",
  effect: "Move reported, no data delivered",
  patterns: "Multithreaded reader touching the destination during vmsplice",
  fix: "Do not touch destination buffers concurrently",
  tag: "[CODE][BUG?]",
  notDecidedFromSource: null,
  message: () =>
    "The move can report success without the data: the program starts threads, and a thread touching the destination during the move races with it",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportModelChecks"],
});
