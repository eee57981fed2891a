// Runs every test file of the given tiers with Node's test runner (TypeScript through tsx) and ends with one summary line.
// Usage: node scripts/run-tests.mjs [tier...]   tiers: unit protocol conformance (default: all three)
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, mkdtempSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ["unit", "protocol", "conformance"];

function collect(dir) {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const files = tiers.flatMap((tier) => collect(path.join(root, "test", tier))).sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const tapFile = path.join(mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-tests-")), "results.tap");
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: "inherit" },
);
const tap = readFileSync(tapFile, "utf8");
const count = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, "m")) || [0, 0])[1]);
console.log(
  `${count("tests")} tests: ${count("pass")} passed, ${count("fail")} failed, ${count("skipped")} skipped, ${count("todo")} todo (${files.length} files)`,
);
process.exit(result.status ?? 1);
