// A quick fix is offered only if the engine, run again on the fixed text, finds no new error and no worse verdict
// (issue 10, D8: "Gift the pages" on hugetlb memory traded a data-loss warning for the kernel-crash error).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import type { QuickFix } from "../../server/src/analysis/fixes";
import { parseC } from "../../server/src/parsing/parser";
import { neverWorse, quickFixesForCall } from "../../server/src/rules/quick-fixes";
import { analyseText, applyEdits, offeredFixes, sharedParser } from "./fixes-support";

const rfc: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };

/** A writer without flags and a MOVE reader on one pipe; the writer's buffer is mapped with `mapFlags`. */
function writerAndReader(mapFlags: string): string {
  return `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_page(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    size_t huge = 2 * 1024 * 1024;
    char *buf = mmap(NULL, huge, PROT_READ | PROT_WRITE, ${mapFlags}, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t n = vmsplice(fds[1], &iov, 1, 0);
    if (n < 0)
        return -1;
    char *dst = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec in = { .iov_base = dst, .iov_len = page };
    n = vmsplice(fds[0], &in, 1, SPLICE_F_MOVE);
    return n < 0 ? -1 : 0;
}
`;
}

const GIFT_TITLE = "Gift the pages: pass SPLICE_F_GIFT | SPLICE_F_MOVE (the buffer must not be used after the call)";

describe("fixes are never worse", () => {
  test("D8: gifting is offered for private anonymous memory", async () => {
    const offered = await offeredFixes(writerAndReader("MAP_PRIVATE | MAP_ANONYMOUS"), rfc);
    assert.ok(
      offered.some((candidate) => candidate.fix.title === GIFT_TITLE),
      offered.map((candidate) => candidate.fix.title).join("; "),
    );
  });

  test("D8: gifting is not offered for hugetlb memory, where the gift crashes the kernel", async () => {
    const text = writerAndReader("MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB");
    const before = await analyseText(text, rfc);
    assert.deepEqual(
      before.calls[0].findings.map((finding) => finding.rule),
      ["VMS-NO-GIFT"],
      "the writer is only held back by the missing gift",
    );
    const offered = await offeredFixes(text, rfc);
    assert.ok(!offered.some((candidate) => candidate.fix.title.includes("SPLICE_F_GIFT")));
    // What the withheld fix would have done: the crash error and an unsafe verdict.
    const flags = text.indexOf("&iov, 1, 0)") + "&iov, 1, ".length;
    const gifted = applyEdits(text, [
      { startIndex: flags, endIndex: flags + 1, newText: "SPLICE_F_GIFT | SPLICE_F_MOVE" },
    ]);
    const after = await analyseText(gifted, rfc);
    assert.equal(after.calls[0].verdict, "unsafe");
    assert.ok(after.calls[0].findings.some((finding) => finding.rule === "VMS-RFC-HUGETLB-OOPS"));
  });

  test("the check rejects a new error and a worse verdict, and accepts a neutral edit", async () => {
    const text = writerAndReader("MAP_PRIVATE | MAP_ANONYMOUS");
    const before = await analyseText(text, rfc);
    const at = (needle: string) => text.indexOf(needle);
    const fix = (startIndex: number, endIndex: number, newText: string): QuickFix => ({
      title: "test",
      rules: [],
      edits: [{ startIndex, endIndex, newText }],
      isPreferred: false,
    });
    const neutral = fix(at("    memset"), at("    memset"), "    /* fill */\n");
    assert.equal(neverWorse(text, neutral, before, 0, rfc), true);
    // Gifting hugetlb memory is a new error (VMS-RFC-HUGETLB-OOPS: the kernel crashes). (A shared destination is no
    // longer one: this writer does not gift, so its reader copies whatever the destination.)
    const mapping = at("MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n    if (buf");
    const flags = at("&iov, 1, 0)") + "&iov, 1, ".length;
    const worse: QuickFix = {
      title: "test",
      rules: [],
      edits: [
        { startIndex: mapping, endIndex: mapping, newText: "MAP_HUGETLB | " },
        { startIndex: flags, endIndex: flags + 1, newText: "SPLICE_F_GIFT" },
      ],
      isPreferred: false,
    };
    assert.equal(neverWorse(text, worse, before, 0, rfc), false);
  });

  test("a cancelled request gets no fix (each check is a fresh analysis of the file)", async () => {
    const text = writerAndReader("MAP_PRIVATE | MAP_ANONYMOUS");
    const analysis = await analyseText(text, rfc);
    const tree = parseC(await sharedParser(), text);
    assert.ok(tree);
    try {
      const call = analysis.calls[0];
      assert.ok(quickFixesForCall(call, text, tree, call.findings).length > 0);
      assert.deepEqual(
        quickFixesForCall(call, text, tree, call.findings, () => true),
        [],
      );
    } finally {
      tree.delete();
    }
  });
});
