/**
 * Every C program the project ships as an example or a fixture must be real C: this test compiles each one with
 * `gcc -fsyntax-only -Wall` and checks that every sample says, with an expect marker, what the analyzer should report.
 *
 * samples/*.c are held to `-Werror` as well, because they are shown to users and reused by the quick-fix and editor tests;
 * fixtures only have to compile (minimal fixtures may leave a variable unused). Fixtures under a `half-typed/` folder are
 * deliberately broken C and are not compiled. When gcc is missing the compile tests are skipped with a message that says so.
 * This is test code: it runs gcc (with a timeout) and reads files; it never runs the compiled programs.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCParser, parseC } from "../../server/src/parsing/parser";
import { findRule } from "../../server/src/rules";
import { readMarkers } from "./fixture-markers";

const root = path.resolve(__dirname, "..", "..");
const samplesDir = path.join(root, "samples");
const fixturesDir = path.join(root, "test", "fixtures");
const COMPILE_TIMEOUT_MS = 30_000;

function listCFiles(dir: string, recursive: boolean): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return recursive && entry.name !== "half-typed" ? listCFiles(full, true) : [];
      return entry.name.endsWith(".c") ? [full] : [];
    })
    .sort();
}

const samples = listCFiles(samplesDir, false);
const fixtures = listCFiles(fixturesDir, true);
const gccVersion = spawnSync("gcc", ["--version"], { encoding: "utf8", timeout: COMPILE_TIMEOUT_MS });
const gccMissing =
  gccVersion.error || gccVersion.status !== 0
    ? "gcc is not installed (apt-get install gcc libc6-dev); C files were not compiled"
    : false;

interface CompileResult {
  status: number | null;
  output: string;
}

/** Runs gcc on one file; resolves with its exit status and diagnostics, killing it after the timeout. */
function compile(file: string, extraFlags: string[]): Promise<CompileResult> {
  return new Promise((resolve) => {
    const child = spawn("gcc", ["-fsyntax-only", "-Wall", ...extraFlags, file], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\ngcc did not finish within ${COMPILE_TIMEOUT_MS} ms`;
      child.kill("SIGKILL");
    }, COMPILE_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ status: null, output: String(error) });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** Compiles many files a few at a time, so the whole suite takes a couple of seconds instead of one gcc start per file in a row. */
async function compileAll(files: string[], extraFlags: string[]): Promise<Map<string, CompileResult>> {
  const results = new Map<string, CompileResult>();
  const queue = [...files];
  const workers = Array.from({ length: Math.max(2, Math.min(8, os.availableParallelism())) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift())
      results.set(file, await compile(file, extraFlags));
  });
  await Promise.all(workers);
  return results;
}

describe("samples/*.c", () => {
  test("the samples folder has programs", () => {
    assert.ok(samples.length > 0, `no .c files in ${samplesDir}`);
  });

  test("every sample compiles with gcc -fsyntax-only -Wall -Werror", { skip: gccMissing }, async () => {
    const results = await compileAll(samples, ["-Werror"]);
    const failures = samples
      .filter((file) => results.get(file)?.status !== 0)
      .map((file) => `${path.relative(root, file)}:\n${results.get(file)?.output}`);
    assert.deepEqual(failures, [], `samples that do not compile:\n${failures.join("\n")}`);
  });

  test("every sample carries at least one well-formed expect marker", async () => {
    const parser = await createCParser();
    const problems: string[] = [];
    for (const file of samples) {
      const tree = parseC(parser, readFileSync(file, "utf8"));
      assert.ok(tree, `tree-sitter returned no tree for ${file}`);
      const markers = readMarkers(tree);
      const name = path.relative(root, file);
      problems.push(...markers.problems.map((problem) => `${name}: ${problem}`));
      if (!markers.markers.some((marker) => marker.kind === "expect"))
        problems.push(`${name}: no /* expect: ... */ marker`);
      tree.delete();
    }
    parser.delete();
    assert.deepEqual(problems, []);
  });

  test("a sample named after a rule expects that rule, and its fixed counterpart never does", async () => {
    const parser = await createCParser();
    const problems: string[] = [];
    for (const file of samples) {
      const name = path.basename(file, ".c");
      const fixed = name.endsWith("-fixed");
      const ruleId = `VMS-${(fixed ? name.slice(0, -"-fixed".length) : name).toUpperCase()}`;
      if (!findRule(ruleId)) continue;
      const tree = parseC(parser, readFileSync(file, "utf8"));
      assert.ok(tree, `tree-sitter returned no tree for ${file}`);
      const expected = readMarkers(tree)
        .markers.filter((marker) => marker.kind === "expect")
        .flatMap((marker) => marker.values);
      tree.delete();
      if (!fixed && !expected.includes(ruleId)) problems.push(`${name}.c: no expect marker names ${ruleId}`);
      if (fixed && expected.includes(ruleId)) problems.push(`${name}.c: still expects ${ruleId}`);
    }
    parser.delete();
    assert.deepEqual(problems, []);
  });

  test("every fixed sample sits beside the sample it fixes", () => {
    const names = new Set(samples.map((file) => path.basename(file, ".c")));
    const orphans = [...names].filter((name) => name.endsWith("-fixed") && !names.has(name.slice(0, -"-fixed".length)));
    assert.deepEqual(orphans, [], "fixed samples without the sample they fix");
  });
});

describe("test/fixtures/**/*.c", () => {
  test("every fixture outside half-typed/ compiles with gcc -fsyntax-only -Wall", { skip: gccMissing }, async () => {
    assert.ok(fixtures.length > 0, `no .c files under ${fixturesDir}`);
    const results = await compileAll(fixtures, []);
    const failures = fixtures
      .filter((file) => results.get(file)?.status !== 0)
      .map((file) => `${path.relative(root, file)}:\n${results.get(file)?.output}`);
    assert.deepEqual(failures, [], `fixtures that do not compile:\n${failures.join("\n")}`);
  });
});
