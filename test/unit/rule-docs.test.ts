// The rule reference a user reads (issue 11, point 1): a page per rule of the registry, written by the build into
// dist/docs/ (shipped in the .vsix and opened from each diagnostic's code link), free of the specification's internal
// words; and the terminal rendering of `explain`, free of markdown syntax.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  ruleDocMarkdown,
  ruleDocTerminal,
  ruleIndexMarkdown,
  rulePageName,
  withoutScenarioNumbers,
  withoutTags,
} from "../../server/src/docs/rule-docs";
import { RULES } from "../../server/src/rules";

const root = path.resolve(__dirname, "..", "..");
const JARGON = /Confidence|\[CODE\]|\[DERIVED\]|\[BUG\?\]|\[DOC|\bG\d\d\b|Not decided from C source|VERIFIED/;

test("scenario numbers of the oracle are dropped from user-facing text", () => {
  assert.equal(withoutScenarioNumbers("confirmed (G06, G07): chunks are copied"), "confirmed: chunks are copied");
  assert.equal(withoutScenarioNumbers("confirmed (G26)."), "confirmed.");
  assert.equal(
    withoutTags("pipe keeps the old bytes **[VERIFIED 6.18: fork child alive]**."),
    "pipe keeps the old bytes (checked on Linux 6.18: fork child alive).",
  );
});

test("every rule has a page with its title, the version, what the kernel does and the fix, and no internal jargon", () => {
  for (const record of RULES) {
    const page = ruleDocMarkdown(record, "9.9.9");
    assert.ok(page.startsWith(`# ${record.id}: ${record.title}\n`), record.id);
    assert.match(page, /vmsplice Lens 9\.9\.9/);
    assert.match(page, /^## What the kernel does$/m);
    assert.match(page, /^## How to fix it$/m);
    assert.doesNotMatch(page, JARGON, `${record.id}:\n${page}`);
    const terminal = ruleDocTerminal(record, "9.9.9", { width: 80 });
    assert.doesNotMatch(terminal, /`|\*\*|^#|\]\(|\u001b/m, record.id);
    assert.doesNotMatch(terminal, JARGON, record.id);
    assert.ok(
      terminal.split("\n").every((line) => line.length <= 80 || !line.includes(" ")),
      record.id,
    );
  }
  const index = ruleIndexMarkdown(RULES, "9.9.9");
  for (const record of RULES) assert.ok(index.includes(`[${record.id}](${rulePageName(record.id)})`), record.id);
});

test("the build wrote the pages the extension ships and links to", () => {
  const docs = path.join(root, "dist", "docs");
  assert.ok(existsSync(path.join(docs, "index.md")), "run node scripts/build.mjs first");
  const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version as string;
  for (const record of RULES) {
    const file = path.join(docs, rulePageName(record.id));
    assert.ok(existsSync(file), file);
    assert.equal(readFileSync(file, "utf8"), ruleDocMarkdown(record, version));
  }
  const ignore = readFileSync(path.join(root, ".vscodeignore"), "utf8").split("\n");
  for (const shipped of ["!dist/docs/*.md", "!images/icon.png", "!dist/tree-sitter-cpp.wasm"])
    assert.ok(ignore.includes(shipped), `.vscodeignore ships ${shipped}`);
});
