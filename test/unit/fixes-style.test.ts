// Fixes never make things worse (issue 11 point 4): the page-size fix changes the allocation, the fill and the length
// together or is not offered; generated code follows the file's indentation and adds only the includes it needs; the
// helper reads like the user's code; the alignment fix's comment fits a reader destination; one preferred fix per
// finding; titles say what the fix does. Every fixed text is compiled with gcc.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AnalysisOptions } from "../../server/src/analysis/facts";
import { indentUnitOf } from "../../server/src/analysis/fixes";
import { onePreferredPerRule } from "../../server/src/rules/quick-fixes";
import { analyseText, applyEdits, compileMessages, gccAvailable, offeredFixes } from "./fixes-support";

const rfc: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };
const skip = gccAvailable() ? false : "gcc is not installed";

function literalProgram(allocation: string, indent = "\t"): string {
  return `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_page(int fd)
{
${indent}char *buf = ${allocation};
${indent}if (buf == NULL || buf == MAP_FAILED)
${indent}${indent}return -1;
${indent}memset(buf, 'A', 4096);
${indent}struct iovec iov;
${indent}iov.iov_base = buf;
${indent}iov.iov_len = 4096;
${indent}return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) > 0 ? 0 : -1;
}
`;
}

function compiles(text: string, name: string): void {
  const compiled = compileMessages(text, name);
  assert.ok(compiled.ok, compiled.output);
  assert.ok(!compiled.output.includes("warning:"), compiled.output);
}

async function pageSizeFix(text: string) {
  return (await offeredFixes(text, rfc)).find((offered) => offered.fix.rules.includes("VMS-PAGE-SIZE-LITERAL"));
}

describe("the page-size fix changes the allocation, the fill and the length together", { skip }, () => {
  for (const [name, allocation] of [
    ["malloc", "malloc(4096)"],
    ["mmap", "mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)"],
  ] as const) {
    test(`${name}(4096), memset(…, 4096) and iov_len = 4096 all become the page size`, async () => {
      const text = literalProgram(allocation);
      const offered = await pageSizeFix(text);
      assert.ok(offered, "the page-size fix is offered");
      assert.match(offered.fix.title, /the length, the allocation and the fill/, offered.fix.title);
      const fixed = applyEdits(text, offered.fix.edits);
      compiles(fixed, `page-size-${name}.c`);
      const body = fixed.slice(fixed.indexOf("int send_page"));
      assert.ok(body.includes(`${allocation.replace("4096", "sysconf(_SC_PAGESIZE)")};`), body);
      assert.ok(body.includes("memset(buf, 'A', sysconf(_SC_PAGESIZE));"), body);
      assert.ok(body.includes("iov.iov_len = sysconf(_SC_PAGESIZE);"), body);
      for (const pageSize of [16384, 65536] as const) {
        const after = await analyseText(fixed, { kernel: "rfc-v2", pageSize });
        assert.ok(
          !after.findings.some(
            (finding) => finding.rule === "VMS-PAGE-SIZE-LITERAL" || finding.rule === "VMS-LEN-PAGE",
          ),
          `no literal page size and no short chunk left at ${pageSize}`,
        );
      }
    });
  }

  test("a #define of the page size is changed once, and the title says so", async () => {
    const text = readFileSync(path.join(__dirname, "..", "..", "samples", "page-size-literal.c"), "utf8");
    const offered = await pageSizeFix(text);
    assert.ok(offered);
    assert.match(offered.fix.title, /^Define PAGE as the runtime page size sysconf\(_SC_PAGESIZE\) instead of 4096/);
    const fixed = applyEdits(text, offered.fix.edits);
    assert.ok(fixed.includes("#define PAGE sysconf(_SC_PAGESIZE)"));
    compiles(fixed, "page-size-macro.c");
  });

  test("not offered when the buffer is an array of 4096 bytes, which a runtime page size would outgrow", async () => {
    const text = `#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>

static char buf[4096] __attribute__((aligned(4096)));

int send_page(int fd)
{
    memset(buf, 'A', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) > 0 ? 0 : -1;
}
`;
    const before = await analyseText(text, rfc);
    assert.ok(before.findings.some((finding) => finding.rule === "VMS-PAGE-SIZE-LITERAL"));
    assert.equal(await pageSizeFix(text), undefined);
  });
});

describe("generated code reads like the file around it", { skip }, () => {
  const giftFromMalloc = readFileSync(path.join(__dirname, "..", "e2e", "workspace", "gift-from-malloc.c"), "utf8");

  test("the allocation helper follows the file's indentation: tabs, 2 or 4 spaces", async () => {
    for (const [unit, name] of [
      ["\t", "tabs"],
      ["  ", "two"],
      ["    ", "four"],
    ] as const) {
      const text = giftFromMalloc.replace(/^( {4})+/gm, (run) => unit.repeat(run.length / 4));
      assert.equal(indentUnitOf(text), unit);
      const offered = (await offeredFixes(text, rfc)).find((item) => item.fix.rules.includes("VMS-ALIGN-SRC"));
      assert.ok(offered, `an alignment fix (${name})`);
      const inserted = offered.fix.edits.map((edit) => edit.newText).join("");
      const indented = inserted.split("\n").filter((line) => /^\s/.test(line));
      assert.ok(indented.length > 0, inserted);
      const levels = new RegExp(`^(${unit === "\t" ? "\\t" : unit})+\\S`);
      for (const line of indented) assert.match(line, levels, JSON.stringify(line));
      if (unit !== "\t") assert.ok(!inserted.includes("\t"), "no tab in a file indented with spaces");
      else assert.ok(!/^ /m.test(inserted), "no space indentation in a tab-indented file");
      compiles(applyEdits(text, offered.fix.edits), `indent-${name}.c`);
    }
  });

  test("the helper is named like user code, and only the includes it needs are added", async () => {
    const offered = (await offeredFixes(giftFromMalloc, rfc)).find((item) => item.fix.rules.includes("VMS-ALIGN-SRC"));
    assert.ok(offered);
    const inserted = offered.fix.edits.map((edit) => edit.newText).join("");
    assert.match(inserted, /static void \*page_aligned_alloc\(size_t size\)/);
    assert.doesNotMatch(inserted, /vmsplice_lens|vmsplice Lens|lens/i, "nothing named after the tool");
    assert.doesNotMatch(inserted, /#include/, "stdlib.h and unistd.h are already there; string.h is not needed");
    const bare = giftFromMalloc.replace("#include <string.h>\n", "").replace("#include <unistd.h>\n", "");
    const fix = (await offeredFixes(bare, rfc)).find((item) => item.fix.rules.includes("VMS-ALIGN-SRC"));
    if (fix) {
      const includes =
        fix.fix.edits
          .map((edit) => edit.newText)
          .join("")
          .match(/#include <[^>]+>/g) ?? [];
      assert.deepEqual(includes, ["#include <unistd.h>"], "sysconf needs unistd.h; malloc's helper needs no string.h");
    }
  });

  test("the alignment fix's comment says what the alignment is for: moving into a reader's destination", async () => {
    const alignDst = readFileSync(path.join(__dirname, "..", "..", "samples", "align-dst.c"), "utf8");
    const offered = (await offeredFixes(alignDst, rfc)).find((item) => item.fix.rules.includes("VMS-ALIGN-DST"));
    assert.ok(offered);
    const inserted = offered.fix.edits.map((edit) => edit.newText).join("");
    assert.match(inserted, /so vmsplice can move whole pages into it/);
    assert.doesNotMatch(inserted, /gift/, "a destination is not gifted from");
    assert.match(offered.fix.title, /^Allocate dst page-aligned: malloc\(\) becomes page_aligned_alloc\(\)/);
    compiles(applyEdits(alignDst, offered.fix.edits), "align-dst-fixed.c");
    const source = (await offeredFixes(giftFromMalloc, rfc)).find((item) => item.fix.rules.includes("VMS-ALIGN-SRC"));
    assert.match(
      source?.fix.edits.map((edit) => edit.newText).join("") ?? "",
      /so vmsplice can gift whole pages from it/,
    );
  });
});

describe("exactly one preferred fix per finding", () => {
  test("a second preferred fix for the same rule is offered as an alternative", () => {
    const fix = (title: string, rules: string[], isPreferred: boolean) => ({ title, rules, edits: [], isPreferred });
    const result = onePreferredPerRule([
      fix("a", ["VMS-X"], true),
      fix("b", ["VMS-X", "VMS-Y"], true),
      fix("c", ["VMS-Y"], true),
      fix("d", ["VMS-Z"], false),
    ]);
    assert.deepEqual(
      result.map((item) => [item.title, item.isPreferred]),
      [
        ["a", true],
        ["b", false],
        ["c", true],
        ["d", false],
      ],
    );
  });

  test("on every sample, no rule of a call has two preferred fixes", async () => {
    const samples = path.join(__dirname, "..", "..", "samples");
    for (const name of readdirSync(samples).filter((file) => file.endsWith(".c"))) {
      const text = readFileSync(path.join(samples, name), "utf8");
      for (const options of [rfc, { kernel: "rfc-v2", pageSize: 16384 } as AnalysisOptions]) {
        const offered = await offeredFixes(text, options);
        const preferred = new Map<string, string>();
        for (const { callIndex, fix } of offered) {
          if (!fix.isPreferred) continue;
          for (const rule of fix.rules) {
            const key = `${callIndex}:${rule}`;
            assert.ok(
              !preferred.has(key),
              `${name}: "${preferred.get(key)}" and "${fix.title}" are both preferred for ${rule}`,
            );
            preferred.set(key, fix.title);
          }
        }
      }
    }
  });
});
