/**
 * A rule lives in one place (STYLE.md section 2): one module per rule under server/src/rules/, listed in the registry.
 * This checks that every module is registered under its own file name, that every registered rule has its words (docs,
 * message), a decision hook that names code which mentions it, fixtures that trigger it with goldens beside them, and an
 * entry in docs/rules.md; and that the generated docs are current. The fixtures themselves are run by fixtures.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { rulesDocument } from "../../scripts/gen-rules-doc";
import { RULES, findRule, isRuleId, rule } from "../../server/src/rules";

const root = path.resolve(__dirname, "..", "..");
const rulesDir = path.join(root, "server", "src", "rules");
const fixturesDir = path.join(root, "test", "fixtures");

/** Rules whose findings need more than the per-rule golden harness; each names where it is tested instead. */
const TESTED_ELSEWHERE: ReadonlyMap<string, string> = new Map([
  [
    "VMS-SUPPRESSION",
    "test/unit/server-suppressions.test.ts (the finding comes from the suppression pass, not the engine)",
  ],
]);

test("every rule module is registered, under the file named after its id", () => {
  const modules = readdirSync(rulesDir)
    .filter((name) => name.startsWith("vms-") && name.endsWith(".ts"))
    .map((name) => name.replace(/\.ts$/, ""))
    .sort();
  assert.deepEqual(modules, RULES.map((record) => record.id.toLowerCase()).sort());
  assert.equal(new Set(RULES.map((record) => record.id)).size, RULES.length, "rule ids are unique");
  assert.ok(RULES.length >= 48, "every rule of the specification's index is registered");
});

test("ids resolve through the registry", () => {
  for (const record of RULES) {
    assert.equal(findRule(record.id), record);
    assert.ok(isRuleId(record.id));
    assert.equal(rule(record.id), record);
  }
  assert.equal(findRule("VMS-NOT-A-RULE"), undefined);
  assert.throws(() => rule("VMS-NOT-A-RULE" as never));
});

test("every rule has its words, and a rule decided from source composes its own message in its module", () => {
  for (const record of RULES) {
    for (const field of ["title", "condition", "effect", "patterns", "fix", "tag"] as const)
      assert.ok(record[field].trim().length > 0, `${record.id}: ${field}`);
    assert.ok(record.models.length > 0, `${record.id}: models`);
    if (record.notDecidedFromSource !== null) continue;
    // The message lives beside the rule's other words, never composed inline in the engine.
    const source = readFileSync(path.join(rulesDir, `${record.id.toLowerCase()}.ts`), "utf8");
    assert.match(source, /\n {2}message: /, `${record.id}: the module defines its message`);
  }
});

test("every rule decided from source names where it is decided, and that code mentions the id", () => {
  for (const record of RULES) {
    if (record.notDecidedFromSource !== null) continue;
    assert.ok(record.decidedIn.length > 0, `${record.id}: decidedIn`);
    for (const place of record.decidedIn) {
      const [file, name] = place.split(" ");
      const source = readFileSync(path.join(root, "server", "src", file), "utf8");
      assert.ok(source.includes(`"${record.id}"`), `${record.id}: ${file} mentions the id`);
      const method = name?.split(".").pop() ?? "";
      assert.ok(new RegExp(`\\b${method}\\(`).test(source), `${record.id}: ${file} defines ${name}`);
    }
  }
});

test("every rule decided from source has fixtures with goldens, and an invalid one whose golden has its finding", () => {
  const problems: string[] = [];
  for (const record of RULES) {
    if (record.notDecidedFromSource !== null || TESTED_ELSEWHERE.has(record.id)) continue;
    for (const kind of ["invalid", "valid"] as const) {
      const dir = path.join(fixturesDir, record.id, kind);
      const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".c")) : [];
      if (files.length === 0) problems.push(`${record.id}/${kind}: no fixture`);
      const goldens = files.map((file) => path.join(dir, file.replace(/\.c$/, ".expected.json")));
      for (const golden of goldens)
        if (!existsSync(golden)) problems.push(`${path.relative(fixturesDir, golden)}: no golden`);
      // The goldens record what fires (fixtures.test.ts compares them with the analyzer): some invalid fixture must
      // have a finding of this rule.
      const fires = goldens.some((golden) => {
        if (!existsSync(golden)) return false;
        const findings = (JSON.parse(readFileSync(golden, "utf8")) as { findings?: { rule: string }[] }).findings;
        return (findings ?? []).some((finding) => finding.rule === record.id);
      });
      if (kind === "invalid" && files.length > 0 && !fires) problems.push(`${record.id}/invalid: no golden finding`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the rules tested elsewhere are tested there", () => {
  for (const [id, where] of TESTED_ELSEWHERE) {
    const file = where.split(" ")[0];
    const source = readFileSync(path.join(root, file), "utf8");
    assert.ok(source.includes(id) || source.includes("SUPPRESSION_RULE"), `${id}: ${where}`);
  }
});

test("docs/rules.md is generated from the registry and current, with an anchor per rule", () => {
  const current = readFileSync(path.join(root, "docs", "rules.md"), "utf8");
  assert.equal(current, rulesDocument(), "run: node --import tsx scripts/gen-rules-doc.ts");
  for (const record of RULES) {
    assert.ok(current.includes(`<a id="${record.id.toLowerCase()}"></a>`), record.id);
    assert.ok(current.includes(record.title.replace(/\|/g, "\\|")), `${record.id}: title`);
  }
});
