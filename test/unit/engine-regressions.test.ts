/**
 * Edits far from a call that still change its facts, typed through the server's didChange path: the facts must be
 * extracted again, and the result must equal a fresh analysis. The first two were wrong with the old hand-written
 * list of "names that matter" (facts-reuse.ts): `mkfifo` was consulted by the extractor but missing from the list, and
 * a struct member assignment in another function was not a name on it at all. The others pin parts of the rule in
 * engine/reads.ts: identifiers spanning an edit's edge, the "splice" text check, and that unrelated edits still move
 * the facts instead of extracting them.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SETTINGS, type LensSettings } from "../../server/src/config";
import { AnalysisService, type DocumentAnalysis } from "../../server/src/protocol/analysis-service";
import { DocumentStore } from "../../server/src/protocol/documents";
import { analysisJson, freshAnalysis, newEngine } from "./engine-support";

const fixtures = path.resolve(__dirname, "..", "fixtures");
const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, debounceMs: 0 };
const options = { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize };

const UNRELATED = `
static int unrelated(struct sender *d, int x)
{
    int y = x * 2;
    return y + 1;
}
`;

/** Opens `text`, analyses it, then types `inserted` right after the first `anchor` (or replaces `remove` there). */
async function typeInto(
  text: string,
  anchor: string,
  inserted: string,
  remove = 0,
): Promise<{
  before: DocumentAnalysis;
  after: DocumentAnalysis;
  reused: number;
  extracted: number;
  confined: number;
  bodyEdits: number;
  parsed: number;
}> {
  const store = new DocumentStore(await newEngine(true));
  const analyses = new AnalysisService(store);
  const uri = "file:///regression/test.c";
  const entry = await store.open(uri, "c", 1, text);
  // A snapshot: reused facts are moved in place, so the first analysis' ranges follow the text.
  const before = JSON.parse(JSON.stringify(analyses.analyze(entry, settings))) as DocumentAnalysis;
  const at = text.indexOf(anchor);
  assert.ok(at >= 0, `anchor ${anchor} not found`);
  const start = entry.document.positionAt(at + anchor.length);
  const end = entry.document.positionAt(at + anchor.length + remove);
  const statistics = { ...analyses.statistics };
  const changed = store.change(uri, 2, [{ range: { start, end }, text: inserted }]);
  assert.ok(changed);
  const after = analyses.analyze(changed, settings);
  assert.equal(analyses.statistics.confinementViolations, 0);
  const fresh = analysisJson(freshAnalysis(await newEngine(), uri, changed.document.getText(), options));
  assert.equal(analysisJson(after.analysis), fresh, "the editor path differs from a fresh analysis");
  return {
    before,
    after,
    reused: analyses.statistics.reused - statistics.reused,
    extracted: analyses.statistics.extracted - statistics.extracted,
    confined: analyses.statistics.confined - statistics.confined,
    bodyEdits: analyses.statistics.bodyEdits - statistics.bodyEdits,
    parsed: analyses.statistics.parsed - statistics.parsed,
  };
}

const rules = (analysis: DocumentAnalysis) => analysis.analysis.findings.map((finding) => finding.rule);
const verdicts = (analysis: DocumentAnalysis) => analysis.analysis.calls.map((call) => call.verdict);

const WFD_PROGRAM = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

struct sender {
    int wfd;
};

static int setup(struct sender *d)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    d->wfd = fds[1];
    return 0;
}

static int send_page(struct sender *d)
{
    long page = sysconf(_SC_PAGESIZE);
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t n = vmsplice(d->wfd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    munmap(buf, page);
    return n < 0 ? -1 : 0;
}
${UNRELATED}`;

describe("edits in an unrelated function that change a call's facts", () => {
  const notPipe = readFileSync(path.join(fixtures, "VMS-NOT-PIPE", "invalid", "open-regular-file.c"), "utf8");
  const withHelper = `struct sender { int wfd; };\n${notPipe}${UNRELATED}`;

  test("typing mkfifo(...) in another function drops the stale VMS-NOT-PIPE error", async () => {
    const result = await typeInto(withHelper, "int y = x * 2;\n", '    mkfifo("/tmp/q", 0600);\n');
    assert.deepEqual(rules(result.before), ["VMS-NOT-PIPE"]);
    assert.deepEqual(rules(result.after), []);
    assert.deepEqual(verdicts(result.after), ["move"]);
    assert.equal(result.extracted, 1);
  });

  test("typing d->wfd = 0; in another function turns a move into unknown", async () => {
    const result = await typeInto(WFD_PROGRAM, "int y = x * 2;\n", "    d->wfd = 0;\n");
    assert.deepEqual(verdicts(result.before), ["move"]);
    assert.deepEqual(verdicts(result.after), ["unknown"]);
    assert.equal(result.extracted, 1);
  });

  test("an identifier completed across the edit's edge counts (mk + fifo)", async () => {
    const text = withHelper.replace("int y = x * 2;\n", 'int y = x * 2;\n    mk("/tmp/q", 0600);\n');
    const result = await typeInto(text, "    mk", "fifo");
    assert.deepEqual(rules(result.before), ["VMS-NOT-PIPE"]);
    assert.deepEqual(rules(result.after), []);
  });

  test("an identifier cut across the edit's edge counts (mkfifo - fifo)", async () => {
    const text = withHelper.replace("int y = x * 2;\n", 'int y = x * 2;\n    mkfifo("/tmp/q", 0600);\n');
    const result = await typeInto(text, "    mk", "", "fifo".length);
    assert.deepEqual(rules(result.before), []);
    assert.deepEqual(rules(result.after), ["VMS-NOT-PIPE"]);
  });

  test("fork() typed before the call's function is seen", async () => {
    const result = await typeInto(WFD_PROGRAM, "    memset(buf, 'A', page);\n", "    fork();\n");
    assert.notDeepEqual(result.after.analysis.findings, result.before.analysis.findings);
  });

  test("a file that starts to mention vmsplice is analysed", async () => {
    const plain = "int main(void)\n{\n    return 0;\n}\n";
    const result = await typeInto(plain, "{\n", "    vmsplice(1, 0, 1, 0);\n");
    assert.equal(result.before.analysis.calls.length, 0);
    assert.equal(result.after.analysis.calls.length, 1);
  });
});

describe("edits that cannot change the facts move them", () => {
  test("typing inside an unrelated function reuses the facts, with the ranges moved", async () => {
    const result = await typeInto(WFD_PROGRAM, "int y = x", " + 1");
    assert.equal(result.reused, 1);
    assert.equal(result.extracted, 0);
    // Valid C before and after, inside one function's body, which no fact depends on: the function parsed alone
    // proves it (engine/body-edit.ts), and the file is not reparsed at all.
    assert.equal(result.bodyEdits, 1);
    assert.equal(result.parsed, 0);
  });

  test("a line added above a node a fact names by its line is not moved over: the number follows", async () => {
    // The descriptor's explanation names show(fds)'s line; it used to keep the old number (seeded property run 1).
    const program = [
      "#define _GNU_SOURCE",
      "#include <string.h>",
      "#include <sys/mman.h>",
      "#include <sys/uio.h>",
      "#include <unistd.h>",
      "",
      "void show(int *slots);",
      "",
      "int main(void)",
      "{",
      "    int fds[2];",
      "    long page = sysconf(_SC_PAGESIZE);",
      "    if (pipe(fds) < 0)",
      "        return 1;",
      "    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);",
      "    if (buf == MAP_FAILED)",
      "        return 1;",
      "    memset(buf, 'x', page);",
      "    show(fds);",
      "    struct iovec iov = { .iov_base = buf, .iov_len = page };",
      "    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) < 0;",
      "}",
      "",
    ].join("\n");
    const result = await typeInto(program, "void show(int *slots);\n", "enum { PAGE_SZ = 4096 };\n");
    const explanation = (analysis: DocumentAnalysis) => JSON.stringify(analysis.analysis.calls[0].call.fd);
    assert.match(explanation(result.before), /show\(fds\) \(line 19\)/);
    assert.match(explanation(result.after), /show\(fds\) \(line 20\)/);
    assert.equal(result.reused, 0);
  });

  test("a '/*' typed in a function body whose '*/' comes in a later item is no edit inside that body", async () => {
    // Alone, the helper's new text parses as one function (`MAP_ANONYMO / *US`); in the file, `/*` opens a comment that
    // the comment after main's call closes, so main's call is gone (seeded property run 3, 3,000 edits).
    const program = [
      "#define _GNU_SOURCE",
      "#include <sys/mman.h>",
      "#include <sys/uio.h>",
      "#include <unistd.h>",
      "",
      "static char *alloc_page(size_t n)",
      "{",
      "    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);",
      "    return p == MAP_FAILED ? NULL : p;",
      "}",
      "",
      "int main(void)",
      "{",
      "    int fds[2];",
      "    if (pipe(fds) < 0)",
      "        return 1;",
      "    char *buf = alloc_page(4096);",
      "    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };",
      "    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096; /* a comment */",
      "}",
      "",
    ].join("\n");
    const result = await typeInto(program, "MAP_ANONYMO", "/*");
    assert.equal(result.before.analysis.calls.length, 1);
    assert.equal(result.after.analysis.calls.length, 0, "main's call is inside the comment now");
    assert.equal(result.bodyEdits, 0, "the edit is not taken for one inside alloc_page's body");
  });

  test("a new line above every call moves the facts one line down", async () => {
    const result = await typeInto(`/* header */\n${WFD_PROGRAM}`, "/* header", " comment\n");
    assert.equal(result.reused, 1);
    const line = (analysis: DocumentAnalysis) => analysis.analysis.calls[0].call.range.start.line;
    assert.equal(line(result.after), line(result.before) + 1);
  });
});
