/**
 * The on-disk summary cache, `check --shard I/N` and `merge-sarif` (issue 9, points 6 and 8), through the CLI's
 * `main` on copies of the multi-file fixture projects under test/projects (so no cache is ever written in the repo).
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import { DiskSummaryCache, parseShard } from "../../server/src/project/summary-cache";
import { DiskHeaderCache } from "../../server/src/project/header-cache";
import { diskFs, Project, type ProjectFs } from "../../server/src/project/project";
import { loadCLanguage, newParser } from "../../server/src/parsing/parser";
import { mergeSarif } from "../../server/src/cli/merge-sarif";

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

/** `check --format F --project P P …`: the report of one fixture project. */
async function check(project: string, format: string, ...extra: string[]) {
  const result = await cli("check", "--format", format, "--project", project, ...extra, project);
  assert.ok(result.code === 0 || result.code === 1, result.stderr);
  return result.stdout;
}

const shardsOf = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : []);

/** Copies a fixture without the index other tests' `check` runs may have left in it (.cache is git-ignored). */
const copy = (from: string, to: string) =>
  cpSync(from, to, { recursive: true, filter: (source) => !source.split(path.sep).includes(".cache") });

let work: string;
let projects: string[];

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "lens-index-cache-"));
  copy(fixtures, path.join(work, "projects"));
  projects = readdirSync(path.join(work, "projects"))
    .sort()
    .map((name) => path.join(work, "projects", name));
});

describe("summary cache", () => {
  test("cold and warm runs report exactly what an uncached run reports, for every fixture project", async () => {
    assert.ok(projects.length >= 10);
    for (const project of projects) {
      const uncached = await check(project, "json", "--no-cache");
      assert.deepEqual(shardsOf(path.join(project, ".cache", "vmsplice-lens")), [], "--no-cache writes nothing");
      const cold = await check(project, "json");
      const warm = await check(project, "json");
      assert.equal(cold, uncached, path.basename(project));
      assert.equal(warm, uncached, path.basename(project));
    }
    // The default puts the cache in the project, like clangd's .cache/clangd/index; the wrapper's file has a shard.
    const shards = shardsOf(path.join(work, "projects", "wrapper-other-file", ".cache", "vmsplice-lens"));
    assert.ok(
      shards.some((name) => name.startsWith("zc.c.")),
      shards.join(", "),
    );
  });

  test("a warm run reads the shard; a corrupt shard is ignored and rewritten; a changed file misses", async () => {
    const project = mkdtempSync(path.join(work, "trust-"));
    copy(path.join(fixtures, "wrapper-other-file"), project);
    const index = path.join(work, "trust-index");
    const cold = await check(project, "text", "--index-dir", index);
    assert.match(cold, /via zc_gift\(\)/);
    assert.equal(existsSync(path.join(project, ".cache")), false, "--index-dir keeps the project tree clean");
    const shard = path.join(index, shardsOf(index).find((name) => name.startsWith("zc.c.")) ?? "missing");
    const stored = parseShard(readFileSync(shard, "utf8"));
    assert.ok(stored, "the shard is a complete shard");
    // A shard with the right digest is trusted: strip its wrappers and the warm run no longer sees them.
    const stripped = { ...stored, entries: { plain: { ...stored.entries.plain, wrappers: [] } } };
    writeFileSync(shard, JSON.stringify(stripped));
    assert.doesNotMatch(await check(project, "text", "--index-dir", index), /via zc_gift\(\)/);
    // Half a shard (a killed writer) is a miss: the run equals the cold one and the shard is whole again.
    writeFileSync(shard, JSON.stringify(stored).slice(0, 40));
    assert.equal(await check(project, "text", "--index-dir", index), cold);
    assert.deepEqual(parseShard(readFileSync(shard, "utf8")), stored);
    // New content means a new digest: the stripped summary stored under the old digest is not used.
    writeFileSync(shard, JSON.stringify(stripped));
    const source = path.join(project, "src", "zc.c");
    writeFileSync(source, readFileSync(source, "utf8") + "\n/* edited */\n");
    assert.equal(await check(project, "text", "--index-dir", index), await check(project, "text", "--no-cache"));
    assert.match(await check(project, "text", "--index-dir", index), /via zc_gift\(\)/);
  });

  test("an index directory that cannot be made is said once per cache; the report is the uncached one", async () => {
    const project = mkdtempSync(path.join(work, "unwritable-"));
    copy(path.join(fixtures, "header-macro-syscall"), project);
    const blocker = path.join(work, "unwritable-file");
    writeFileSync(blocker, "a file, so no directory can be made under it\n");
    const index = path.join(blocker, "index");
    const result = await cli("check", "--format", "json", "--project", project, "--index-dir", index, project);
    assert.equal(result.stdout, await check(project, "json", "--no-cache"));
    for (const cache of ["index cache", "walk cache", "header cache"])
      assert.match(
        result.stderr,
        new RegExp(`cannot write the ${cache} .*\\(results are not cached\\)`),
        result.stderr,
      );
  });

  test("a walk cache is kept for a run over a directory, not for files named one by one", async () => {
    const project = mkdtempSync(path.join(work, "walks-"));
    copy(path.join(fixtures, "wrapper-other-file"), project);
    const index = path.join(work, "walks-index");
    const walks = () => shardsOf(index).filter((name) => name.startsWith("walk."));
    await cli("check", "--project", project, "--index-dir", index, path.join(project, "src", "zc.c"));
    assert.deepEqual(walks(), [], "a file named alone is read anyway");
    await check(project, "json", "--index-dir", index);
    assert.equal(walks().length, 1);
  });
});

describe("warm runs", () => {
  test("decode no unchanged file: a summary is keyed by the digest of the file's bytes", async () => {
    await loadCLanguage();
    const project = mkdtempSync(path.join(work, "decode-"));
    copy(path.join(fixtures, "wrapper-other-file"), project);
    const index = path.join(work, "decode-index");
    const decoded = new Map<string, number>();
    const counting: ProjectFs = {
      ...diskFs,
      readText: (file) => (decoded.set(file, (decoded.get(file) ?? 0) + 1), diskFs.readText(file)),
    };
    const wrappers = () => {
      const opened = new Project(
        project,
        newParser,
        { summaryCache: new DiskSummaryCache(index), version: "t" },
        counting,
      );
      try {
        return opened.wrappers();
      } finally {
        opened.dispose();
      }
    };
    const source = path.join(project, "src", "zc.c");
    const cold = wrappers();
    assert.ok(cold.length > 0 && (decoded.get(source) ?? 0) > 0, "the cold run decodes the wrapper's file");
    decoded.clear();
    assert.deepEqual(wrappers(), cold);
    assert.equal(decoded.get(source) ?? 0, 0, "the warm run reads its bytes, decodes nothing");
    // A changed file is decoded again (its bytes have another digest).
    writeFileSync(source, readFileSync(source, "utf8") + "\n");
    assert.deepEqual(wrappers(), cold);
    assert.ok((decoded.get(source) ?? 0) > 0);
  });
});

describe("header cache", () => {
  test("a warm run parses no unchanged header; a changed one is parsed again; a corrupt cache is ignored", async () => {
    await loadCLanguage();
    const project = mkdtempSync(path.join(work, "headers-"));
    copy(path.join(fixtures, "header-macro-syscall"), project);
    const index = path.join(work, "headers-index");
    const main = path.join(project, "src", "main.c");
    const header = path.join(project, "include", "rawsplice.h");
    const directive = { spelled: "rawsplice.h", angle: false, line: 0 };
    let parses = 0;
    const counting = (language: Parameters<typeof newParser>[0]) => {
      const parser = newParser(language);
      const parse = parser.parse.bind(parser);
      parser.parse = ((...args: Parameters<typeof parse>) => (parses++, parse(...args))) as typeof parser.parse;
      return parser;
    };
    const unitOf = () => {
      const cache = DiskHeaderCache.inDirectory(index, "t");
      const opened = new Project(project, counting, {
        headerCache: cache,
        includePaths: [path.join(project, "include")],
      });
      try {
        const unit = opened.headersFor(main, [directive]);
        cache.save();
        return { files: unit.headers.map((item) => item.file), definitions: opened.definitionsOf(unit.headers), cache };
      } finally {
        opened.dispose();
      }
    };
    const cold = unitOf();
    assert.deepEqual(cold.files, [header]);
    assert.ok(cold.definitions.length > 0, "the header defines the macros the calls go through");
    assert.ok(parses > 0 && cold.cache.hits === 0);
    parses = 0;
    const warm = unitOf();
    assert.deepEqual(warm.definitions, cold.definitions);
    assert.equal(parses, 0, "the warm run parses no header");
    assert.equal(warm.cache.hits, 1);
    writeFileSync(header, readFileSync(header, "utf8") + "#define EXTRA_NAME 1\n");
    const changed = unitOf();
    assert.ok(parses > 0 && changed.cache.hits === 0, "a changed header is parsed again");
    assert.ok(changed.definitions.some((definition) => definition.name === "EXTRA_NAME"));
    writeFileSync(path.join(index, "headers.json"), '{"schema":1,"entries":{"x":{"includes":[1]}}');
    parses = 0;
    assert.deepEqual(unitOf().definitions, changed.definitions, "a corrupt cache is ignored");
    assert.ok(parses > 0);
  });
});

interface JsonReport {
  files: { path: string; calls: unknown[] }[];
}

describe("--shard I/N", () => {
  test("the shards' reports are disjoint and together are the unsharded report, for every fixture project", async () => {
    for (const project of projects) {
      const whole = (JSON.parse(await check(project, "json", "--no-cache")) as JsonReport).files;
      for (const count of [2, 3]) {
        const parts: JsonReport["files"] = [];
        for (let index = 1; index <= count; index++) {
          const shard = JSON.parse(await check(project, "json", "--no-cache", "--shard", `${index}/${count}`));
          parts.push(...(shard as JsonReport).files);
        }
        const byPath = (list: JsonReport["files"]) =>
          [...list].sort((left, right) => left.path.localeCompare(right.path));
        assert.deepEqual(byPath(parts), byPath(whole), `${path.basename(project)} in ${count} shards`);
      }
    }
  });

  test("the files with calls are dealt evenly; bad shard specifications are usage errors", async () => {
    const project = mkdtempSync(path.join(work, "deal-"));
    for (let index = 0; index < 5; index++)
      writeFileSync(
        path.join(project, `send${index}.c`),
        `#include <sys/uio.h>\nlong send${index}(int fd, struct iovec *iov) { return vmsplice(fd, iov, 1, 0); }\n`,
      );
    writeFileSync(path.join(project, "other.c"), "int other(void) { return 0; }\n");
    const withCalls = async (spec: string) =>
      (JSON.parse(await check(project, "json", "--no-cache", "--shard", spec)) as JsonReport).files
        .filter((file) => file.calls.length > 0)
        .map((file) => path.basename(file.path));
    assert.equal((await withCalls("1/1")).length, 5);
    const first = await withCalls("1/2");
    const second = await withCalls("2/2");
    assert.deepEqual(first, ["send0.c", "send2.c", "send4.c"]);
    assert.deepEqual(second, ["send1.c", "send3.c"]);
    for (const spec of ["0/2", "3/2", "1/0", "x", "1/2/3"]) {
      const result = await cli("check", "--shard", spec, project);
      assert.equal(result.code, 2, spec);
      assert.match(result.stderr, /--shard needs I\/N/);
    }
  });
});

type SarifResult = { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] };
type SarifRun = { results: SarifResult[]; artifacts: { location: { uri: string } }[] };

/** Results with their artifact indexes dropped (merging renumbers them), sorted. */
function normalised(run: SarifRun): string[] {
  const strip = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value, (key, item: unknown) => (key === "index" ? undefined : item)));
  return run.results.map((result) => JSON.stringify(strip(result))).sort();
}

describe("merge-sarif", () => {
  test("two shards' SARIF merged is one run with the unsharded run's results and artifacts", async () => {
    let compared = 0;
    for (const project of projects) {
      const whole = JSON.parse(await check(project, "sarif", "--no-cache"));
      const files = [1, 2].map((index) => path.join(work, `${path.basename(project)}-${index}.sarif`));
      for (const [index, file] of files.entries())
        writeFileSync(file, await check(project, "sarif", "--no-cache", "--shard", `${index + 1}/2`));
      const output = path.join(work, `${path.basename(project)}-merged.sarif`);
      const result = await cli("merge-sarif", ...files, "-o", output);
      assert.equal(result.code, 0, result.stderr);
      const merged = JSON.parse(readFileSync(output, "utf8"));
      assert.equal(merged.runs.length, 1, "one run per tool and category");
      const [run] = merged.runs as SarifRun[];
      assert.deepEqual(normalised(run), normalised(whole.runs[0]));
      const uris = (list: SarifRun["artifacts"]) => list.map((artifact) => artifact.location.uri).sort();
      assert.deepEqual(uris(run.artifacts), uris(whole.runs[0].artifacts));
      // Every index points at the artifact of its own URI after renumbering.
      for (const item of run.results)
        for (const location of item.locations) {
          const artifact = location.physicalLocation.artifactLocation as { uri: string; index?: number };
          if (artifact.index !== undefined) assert.equal(run.artifacts[artifact.index].location.uri, artifact.uri);
        }
      compared += run.results.length;
    }
    assert.ok(compared > 0, "some fixture has SARIF results");
  });

  test("runs of another category stay apart; runs of other settings are refused", () => {
    const run = (category: string | null, kernel: string) => ({
      tool: { driver: { name: "vmsplice-lens" } },
      ...(category ? { automationDetails: { id: category } } : {}),
      properties: { kernel },
      artifacts: [{ location: { uri: "a.c" } }],
      invocations: [{ executionSuccessful: true, toolExecutionNotifications: [] }],
      results: [{ ruleId: "VMS-X", locations: [{ physicalLocation: { artifactLocation: { uri: "a.c", index: 0 } } }] }],
    });
    const log = (...runs: object[]) => ({ version: "2.1.0", runs });
    const merged = mergeSarif([log(run("linux/", "rfc-v2")), log(run("criu/", "rfc-v2"), run("linux/", "rfc-v2"))]);
    const runs = merged.runs as { automationDetails: { id: string }; results: unknown[]; artifacts: unknown[] }[];
    assert.deepEqual(
      runs.map((item) => [item.automationDetails.id, item.results.length, item.artifacts.length]),
      [
        ["linux/", 2, 1],
        ["criu/", 1, 1],
      ],
    );
    assert.throws(() => mergeSarif([log(run(null, "rfc-v2")), log(run(null, "mainline"))]), /other properties/);
    assert.throws(() => mergeSarif([{ runs: [] }]), /not a SARIF 2.1.0 log/);
  });
});
