/**
 * `check --jobs N` (issue 9, item 6): worker threads read, pre-filter and analyse the files, and the output is the
 * single-thread run's byte for byte, in text, JSON and SARIF, over the fixture projects and a generated tree (one
 * project cut between workers, and many projects), with shards, the summary cache and --no-project; a worker that
 * crashes is survived with the same output; --jobs 0 or junk is a usage error. Through the CLI's `main` in-process
 * (the workers run server/src/cli/check-worker.ts under tsx).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import { generateTree } from "../support/generated-tree";

const fixtures = path.resolve(__dirname, "..", "projects");

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (text) => out.push(text),
    (text) => err.push(text),
  );
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** The run with --jobs 1 and with --jobs 3: both outputs, exit codes and stderr must be the same. */
async function sameWithJobs(...args: string[]): Promise<string> {
  const single = await cli("check", "--jobs", "1", ...args);
  const parallel = await cli("check", "--jobs", "3", ...args);
  assert.ok(single.code === 0 || single.code === 1, single.stderr);
  assert.equal(parallel.stdout, single.stdout, `stdout of ${args.join(" ")}`);
  assert.equal(parallel.stderr, single.stderr, `stderr of ${args.join(" ")}`);
  assert.equal(parallel.code, single.code);
  return single.stdout;
}

let work: string;
/** One project (a root marker at the top): its files are cut between the workers. */
let oneProject: string;
/** No root marker: every directory is a project of its own (as in a tree without .git). */
let manyProjects: string;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "lens-jobs-"));
  cpSync(fixtures, path.join(work, "projects"), {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes(".cache"),
  });
  oneProject = path.join(work, "one");
  generateTree(oneProject, 40);
  writeFileSync(path.join(oneProject, ".vmsplice-lens.json"), "{}\n");
  manyProjects = path.join(work, "many");
  generateTree(manyProjects, 40);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe("check --jobs", () => {
  test("the fixture projects: --jobs 3 prints what --jobs 1 prints, in every format", async () => {
    const projects = path.join(work, "projects");
    for (const format of ["text", "json", "sarif"]) {
      const output = await sameWithJobs("--no-cache", "--format", format, projects);
      if (format === "text") assert.match(output, /vmsplice calls in \d+ files/);
    }
  });

  test("a generated tree of 40 files, one project or many, in every format, with shards", async () => {
    for (const tree of [oneProject, manyProjects]) {
      for (const format of ["text", "json", "sarif"]) {
        const output = await sameWithJobs("--no-cache", "--max-file-size", "100000", "--format", format, tree);
        if (format === "json") {
          const files = (JSON.parse(output) as { files: { path: string }[] }).files.map((file) => file.path);
          assert.equal(files.length, 44, "every file reported");
          assert.deepEqual(files, [...files].sort(), "in the run's sorted order");
        }
      }
      const text = await sameWithJobs("--no-cache", "--max-file-size", "100000", tree);
      assert.match(text, /-> move/);
      // In one project, every worker given a part of it finds the wrapper lib/helpers.c defines.
      if (tree === oneProject) assert.match(text, /via gen_gift\(\)/);
      assert.match(text, /big\.c: note: skipped: file is \d+ bytes/);
      assert.match(text, /blob\.c: note: skipped: binary file/);
      for (const shard of ["1/3", "2/3", "3/3"]) await sameWithJobs("--no-cache", "--shard", shard, tree);
    }
    await sameWithJobs("--no-project", "--format", "json", manyProjects);
  });

  test("the summary cache: a cold run with --jobs 3 and a warm one print the uncached single-thread output", async () => {
    const index = path.join(work, "index");
    const uncached = await cli("check", "--jobs", "1", "--no-cache", "--format", "sarif", oneProject);
    const cold = await cli("check", "--jobs", "3", "--index-dir", index, "--format", "sarif", oneProject);
    const warm = await cli("check", "--jobs", "3", "--index-dir", index, "--format", "sarif", oneProject);
    const warmSingle = await cli("check", "--jobs", "1", "--index-dir", index, "--format", "sarif", oneProject);
    assert.equal(cold.stdout, uncached.stdout);
    assert.equal(warm.stdout, uncached.stdout);
    assert.equal(warmSingle.stdout, uncached.stdout);
  });

  test("a worker that crashes: its files are done again on the main thread, with the same output", async () => {
    process.env.VMSPLICE_LENS_TEST_WORKER_CRASH = "f0008.c";
    try {
      await sameWithJobs("--no-cache", "--format", "json", oneProject);
      await sameWithJobs("--no-cache", manyProjects);
    } finally {
      delete process.env.VMSPLICE_LENS_TEST_WORKER_CRASH;
    }
  });

  test("--jobs 0, a negative number or junk is a usage error (exit 2) that says what --jobs takes", async () => {
    for (const value of ["0", "-1", "two", "2.5", ""]) {
      const result = await cli("check", "--jobs", value, oneProject);
      assert.equal(result.code, 2, value);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /--jobs needs a whole number of worker threads, 1 or more/, value);
      assert.match(result.stderr, /usage:/);
    }
    const missing = await cli("check", oneProject, "--jobs");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /option --jobs needs a value/);
    const inline = await cli("check", "--jobs=2", "--no-cache", path.join(oneProject, "lib"));
    assert.equal(inline.code, 0, inline.stderr);
    assert.match(inline.stdout, /in 3 files/);
  });

  test("--help names --jobs", async () => {
    assert.match((await cli("--help")).stdout, /\[--jobs N\]/);
  });
});
