/** VMS-COMPOUND: Compound page; copied. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-COMPOUND",
  severity: "warning",
  models: ["rfc-v2"],
  title: "Compound page; copied",
  condition: "Any other compound frame",
  effect: "Copy",
  patterns: "Hugetlb (never reached, see above)",
  fix: "—",
  tag: "[CODE]",
  notDecidedFromSource:
    "The only user-visible compound source, hugetlb, crashes in the writer zap first (VMS-RFC-HUGETLB-OOPS); the analyzer reports that instead.",
  decidedIn: [],
});
