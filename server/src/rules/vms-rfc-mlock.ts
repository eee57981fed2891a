/** VMS-RFC-MLOCK: Gifting unmaps mlocked memory. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-RFC-MLOCK",
  severity: "info",
  models: ["rfc-v2"],
  title: "Gifting unmaps mlocked memory",
  condition: "Zap ignores `mlock`",
  effect: "Locked gift buffers are unmapped anyway",
  patterns: "`mlock(buf)` before gifting",
  fix: "—",
  tag: "[DERIVED]",
  notDecidedFromSource: null,
  observed: "confirmed (O04): an mlock()ed gift buffer is zapped anyway, its pages move, the writer then reads zeros",
  message: ({ name }: { name: string }) => `The gift unmaps ${quoted(name)} anyway: the RFC ignores the mlock() on it`,
  decidedIn: [
    "analysis/page-judge.ts PageJudge.memoryVerdict",
    "analysis/call-findings.ts CallFindings.writerLifecycle",
    "analysis/call-findings.ts CallFindings.reportSegmentRules",
  ],
});
