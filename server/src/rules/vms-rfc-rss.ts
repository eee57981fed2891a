/** VMS-RFC-RSS: Moved pages are missing from the reader's RSS. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-RSS",
  severity: "info",
  models: ["rfc-v2"],
  title: "Moved pages are missing from the reader's RSS",
  condition: "Every successful move",
  effect: 'Reader\'s anon RSS counter not incremented; undercounted RSS; "Bad rss-counter state" at exit',
  patterns: "Any moved page",
  fix: "— (kernel bug)",
  tag: "[CODE][BUG?]",
  notDecidedFromSource:
    "Fires on every successful move; shown in the hover and explain text of moving readers rather than as a diagnostic.",
  observed:
    "observed on every run: each move leaves the reader's anon RSS counter one too low, and when the reader exits the kernel prints `BUG: Bad rss-counter state ... type:MM_ANONPAGES val:-N` (N = moved pages still mapped)",
  decidedIn: [],
});
