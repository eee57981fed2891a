/**
 * Writes the rule reference the extension ships: dist/docs/index.md and one dist/docs/<RULE-ID>.md per rule of the
 * registry (server/src/rules/index.ts), in the words of server/src/docs/rule-docs.ts, stamped with the package version
 * so the page a diagnostic opens belongs to the installed extension. Run by scripts/build.mjs after the bundles.
 * Usage: node --import tsx scripts/rule-pages.ts [OUT_DIR]   (default dist/docs)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ruleDocMarkdown, ruleIndexMarkdown, rulePageName } from "../server/src/docs/rule-docs";
import { RULES } from "../server/src/rules";

export function writeRulePages(outDir: string, version: string): number {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "index.md"), ruleIndexMarkdown(RULES, version));
  for (const record of RULES)
    writeFileSync(path.join(outDir, rulePageName(record.id)), ruleDocMarkdown(record, version));
  return RULES.length + 1;
}

const root = path.resolve(__dirname, "..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const outDir = path.resolve(process.argv[2] ?? path.join(root, "dist", "docs"));
const written = writeRulePages(outDir, version);
if (!process.argv.includes("--quiet"))
  console.log(`wrote ${written} rule pages to ${path.relative(process.cwd(), outDir)}`);
