/** VMS-SUPPRESSION: A vmsplice-lens suppression comment is incomplete: it gives no reason, names an unknown rule id, or precedes no vmsplice call. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-SUPPRESSION",
  severity: "warning",
  models: ["rfc-v2", "mainline-6.x", "mainline-3.12"],
  title:
    "A vmsplice-lens suppression comment is incomplete: it gives no reason, names an unknown rule id, or precedes no vmsplice call",
  condition:
    "A `// vmsplice-lens: ignore VMS-ID -- reason` comment without a reason, with an id that is not a rule, or not followed by a vmsplice call",
  effect:
    "Nothing in the kernel; the suppression silences less than intended, or silences without an explanation for reviewers",
  patterns:
    "`// vmsplice-lens: ignore VMS-ALIGN-SRC` (no reason); `// vmsplice-lens: ignore VMS-ALIGN -- ...` (misspelt id)",
  fix: "Name existing rule ids and add `-- why this is safe`, directly above the vmsplice call",
  tag: "(vmsplice Lens addition, not in the specification's rule index)",
  notDecidedFromSource: null,
  message: (problems: readonly string[]) => `This vmsplice-lens suppression ${problems.join("; ")}.`,
  decidedIn: ["analysis/suppressions.ts findSuppressions"],
});
