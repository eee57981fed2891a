/**
 * Writes docs/rules.md from the rule registry (server/src/rules/index.ts lists one module per rule,
 * server/src/rules/<rule-id>.ts), the single source of every rule's words.
 * Usage: node --import tsx scripts/gen-rules-doc.ts [--check]   (--check exits 1 when docs/rules.md is stale)
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RULES } from "../server/src/rules";
import { ruleDocMarkdown } from "../server/src/docs/rule-docs";
import packageJson from "../package.json";

export function rulesDocument(): string {
  const lines = [
    "# vmsplice Lens rules",
    "",
    "Generated from the rule modules `server/src/rules/<rule-id>.ts` (listed in `server/src/rules/index.ts`) by `node --import tsx scripts/gen-rules-doc.ts`; do not edit by hand.",
    "Rule ids are stable: they are the diagnostic code, the SARIF `ruleId`, the fixture folder name and the anchor below.",
    "The words come from the specification (`shared/domain/vmsplice-semantics.md`, sections 4 and 8).",
    "",
    "## Verdicts",
    "",
    "Every call, iovec segment and page gets one verdict per kernel model and page size (CLI text and JSON, hover, code lens):",
    "",
    "| Verdict | Meaning |",
    "|---|---|",
    "| `move` | every delivered page is moved into the reader, and every fact that decides it is known |",
    "| `copy` | no page moves, for a reason that is known (the rule ids on the page) |",
    "| `partial` | some pages move, the others are copied (segments and calls only) |",
    `| \`unsafe\` | the RFC as written moves a page onto the wrong place or into the wrong kind of mapping, or the call crashes the kernel: ${RULES.filter(
      (record) => record.unsafe,
    )
      .map((record) => `[${record.id}](#${record.id.toLowerCase()})`)
      .join(", ")} |`,
    "| `unknown` | a deciding fact is missing, and the analysis names it; any missing fact turns a would-be move into `unknown` |",
    "| `not-delivered` | (pages only) the pipe had no room for the chunk |",
    "",
    "A segment or call with any `unsafe` page is `unsafe`; otherwise any `unknown` page makes it `unknown`.",
    "Mainline models only ever give `copy`.",
    "",
    "| Id | Severity | Kernel models | Decided from C source | Message |",
    "|---|---|---|---|---|",
    ...RULES.map(
      (record) =>
        `| [${record.id}](#${record.id.toLowerCase()}) | ${record.severity} | ${record.models.join(", ")} | ${record.notDecidedFromSource ? "no" : "yes"} | ${record.title.replace(/\|/g, "\\|")} |`,
    ),
    "",
    "## Rules the analyzer cannot decide from C source",
    "",
    ...RULES.filter((record) => record.notDecidedFromSource).map(
      (record) => `- **${record.id}**: ${record.notDecidedFromSource}`,
    ),
    "",
    // Each rule's section is its bundled page (the words a user reads in the editor and in `explain`), one level down.
    ...RULES.flatMap((record) => [
      `<a id="${record.id.toLowerCase()}"></a>`,
      "",
      ruleDocMarkdown(record, packageJson.version)
        .replace(/\n\[All rules\]\(index\.md\)\n*$/, "")
        .replace(/^(#+) /gm, "#$1 ")
        .trimEnd(),
      "",
    ]),
  ];
  return lines.join("\n");
}

if (require.main === module) {
  const target = path.join(__dirname, "..", "docs", "rules.md");
  const content = rulesDocument();
  if (process.argv.includes("--check")) {
    const current = readFileSync(target, "utf8");
    if (current !== content) {
      process.stderr.write("docs/rules.md is stale: run node --import tsx scripts/gen-rules-doc.ts\n");
      process.exit(1);
    }
  } else {
    writeFileSync(target, content);
  }
}
