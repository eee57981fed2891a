/** VMS-RFC-TEE-ALIAS: A page still referenced by a tee'd pipe is moved; later writes leak into that pipe. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-TEE-ALIAS",
  severity: "error",
  models: ["rfc-v2"],
  title: "A page still referenced by a tee'd pipe is moved; later writes leak into that pipe",
  condition: "Frame referenced by another pipe (tee) or another pin when moved",
  effect: "The other reference observes the reader's later writes",
  patterns: "`tee()` before the MOVE reader",
  fix: "Do not combine tee with MOVE",
  tag: "[DERIVED][BUG?]",
  notDecidedFromSource: null,
  observed:
    "confirmed (G34 T): the frame still referenced by the tee'd pipe is moved, and that pipe's reader gets the reader's later write",
  message: () =>
    "Writes into a moved page leak into another pipe: tee() duplicates this pipe's buffers, so the other pipe still references the page this reader moves",
  decidedIn: ["analysis/call-findings.ts CallFindings.reportModelChecks"],
});
