/** VMS-PARTIAL: Return value not checked; transfers can be short. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-PARTIAL",
  severity: "warning",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title: "Return value not checked; transfers can be short",
  condition: "Return value smaller than the iovec total (pipe full, `N`-page cap, GUP stop)",
  effect: "Short transfer",
  patterns: "Ignoring the return value",
  fix: "Loop on the remainder",
  tag: "[CODE] **[VERIFIED 6.18: full pipe, pipe capacity, GUP stop at an unmapped page]**",
  notDecidedFromSource: null,
  observed: "confirmed (G26): a short count is returned when the pipe fills",
  message: (input: { kind: "unchecked" } | { kind: "overflow"; fitting: number; chunks: number; slots: number }) =>
    input.kind === "unchecked"
      ? "A short transfer goes unnoticed: the return value of vmsplice is not checked"
      : `A short transfer goes unnoticed: only ${input.fitting} of ${input.chunks} chunks fit in the ${input.slots}-slot pipe and the return value of vmsplice is not checked`,
  decidedIn: [
    "analysis/call-findings.ts CallFindings.reportCallChecks",
    "analysis/call-findings.ts CallFindings.reportOverflow",
  ],
});
