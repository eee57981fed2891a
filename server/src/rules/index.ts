/**
 * The rule registry: every rule module (`rules/<rule-id>.ts`), in the order of the specification's rule index
 * (shared/domain/vmsplice-semantics.md, sections 4 and 8). That order is the order of docs/rules.md, the SARIF rules
 * list and the quick fixes.
 *
 * Adding a rule = one module here plus fixtures under test/fixtures/<RULE-ID>/ (CONTRIBUTING.md); `RuleId` follows
 * from this list. Diagnostics, hover, `explain`, SARIF and the docs read the records through the functions below.
 * Pure; imports no editor, protocol or I/O module.
 */
import type { RuleRecord, UnsafeKind } from "./define";
import vmsMainlineCopy from "./vms-mainline-copy";
import vmsGiftNoop from "./vms-gift-noop";
import vmsFlagsUnknown from "./vms-flags-unknown";
import vmsNoGift from "./vms-no-gift";
import vmsNoMoveFlag from "./vms-no-move-flag";
import vmsAlignSrc from "./vms-align-src";
import vmsLenPage from "./vms-len-page";
import vmsOffsetConsumed from "./vms-offset-consumed";
import vmsNoMovablePage from "./vms-no-movable-page";
import vmsZeroPage from "./vms-zero-page";
import vmsShmem from "./vms-shmem";
import vmsFile from "./vms-file";
import vmsStillMapped from "./vms-still-mapped";
import vmsFork from "./vms-fork";
import vmsRfcIovBase from "./vms-rfc-iov-base";
import vmsNoZap from "./vms-no-zap";
import vmsKsm from "./vms-ksm";
import vmsThp from "./vms-thp";
import vmsThpSplit from "./vms-thp-split";
import vmsRfcHugetlbOops from "./vms-rfc-hugetlb-oops";
import vmsCompound from "./vms-compound";
import vmsAlignDst from "./vms-align-dst";
import vmsDstShort from "./vms-dst-short";
import vmsDstHole from "./vms-dst-hole";
import vmsDstRo from "./vms-dst-ro";
import vmsDstShared from "./vms-dst-shared";
import vmsDstHugetlb from "./vms-dst-hugetlb";
import vmsDstThp from "./vms-dst-thp";
import vmsRfcMoveOnlyZap from "./vms-rfc-move-only-zap";
import vmsRfcGiftOnlyZap from "./vms-rfc-gift-only-zap";
import vmsRfcZapWrongPage from "./vms-rfc-zap-wrong-page";
import vmsRfcSpliceMoveZap from "./vms-rfc-splice-move-zap";
import vmsRfcMmapsemSleep from "./vms-rfc-mmapsem-sleep";
import vmsRfcKthreadOops from "./vms-rfc-kthread-oops";
import vmsRfcPhantomSuccess from "./vms-rfc-phantom-success";
import vmsRfcRss from "./vms-rfc-rss";
import vmsRfcAnonVma from "./vms-rfc-anon-vma";
import vmsRfcTeeAlias from "./vms-rfc-tee-alias";
import vmsRfcStaleGift from "./vms-rfc-stale-gift";
import vmsRfcMlock from "./vms-rfc-mlock";
import vmsAliasWrite from "./vms-alias-write";
import vmsAliasZeropage from "./vms-alias-zeropage";
import vmsAliasCow from "./vms-alias-cow";
import vmsWrongEnd from "./vms-wrong-end";
import vmsNonblockFd from "./vms-nonblock-fd";
import vmsPartial from "./vms-partial";
import vmsZeroLenIov from "./vms-zero-len-iov";
import vmsNotPipe from "./vms-not-pipe";
import vmsIovMax from "./vms-iov-max";
import vmsPageSizeLiteral from "./vms-page-size-literal";
import vmsSuppression from "./vms-suppression";

export type { RuleRecord, RuleDefinition, UnsafeKind, FixCandidate } from "./define";
export { plainText } from "./define";

export const RULES = [
  vmsMainlineCopy,
  vmsGiftNoop,
  vmsFlagsUnknown,
  vmsNoGift,
  vmsNoMoveFlag,
  vmsAlignSrc,
  vmsLenPage,
  vmsOffsetConsumed,
  vmsNoMovablePage,
  vmsZeroPage,
  vmsShmem,
  vmsFile,
  vmsStillMapped,
  vmsFork,
  vmsRfcIovBase,
  vmsNoZap,
  vmsKsm,
  vmsThp,
  vmsThpSplit,
  vmsRfcHugetlbOops,
  vmsCompound,
  vmsAlignDst,
  vmsDstShort,
  vmsDstHole,
  vmsDstRo,
  vmsDstShared,
  vmsDstHugetlb,
  vmsDstThp,
  vmsRfcMoveOnlyZap,
  vmsRfcGiftOnlyZap,
  vmsRfcZapWrongPage,
  vmsRfcSpliceMoveZap,
  vmsRfcMmapsemSleep,
  vmsRfcKthreadOops,
  vmsRfcPhantomSuccess,
  vmsRfcRss,
  vmsRfcAnonVma,
  vmsRfcTeeAlias,
  vmsRfcStaleGift,
  vmsRfcMlock,
  vmsAliasWrite,
  vmsAliasZeropage,
  vmsAliasCow,
  vmsWrongEnd,
  vmsNonblockFd,
  vmsPartial,
  vmsZeroLenIov,
  vmsNotPipe,
  vmsIovMax,
  vmsPageSizeLiteral,
  vmsSuppression,
] as const;
/** Every rule id, as a type: a misspelt id in the engine is a compile error. */
export type RuleId = (typeof RULES)[number]["id"];
/** What the engine hands a rule's `message` to compose a finding's text: a wrong shape is a compile error. */
export type MessageInput<Id extends RuleId> = Parameters<Extract<(typeof RULES)[number], { id: Id }>["message"]>[0];

const byId: ReadonlyMap<string, RuleRecord> = new Map(RULES.map((record) => [record.id, record]));

export function isRuleId(id: string): id is RuleId {
  return byId.has(id);
}

/** The rule record for an id; throws on an unknown id, which is a programming error inside the engine. */
export function rule(id: RuleId): RuleRecord<RuleId> {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown rule id ${id}`);
  return found as RuleRecord<RuleId>;
}

/** A finding's message for this rule, composed by the rule's module from the engine's facts. */
export function ruleMessage<Id extends RuleId>(id: Id, input: MessageInput<Id>): string {
  return (rule(id) as unknown as RuleRecord<Id, MessageInput<Id>>).message(input);
}

export function findRule(id: string): RuleRecord | undefined {
  return byId.get(id);
}

/** Whether a page carrying this rule is `unsafe` (never `move`), and why; null for every other rule. */
export function unsafeKind(id: string): UnsafeKind | null {
  return byId.get(id)?.unsafe ?? null;
}

const UNSAFE_WORDS: Record<UnsafeKind, string> = {
  "moves-into-wrong-place":
    "a page this rule fires on is `unsafe`, not `move`: the RFC moves it into the wrong place or the wrong kind of mapping and reports success",
  "crashes-kernel": "a page this rule fires on is `unsafe`, not `move` or `copy`: the call crashes the kernel",
};

/** Markdown documentation of one rule, used by hover, `explain` and the generated rule docs. */
export function explainMarkdown(record: RuleRecord): string {
  const modelList = record.models.join(", ");
  const lines = [
    `### ${record.id} (${record.severity})`,
    "",
    record.title,
    "",
    `**Kernel models:** ${modelList}`,
    "",
    `**What the kernel does:** ${record.condition}. ${record.effect}.`,
    "",
    `**C patterns:** ${record.patterns}`,
    "",
    `**Fix:** ${record.fix}`,
    "",
    `**Confidence:** ${record.tag}`,
  ];
  if (record.unsafe) lines.push("", `**Verdict:** ${UNSAFE_WORDS[record.unsafe]}.`);
  if (record.observed)
    lines.push("", `**On a real kernel** (the RFC ported to Linux 6.1 under QEMU): ${record.observed}.`);
  if (record.notDecidedFromSource) lines.push("", `**Not decided from C source:** ${record.notDecidedFromSource}`);
  return lines.join("\n");
}
