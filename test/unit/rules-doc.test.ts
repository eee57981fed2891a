/** docs/rules.md is generated from the rule table; this keeps the two from drifting apart. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { rulesDocument } from "../../scripts/gen-rules-doc";
import { RULES } from "../../server/src/rules/rule-table";

test("docs/rules.md matches the rule table", () => {
  const current = readFileSync(path.join(__dirname, "..", "..", "docs", "rules.md"), "utf8");
  assert.equal(current, rulesDocument(), "run: node --import tsx scripts/gen-rules-doc.ts");
});

test("every rule of the specification's index is in the table, with an anchor", () => {
  const document = rulesDocument();
  assert.ok(RULES.length >= 48);
  for (const record of RULES) assert.ok(document.includes(`<a id="${record.id.toLowerCase()}"></a>`), record.id);
});
