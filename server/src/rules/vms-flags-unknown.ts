/** VMS-FLAGS-UNKNOWN: Unknown splice flag bits: the call fails with `EINVAL`. One rule, one module (STYLE.md section 2); listed in rules/index.ts. */
import { SPLICE_F_ALL } from "../analysis/facts";
import { flagsChange } from "../analysis/fixes";
import { defineRule } from "./define";
import { quoted } from "./words";

export default defineRule({
  id: "VMS-FLAGS-UNKNOWN",
  severity: "error",
  models: ["mainline-6.x"],
  title: "Unknown splice flag bits: the call fails with `EINVAL`",
  condition: "`flags & ~0xF`",
  effect: "`EINVAL` (3.12/RFC: silently ignored)",
  patterns: "Passing `O_NONBLOCK` or `MSG_*` constants as flags",
  fix: "Use only `SPLICE_F_*`",
  tag: "[CODE]",
  notDecidedFromSource: null,
  message: ({ flagsText, value }: { flagsText: string; value: number }) => {
    const hex = `0x${value.toString(16)}`;
    const shown = flagsText === hex ? quoted(flagsText) : `${quoted(flagsText)} (${hex})`;
    return `The call fails with EINVAL: the flags ${shown} set bits outside SPLICE_F_*, which this kernel rejects`;
  },
  decidedIn: ["analysis/call-findings.ts CallFindings.reportCallChecks"],
  quickFixes: (context) => [
    () =>
      flagsChange(
        context,
        (flags) => flags & SPLICE_F_ALL,
        "Keep only the SPLICE_F_* bits (unknown bits make the call fail with EINVAL)",
        ["VMS-FLAGS-UNKNOWN"],
        true,
      ),
  ],
});
