/**
 * Project-aware analysis: each directory under test/projects/ is a small project of our own whose calls are decided
 * by facts in headers (a header wrapper, flags macros, a header found only through compile_commands.json with a decoy
 * of the same name elsewhere, a header found only heuristically, a header with per-configuration definitions). Every
 * call line carries a `verdict:` marker, checked through the CLI's `check --format json` in-process.
 *
 * Alone: `node --import tsx --test test/unit/project.test.ts`.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import {
  languageOf,
  loadCLanguage,
  loadCppLanguage,
  newCParser,
  newParser,
  parseC,
} from "../../server/src/parsing/parser";
import { readMarkers } from "./fixture-markers";
import type { IncludeDirective } from "../../server/src/analysis/includes";
import {
  callOccurs,
  CompileDatabase,
  diskFs,
  findProjectRoot,
  INDEX_PENDING,
  Project,
  readUnitHeaders,
  runSteps,
  searchWords,
  splitCommand,
} from "../../server/src/project/project";
import { Engine } from "../../server/src/engine/engine";
import { hoverPlainText } from "../../server/src/protocol/hover";

const projectsDir = path.resolve(__dirname, "..", "projects");
const projects = readdirSync(projectsDir).sort();

interface JsonCall {
  line: number;
  verdict: string;
  missing?: string[];
}
interface JsonReport {
  files: { path: string; calls: JsonCall[]; findings: { related: { file?: string; line: number }[] }[] }[];
}

async function check(args: string[]): Promise<JsonReport> {
  let output = "";
  const code = await main(
    ["check", "--format", "json", ...args],
    (text) => (output += text),
    () => {},
  );
  assert.ok(code === 0 || code === 1, `exit code ${code}`);
  return JSON.parse(output) as JsonReport;
}

/** The C and C++ sources of a project fixture (headers are read through them). */
function cFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".c") || name.endsWith(".cpp"))
    .map((name) => path.join(dir, name))
    .sort();
}

describe("project fixtures: verdicts decided by facts in other files", () => {
  before(async () => {
    await loadCppLanguage();
  });
  for (const name of projects) {
    test(name, async () => {
      const dir = path.join(projectsDir, name);
      const report = await check([dir]);
      let checked = 0;
      for (const file of cFiles(dir)) {
        const text = readFileSync(file, "utf8");
        const parser = newParser(languageOf(file));
        const tree = parseC(parser, text);
        parser.delete();
        assert.ok(tree);
        const { markers, problems } = readMarkers(tree);
        tree.delete();
        assert.deepEqual(problems, []);
        const calls = report.files.find((entry) => path.resolve(entry.path) === file)?.calls ?? [];
        for (const marker of markers.filter((item) => item.kind === "verdict")) {
          const call = calls.find((item) => item.line === marker.line + 1);
          assert.ok(call, `${path.relative(dir, file)}:${marker.line + 1}: no call reported`);
          assert.equal(
            call.verdict,
            marker.values[0],
            `${path.relative(dir, file)}:${marker.line + 1}: ${JSON.stringify(call.missing ?? [])}`,
          );
          checked++;
        }
      }
      assert.ok(checked > 0, "a project fixture must carry verdict markers");
    });
  }

  test("every project compiles with its own flags (the fixtures are real C)", (context) => {
    const gcc = spawnSync("gcc", ["--version"]);
    if (gcc.status !== 0) return context.skip("gcc is not installed");
    for (const name of projects) {
      const dir = path.join(projectsDir, name);
      const database = new CompileDatabase(
        path.join(dir, "compile_commands.json"),
        readFileSafe(path.join(dir, "compile_commands.json")),
      );
      for (const file of cFiles(dir)) {
        const flags = database.flagsFor(file);
        // Without a database the build of these fixtures passes the project's include/ directory, as a Makefile would.
        const dirs = flags?.include ?? [path.join(dir, "include")];
        const includes = dirs.flatMap((include) => ["-I", include]);
        const compiler = file.endsWith(".cpp") ? "g++" : "gcc";
        if (spawnSync(compiler, ["--version"]).status !== 0) continue;
        const result = spawnSync(compiler, ["-fsyntax-only", "-Wall", "-Werror", ...includes, file], {
          encoding: "utf8",
        });
        assert.equal(result.status, 0, `${name}: ${result.stderr}`);
      }
    }
  });

  test("--no-project reads each file alone: the header wrapper's callers are not found", async () => {
    const alone = await check(["--no-project", path.join(projectsDir, "header-wrapper", "src")]);
    assert.deepEqual(
      alone.files.flatMap((file) => file.calls),
      [],
    );
    const together = await check([path.join(projectsDir, "header-wrapper", "src")]);
    assert.equal(together.files.flatMap((file) => file.calls).length, 2);
  });

  test("a finding about a fact in a header points at the header", async () => {
    const report = await check([path.join(projectsDir, "header-config")]);
    const main = report.files.find((file) => file.path.endsWith("main.c"));
    assert.ok(main);
    const unknown = main.calls[0];
    assert.match(
      unknown.missing?.join("\n") ?? "",
      /CFG_FLAGS has 2 definitions that disagree \(config\.h:4, config\.h:6\)/,
    );
  });

  test("a heuristic header never gives move, and the unknown says what would confirm it", async () => {
    const report = await check([path.join(projectsDir, "heuristic-include")]);
    const calls = report.files.flatMap((file) => file.calls);
    assert.ok(calls.every((call) => call.verdict !== "move"));
    assert.match(
      calls[0].missing?.join("\n") ?? "",
      /found only by searching include\/ directories.*-I or a compile database/,
    );
    const confirmed = await check([
      "-I",
      path.join(projectsDir, "heuristic-include", "include"),
      path.join(projectsDir, "heuristic-include"),
    ]);
    assert.equal(confirmed.files.flatMap((file) => file.calls)[0].verdict, "move");
  });
});

function quoted(spelled: string): IncludeDirective {
  return { spelled, angle: false, line: 0 };
}

function readFileSafe(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

describe("project layer", () => {
  test("the root is the nearest ancestor with a marker, else the directory given", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lens-root-"));
    mkdirSync(path.join(dir, "a", "b"), { recursive: true });
    writeFileSync(path.join(dir, "a", "compile_flags.txt"), "-Iinc\n");
    writeFileSync(path.join(dir, "a", "b", "x.c"), "int x;\n");
    assert.equal(findProjectRoot(path.join(dir, "a", "b", "x.c")), path.join(dir, "a"));
    const bare = mkdtempSync(path.join(os.tmpdir(), "lens-bare-"));
    assert.equal(findProjectRoot(bare), bare);
    // With a shared marker cache each directory's markers are looked at once, with the same answers.
    const markers = new Map<string, string | null>();
    let looks = 0;
    const counting = { ...diskFs, isFile: (file: string) => (looks++, diskFs.isFile(file)) };
    assert.equal(findProjectRoot(path.join(dir, "a", "b", "x.c"), counting, markers), path.join(dir, "a"));
    const first = looks;
    assert.equal(findProjectRoot(path.join(dir, "a", "b", "y.c"), counting, markers), path.join(dir, "a"));
    assert.equal(looks, first);
    assert.equal(findProjectRoot(bare, counting, markers), bare);
  });

  test("compile commands are split as a shell splits them", () => {
    assert.deepEqual(splitCommand(`cc -I"my dir" -DNAME='a b' -c x.c`), ["cc", "-Imy dir", "-DNAME=a b", "-c", "x.c"]);
    assert.deepEqual(splitCommand(`cc -I my\\ dir  x.c`), ["cc", "-I", "my dir", "x.c"]);
  });

  test("a broken compile database is a problem named, not a crash", () => {
    const database = new CompileDatabase("/p/compile_commands.json", "{ not json");
    assert.equal(database.size, 0);
    assert.match(database.problems[0], /not valid JSON/);
  });

  test("include cycles end, the depth limit is named with its chain", async () => {
    await loadCLanguage();
    const dir = mkdtempSync(path.join(os.tmpdir(), "lens-cycle-"));
    writeFileSync(path.join(dir, ".vmsplice-lens.json"), "{}");
    writeFileSync(path.join(dir, "a.h"), '#include "b.h"\n#define A 1\n');
    writeFileSync(path.join(dir, "b.h"), '#include "a.h"\n#define B 2\n');
    for (let index = 0; index < 5; index++)
      writeFileSync(path.join(dir, `d${index}.h`), `#include "d${index + 1}.h"\n`);
    writeFileSync(path.join(dir, "d5.h"), "#define DEEP 1\n");
    const project = new Project(dir, newCParser, { maxDepth: 3 });
    try {
      const cycle = project.headersFor(path.join(dir, "m.c"), [quoted("a.h")]);
      assert.deepEqual(
        cycle.headers.map((header) => path.basename(header.file)),
        ["a.h", "b.h"],
      );
      const deep = project.headersFor(path.join(dir, "m.c"), [quoted("d0.h")]);
      assert.equal(deep.headers.length, 3);
      assert.match(deep.limits[0], /include depth limit 3 reached at m\.c → d0\.h → d1\.h → d2\.h → d3\.h/);
      const missing = project.headersFor(path.join(dir, "m.c"), [
        quoted("nowhere.h"),
        { spelled: "stdio.h", angle: true, line: 1 },
      ]);
      assert.deepEqual(missing.unresolved, ["nowhere.h"]);
    } finally {
      project.dispose();
    }
  });

  test("a file read with its project is extracted once per analysis, also once its callers elsewhere are known", async () => {
    await loadCLanguage();
    const dir = path.join(projectsDir, "callers-elsewhere");
    const file = path.join(dir, "src", "push.c");
    const project = new Project(findProjectRoot(file), newParser);
    const engine = new Engine(newParser);
    try {
      const text = readFileSync(file, "utf8");
      const analyse = (content: string) => {
        engine.setText(file, content);
        readUnitHeaders(engine, file, file, content, project);
        return engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
      };
      analyse(text);
      const before = engine.statistics.extracted;
      // Two more analyses after edits: one extraction each (the project facts handed over are the same).
      analyse(text + "\n");
      const result = analyse(text + "\n\n");
      assert.equal(engine.statistics.extracted - before, 2);
      assert.match(result.calls[0].missing.join("\n"), /callers of push_pages\(\) pass different values for flags/);
    } finally {
      engine.dispose();
      project.dispose();
    }
  });
});

describe("the stepped project index (the language server builds it in slices)", () => {
  test("the stepped build finds what the on-demand index finds, and says how far it is in files", async () => {
    await loadCLanguage();
    for (const name of ["pipe-helper-two-hops", "wrapper-other-file", "struct-field-elsewhere", "syscall-table"]) {
      const root = path.join(projectsDir, name);
      const stepped = new Project(root, newParser);
      const direct = new Project(root, newParser);
      try {
        assert.equal(stepped.indexed, false);
        const messages: string[] = [];
        const steps = stepped.indexSteps();
        for (let step = steps.next(); !step.done; step = steps.next()) messages.push(step.value);
        assert.equal(stepped.indexed, true, name);
        assert.deepEqual(stepped.wrappers(), direct.wrappers(), name);
        assert.deepEqual(stepped.pipeFillers(), direct.pipeFillers(), name);
        assert.deepEqual(stepped.fieldFills(), direct.fieldFills(), name);
        assert.deepEqual(stepped.triggerWords(), direct.triggerWords(), name);
        assert.deepEqual(stepped.syscallTable(), direct.syscallTable(), name);
        const files = direct.sourceFiles().length + direct.headerFiles().length;
        assert.ok(messages.includes(`${files} of ${files} files`), `${name}: ${messages.join(" | ")}`);
        const status = stepped.status();
        assert.equal(status.state, "ready");
        assert.equal(typeof status.buildMs, "number");
        assert.equal(status.sourceFiles, direct.sourceFiles().length);
      } finally {
        stepped.dispose();
        direct.dispose();
      }
    }
  });

  test("a file changed during a stepped build leaves the index not built (the build stores nothing stale)", async () => {
    await loadCLanguage();
    const project = new Project(path.join(projectsDir, "pipe-helper-two-hops"), newParser);
    try {
      const steps = project.indexSteps();
      // The file changes while the pipe fillers are being joined from what was read.
      for (let step = steps.next(); !step.done && !step.value.includes("pipe fillers");) step = steps.next();
      project.invalidate(path.join(projectsDir, "pipe-helper-two-hops", "lib", "safe.c"));
      runSteps(steps);
      assert.equal(project.indexed, false);
      runSteps(project.indexSteps());
      assert.equal(project.indexed, true);
    } finally {
      project.dispose();
    }
  });

  test("while the index is being built, every call waits for it: unknown, with the index named as the missing fact", async () => {
    await loadCLanguage();
    const root = path.join(projectsDir, "pipe-helper-two-hops");
    const file = path.join(root, "tests", "gift.c");
    const project = new Project(root, newParser);
    const engine = new Engine(newParser);
    try {
      const text = readFileSync(file, "utf8");
      engine.setText(file, text);
      readUnitHeaders(engine, file, file, text, project, true);
      const pending = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
      assert.equal(pending.calls.length, 2);
      for (const call of pending.calls) {
        assert.equal(call.verdict, "unknown");
        assert.ok(call.missing.includes(INDEX_PENDING), call.missing.join("\n"));
      }
      // Nothing of the index was computed for it.
      assert.equal(project.indexed, false);
      runSteps(project.indexSteps());
      readUnitHeaders(engine, file, file, text, project);
      const judged = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
      assert.deepEqual(
        judged.calls.map((call) => call.verdict),
        ["move", "move"],
      );
    } finally {
      engine.dispose();
      project.dispose();
    }
  });
});

describe("judged while the project index is being built", () => {
  test("a call decided by the file's own facts keeps its verdict; one whose callers may be elsewhere waits", async () => {
    await loadCLanguage();
    const root = path.join(projectsDir, "callers-elsewhere");
    const file = path.join(root, "src", "push.c");
    const project = new Project(root, newParser);
    const engine = new Engine(newParser);
    try {
      const text = readFileSync(file, "utf8");
      engine.setText(file, text);
      readUnitHeaders(engine, file, file, text, project, true);
      const pending = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
      const byLine = new Map(pending.calls.map((call) => [call.call.range.start.line + 1, call]));
      const lineOf = (needle: string) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;
      // push_pages has external linkage: its in-file gift caller does not decide it before the index says who else calls.
      const pages = byLine.get(lineOf("verdict: unknown"));
      assert.equal(pages?.verdict, "unknown");
      assert.match(
        pages?.missing.join("\n") ?? "",
        /callers in other files are not known yet: the project index is still being built/,
      );
      assert.ok(pages?.missing.includes(INDEX_PENDING));
      // push_local is static: its callers are all here, and it moves without the index.
      const local = byLine.get(lineOf("verdict: move"));
      assert.equal(local?.verdict, "move");
      assert.ok(!local?.missing.includes(INDEX_PENDING));
    } finally {
      engine.dispose();
      project.dispose();
    }
  });
});

describe("byte-level pre-filters of the project index", () => {
  test("callOccurs finds a call of the whole identifier, across blanks, and nothing else", () => {
    assert.equal(callOccurs("int r = pipe(fds);", "pipe"), true);
    assert.equal(callOccurs("if (pipe2 \n (p, 0))", "pipe2"), true);
    assert.equal(callOccurs("struct drm_pipe pipe; pipe->x = 1; usb_rcvbulkpipe(d, 1);", "pipe"), false);
    assert.equal(callOccurs("pipe2(p, 0)", "pipe"), false);
    assert.equal(callOccurs("", "pipe"), false);
  });
  test("searchWords keeps the words whose absence proves the others absent", () => {
    assert.deepEqual(searchWords(["vmsplice", "sys_vmsplice", "__NR_vmsplice", "my_wrap", "vmsplice"]), [
      "vmsplice",
      "my_wrap",
    ]);
    assert.deepEqual(searchWords(["splice", "vmsplice", "SPLICE"]), ["splice", "SPLICE"]);
  });
});

describe("syscall tables (*.tbl): vmsplice's entry points and number", () => {
  const fixture = path.join(projectsDir, "syscall-table");
  const tableFile = path.join(fixture, "arch", "x86", "syscalls", "syscall_64.tbl");
  const callLines = (report: JsonReport, name: string) =>
    report.files.find((file) => file.path.endsWith(name))?.calls.map((call) => call.line) ?? [];
  /** A copy of the fixture to change (the fixture itself is never touched). */
  const copy = (): string => {
    const root = mkdtempSync(path.join(os.tmpdir(), "lens-tbl-"));
    for (const name of readdirSync(fixture, { recursive: true, encoding: "utf8" })) {
      const from = path.join(fixture, name);
      if (!diskFs.isFile(from)) continue;
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), readFileSync(from));
    }
    return root;
  };

  test("only the table's entry points and number are calls: not a look-alike name, not splice's number", async () => {
    const report = await check([fixture]);
    // entry.c:29 calls x32_sys_vmsplice (no row names it); number.c:28 is syscall(275, …), splice in the table.
    assert.deepEqual(callLines(report, "entry.c"), [22, 25, 27]);
    assert.deepEqual(callLines(report, "number.c"), [24, 26]);
    const entry = report.files.find((file) => file.path.endsWith("entry.c"));
    const unknown = entry?.calls.find((call) => call.line === 25);
    assert.deepEqual(unknown?.missing, ["compat_sys_vmsplice is vmsplice by arch/x86/syscalls/syscall_64.tbl:6"]);
    // The row is related information of the call's findings, in the table's own file.
    const related = entry?.findings.flatMap((finding) => finding.related) ?? [];
    assert.ok(related.some((item) => item.file === tableFile && item.line === 6));
  });

  test("tables that disagree on the number leave syscall(N, …) unreported; the entry points stay", async () => {
    const root = copy();
    writeFileSync(path.join(root, "arch", "x86", "syscalls", "syscall_32.tbl"), "316\ti386\tvmsplice\tsys_vmsplice\n");
    const report = await check([root]);
    assert.deepEqual(callLines(report, "number.c"), []);
    assert.deepEqual(callLines(report, "entry.c"), [22, 25, 27]);
  });

  test("an entry point the project defines as a function (or the unit as a macro) is that, not vmsplice", async () => {
    const root = copy();
    writeFileSync(
      path.join(root, "src", "compat.c"),
      '#include "../include/entry.h"\nlong compat_sys_vmsplice(int fd, const struct iovec *iov, unsigned long n, unsigned int flags)\n{\n    return fd + (long)n + (long)flags + (iov != 0);\n}\n',
    );
    const report = await check([root]);
    assert.deepEqual(callLines(report, "entry.c"), [22]);
    // A macro of that name in the unit is what the call expands to, not the entry point either.
    const other = copy();
    const entry = path.join(other, "src", "entry.c");
    writeFileSync(
      entry,
      readFileSync(entry, "utf8").replace(
        '#include "../include/entry.h"\n',
        '#include "../include/entry.h"\n#define compat_sys_vmsplice(fd, iov, n, fl) x32_sys_vmsplice(fd, iov, n, fl)\n',
      ),
    );
    assert.deepEqual(callLines(await check([other]), "entry.c"), [23]);
  });

  test("the CLI and the engine read with its project agree; a changed table is read again once invalidated", async () => {
    await loadCLanguage();
    const root = copy();
    const report = await check([root]);
    const project = new Project(root, newParser);
    const engine = new Engine(newParser);
    try {
      for (const name of ["entry.c", "number.c"]) {
        const file = path.join(root, "src", name);
        const text = readFileSync(file, "utf8");
        engine.setText(file, text);
        readUnitHeaders(engine, file, file, text, project);
        const analysis = engine.analysis(file, { kernel: "rfc-v2", pageSize: 4096 });
        const verdicts = analysis.calls.map((call) => [call.call.range.start.line + 1, call.verdict]);
        const cli = report.files
          .find((entry) => entry.path.endsWith(name))
          ?.calls.map((call) => [call.line, call.verdict]);
        assert.deepEqual(verdicts, cli, name);
        // The hover says the callee is vmsplice by a table row, and which row.
        const compat = analysis.calls.find((call) => call.call.wrapperName === "compat_sys_vmsplice");
        if (compat) {
          const hover = hoverPlainText(compat, compat.call.range.startIndex);
          assert.match(hover, /compat_sys_vmsplice \(vmsplice by a row of the project's syscall table\)/);
          assert.match(hover, /compat_sys_vmsplice is vmsplice by arch\/x86\/syscalls\/syscall_64\.tbl:6/);
        } else assert.equal(name, "number.c");
      }
      assert.deepEqual(project.status().syscallTables, [
        "sys_vmsplice (arch/x86/syscalls/syscall_64.tbl:6)",
        "compat_sys_vmsplice (arch/x86/syscalls/syscall_64.tbl:6)",
        "syscall 278 (arch/x86/syscalls/syscall_64.tbl:6)",
      ]);
      // The same rows read again keep the object the engine has; other rows give other facts.
      const before = project.syscallTable();
      const table = path.join(root, "arch", "x86", "syscalls", "syscall_64.tbl");
      project.invalidate(table);
      assert.equal(project.syscallTable(), before);
      writeFileSync(table, "279\tcommon\tvmsplice\tsys_vmsplice\n");
      project.invalidate(table);
      assert.notEqual(project.syscallTable(), before);
      assert.deepEqual(project.status().syscallTables, [
        "sys_vmsplice (arch/x86/syscalls/syscall_64.tbl:1)",
        "syscall 279 (arch/x86/syscalls/syscall_64.tbl:1)",
      ]);
      const file = path.join(root, "src", "entry.c");
      const text = readFileSync(file, "utf8");
      readUnitHeaders(engine, file, file, text, project);
      const lines = engine
        .analysis(file, { kernel: "rfc-v2", pageSize: 4096 })
        .calls.map((call) => call.call.range.start.line + 1);
      assert.deepEqual(lines, [22]);
    } finally {
      engine.dispose();
      project.dispose();
    }
  });
});
