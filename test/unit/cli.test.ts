/**
 * The command line over the bundled dist/cli.js: exit codes, compiler-style text, the JSON shape of issue 2, SARIF 2.1.0
 * validated against the official schema, and `explain` from the rule records.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv from "ajv-draft-04";
import { RULES } from "../../server/src/rules";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "cli.js");

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const GIFT_PROGRAM = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_pages(void)
{
    int fds[2];
    long pg = sysconf(_SC_PAGESIZE);
    if (pipe(fds) < 0)
        return -1;
    char *buf = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'x', 4 * pg);
    struct iovec iov = { .iov_base = buf, .iov_len = 4 * pg };
    ssize_t n = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    return n < 0 ? -1 : 0;
}
`;

/** A reader that asks for a move into a destination 100 bytes into its page: VMS-ALIGN-DST, verdict unsafe on rfc-v2. */
const UNALIGNED_READER = `#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int receive_page(void)
{
    int fds[2];
    long pg = sysconf(_SC_PAGESIZE);
    if (pipe(fds) < 0)
        return -1;
    char *dst = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov = { .iov_base = dst + 100, .iov_len = pg };
    ssize_t n = vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE);
    return n < 0 ? -1 : 0;
}
`;

describe("vmsplice-lens check", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-cli-"));
    writeFileSync(path.join(dir, "gift.c"), GIFT_PROGRAM);
    writeFileSync(path.join(dir, "unaligned.c"), UNALIGNED_READER);
    writeFileSync(path.join(dir, "plain.c"), "int main(void) { return 0; }\n");
  });

  test("text output is compiler style with rule ids, and findings give exit code 1", () => {
    const result = run("check", path.join(dir, "gift.c"));
    assert.equal(result.code, 1);
    const line = result.stdout.split("\n").find((item) => item.includes("[VMS-RFC-IOV-BASE]"));
    assert.ok(line, result.stdout);
    assert.match(line, /gift\.c:16:\d+: warning: .* \[VMS-RFC-IOV-BASE\]$/);
    assert.match(
      result.stdout,
      /gift\.c:17:17: note: vmsplice to-pipe, flags SPLICE_F_MOVE\|SPLICE_F_GIFT: 4 pages: 1 move, 3 copy -> partial/,
    );
  });

  test("a file without findings exits 0", () => {
    const result = run("check", path.join(dir, "plain.c"));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 vmsplice calls in 1 file/);
  });

  test("JSON has the documented shape and per-page verdicts", () => {
    const result = run("check", "--format", "json", path.join(dir, "gift.c"));
    const report = JSON.parse(result.stdout);
    assert.equal(report.tool.name, "vmsplice-lens");
    assert.equal(typeof report.tool.version, "string");
    assert.equal(report.kernel, "rfc-v2");
    assert.equal(report.pageSize, 4096);
    const call = report.files[0].calls[0];
    assert.deepEqual(
      [call.line, call.column, call.function, call.direction, call.verdict],
      [17, 17, "send_pages", "to-pipe", "partial"],
    );
    assert.deepEqual(call.flags, ["SPLICE_F_MOVE", "SPLICE_F_GIFT"]);
    assert.equal(call.segments.length, 1);
    assert.deepEqual(
      [call.segments[0].base, call.segments[0].length, call.segments[0].pages, call.segments[0].verdict],
      ["buf", "4 * pg", 4, "partial"],
    );
    assert.deepEqual(
      call.segments[0].pageVerdicts.map((page: { verdict: string }) => page.verdict),
      ["move", "copy", "copy", "copy"],
    );
    assert.ok(call.rules.includes("VMS-RFC-IOV-BASE"));
    const finding = report.files[0].findings.find((item: { rule: string }) => item.rule === "VMS-RFC-IOV-BASE");
    assert.deepEqual(Object.keys(finding).sort(), [
      "column",
      "endColumn",
      "endLine",
      "line",
      "message",
      "related",
      "rule",
      "severity",
    ]);
    assert.equal(finding.severity, "warning");
  });

  test("mainline kernels never move", () => {
    const report = JSON.parse(
      run("check", "--format", "json", "--kernel", "mainline-6.x", path.join(dir, "gift.c")).stdout,
    );
    assert.equal(report.kernel, "mainline-6.x");
    assert.equal(report.files[0].calls[0].verdict, "copy");
    assert.ok(report.files[0].findings.some((item: { rule: string }) => item.rule === "VMS-GIFT-NOOP"));
  });

  test("page size changes the chunking", () => {
    const report = JSON.parse(
      run("check", "--format", "json", "--page-size", "65536", path.join(dir, "gift.c")).stdout,
    );
    assert.equal(report.pageSize, 65536);
    assert.equal(report.files[0].calls[0].segments[0].pages, 4);
  });

  test("SARIF validates against the official 2.1.0 schema", () => {
    const result = run("check", "--format", "sarif", path.join(dir, "gift.c"), path.join(root, "samples"));
    const sarif = JSON.parse(result.stdout) as {
      version: string;
      runs: { results: { ruleId: string; ruleIndex: number }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    const schema = JSON.parse(
      readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"),
    );
    // The official schema uses patterns that are not valid under the `u` flag, so they are compiled without it.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, logger: false });
    const validate = ajv.compile(schema);
    const valid = validate(sarif);
    assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    // The validator really checks: a result without a message is rejected.
    assert.equal(validate({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ ruleId: "VMS-X" }] }] }), false);
    assert.equal(sarif.version, "2.1.0");
    assert.ok(sarif.runs[0].results.length > 10);
    assert.equal(sarif.runs[0].tool.driver.rules.length, RULES.length);
    for (const item of sarif.runs[0].results)
      assert.equal(sarif.runs[0].tool.driver.rules[item.ruleIndex].id, item.ruleId);
  });

  test("an unsafe call is counted and named as unsafe in text, JSON and SARIF, never as a move", () => {
    const files = [path.join(dir, "gift.c"), path.join(dir, "unaligned.c")];
    const text = run("check", ...files);
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /unaligned\.c:15:17: note: vmsplice from-pipe, flags SPLICE_F_MOVE: 2 pages: 2 unsafe -> unsafe \(VMS-ALIGN-DST\)/,
    );
    assert.match(text.stdout, /2 vmsplice calls in 2 files \(1 partial, 1 unsafe\): /);

    const report = JSON.parse(run("check", "--format", "json", ...files).stdout);
    assert.deepEqual(report.summary.verdicts, { move: 0, copy: 0, partial: 1, unsafe: 1, unknown: 0 });
    const call = report.files[1].calls[0];
    assert.equal(call.verdict, "unsafe");
    assert.equal(call.segments[0].verdict, "unsafe");
    assert.deepEqual(
      call.segments[0].pageVerdicts.map((page: { verdict: string; rules: string[] }) => [page.verdict, page.rules]),
      [
        ["unsafe", ["VMS-ALIGN-DST"]],
        ["unsafe", ["VMS-ALIGN-DST"]],
      ],
    );

    const sarif = JSON.parse(run("check", "--format", "sarif", ...files).stdout);
    const results = sarif.runs[0].results as { ruleId: string; level: string; properties?: { verdict?: string } }[];
    const alignment = results.find((item) => item.ruleId === "VMS-ALIGN-DST");
    assert.equal(alignment?.level, "error");
    assert.equal(alignment?.properties?.verdict, "unsafe");
    assert.equal(results.find((item) => item.ruleId === "VMS-RFC-IOV-BASE")?.properties?.verdict, "partial");

    const mainline = JSON.parse(run("check", "--format", "json", "--kernel", "mainline-3.12", ...files).stdout);
    assert.deepEqual(mainline.summary.verdicts, { move: 0, copy: 2, partial: 0, unsafe: 0, unknown: 0 });
  });

  test("usage and I/O errors exit 2 with a one-line message", () => {
    const missing = run("check", path.join(dir, "nope.c"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr.split("\n")[0], /cannot read .*nope\.c.*no such file/);
    const option = run("check", "--frobnicate", path.join(dir, "gift.c"));
    assert.equal(option.code, 2);
    assert.match(option.stderr.split("\n")[0], /unknown option '--frobnicate'/);
    const kernel = run("check", "--kernel", "linux-2.4", path.join(dir, "gift.c"));
    assert.equal(kernel.code, 2);
    assert.match(kernel.stderr, /unknown kernel model 'linux-2.4'/);
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, "locked.c");
      writeFileSync(locked, GIFT_PROGRAM);
      chmodSync(locked, 0);
      const unreadable = run("check", locked);
      assert.equal(unreadable.code, 2);
      assert.match(unreadable.stderr, /cannot read/);
    }
  });

  test("binary files are skipped with a note, invalid UTF-8 is analysed", () => {
    writeFileSync(path.join(dir, "blob.c"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    const invalid = Buffer.concat([Buffer.from("/* \xff\xfe */\n", "latin1"), Buffer.from(GIFT_PROGRAM)]);
    writeFileSync(path.join(dir, "latin.c"), invalid);
    const result = run("check", path.join(dir, "blob.c"), path.join(dir, "latin.c"));
    assert.match(result.stdout, /blob\.c: note: skipped: binary file/);
    assert.match(result.stdout, /latin\.c:18:17: note: vmsplice to-pipe/);
  });
});

describe("vmsplice-lens check loads the grammar only when a file needs a parse", () => {
  // The bundle copied alone into a directory with no grammar beside it nor any node_modules above it: any run that loads
  // web-tree-sitter's wasm fails there, so a run that succeeds never loaded it.
  function alone() {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-lazy-"));
    copyFileSync(cli, path.join(dir, "cli.js"));
    const runAlone = (...args: string[]) => {
      const result = spawnSync(process.execPath, [path.join(dir, "cli.js"), ...args], {
        encoding: "utf8",
        timeout: 60_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    return { dir, runAlone };
  }

  test("a project without any relevant name is checked without the grammar, with the same report", () => {
    const { dir, runAlone } = alone();
    mkdirSync(path.join(dir, "plain"));
    writeFileSync(path.join(dir, "plain", "plain.c"), "#include <unistd.h>\nint main(void) { return pipe(0); }\n");
    writeFileSync(path.join(dir, "plain", "util.h"), "/* splice-free header */\nint helper(int);\n");
    const lazy = runAlone("check", "--no-cache", "--format", "json", path.join(dir, "plain"));
    assert.equal(lazy.code, 0, lazy.stderr);
    const loaded = run("check", "--no-cache", "--format", "json", path.join(dir, "plain"));
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.deepEqual(JSON.parse(lazy.stdout), JSON.parse(loaded.stdout));
  });

  test("a file with a call needs the grammar (so the run above proves it was not loaded)", () => {
    const { dir, runAlone } = alone();
    mkdirSync(path.join(dir, "calls"));
    writeFileSync(path.join(dir, "calls", "plain.c"), "int main(void) { return 0; }\n");
    writeFileSync(path.join(dir, "calls", "gift.c"), GIFT_PROGRAM);
    const result = runAlone("check", "--no-cache", path.join(dir, "calls"));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot find tree-sitter\.wasm/);
  });
});

describe("vmsplice-lens check suppressions", () => {
  test("a suppression with a reason silences the named rule on the next call; one without a reason is reported", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-suppress-"));
    const silenced = GIFT_PROGRAM.replace(
      "    ssize_t n = vmsplice(",
      "    // vmsplice-lens: ignore VMS-RFC-IOV-BASE -- the reader takes one page at a time\n    ssize_t n = vmsplice(",
    );
    writeFileSync(path.join(dir, "silenced.c"), silenced);
    const quiet = run("check", "--format", "json", path.join(dir, "silenced.c"));
    const report = JSON.parse(quiet.stdout);
    assert.equal(report.files[0].calls.length, 1);
    assert.ok(
      !report.files[0].findings.some((item: { rule: string }) => item.rule === "VMS-RFC-IOV-BASE"),
      quiet.stdout,
    );
    assert.equal(quiet.code, 0, quiet.stdout);
    writeFileSync(path.join(dir, "careless.c"), silenced.replace(" -- the reader takes one page at a time", ""));
    const careless = JSON.parse(run("check", "--format", "json", path.join(dir, "careless.c")).stdout);
    assert.ok(careless.files[0].findings.some((item: { rule: string }) => item.rule === "VMS-SUPPRESSION"));
  });
});

describe("vmsplice-lens explain", () => {
  test("prints the rule's documentation from the rule table", () => {
    const result = run("explain", "VMS-ALIGN-SRC");
    assert.equal(result.code, 0);
    const record = RULES.find((item) => item.id === "VMS-ALIGN-SRC");
    assert.ok(record);
    // For a terminal: the words without markdown syntax (no backticks, stars, headings or links), no internal tags.
    assert.ok(result.stdout.includes(record.title.replace(/`/g, "")));
    assert.match(result.stdout, /^What the kernel does$/m);
    assert.match(result.stdout, /posix_memalign\(&p, sysconf\(_SC_PAGESIZE\), n\)/);
    assert.doesNotMatch(result.stdout, /`|\*\*|^#|\]\(|\u001b|Confidence|\bG\d\d\b/m);
    assert.ok(
      result.stdout.split("\n").every((line) => line.length <= 80),
      "wrapped at 80 columns",
    );
  });

  test("--format markdown prints the page the extension ships", () => {
    const result = run("explain", "VMS-ALIGN-SRC", "--format", "markdown");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^# VMS-ALIGN-SRC: /);
    assert.match(result.stdout, /^## How to fix it$/m);
    assert.ok(result.stdout.includes("`posix_memalign(&p, sysconf(_SC_PAGESIZE), n)`"));
  });

  test("an unknown rule id is a usage error", () => {
    const result = run("explain", "VMS-NOPE");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown rule id 'VMS-NOPE'/);
  });
});
