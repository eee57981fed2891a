// Quick fixes are withheld when their preconditions do not hold, add the headers they need, and the suppression fix
// silences exactly the rules it names. Hand-written C files, analysed by the real analyzer.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import { suppressionFix } from "../../server/src/analysis/fixes";
import { analyseText, applyEdits, compileMessages, gccAvailable, offeredFixes } from "./fixes-support";

const rfc: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };
const prelude = `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
`;

function program(body: string, extraTop = ""): string {
  return `${prelude}${extraTop}
int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
${body}
    return 0;
}
`;
}

async function titles(text: string, options = rfc): Promise<string[]> {
  return (await offeredFixes(text, options)).map((offered) => offered.fix.title);
}

describe("fix preconditions", () => {
  test("an aligned allocation is not offered when the iovec starts 100 bytes into the buffer", async () => {
    const text = program(`    char *buf = malloc(4 * page);
    if (!buf)
        return 1;
    for (long i = 0; i < 4 * page; i++)
        buf[i] = 'x';
    struct iovec iov = { .iov_base = buf + 100, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`);
    const analysis = await analyseText(text, rfc);
    assert.ok(
      analysis.findings.some((finding) => finding.rule === "VMS-ALIGN-SRC"),
      "the analyzer reports VMS-ALIGN-SRC here",
    );
    assert.ok(!(await titles(text)).some((title) => title.startsWith("Allocate")));
  });

  test("the iovec split is not offered when the call is the body of a braceless if", async () => {
    const text =
      program(`    char *buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    for (long i = 0; i < 4 * page; i++)
        buf[i] = 'x';
    struct iovec iov = { .iov_base = buf, .iov_len = 4 * page };
    ssize_t sent = 0;
    if (page > 0)
        sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`);
    const analysis = await analyseText(text, rfc);
    assert.ok(
      analysis.findings.some((finding) => finding.rule === "VMS-RFC-IOV-BASE"),
      "the analyzer reports VMS-RFC-IOV-BASE here",
    );
    assert.ok(!(await titles(text)).some((title) => title.startsWith("Split")));
  });

  test("a page-size macro that also sizes an array is not turned into a runtime value", async () => {
    const text = `${prelude}
#define PAGE 4096
static char spare[PAGE];

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    for (int i = 0; i < PAGE; i++)
        buf[i] = spare[i];
    struct iovec iov = { .iov_base = buf, .iov_len = PAGE };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);
    return 0;
}
`;
    const analysis = await analyseText(text, rfc);
    assert.ok(
      analysis.findings.some((finding) => finding.rule === "VMS-PAGE-SIZE-LITERAL"),
      "the analyzer reports VMS-PAGE-SIZE-LITERAL here",
    );
    assert.ok(!(await titles(text)).some((title) => title.includes("runtime page size")));
  });

  test("a length is not rounded up past the end of its allocation", async () => {
    const text = program(`    char *buf = mmap(NULL, 4000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    for (int i = 0; i < 4000; i++)
        buf[i] = 'x';
    struct iovec iov = { .iov_base = buf, .iov_len = 4000 };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`);
    const analysis = await analyseText(text, rfc);
    assert.ok(
      analysis.findings.some((finding) => finding.rule === "VMS-LEN-PAGE"),
      "the analyzer reports VMS-LEN-PAGE here",
    );
    assert.ok(!(await titles(text)).some((title) => title.startsWith("Round")));
  });

  test("gifting is not offered when the buffer is written after the call (samples/alias-write.c)", async () => {
    const text = readFileSync(path.resolve(__dirname, "..", "..", "samples", "alias-write.c"), "utf8");
    const analysis = await analyseText(text, rfc);
    assert.ok(
      analysis.findings.some((finding) => finding.rule === "VMS-ALIAS-WRITE"),
      "the analyzer reports VMS-ALIAS-WRITE here",
    );
    assert.ok(!(await titles(text)).some((title) => title.includes("SPLICE_F_GIFT")));
  });
});

describe(
  "aligned allocation for calloc, stack and static arrays",
  { skip: gccAvailable() ? false : "gcc is not installed" },
  () => {
    const cases: Record<string, string> = {
      calloc: program(
        `    char *buf = calloc(1, page);
    if (!buf)
        return 1;
    memset(buf, 'x', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    free(buf);
    printf("%zd\\n", sent);`,
        "#include <string.h>\n",
      ),
      "stack array": program(
        `    char buf[4096];
    memset(buf, 'x', sizeof buf);
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`,
        "#include <string.h>\n",
      ),
      "static array": program(
        `    memset(spare, 'x', sizeof spare);
    struct iovec iov = { .iov_base = spare, .iov_len = sizeof spare };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`,
        "#include <string.h>\nstatic char spare[4096];\n",
      ),
    };
    for (const [name, text] of Object.entries(cases)) {
      test(`${name}: the alignment fix compiles and removes VMS-ALIGN-SRC`, async () => {
        const before = await analyseText(text, rfc);
        assert.ok(
          before.calls[0].findings.some((finding) => finding.rule === "VMS-ALIGN-SRC"),
          `the analyzer reports VMS-ALIGN-SRC (got ${before.calls[0].findings.map((finding) => finding.rule).join(", ")})`,
        );
        const fix = (await offeredFixes(text, rfc)).find((offered) => offered.fix.rules.includes("VMS-ALIGN-SRC"));
        assert.ok(fix, "an alignment fix is offered");
        assert.ok(fix.fix.isPreferred);
        const fixed = applyEdits(text, fix.fix.edits);
        const compiled = compileMessages(fixed, `${name.replace(" ", "-")}.c`);
        assert.ok(compiled.ok, compiled.output);
        const warningCount = (output: string) => output.split("warning:").length - 1;
        assert.equal(
          warningCount(compiled.output),
          warningCount(compileMessages(text, `${name.replace(" ", "-")}-original.c`).output),
          compiled.output,
        );
        const after = await analyseText(fixed, rfc);
        assert.ok(
          !after.calls[0].findings.some(
            (finding) => finding.rule === "VMS-ALIGN-SRC" || finding.rule === "VMS-LEN-PAGE",
          ),
        );
      });
    }
  },
);

describe("headers and suppression", { skip: gccAvailable() ? false : "gcc is not installed" }, () => {
  test("the zero-fill fix adds #include <string.h> when the file lacks it, and the result compiles and moves", async () => {
    const text = program(`    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    printf("%zd\\n", sent);`);
    assert.ok(!text.includes("string.h"));
    const offered = await offeredFixes(text, rfc);
    const touch = offered.find((candidate) => candidate.fix.title.startsWith("Write the buffer before vmsplice"));
    assert.ok(touch, `fixes offered: ${offered.map((candidate) => candidate.fix.title).join("; ")}`);
    const fixed = applyEdits(text, touch.fix.edits);
    assert.ok(fixed.includes("#include <string.h>\n"));
    const compiled = compileMessages(fixed, "touch.c");
    assert.ok(compiled.ok, compiled.output);
    assert.equal(compiled.output.includes("warning"), false, compiled.output);
    const after = await analyseText(fixed, rfc);
    assert.equal(after.calls[0].verdict, "move");
  });

  test("the suppression fix silences the named rules on that call only, with no VMS-SUPPRESSION finding", async () => {
    const call = `vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE)`;
    const text = program(`    char *buf = malloc(page);
    if (!buf)
        return 1;
    for (long i = 0; i < page; i++)
        buf[i] = 'x';
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t first = ${call};
    ssize_t second = ${call};
    printf("%zd %zd\\n", first, second);`);
    const before = await analyseText(text, rfc);
    assert.equal(before.calls.length, 2);
    const rules = [...new Set(before.calls[0].findings.map((finding) => finding.rule))];
    assert.ok(rules.includes("VMS-ALIGN-SRC"));
    const fix = suppressionFix(before.calls[0], text, rules);
    assert.ok(fix);
    const fixed = applyEdits(text, fix.edits);
    assert.ok(fixed.includes(`    // vmsplice-lens: ignore ${rules.join(", ")} -- `), fixed);
    const compiled = compileMessages(fixed, "suppress.c");
    assert.ok(compiled.ok, compiled.output);
    const after = await analyseText(fixed, rfc);
    assert.deepEqual(after.calls[0].findings, []);
    assert.deepEqual(
      after.calls[1].findings.map((finding) => finding.rule).sort(),
      before.calls[1].findings.map((finding) => finding.rule).sort(),
    );
    assert.ok(!after.findings.some((finding) => finding.rule === "VMS-SUPPRESSION"));
  });
});
