/**
 * Writes docs/rules.md from the rule table (server/src/rules/rule-table.ts), the single source of every rule's words.
 * Usage: node --import tsx scripts/gen-rules-doc.ts [--check]   (--check exits 1 when docs/rules.md is stale)
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { explainMarkdown, RULES } from "../server/src/rules/rule-table";

export function rulesDocument(): string {
  const lines = [
    "# vmsplice Lens rules",
    "",
    "Generated from `server/src/rules/rule-table.ts` by `node --import tsx scripts/gen-rules-doc.ts`; do not edit by hand.",
    "Rule ids are stable: they are the diagnostic code, the SARIF `ruleId`, the fixture folder name and the anchor below.",
    "The words come from the specification (`shared/domain/vmsplice-semantics.md`, sections 4 and 8).",
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
    ...RULES.flatMap((record) => [
      `<a id="${record.id.toLowerCase()}"></a>`,
      "",
      explainMarkdown(record).replace(/^### /, "## "),
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
