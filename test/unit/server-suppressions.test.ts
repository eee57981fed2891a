// Suppression comments: parsing the comment text, tying it to the next call, and reporting faulty suppressions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import { parseSuppressionComment, SUPPRESSION_RULE } from "../../server/src/analysis/suppressions";
import { analyseText } from "./fixes-support";

const rfc: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };

describe("parseSuppressionComment", () => {
  test("reads ids and reason from line and block comments", () => {
    assert.deepEqual(
      parseSuppressionComment("// vmsplice-lens: ignore VMS-ALIGN-SRC, VMS-LEN-PAGE -- the consumer copies anyway"),
      { ids: ["VMS-ALIGN-SRC", "VMS-LEN-PAGE"], reason: "the consumer copies anyway", problems: [] },
    );
    assert.deepEqual(
      parseSuppressionComment("/* vmsplice-lens: ignore vms-partial --  short writes   are retried */"),
      { ids: ["VMS-PARTIAL"], reason: "short writes are retried", problems: [] },
    );
  });

  test("prose that mentions the tool is not a suppression", () => {
    assert.equal(parseSuppressionComment("// see vmsplice-lens: it explains the copy"), null);
    assert.equal(parseSuppressionComment("// nothing to see"), null);
  });

  test("missing reason, unknown id and empty id list are problems", () => {
    assert.deepEqual(parseSuppressionComment("// vmsplice-lens: ignore VMS-ALIGN-SRC")?.problems, [
      "gives no reason (add '-- why this is safe' after the rule ids)",
    ]);
    assert.deepEqual(parseSuppressionComment("// vmsplice-lens: ignore VMS-ALIGN -- typo")?.problems, [
      "names unknown rule id 'VMS-ALIGN'",
    ]);
    assert.equal(parseSuppressionComment("// vmsplice-lens: ignore -- why")?.problems.length, 1);
  });
});

const header = `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
`;

function source(comment: string, literal = ""): string {
  return `${header}
int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = malloc(page);
    if (!buf)
        return 1;
    memset(buf, 'x', page);
    const char *text = "${literal}";
    (void)text;
    struct iovec iov = { .iov_base = buf, .iov_len = page };
${comment}
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    return sent < 0;
}
`;
}

describe("applySuppressions through the analyzer", () => {
  test("a suppression with a reason silences the named rules on the next call and nothing else", async () => {
    const plain = await analyseText(source(""), rfc);
    const rules = plain.calls[0].findings.map((finding) => finding.rule);
    assert.ok(rules.includes("VMS-ALIGN-SRC"), `the analyzer reports VMS-ALIGN-SRC here (got ${rules.join(", ")})`);
    const silenced = await analyseText(
      source("    // vmsplice-lens: ignore VMS-ALIGN-SRC -- the consumer copies anyway"),
      rfc,
    );
    const remaining = silenced.calls[0].findings.map((finding) => finding.rule);
    assert.ok(!remaining.includes("VMS-ALIGN-SRC"));
    assert.deepEqual(remaining.sort(), rules.filter((rule) => rule !== "VMS-ALIGN-SRC").sort());
    assert.ok(
      !silenced.findings.some((finding) => finding.rule === "VMS-ALIGN-SRC" || finding.rule === SUPPRESSION_RULE),
    );
  });

  test("a suppression without a reason still silences, and is reported itself", async () => {
    const analysis = await analyseText(source("    // vmsplice-lens: ignore VMS-ALIGN-SRC"), rfc);
    assert.ok(!analysis.findings.some((finding) => finding.rule === "VMS-ALIGN-SRC"));
    const reported = analysis.findings.filter((finding) => finding.rule === SUPPRESSION_RULE);
    assert.equal(reported.length, 1);
    assert.match(reported[0].message, /no reason/);
    assert.equal(reported[0].range.start.line, 20);
  });

  test("an unknown rule id is reported and silences nothing", async () => {
    const analysis = await analyseText(source("    // vmsplice-lens: ignore VMS-ALIGN -- typo"), rfc);
    assert.ok(analysis.findings.some((finding) => finding.rule === "VMS-ALIGN-SRC"));
    assert.match(
      analysis.findings.find((finding) => finding.rule === SUPPRESSION_RULE)?.message ?? "",
      /unknown rule id 'VMS-ALIGN'/,
    );
  });

  test("a suppression that precedes no vmsplice call is reported", async () => {
    const text = `${header}\nint main(void)\n{\n    // vmsplice-lens: ignore VMS-PARTIAL -- nothing follows\n    return 0;\n}\n/* vmsplice */\n`;
    const analysis = await analyseText(text, rfc);
    assert.match(
      analysis.findings.find((finding) => finding.rule === SUPPRESSION_RULE)?.message ?? "",
      /not followed by a vmsplice call/,
    );
  });

  test("the marker inside a string literal is not a suppression", async () => {
    const analysis = await analyseText(source("", "vmsplice-lens: ignore VMS-ALIGN-SRC -- not a comment"), rfc);
    assert.ok(analysis.findings.some((finding) => finding.rule === "VMS-ALIGN-SRC"));
    assert.ok(!analysis.findings.some((finding) => finding.rule === SUPPRESSION_RULE));
  });
});
