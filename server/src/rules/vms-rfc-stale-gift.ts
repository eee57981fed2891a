/** VMS-RFC-STALE-GIFT: A buffer can inherit a stale gift flag from its pipe slot and be moved unexpectedly. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";

export default defineRule({
  id: "VMS-RFC-STALE-GIFT",
  severity: "warning",
  models: ["rfc-v2"],
  title: "A buffer can inherit a stale gift flag from its pipe slot and be moved unexpectedly",
  condition: "3.12 slot flags are OR-ed, never cleared on insert",
  effect: "A non-gifted buffer can inherit `GIFT`; with a MOVE-only writer (zapped) the page is then moved",
  patterns: "Ring wrap-around, e.g. a 1-slot pipe after `F_SETPIPE_SZ(P)`",
  fix: "— (kernel bug; 6.x clears flags)",
  tag: "[CODE]",
  notDecidedFromSource:
    "Depends on the history of each pipe slot at run time; the simulator replays it, the analyzer cannot see it.",
  decidedIn: [],
});
