// The README's shell examples are run as written (issue 11, point 7: the README's `simulate .../golden/G01.vmsim`
// failed): every `vmsplice-lens ...` line of a ```sh block runs through the built CLI (dist/cli.js) from the repository
// root and must exit 0 or 1 (1 means findings), never 2 (usage or I/O error). The synopsis is a ```text block and is
// not run. Needs `node scripts/build.mjs` first, as the CLI tests do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "cli.js");

/** The command lines of the README's ```sh blocks that call the CLI. */
export function readmeCliExamples(markdown: string): string[] {
  const examples: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm))
    for (const line of block[1].split("\n")) {
      const command = line.replace(/\s+#.*$/, "").trim();
      if (command.startsWith("vmsplice-lens ")) examples.push(command);
    }
  return examples;
}

test("every vmsplice-lens example in the README runs", () => {
  const examples = readmeCliExamples(readFileSync(path.join(root, "README.md"), "utf8"));
  assert.ok(examples.length >= 4, `the README shows CLI examples: ${examples.join(" | ")}`);
  for (const example of examples) {
    const args = example.split(/\s+/).slice(1);
    const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.ok(result.status === 0 || result.status === 1, `${example} exited ${result.status}: ${result.stderr}`);
    assert.ok(result.stdout.trim().length > 0, `${example} printed something`);
  }
});

test("npm run demo starts with the summary and stays short, replaying a call that copies", () => {
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "demo.mjs")], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^vmsplice Lens checked \d+ C files in samples\//);
  assert.match(lines[1], /^ {2}\d+ vmsplice calls: .*copy/);
  assert.ok(lines.length <= 45, `at most about 40 lines, got ${lines.length}`);
  assert.match(result.stdout, /\$ vmsplice-lens simulate samples\/align-src\.c:32/);
  assert.match(result.stdout, /^\s+\d+\s+copied\s/m);
});
