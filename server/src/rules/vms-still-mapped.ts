/** VMS-STILL-MAPPED: The page is still mapped somewhere; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-STILL-MAPPED",
  severity: "warning",
  models: ["rfc-v2"],
  title: "The page is still mapped somewhere; copied",
  condition: "`mapcount > 0` when the reader consumes",
  effect: "Copy",
  patterns: "Any of the causes below",
  fix: "See causes",
  tag: "[CODE]",
  notDecidedFromSource: "Reported through its causes that C source shows: VMS-FORK and VMS-RFC-IOV-BASE.",
  observed: "confirmed (G11) through VMS-FORK",
  decidedIn: [],
});
