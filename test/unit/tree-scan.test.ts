/**
 * The run's one walk and read of its trees (project/tree-scan.ts, issue 12): every directory listed once and every file
 * read once, also when every directory is a project of its own (a tree without a root marker, where each project lists
 * its subtree); the roots, the file order and the reports equal those of the disk read file by file; the byte-level
 * pre-filter still finds a file reached only through a wrapper name or a syscall number, and a file whose names are all
 * in comments or literals is not analysed (code-bytes.ts).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../server/src/cli/main";
import { CheckSession, rootFinder, type SessionOptions } from "../../server/src/cli/check-session";
import type { FileReport } from "../../server/src/cli/check";
import { diskFs, type ProjectFs } from "../../server/src/project/project";
import { PROBE_WORDS, TreeScan, type ScannedFile } from "../../server/src/project/tree-scan";
import { RACY_MS, WalkCache } from "../../server/src/project/walk-cache";
import { codeOnly, CodeLexer } from "../../server/src/project/code-bytes";
import { bytesCallWords, bytesMentionCallWord, mentionsVmsplice } from "../../server/src/analysis/analyze";
import { listC } from "./fixture-markers";
import { isSourceName, loadLanguagesFor } from "../../server/src/parsing/parser";
import { generateTree } from "../support/generated-tree";

const fixtures = path.resolve(__dirname, "..", "projects");

const options = (project: string | null = null): SessionOptions => ({
  kernel: "rfc-v2",
  pageSize: 4096,
  format: "json",
  maxFileSize: 100_000,
  project,
  includePaths: [],
  compileCommands: null,
  singleFile: false,
  indexDir: null,
  cache: false,
  shard: null,
});

/** The reports of a session over the files, in order (as runSingle makes them, without shards). */
function reportsOf(session: CheckSession, files: string[]): FileReport[] {
  try {
    return files.map((file) => {
      const classified = session.classify(file);
      return classified.kind === "other" ? classified.report : session.analyse(file, classified.bytes);
    });
  } finally {
    session.dispose();
  }
}

/** The C files under a directory as check listed them before the scan: sorted by name, hidden ones skipped. */
function listedBefore(dir: string): string[] {
  const found: string[] = [];
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && isSourceName(entry.name)) found.push(full);
    }
  };
  visit(dir);
  return found;
}

/** Counts what a ProjectFs is asked, per directory listed and per file whose bytes or text are read. */
function counting(fs: ProjectFs) {
  const lists = new Map<string, number>();
  const reads = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const spy: ProjectFs = {
    readText: (file) => (bump(reads, file), fs.readText(file)),
    readBytes: (file) => (bump(reads, file), fs.readBytes(file)),
    list: (dir) => (bump(lists, dir), fs.list(dir)),
    isFile: (file) => fs.isFile(file),
    isDirectory: (file) => fs.isDirectory(file),
    contains: (file, word) => fs.contains(file, word),
    absent: (file, word) => fs.absent?.(file, word) ?? false,
  };
  return { spy, lists, reads };
}

let work: string;
/** No root marker anywhere: every directory is a project of its own. */
let bare: string;

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), "lens-scan-"));
  bare = path.join(work, "bare");
  generateTree(bare, 40);
  // A nested project inside the bare tree: its files take it as their root.
  mkdirSync(path.join(bare, "nested", "deep"), { recursive: true });
  writeFileSync(path.join(bare, "nested", ".vmsplice-lens.json"), "{}\n");
  writeFileSync(path.join(bare, "nested", "deep", "n.c"), "int n(void) { return 0; }\n");
  await loadLanguagesFor(["x.c", "x.cpp"]);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe("the run's one walk of its trees", () => {
  test("lists every directory once, reads every file once, and gives the order check always gave", () => {
    const scan = new TreeScan(100_000);
    const files = scan.walk([bare], (item) => new Error(`missing ${item}`));
    assert.deepEqual(files, listedBefore(bare));
    const directories = (dir: string): number =>
      1 +
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
        .reduce((sum, entry) => sum + directories(path.join(dir, entry.name)), 0);
    assert.equal(scan.counts.listed, directories(bare));
    assert.equal(scan.counts.read, files.length);
  });

  test("roots are those of the disk, each directory's markers looked at in the walk's listings", () => {
    const scan = new TreeScan(100_000);
    const files = scan.walk([bare], (item) => new Error(`missing ${item}`));
    let stats = 0;
    const statting: ProjectFs = {
      ...diskFs,
      isFile: (file) => (stats++, diskFs.isFile(file)),
      isDirectory: (file) => (stats++, diskFs.isDirectory(file)),
    };
    const onDisk = rootFinder(options(), statting);
    const inScan = rootFinder(options(), scan);
    for (const file of files) assert.equal(inScan(file), onDisk(file), file);
    assert.equal(inScan(path.join(bare, "nested", "deep", "n.c")), path.join(bare, "nested"));
    assert.ok(stats > 0, "the disk version looks at the markers on disk");
    // The roots are memoised per directory: asking again for every file looks at no directory again.
    const before = stats;
    for (const file of files) onDisk(file);
    assert.equal(stats, before);
  });

  test("nested projects list no directory and read no file again; the reports equal the disk's", () => {
    const scan = new TreeScan(100_000);
    const files = scan.walk([bare], (item) => new Error(`missing ${item}`));
    const listedByWalk = scan.counts.listed;
    const fromScan = counting(scan);
    const scanned = reportsOf(new CheckSession(options(), "test", scan, fromScan.spy), files);
    const fromDisk = counting(diskFs);
    const onDisk = reportsOf(new CheckSession(options(), "test", null, fromDisk.spy), files);
    assert.deepEqual(scanned, onDisk);
    assert.equal(scan.counts.listed, listedByWalk, "no directory listed again from the disk");
    // Without the scan, nested projects list their subtrees again: the quadratic listing the scan removes.
    assert.ok(Math.max(...fromDisk.lists.values()) > 1, "the disk version lists some directory more than once");
    // With it, a project's byte searches for vmsplice's names are answered from the walk's probes.
    const total = (reads: Map<string, number>) => [...reads.values()].reduce((sum, count) => sum + count, 0);
    assert.ok(total(fromScan.reads) < total(fromDisk.reads), `${total(fromScan.reads)} < ${total(fromDisk.reads)}`);
  });
});

describe("lexing only up to the first call word in code", () => {
  test("decides exactly as codeOnly's whole pass, over every sample and fixture and random edits of them", () => {
    const root = path.resolve(__dirname, "..", "..");
    const files = [...listC(path.join(root, "samples")), ...listC(path.join(root, "test", "fixtures"))];
    assert.ok(files.length > 50);
    // Edits that move a call word in and out of code: comments, literals and #include lines opened or closed near it.
    const pieces = [
      "/*",
      "*/",
      "//",
      '"',
      "'",
      "\\",
      "\n",
      "#include <",
      "\n#include <sys/splice.h>\n",
      '\n  #  include "vmsplice.h"\n',
      '#include "',
      ">",
      " ",
      "splice",
      "vmsplice",
    ];
    let state = 7;
    const random = (below: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % below;
    };
    let inCode = 0;
    let cases = 0;
    for (const file of files) {
      const original = readFileSync(file, "latin1");
      for (let round = 0; round < 12; round++) {
        let text = original;
        for (let edit = 0; edit < 1 + random(3); edit++) {
          const near = text.indexOf("splice", random(text.length));
          const at = Math.max(0, (near < 0 ? random(text.length) : near) - random(40));
          text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        }
        const bytes = Buffer.from(text, "latin1");
        const whole = codeOnly(bytes);
        const expected = whole === null || bytesMentionCallWord(whole.code);
        const lexer = new CodeLexer(bytes);
        const early = lexer.anyInCode(bytesCallWords(bytes));
        const finished = lexer.finish();
        assert.equal(early || finished === null, expected, `${file}, round ${round}`);
        // Finishing a pass stopped early gives codeOnly's result.
        assert.deepEqual(finished, whole, `${file}, round ${round}`);
        cases++;
        if (early) inCode++;
      }
    }
    assert.ok(inCode > cases / 4 && inCode < cases, `${inCode} of ${cases} have a call word in code`);
  });
});

describe("the walk cache", () => {
  /** A walk of `dir` with a cache in `cacheFile`, its clock `ahead` ms past now (so files just written are not racy). */
  const walkWith = (dir: string, cacheFile: string, ahead = 2 * RACY_MS) => {
    const cache = new WalkCache(cacheFile, PROBE_WORDS.join(","), () => Date.now() + ahead);
    const scan = new TreeScan(100_000, true, cache);
    const files = scan.walk([dir], (item) => new Error(`missing ${item}`));
    cache.save();
    const seen = new Map<string, Omit<ScannedFile, "bytes"> & { kept: boolean }>();
    for (const file of files) {
      const { bytes, ...rest } = scan.scannedFile(path.resolve(file))!;
      seen.set(file, { ...rest, kept: bytes !== null });
    }
    return { scan, cache, files, seen };
  };

  test("a second walk of an unchanged tree reads only the files that mention splice, and learns the same", () => {
    const dir = path.join(work, "cached");
    cpSync(bare, dir, { recursive: true });
    const cacheFile = path.join(work, "walk-1.json");
    const first = walkWith(dir, cacheFile);
    assert.equal(first.scan.counts.cached, 0);
    const second = walkWith(dir, cacheFile);
    // Every file the first walk read (headers and tables too, not only the files it reports), and those it kept.
    const scanned: ScannedFile[] = [];
    const visit = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) visit(full);
        const read = first.scan.scannedFile(path.resolve(full));
        if (read) scanned.push(read);
      }
    };
    visit(dir);
    const candidates = scanned.filter((read) => read.bytes !== null).length;
    assert.equal(scanned.length, first.scan.counts.read);
    assert.ok(candidates > 0 && candidates < scanned.length, `${candidates} of ${scanned.length} mention splice`);
    assert.equal(second.scan.counts.read, candidates, "only the files that mention splice are read again");
    assert.equal(second.scan.counts.cached, scanned.length - candidates);
    assert.deepEqual(second.seen, first.seen, "the cache answers what the reads answered");
    // The reports of a run on the cached walk equal those of a fresh one.
    const reports = (scan: TreeScan, files: string[]) =>
      reportsOf(new CheckSession(options(), "test", scan, scan), files);
    assert.deepEqual(reports(second.scan, second.files), reports(first.scan, first.files));
  });

  test("a file changed since, or changed too soon before the walk that read it, is read again", () => {
    const dir = path.join(work, "changed");
    mkdirSync(dir, { recursive: true });
    const quiet = path.join(dir, "quiet.c");
    const edited = path.join(dir, "edited.c");
    writeFileSync(quiet, "int quiet(void) { return 0; }\n");
    writeFileSync(edited, "int edited(void) { return 1; }\n");
    const cacheFile = path.join(work, "walk-2.json");
    walkWith(dir, cacheFile);
    // Same size, new content that mentions vmsplice: the change of times says it changed.
    writeFileSync(edited, "int edited(void) { splice(); }\n");
    const past = new Date(Date.now() - 60_000);
    utimesSync(edited, past, past);
    const second = walkWith(dir, cacheFile);
    assert.equal(second.scan.counts.cached, 1, "the unchanged file is taken from the cache");
    assert.equal(second.seen.get(edited)?.probes, 1, "the edited file was read: it mentions splice now");
    // Racy: a cache whose walk began right after the files' times does not vouch for them.
    const racyFile = path.join(work, "walk-3.json");
    walkWith(dir, racyFile, 0);
    assert.equal(walkWith(dir, racyFile, 0).scan.counts.cached, 0, "times within RACY_MS of the read are distrusted");
  });

  test("a corrupt cache, or one of other probe words, is ignored and written again", () => {
    const dir = path.join(work, "corrupt");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "a.c"), "int a(void) { return 0; }\n");
    const cacheFile = path.join(work, "walk-4.json");
    writeFileSync(cacheFile, '{"schema":1,"probeWords":"');
    assert.equal(walkWith(dir, cacheFile).scan.counts.read, 1);
    assert.equal(walkWith(dir, cacheFile).scan.counts.cached, 1, "the cache was written again");
    const other = new WalkCache(cacheFile, "splice", () => Date.now() + 2 * RACY_MS);
    assert.ok(other.empty, "records of other probe words are not read");
  });
});

describe("the byte-level pre-filter", () => {
  test("files of a tree without splice anywhere are rejected without building their projects", () => {
    const quiet = path.join(work, "quiet");
    mkdirSync(path.join(quiet, "a", "b"), { recursive: true });
    writeFileSync(path.join(quiet, "x.c"), "int x(void) { return 0; }\n");
    writeFileSync(path.join(quiet, "a", "y.h"), "int y(void);\n");
    writeFileSync(path.join(quiet, "a", "b", "z.c"), "int z(int fds[2]) { return pipe(fds); }\n");
    // A sibling that does mention splice does not make the quiet tree's projects necessary.
    mkdirSync(path.join(quiet, "loud"));
    writeFileSync(path.join(quiet, "loud", "w.c"), "/* splice */ int w;\n");
    const scan = new TreeScan(100_000);
    const files = scan.walk([path.join(quiet, "a")], (item) => new Error(`missing ${item}`));
    assert.equal(files.length, 2);
    assert.ok(scan.spliceFree(path.join(quiet, "a")) && scan.spliceFree(path.join(quiet, "a", "b")));
    const spy = counting(scan);
    const session = new CheckSession(options(), "test", scan, spy.spy);
    try {
      for (const file of files) assert.equal(session.classify(file).kind, "other", file);
    } finally {
      session.dispose();
    }
    assert.equal(spy.lists.size, 0, "no project listed its tree");
    const whole = new TreeScan(100_000);
    whole.walk([quiet], (item) => new Error(`missing ${item}`));
    assert.ok(!whole.spliceFree(quiet) && whole.spliceFree(path.join(quiet, "a")));
  });

  test("finds a call word as a whole identifier in bytes exactly where the engine's text check does", () => {
    const samples = [
      "vmsplice(fd, &iov, 1, 0);",
      "x = generic_file_splice_read(a);",
      "/* splice */",
      "sys_vmsplice(1)",
      "__NR_vmsplice",
      "my_vmsplice(1)",
      "splice_to_pipe",
      "éspliceé",
      "ésplice é",
      "SYS_splice",
      "xSYS_splice",
      "",
      "splicesplice splice",
      "vmsplice_to_user vmsplice",
    ];
    for (const text of samples)
      assert.equal(bytesMentionCallWord(Buffer.from(text)), mentionsVmsplice(text), JSON.stringify(text));
  });

  test("blanks comments, literals and header names, keeps code and directives, and is unsure rather than wrong", () => {
    const source = [
      "#include <linux/splice.h> // splice",
      '#include "zc.h"',
      "/* vmsplice(fd, iov, 1, 0) */ int a = 'x';",
      'const char *s = "vmsplice(\\"x\\")"; // a \\',
      "   still a comment: vmsplice",
      "int b = splice(0, 0, 0, 0, 0, 0);",
    ].join("\n");
    const lexed = codeOnly(Buffer.from(source));
    assert.ok(lexed);
    const code = lexed.code.toString("latin1");
    assert.equal(code.length, source.length, "offsets kept");
    assert.equal(code.split("\n").length, source.split("\n").length, "newlines kept");
    assert.doesNotMatch(code.split("\n").slice(0, 5).join("\n"), /splice|zc|x/);
    assert.match(code, /int b = splice\(0, 0, 0, 0, 0, 0\);/);
    assert.deepEqual(lexed.directives, [
      { spelled: "linux/splice.h", angle: true, line: 0 },
      { spelled: "zc.h", angle: false, line: 1 },
    ]);
    // Unterminated comments and literals, and a literal broken by a newline, leave the decision to the caller.
    for (const unsure of ["/* open", '"open', "#error don't\nvmsplice(0, 0, 0, 0);", "'a"])
      assert.equal(codeOnly(Buffer.from(unsure)), null, unsure);
  });

  test("a file naming vmsplice only in comments is not analysed, unless a suppression comment asks", () => {
    const dir = path.join(work, "comments");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, ".vmsplice-lens.json"), "{}\n");
    writeFileSync(path.join(dir, "a_comment.c"), "/* see vmsplice(2) */\nint f(void) { return 0; }\n");
    writeFileSync(path.join(dir, "b_literal.c"), 'const char *name = "vmsplice";\n');
    writeFileSync(path.join(dir, "c_stray.c"), "// vmsplice-lens: ignore VMS-GIFT-NOT-MOVED -- why\nint g;\n");
    writeFileSync(path.join(dir, "d_code.c"), "int h(int fd) { return vmsplice(fd, 0, 0, 0); }\n");
    writeFileSync(path.join(dir, "e_unsure.cpp"), "// vmsplice\nint i;\n");
    const scan = new TreeScan(100_000);
    const files = scan.walk([dir], (item) => new Error(`missing ${item}`));
    const session = new CheckSession(options(), "test", scan);
    const kinds = files.map((file) => [path.basename(file), session.classify(file).kind]);
    session.dispose();
    assert.deepEqual(kinds, [
      ["a_comment.c", "other"],
      ["b_literal.c", "other"],
      ["c_stray.c", "candidate"],
      ["d_code.c", "candidate"],
      ["e_unsure.cpp", "candidate"],
    ]);
    // The stray suppression is still reported, as before.
    const scanned = new TreeScan(100_000);
    const again = scanned.walk([dir], (item) => new Error(`missing ${item}`));
    const reports = reportsOf(new CheckSession(options(), "test", scanned), again);
    assert.equal(reports[2].analysis.findings[0]?.rule, "VMS-SUPPRESSION");
    assert.deepEqual(reports[0].analysis, { calls: [], findings: [], notes: [] });
  });

  test("a file naming splice only inside longer identifiers is not decoded; vmsplice's names anywhere are", () => {
    const dir = path.join(work, "filter");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, ".vmsplice-lens.json"), "{}\n");
    const longer = path.join(dir, "longer.c");
    writeFileSync(longer, "int f(void) { return generic_file_splice_read(0); }\n");
    const inside = path.join(dir, "inside.c");
    writeFileSync(inside, "int g(void) { return vmsplice_to_user(0); }\n");
    const scan = new TreeScan(100_000);
    const files = scan.walk([dir], (item) => new Error(`missing ${item}`));
    const session = new CheckSession(options(), "test", scan);
    try {
      assert.deepEqual(
        files.map((file) => [path.basename(file), session.classify(file).kind]),
        [
          ["inside.c", "candidate"],
          ["longer.c", "other"],
        ],
      );
    } finally {
      session.dispose();
    }
  });

  test("a file reached only through a wrapper name or a syscall number is still analysed", async () => {
    const copy = (name: string) => {
      const to = path.join(work, name);
      cpSync(path.join(fixtures, name), to, {
        recursive: true,
        filter: (source) => !source.split(path.sep).includes(".cache"),
      });
      return to;
    };
    const wrapper = copy("wrapper-other-file");
    const table = copy("syscall-table");
    // number.c without its comment: no "splice" anywhere, vmsplice reached only by `syscall(278, …)` and the table.
    const number = path.join(table, "src", "number.c");
    writeFileSync(number, readFileSync(number, "utf8").replace(/^\/\*[\s\S]*?\*\/\n/, ""));
    assert.ok(!readFileSync(number).includes("splice"));
    assert.ok(!readFileSync(path.join(wrapper, "src", "main.c")).includes("splice"));
    for (const [dir, file] of [
      [wrapper, "src/main.c"],
      [table, "src/number.c"],
    ]) {
      const out: string[] = [];
      const code = await main(
        ["check", "--format", "json", "--no-cache", dir],
        (text) => out.push(text),
        () => {},
      );
      assert.ok(code === 0 || code === 1);
      const report = JSON.parse(out.join("")) as { files: { path: string; calls: unknown[] }[] };
      const found = report.files.find((entry) => entry.path === path.join(dir, file));
      assert.ok(found && found.calls.length > 0, `${file} has its calls`);
    }
  });
});
